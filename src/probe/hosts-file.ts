// The hosts file, read the way the system reads it (glibc's files backend: `#` starts a comment
// anywhere, one address then its names, names match case-insensitively, every line naming a host
// counts), but parsed once and kept: dns.lookup re-reads /etc/hosts in the libuv thread pool on
// every call (~350 µs each with a large file), while HostsFile.lookup measured 0.9–2 µs with a
// 150,000-name file (`npm run bench -- hosts`, 2 busy cores). Parsing that file took 0.5–1.2 s on
// the same busy machine, paid once per change of the file.
import { open, stat } from 'node:fs/promises';
import { isIP } from 'node:net';

export interface HostsAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export interface HostsTable {
  /** Lower-case names without a trailing dot → their addresses, in file order, no repeats. */
  readonly names: ReadonlyMap<string, readonly HostsAddress[]>;
  /** The file was larger than the cap: only the lines before it were read. */
  readonly truncated: boolean;
}

/** The default: the system's file. Windows keeps it elsewhere; mcpwatch runs on Linux and macOS. */
export const SYSTEM_HOSTS_FILE = '/etc/hosts';
/**
 * Ad-blocking hosts files (StevenBlack's unified list with every extension) run to ~10 MB; past
 * this the file is something else, and the lines before the cap are what gets used.
 */
export const DEFAULT_MAX_HOSTS_BYTES = 16 * 1024 * 1024;
/** A change to the file is noticed within this long; a probe costs no file-system call in between. */
export const DEFAULT_HOSTS_RECHECK_MS = 1000;

export const EMPTY_HOSTS: HostsTable = Object.freeze({ names: new Map(), truncated: false });

/** How a name is compared: `LocalHost.` and `localhost` are the same name. */
export function normalizeHostName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Pure: the text of a hosts file → its table. Lines whose first field is not an IP address are
 * skipped, as glibc does. Past `maxChars` only whole lines before the cap count.
 */
export function parseHosts(text: string, maxChars = DEFAULT_MAX_HOSTS_BYTES): HostsTable {
  let body = text;
  let truncated = false;
  if (body.length > maxChars) {
    truncated = true;
    body = body.slice(0, maxChars);
    body = body.slice(0, body.lastIndexOf('\n') + 1);
  }
  const names = new Map<string, HostsAddress[]>();
  // Ad-blocking files map 100,000+ names to 0.0.0.0: one shared object per address keeps them small.
  const interned = new Map<string, HostsAddress>();
  for (const rawLine of body.split('\n')) {
    const hash = rawLine.indexOf('#');
    const line = hash === -1 ? rawLine : rawLine.slice(0, hash);
    const fields = line.split(/[ \t\r\f\v]+/).filter((f) => f !== '');
    if (fields.length < 2) continue;
    const address = fields[0]!;
    let entry = interned.get(address);
    if (entry === undefined) {
      const family = isIP(address);
      if (family === 0) continue;
      entry = Object.freeze({ address, family: family === 6 ? 6 : 4 });
      interned.set(address, entry);
    }
    for (let i = 1; i < fields.length; i++) {
      const name = normalizeHostName(fields[i]!);
      if (name === '') continue;
      const list = names.get(name);
      if (list === undefined) names.set(name, [entry]);
      else if (!list.includes(entry)) list.push(entry);
    }
  }
  return { names, truncated };
}

export interface HostsFileOptions {
  readonly path: string;
  readonly maxBytes?: number;
  readonly recheckMs?: number;
  /** Monotonic ms (performance.now in production); injected so tests control re-reads. */
  readonly clock?: () => number;
}

/**
 * One hosts file, parsed once and re-read when it changes. At most one stat per `recheckMs`, shared
 * by every probe asking meanwhile; the file is read again only when its inode, size or times moved
 * (editors and Docker replace the file rather than write it in place, hence the inode).
 */
export class HostsFile {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #recheckMs: number;
  readonly #clock: () => number;
  #table: HostsTable = EMPTY_HOSTS;
  #version: string | undefined;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  constructor(options: HostsFileOptions) {
    this.path = options.path;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_HOSTS_BYTES;
    this.#recheckMs = options.recheckMs ?? DEFAULT_HOSTS_RECHECK_MS;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** The addresses the file gives `name`, or undefined when it does not name it. */
  async lookup(name: string): Promise<readonly HostsAddress[] | undefined> {
    return (await this.table()).names.get(normalizeHostName(name));
  }

  /** The current table, re-read first if the file changed since the last check. */
  async table(): Promise<HostsTable> {
    if (this.#refreshing === undefined && this.#clock() - this.#checkedAt >= this.#recheckMs) {
      this.#checkedAt = this.#clock();
      this.#refreshing = this.#refresh().finally(() => (this.#refreshing = undefined));
    }
    if (this.#refreshing !== undefined) await this.#refreshing;
    return this.#table;
  }

  async #refresh(): Promise<void> {
    try {
      const info = await stat(this.path);
      // A FIFO or a device would block or never end a read: only a regular file is a hosts file.
      if (!info.isFile()) {
        this.#replace('not a file', EMPTY_HOSTS);
        return;
      }
      const version = `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
      if (version === this.#version) return;
      const text = await readCapped(this.path, Math.min(info.size, this.#maxBytes) + 1);
      this.#replace(version, parseHosts(text, this.#maxBytes));
    } catch {
      // No file (a minimal container) or no permission: no names from it, as for the system.
      this.#replace('unreadable', EMPTY_HOSTS);
    }
  }

  #replace(version: string, table: HostsTable): void {
    this.#version = version;
    this.#table = table;
  }
}

/**
 * At most `limit` bytes. Callers ask for one byte past the cap, so the parser can tell a file that
 * hit the cap from one that fits; a file that grows meanwhile is read again at the next check.
 */
async function readCapped(path: string, limit: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    // Names are ASCII; latin1 maps bytes 1:1 so the character cap is the byte cap.
    return buffer.toString('latin1', 0, filled);
  } finally {
    await handle.close();
  }
}
