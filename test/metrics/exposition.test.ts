import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHelp, escapeLabelValue, formatValue, remoteLabelValue } from '../../src/metrics/exposition.ts';
import { nearestRank, renderLagSummary } from '../../src/metrics/service-metrics.ts';

test('escapeLabelValue: backslash, quote and newline escaped; other controls replaced; the rest untouched', () => {
  const cases: Array<[string, string]> = [
    ['plain-name 1.0', 'plain-name 1.0'],
    ['a"b', 'a\\"b'],
    ['a\\b', 'a\\\\b'],
    ['a\nb', 'a\\nb'],
    ['\\"\n', '\\\\\\"\\n'],
    ['a\rb\tc\u0000d\u007f', 'a\uFFFDb\uFFFDc\uFFFDd\uFFFD'],
    ['Ünïcödé ✓', 'Ünïcödé ✓'],
    ['', ''],
  ];
  for (const [input, expected] of cases) assert.equal(escapeLabelValue(input), expected, JSON.stringify(input));
});

test('remoteLabelValue: cut to the cap in code points (never inside a surrogate pair), then escaped', () => {
  assert.equal(remoteLabelValue('short'), 'short');
  assert.equal(remoteLabelValue('x'.repeat(128)), 'x'.repeat(128));
  assert.equal(remoteLabelValue('x'.repeat(129)), `${'x'.repeat(127)}…`);
  // 10 emoji are 20 UTF-16 units but 10 code points: under a cap of 10 they stay whole.
  assert.equal(remoteLabelValue('😀'.repeat(10), 10), '😀'.repeat(10));
  assert.equal(remoteLabelValue('😀'.repeat(11), 10), `${'😀'.repeat(9)}…`);
  // The cut happens before escaping, so an escape sequence is never cut in half.
  assert.equal(remoteLabelValue(`${'x'.repeat(7)}"yy`, 10), `${'x'.repeat(7)}\\"yy`);
  assert.equal(remoteLabelValue(`${'x'.repeat(8)}"yy`, 10), `${'x'.repeat(8)}\\"…`);
  assert.equal(remoteLabelValue(`${'x'.repeat(9)}"yy`, 10), `${'x'.repeat(9)}…`);
});

test('escapeHelp and formatValue', () => {
  assert.equal(escapeHelp('a\\b\nc "q"'), 'a\\\\b\\nc "q"');
  const values: Array<[number, string]> = [
    [1, '1'],
    [0, '0'],
    [0.048, '0.048'],
    [1781481600, '1781481600'],
    [1e-7, '1e-7'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
  ];
  for (const [value, expected] of values) assert.equal(formatValue(value), expected);
});

test('schedule lag quantiles: nearest rank over the window, NaN when empty', () => {
  const sorted = Float64Array.from([5, 10, 15, 20, 25, 30, 35, 40, 45, 1000]);
  assert.equal(nearestRank(sorted, 0.5), 25);
  assert.equal(nearestRank(sorted, 0.9), 45);
  assert.equal(nearestRank(sorted, 0.99), 1000);
  assert.equal(nearestRank(Float64Array.from([7]), 0.5), 7);
  assert.ok(Number.isNaN(nearestRank(new Float64Array(0), 0.5)));
  assert.match(renderLagSummary([]), /^mcpwatch_schedule_lag_seconds\{quantile="0.5"\} NaN$/m);
});
