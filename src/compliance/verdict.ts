// What one check concludes, before the runner stamps it with the check's id and level.
import type { CheckOutcome } from '../domain/compliance.ts';
import { sanitizeText } from '../domain/detail.ts';

export interface Verdict {
  readonly outcome: CheckOutcome;
  readonly evidence: string;
}

/** Evidence quotes the server: one printable line, short enough for a table row and a stored row. */
export const MAX_EVIDENCE_CHARS = 300;

export function evidence(text: string): string {
  return sanitizeText(text, MAX_EVIDENCE_CHARS);
}

export const pass = (text: string): Verdict => ({ outcome: 'pass', evidence: evidence(text) });
export const fail = (text: string): Verdict => ({ outcome: 'fail', evidence: evidence(text) });
export const notApplicable = (text: string): Verdict => ({ outcome: 'not_applicable', evidence: evidence(text) });
export const unobserved = (text: string): Verdict => ({ outcome: 'error', evidence: evidence(text) });

/** Server-supplied values quoted inside evidence, cut short before the whole line is. */
export function quote(value: unknown, max = 60): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return sanitizeText(text, max);
}

/** "1 tool", "3 tools". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
