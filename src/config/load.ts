// The only part of configuration that touches the disk: read the file, parse it, read the extra
// CA bundle it names. Synchronous on purpose: it runs once, before anything else starts.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig, type Env, type ParseOptions } from './parse.ts';
import { DEFAULT_CONFIG_FILE, type Config, type ConfigResult } from './schema.ts';

export interface LoadOptions extends ParseOptions {
  /** Where relative paths (the config file, probe.extraCaFile) are resolved; default process.cwd(). */
  readonly cwd?: string;
}

type Read = { ok: true; text: string } | { ok: false; missing: boolean; reason: string };

function readText(path: string): Read {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
    const reasons: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'is a directory' };
    return { ok: false, missing: code === 'ENOENT', reason: reasons[code] ?? (err instanceof Error ? err.message : String(err)) };
  }
}

/**
 * Loads the configuration. An explicit `path` must exist; without one, ./mcpwatch.yaml is used
 * when present and the defaults (plus environment overrides) otherwise.
 */
export function loadConfig(path: string | undefined, env: Env, options: LoadOptions = {}): ConfigResult {
  const cwd = options.cwd ?? process.cwd();
  const wanted = path ?? DEFAULT_CONFIG_FILE;
  const read = readText(resolve(cwd, wanted));
  let text: string | undefined;
  if (read.ok) text = read.text;
  else if (path !== undefined || !read.missing) return { ok: false, errors: [`config file ${wanted}: cannot read: ${read.reason}`] };

  const parsed = parseConfig(text, env, options.sections !== undefined ? { sections: options.sections } : {});
  if (!parsed.ok) return parsed;
  const warnings = [...parsed.warnings];
  if (text === undefined) warnings.unshift(`no config file (${DEFAULT_CONFIG_FILE} not found in ${cwd}); running with defaults and environment overrides only`);

  const caFile = parsed.config.probe.extraCaFile;
  if (caFile === null) return { ok: true, config: parsed.config, warnings };
  const ca = readCaBundle(resolve(cwd, caFile), caFile);
  if (!ca.ok) return { ok: false, errors: [ca.error] };
  if (ca.warning !== undefined) warnings.push(ca.warning);
  return { ok: true, config: withExtraCa(parsed.config, ca.pem), warnings };
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function readCaBundle(fullPath: string, shownPath: string): { ok: true; pem: string; warning?: string } | { ok: false; error: string } {
  const at = 'probe.extraCaFile';
  const read = readText(fullPath);
  if (!read.ok) return { ok: false, error: `${at}: cannot read ${shownPath}: ${read.reason}` };
  const blocks = read.text.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) return { ok: false, error: `${at}: ${shownPath} is not a PEM certificate bundle (no "-----BEGIN CERTIFICATE-----" block)` };
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { ok: false, error: `${at}: certificate ${index + 1} of ${blocks.length} in ${shownPath} cannot be parsed (${reason})` };
    }
  }
  // Only the certificates are passed on: a stray private key in a trust bundle stays here.
  const pem = `${blocks.join('\n')}\n`;
  return /PRIVATE KEY-----/.test(read.text)
    ? { ok: true, pem, warning: `${at}: ${shownPath} also contains a private key, which was ignored; a CA bundle needs only certificates` }
    : { ok: true, pem };
}

function withExtraCa(config: Config, extraCaPem: string): Config {
  // The parsed config is deeply frozen; only the two objects replaced here need freezing.
  const probe = Object.freeze({ ...config.probe, extraCaPem });
  return Object.freeze({ ...config, probe });
}
