// A failing job logs its episode, not every attempt: the first failure, a reminder at most every
// remindMs, one line when it works again. A real pino logger writing JSON lines; an injected clock.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { type Logger, pino } from 'pino';
import { FailureEpisode } from '../../src/service/failure-episode.ts';

function collectingLogger(): { log: Logger; lines: () => Array<{ level: number; msg: string; failures?: number; failedForMs?: number; failingForMs?: number }> } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines: () => out.map((line) => JSON.parse(line) as never) };
}

test('an outage of 300 attempts logs 1 failure, reminders once a minute, and 1 recovery with the totals', async () => {
  const { log, lines } = collectingLogger();
  let now = 0;
  const episode = new FailureEpisode(log, 'deriving alerts', { clock: () => now, remindMs: 60_000 });
  episode.succeeded();
  for (let i = 0; i < 300; i++) {
    episode.failed(new Error('connection terminated'));
    now += 1000;
  }
  assert.equal(episode.failing, true);
  episode.succeeded();
  episode.succeeded();
  await new Promise((resolve) => setImmediate(resolve));
  const got = lines().map((l) => [l.level, l.msg]);
  assert.deepEqual(got, [
    [50, 'deriving alerts failed; retrying, and saying when it works again'],
    [50, 'deriving alerts still failing'],
    [50, 'deriving alerts still failing'],
    [50, 'deriving alerts still failing'],
    [50, 'deriving alerts still failing'],
    [30, 'deriving alerts works again'],
  ]);
  const last = lines().at(-1)!;
  assert.equal(last.failures, 300);
  assert.equal(last.failedForMs, 300_000);
  assert.equal(episode.failing, false);

  // A second episode starts afresh.
  episode.failed(new Error('again'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lines().at(-1)!.msg, 'deriving alerts failed; retrying, and saying when it works again');
});
