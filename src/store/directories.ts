// `mkdir -p` without Node's recursive mkdirSync, which spins forever (100 % CPU, no error) when
// mkdir answers ENOENT although the parent exists: measured on Node 20.20 with
// `mkdirSync('/proc/x', { recursive: true })`. A data directory on such a file system must fail
// with a message, not hang start-up.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Creates `dir` and its missing parents; throws the file system's error (with its code) otherwise. */
export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); !isDirectory(at); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (err) {
      // Another process may have made it meanwhile; anything else is an answer for the caller.
      if (!(typeof err === 'object' && err !== null && 'code' in err && err.code === 'EEXIST' && isDirectory(path))) throw err;
    }
  }
}
