// The grade on the public status page, its JSON twin and the grade badge (issue 15): score, letter,
// every input, the failed checks with their evidence — which is the server's, so hostile: escaped,
// never markup.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { definition } from '../store/helper.ts';
import { HOSTILE, HOSTILE_ID, complianceDeps, sampleReport, seedRounds, type ComplianceHarness } from './compliance-fixture.ts';
import { buildTestApp } from './helper.ts';

const SPEC = 'https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#security-warning';

async function setup(options: { report?: boolean; rounds?: boolean } = {}) {
  let harness: ComplianceHarness | undefined;
  const t = await buildTestApp({
    withStore: (store, config) => {
      harness = complianceDeps(store, config);
      return { compliance: { ...harness.deps.compliance!, specLink: (id) => (id === HOSTILE_ID ? `${SPEC}"><script>alert(3)</script>` : undefined) } };
    },
  });
  after(() => t.close());
  const pub = await t.store.createEndpoint(definition('pub', { public: true, name: 'Public server' }));
  await t.store.createEndpoint(definition('priv'));
  const now = Date.now();
  if (options.rounds !== false) await seedRounds(t.store, pub.id, now, 99, 1);
  if (options.report !== false) await harness!.reports.saveReport(pub.id, sampleReport(new Date(now - 60_000).toISOString()));
  return { t, pub };
}

describe('grade on the status page', () => {
  test('score, letter, every input, the failed checks; hostile evidence, ids and spec text escaped, no markup of theirs', async () => {
    const { t } = await setup();
    const res = await t.app.inject({ url: '/status/pub' });
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.match(html, /<h2 id="grade-title">Grade<\/h2>/);
    assert.match(html, /class="grade-letter g-c">C</);
    assert.match(html, /<strong>70<\/strong> \/ 100/);
    // Each component with its input and points.
    assert.match(html, /Uptime \(30 days\)<\/td><td>99\.00% of 100 rounds<\/td><td class="num">40 \/ 50</);
    assert.match(html, /Latency p95 \(30 days\)<\/td><td>[^<]+ \(budget 1000 ms\)<\/td><td class="num">20 \/ 20</);
    assert.match(html, /Compliance<\/td><td>1 MUST and 1 SHOULD failed, 1 passed, 1 not applicable, 1 not observed<\/td><td class="num">10 \/ 30</);
    // Failed checks, MUST first, with level, evidence and the spec as text.
    const failed = html.slice(html.indexOf('id="failed-checks"'));
    assert.ok(failed.indexOf('&lt;svg onload=alert(2)&gt;') < failed.indexOf('legacy.get.405'), 'the MUST failure is listed first');
    assert.match(failed, /legacy\.get\.405<\/code><\/td><td class="lvl-should">SHOULD<\/td><td class="evidence">GET → 200 text\/html</);
    assert.ok(html.includes('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &#39;quoted&#39;'), 'evidence escaped');
    assert.ok(html.includes(`${SPEC}&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;`), 'spec link shown as escaped text');
    assert.ok(!html.includes(`href="${SPEC}`), 'and never as a link');
    for (const raw of ['<script>alert', '<img src=x', '<svg onload', '<b>bold</b>', HOSTILE]) assert.ok(!html.includes(raw), `no raw ${raw}`);
    assert.match(html, /\?type=grade/, 'the grade badge is offered');
    assert.equal(html.includes('not applicable</td>'), false, 'only failures are listed');
  });

  test('the JSON twin carries the grade and the failed checks', async () => {
    const { t } = await setup();
    const body = (await t.app.inject({ url: '/status/pub.json' })).json<{ grade: { score: number; letter: string; failedChecks: Array<{ id: string; level: string; evidence: string; spec: string }>; components: unknown[] } }>();
    assert.equal(body.grade.score, 70);
    assert.equal(body.grade.letter, 'C');
    assert.equal(body.grade.components.length, 3);
    assert.deepEqual(
      body.grade.failedChecks.map((f) => [f.id, f.level]),
      [
        [HOSTILE_ID, 'MUST'],
        ['legacy.get.405', 'SHOULD'],
      ],
    );
  });

  test('no report yet: pending, with the reason, and no failed checks', async () => {
    const { t } = await setup({ report: false });
    const html = (await t.app.inject({ url: '/status/pub' })).body;
    assert.match(html, /class="grade-letter g-pending">–</);
    assert.match(html, /no compliance report yet/);
    assert.ok(!html.includes('id="failed-checks"'));
  });
});

describe('grade badge', () => {
  test('?type=grade: letter and score, coloured by letter; the shields JSON takes the same parameter', async () => {
    const { t } = await setup();
    const svg = await t.app.inject({ url: '/badge/pub.svg?type=grade' });
    assert.equal(svg.statusCode, 200);
    assert.match(svg.headers['content-type'] as string, /^image\/svg\+xml/);
    assert.match(svg.body, /aria-label="grade: C 70"/);
    assert.match(svg.body, /fill="#dfb317"/, 'C is yellow');
    const json = (await t.app.inject({ url: '/badge/pub.json?type=grade&label=MCP grade' })).json<unknown>();
    assert.deepEqual(json, { schemaVersion: 1, label: 'MCP grade', message: 'C 70', color: 'yellow' });
  });

  test('pending is grey; a private endpoint has no badge', async () => {
    const { t } = await setup({ report: false });
    const json = (await t.app.inject({ url: '/badge/pub.json?type=grade' })).json<unknown>();
    assert.deepEqual(json, { schemaVersion: 1, label: 'grade', message: 'pending', color: 'grey' });
    assert.equal((await t.app.inject({ url: '/badge/priv.svg?type=grade' })).statusCode, 404);
  });
});
