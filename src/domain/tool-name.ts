// The spec's tool-name rule (2025-11-25 and 2026-07-28 server/tools §Tool names): 1–128 of
// A–Z a–z 0–9 _ - . — shared by `check --call-tool` and the compliance check on listed names.
export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export function isValidToolName(name: string): boolean {
  return TOOL_NAME.test(name);
}
