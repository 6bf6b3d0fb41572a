// Protocol revisions this probe can speak, newest first within each era.

export const MODERN_VERSIONS = ['2026-07-28'] as const;
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;
export const LATEST_MODERN = MODERN_VERSIONS[0];
export const LATEST_LEGACY = LEGACY_VERSIONS[0];

export function isKnownModernVersion(version: string): boolean {
  return (MODERN_VERSIONS as readonly string[]).includes(version);
}

export function isKnownLegacyVersion(version: string): boolean {
  return (LEGACY_VERSIONS as readonly string[]).includes(version);
}

/** The newest modern revision both sides speak, from a server's `supportedVersions` or -32022 `data.supported`. */
export function pickModernVersion(supported: readonly string[]): string | undefined {
  return MODERN_VERSIONS.find((v) => supported.includes(v));
}

/** Revisions that require the MCP-Protocol-Version header on requests after initialize. */
export function legacyVersionNeedsHeader(version: string): boolean {
  return version >= '2025-06-18';
}
