// How much CPU the calling thread has had, from Linux's /proc/thread-self/stat (Node 20 has no
// per-thread CPU clock: process.cpuUsage() counts every thread). The loop monitor asks it once a
// sample to tell a loop that was late because it worked from one that was late because it waited
// for a CPU: on a shared 2-core box at load 16–20, a profile of a probe worker showed 400–900 ms
// stretches "busy" in the loop that held 10–20 ms of samples, the thread preempted, not working.
import { readFileSync } from 'node:fs';

/** Clock ticks per second in /proc (USER_HZ, 100 on every Linux architecture Node runs on). */
const TICKS_PER_S = 100;

const STAT = '/proc/thread-self/stat';

/** CPU time (user + system) of the calling thread since it started, ms, in 10 ms steps. */
export type ThreadCpuClock = () => number;

/**
 * The calling thread's CPU clock, or null where /proc/thread-self is missing (not Linux, or /proc
 * not mounted). Each reading opens, reads and closes the file on the calling thread (~30 µs): an
 * fd kept open would be shared with every thread, and a worker's are closed when it is terminated.
 */
export function threadCpuClock(): ThreadCpuClock | null {
  const now = (): number => {
    const text = readFileSync(STAT, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  };
  try {
    return Number.isFinite(now()) ? now : null;
  } catch {
    return null;
  }
}
