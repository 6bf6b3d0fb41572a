// Notices when one file's content changes, the way editors and deployers actually change files.
//
// The parent directory is watched, not the file: vim, VS Code (with some settings), `sed -i`,
// Ansible and Kubernetes ConfigMaps replace a file by writing another one and renaming it over
// (or by swapping a symlinked directory), and a watch on the old inode goes silent after the first
// such save. Events only say "look now": each burst is debounced, then the content is compared with
// the last one seen, so a save that changes nothing, or a burst of rename+write+chmod, calls back
// once or not at all. A slow poll covers file systems where inotify says nothing (network mounts,
// some container bind mounts) and re-arms the watch if the directory itself went away.
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

export interface FileWatchOptions {
  /** Quiet time after the last event before the file is read, ms. */
  readonly debounceMs?: number;
  /** Fallback check interval, ms; 0 disables it. */
  readonly pollMs?: number;
  /** The content changed (or the file appeared or went missing) since the last call. */
  readonly onChange: () => void;
  /** The directory could not be watched; the poll goes on. */
  readonly onWatchError?: (err: unknown) => void;
}

export interface FileWatch {
  /** Compares the content now, without waiting for an event (used by the poll and by tests). */
  check(): void;
  stop(): void;
}

export const DEFAULT_DEBOUNCE_MS = 300;
export const DEFAULT_POLL_MS = 15_000;

/** A fingerprint of the content, or "missing". Config files are small: reading one costs microseconds. */
function fingerprint(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
}

export function watchFile(path: string, options: FileWatchOptions): FileWatch {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  let last = fingerprint(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | null = null;
  let stopped = false;

  const check = (): void => {
    if (stopped) return;
    const now = fingerprint(path);
    if (now === last) return;
    last = now;
    options.onChange();
  };

  const arm = (): void => {
    if (watcher !== null || stopped) return;
    try {
      watcher = watch(dirname(path), { persistent: false }, () => {
        clearTimeout(timer);
        timer = setTimeout(check, debounceMs);
      });
      watcher.on('error', (err) => {
        watcher?.close();
        watcher = null;
        options.onWatchError?.(err);
      });
    } catch (err) {
      watcher = null;
      options.onWatchError?.(err);
    }
  };

  arm();
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const poll =
    pollMs > 0
      ? setInterval(() => {
          arm();
          check();
        }, pollMs)
      : undefined;
  poll?.unref();

  return {
    check,
    stop(): void {
      stopped = true;
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
      watcher = null;
    },
  };
}
