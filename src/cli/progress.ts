// Progress for long commands (`backup` of a large file, `import` of many remotes), on stderr so
// stdout stays the command's result. On a terminal one line is redrawn in place (at most every
// 100 ms) and erased at the end; elsewhere (CI logs, journald) a plain line at most every 5 s, and
// nothing at all for work that finishes sooner.

export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface Progress {
  update(done: number, total: number): void;
  /** Erases the redrawn line (terminal); the caller prints its own summary. */
  finish(): void;
}

export function progressReporter(label: string, out: ProgressSink, clock: () => number = Date.now): Progress {
  const tty = out.isTTY === true;
  const everyMs = tty ? 100 : 5000;
  const started = clock();
  let last = tty ? -Infinity : started;
  const line = progressLine(out);
  return {
    update(done, total) {
      const now = clock();
      if (now - last < everyMs || total <= 0) return;
      last = now;
      const percent = Math.floor((done / total) * 100);
      line.show(`${label}: ${percent}% (${done.toLocaleString('en')} of ${total.toLocaleString('en')})`);
    },
    finish: () => line.finish(),
  };
}

export interface ProgressLine {
  /** Redraws the line in place on a terminal; writes it as a line of its own elsewhere. */
  show(text: string): void;
  /** Erases a redrawn line, so what follows starts on a clean line. */
  finish(): void;
}

/** The drawing half of a progress report, without its pacing. */
export function progressLine(out: ProgressSink): ProgressLine {
  const tty = out.isTTY === true;
  let drawn = false;
  return {
    show(text) {
      if (tty) {
        out.write(`\r\u001b[K${text}`);
        drawn = true;
      } else {
        out.write(`${text}\n`);
      }
    },
    finish() {
      if (drawn) out.write('\r\u001b[K');
      drawn = false;
    },
  };
}
