// Human log lines for a terminal: pino writes its JSON line here and this turns it into
//   12:04:05.123 INFO  listening on http://127.0.0.1:8080  database=data/mcpwatch.db
// Hand-written rather than pino-pretty (a dependency with its own transport worker thread) because
// the job is forty lines: one synchronous write per line, nothing to flush at exit.
// Values come from servers (error details, server names) and may hold escape sequences: strings
// are JSON-quoted when they contain anything but plain printable text.

export interface LineSink {
  write(text: string): unknown;
}

const LEVELS: Readonly<Record<number, { name: string; color: string }>> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '36' },
  30: { name: 'INFO ', color: '32' },
  40: { name: 'WARN ', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'err']);
const PLAIN = /^[\w./:@+,=-]+$/;

function value(v: unknown): string {
  if (typeof v === 'string') return PLAIN.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, '');
}

function clock(ms: unknown): string {
  const d = new Date(typeof ms === 'number' ? ms : Date.now());
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** One pino JSON line in, one human line (plus an error's stack) out. */
export function formatLogLine(line: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = LEVELS[entry.level as number] ?? { name: String(entry.level).padEnd(5), color: '0' };
  const paint = (code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const fields = Object.entries(entry)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${paint('90', `${k}=`)}${clean(value(v))}`);
  const err = entry.err as { message?: unknown; stack?: unknown } | undefined;
  const errText =
    err === undefined
      ? ''
      : ([err.stack, err.message].find((t): t is string => typeof t === 'string') ?? JSON.stringify(err))
          .split('\n')
          .map((l) => `\n    ${clean(l)}`)
          .join('');
  const msg = clean(typeof entry.msg === 'string' ? entry.msg : '');
  return `${paint('90', clock(entry.time))} ${paint(level.color, level.name)} ${msg}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${errText}\n`;
}

/** A pino destination that writes pretty lines to `out`. */
export function prettyDestination(out: LineSink, color: boolean): { write(line: string): void } {
  return {
    write(line: string): void {
      out.write(formatLogLine(line, color));
    },
  };
}
