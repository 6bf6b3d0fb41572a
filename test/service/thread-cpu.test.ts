// The per-thread CPU clock the loop monitor uses to tell working from waiting for a CPU. Only
// CPU time is compared, never wall-clock speed: on a loaded box a 300 ms spin got 40 ms of CPU.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { threadCpuClock } from '../../src/service/thread-cpu.ts';

const linux = existsSync('/proc/thread-self/stat');

test('the clock counts the CPU of the thread that opened it, not of the others', { skip: linux ? false : 'no /proc/thread-self (not Linux)' }, async () => {
  const main = threadCpuClock();
  assert.ok(main !== null);
  const mainBefore = main();
  // The worker spins until its own clock has moved 200 ms; the main thread waits, idle.
  const spin = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(new URL('../../src/service/thread-cpu.ts', import.meta.url).href)}).then(({ threadCpuClock }) => {
      const clock = threadCpuClock();
      const start = clock();
      while (clock() - start < 200) {}
      parentPort.postMessage(clock() - start);
    });`;
  const worker = new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); ${spin} });`, { eval: true });
  const workerMs = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const mainMs = main() - mainBefore;
  assert.ok(workerMs >= 200, `the worker's clock moved ${workerMs} ms`);
  assert.ok(mainMs < workerMs, `the main thread's clock moved ${mainMs} ms while the worker spun ${workerMs} ms`);
  assert.equal(main() % 10, 0, 'whole clock ticks (10 ms)');
});

test('a thread that spins moves its clock; one that waits barely does', { skip: linux ? false : 'no /proc/thread-self (not Linux)' }, async () => {
  const clock = threadCpuClock()!;
  const start = clock();
  while (clock() - start < 50) {
    // Burn CPU until the thread itself has had 50 ms of it, however long a loaded box takes.
  }
  const spun = clock() - start;
  assert.ok(spun >= 50 && spun < 1000, `${spun} ms`);
  const beforeWait = clock();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const waited = clock() - beforeWait;
  assert.ok(waited <= 30, `waiting 300 ms cost ${waited} ms of CPU`);
});
