// migrate-data's progress line on stderr: table, rows done of total, rate. On a terminal one line
// is redrawn at most 4 times a second; elsewhere (logs, a test reading the pipe) a plain line at
// most once a second, plus one when a table starts and one when it is finished, so a log shows
// every table's outcome.
import { type ProgressSink, progressLine } from './progress.ts';

export interface CopyProgressEvent {
  readonly table: string;
  readonly done: number;
  readonly total: number;
  /** Rows per second. */
  readonly rate: number;
}

export interface CopyProgressLine {
  update(event: CopyProgressEvent): void;
  /** Erases the redrawn line (terminal) before other output. */
  finish(): void;
}

export function copyProgressLine(out: ProgressSink, clock: () => number = Date.now): CopyProgressLine {
  const tty = out.isTTY === true;
  const everyMs = tty ? 250 : 1000;
  let last = -Infinity;
  let lastTable = '';
  const line = progressLine(out);
  return {
    update({ table, done, total, rate }) {
      const now = clock();
      // A table's first batch is shown at once: a fast copy must not skip a table's start.
      if (now - last < everyMs && table === lastTable && !(done >= total && !tty)) return;
      last = now;
      lastTable = table;
      const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
      line.show(`copying ${table}: ${done.toLocaleString('en')} of ${total.toLocaleString('en')} rows (${percent}%), ${Math.round(rate).toLocaleString('en')} rows/s`);
    },
    finish: () => line.finish(),
  };
}
