// Progress lines for long commands: redrawn in place on a terminal, sparse plain lines elsewhere.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { progressReporter } from '../../src/cli/progress.ts';

function sink(isTTY: boolean): { text: string; isTTY: boolean; write(s: string): void } {
  return {
    text: '',
    isTTY,
    write(s: string) {
      this.text += s;
    },
  };
}

describe('progressReporter', () => {
  test('terminal: one line redrawn at most every 100 ms, erased at the end', () => {
    let now = 0;
    const out = sink(true);
    const progress = progressReporter('backing up a.db (pages)', out, () => now);
    progress.update(1, 1000);
    now = 50;
    progress.update(500, 1000); // too soon: not drawn
    now = 150;
    progress.update(750, 1000);
    progress.finish();
    assert.equal(out.text, '\r\u001b[Kbacking up a.db (pages): 0% (1 of 1,000)\r\u001b[Kbacking up a.db (pages): 75% (750 of 1,000)\r\u001b[K');
  });

  test('not a terminal: nothing for quick work, then a plain line every 5 s, no escape codes', () => {
    let now = 0;
    const out = sink(false);
    const progress = progressReporter('importing server.json (remotes)', out, () => now);
    now = 4_000;
    progress.update(10, 100);
    now = 5_000;
    progress.update(20, 100);
    now = 7_000;
    progress.update(30, 100);
    now = 10_000;
    progress.update(40, 100);
    progress.finish();
    assert.equal(out.text, 'importing server.json (remotes): 20% (20 of 100)\nimporting server.json (remotes): 40% (40 of 100)\n');
  });
});
