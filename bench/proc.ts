// What a benchmark reads about another process from /proc (Linux): CPU seconds (user + system, all
// threads or one), per-thread CPU with the threads' names, and resident memory.
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100;

/** The fields after the command name of a /proc stat line (the name may hold spaces and parentheses). */
function statFields(path: string): { comm: string; fields: string[] } {
  const text = readFileSync(path, 'utf8');
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  return { comm: text.slice(open + 1, close), fields: text.slice(close + 2).split(' ') };
}

/** CPU seconds of the process (all threads), or of one thread with `tid`. */
export function cpuSeconds(pid: number, tid?: number): number {
  const { fields } = statFields(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`);
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
}

export interface ThreadCpu {
  readonly tid: number;
  readonly name: string;
  readonly seconds: number;
}

/** Every live thread's name and CPU seconds so far; a thread that ends while being read is left out. */
export function threadCpu(pid: number): ThreadCpu[] {
  const threads: ThreadCpu[] = [];
  for (const entry of readdirSync(`/proc/${pid}/task`)) {
    try {
      const { comm, fields } = statFields(`/proc/${pid}/task/${entry}/stat`);
      threads.push({ tid: Number(entry), name: comm, seconds: (Number(fields[11]) + Number(fields[12])) / CLK_TCK });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return threads;
}

export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** The 1-minute load average. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
