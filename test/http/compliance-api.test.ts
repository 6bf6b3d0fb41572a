// GET /api/v1/endpoints/:ref/compliance and POST …/compliance/run (issue 15): the latest report
// with the grade and every input, visibility like the endpoint's, runs for full tokens only.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ComplianceRunner } from '../../src/domain/compliance.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { definition } from '../store/helper.ts';
import { HOSTILE, complianceDeps, sampleReport, seedRounds, type ComplianceHarness } from './compliance-fixture.ts';
import { buildTestApp, type TestApp } from './helper.ts';

const BASE = '/api/v1';

async function bearer(t: TestApp, readOnly: boolean): Promise<Record<string, string>> {
  const token = generateToken();
  await t.store.createToken(readOnly ? 'reader' : 'writer', hashToken(token), readOnly);
  return { authorization: `Bearer ${token}` };
}

async function setup(run?: ComplianceRunner, withCompliance = true) {
  let harness: ComplianceHarness | undefined;
  const t = await buildTestApp({
    withStore: (store, config) => {
      if (!withCompliance) return {};
      harness = complianceDeps(store, config, run);
      return harness.deps;
    },
  });
  after(() => t.close());
  const pub = await t.store.createEndpoint(definition('pub', { public: true }));
  const priv = await t.store.createEndpoint(definition('priv'));
  return { t, pub, priv, harness, write: await bearer(t, false), read: await bearer(t, true) };
}

interface Body {
  slug: string;
  report: { results: Array<{ id: string; evidence: string; outcome: string }> } | null;
  grade: { score: number | null; letter: string | null; text: string; pending: string[]; components: Record<string, { points: number | null; max: number; value: unknown }>; inputs: Record<string, unknown> };
  history: Array<{ checkedAt: string; failMust: number }>;
}

describe('compliance API', () => {
  test('no report yet: the grade is pending with its reasons, anonymous reads of a public endpoint allowed', async () => {
    const { t } = await setup();
    const res = await t.app.inject({ url: `${BASE}/endpoints/pub/compliance` });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<Body>();
    assert.equal(body.report, null);
    assert.deepEqual(body.grade.pending, ['no-rounds', 'no-compliance-report']);
    assert.equal(body.grade.score, null);
    assert.equal(body.grade.text, 'pending');
    assert.deepEqual(body.history, []);
  });

  test('the latest report, the grade computed now with every input, and the history', async () => {
    const { t, pub, harness } = await setup();
    const now = Date.now();
    await seedRounds(t.store, pub.id, now, 99, 1);
    await harness!.reports.saveReport(pub.id, sampleReport(new Date(now - 7_200_000).toISOString()));
    await harness!.reports.saveReport(pub.id, sampleReport(new Date(now - 3_600_000).toISOString()));
    const body = (await t.app.inject({ url: `${BASE}/endpoints/pub/compliance` })).json<Body>();
    assert.equal(body.slug, 'pub');
    assert.equal(body.report?.results.length, 5);
    assert.equal(body.report?.results[1]?.evidence, HOSTILE.replace('\n', '\ufffd'), 'evidence as stored: JSON carries it, escaping is for the pages');
    // 99 % → 40, p95 of 120 ms rounds within the 1000 ms budget → 20, one MUST and one SHOULD failure → 10.
    assert.deepEqual(
      Object.fromEntries(Object.entries(body.grade.components).map(([k, c]) => [k, c.points])),
      { uptime: 40, latency: 20, compliance: 10 },
    );
    assert.equal(body.grade.score, 70);
    assert.equal(body.grade.letter, 'C');
    assert.equal(body.grade.text, 'C 70');
    assert.equal(body.grade.inputs.rounds, 100);
    assert.equal(body.grade.inputs.goodRounds, 99);
    assert.equal(body.grade.inputs.latencyBudgetMs, 1000);
    assert.equal(typeof body.grade.inputs.p95Ms, 'number');
    assert.deepEqual(body.grade.components.compliance?.value, { pass: 1, failMust: 1, failShould: 1, notApplicable: 1, error: 1 });
    assert.equal(body.history.length, 2);
    assert.ok(body.history[0]!.checkedAt > body.history[1]!.checkedAt, 'newest first');
  });

  test('a private endpoint: 404 without a token, readable with one', async () => {
    const { t, read } = await setup();
    assert.equal((await t.app.inject({ url: `${BASE}/endpoints/priv/compliance` })).statusCode, 404);
    assert.equal((await t.app.inject({ url: `${BASE}/endpoints/priv/compliance`, headers: read })).statusCode, 200);
  });

  test('POST run: a full token runs the checks now and gets the stored report back; others are refused', async () => {
    const asked: string[] = [];
    const run: ComplianceRunner = (endpoint) => {
      asked.push(endpoint.slug);
      return Promise.resolve(sampleReport(new Date().toISOString()));
    };
    const { t, priv, harness, read, write } = await setup(run);
    const url = `${BASE}/endpoints/priv/compliance/run`;
    assert.equal((await t.app.inject({ method: 'POST', url })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'POST', url, headers: read })).statusCode, 403);
    assert.deepEqual(asked, []);
    const res = await t.app.inject({ method: 'POST', url, headers: write });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(asked, ['priv']);
    assert.equal(res.json<Body>().report?.results.length, 5);
    assert.ok(await harness!.reports.latestReport(priv.id), 'stored');
    assert.equal(harness!.book.get(priv.id)?.report.results.length, 5, 'and in the book');

    // The endpoint's own view now carries the grade's short form.
    const view = (await t.app.inject({ url: `${BASE}/endpoints/priv`, headers: read })).json<{ grade: { score: number | null; pending: string[]; checkedAt: string } | null }>();
    assert.ok(view.grade);
    assert.deepEqual(view.grade.pending, ['no-rounds']);
  });

  test('POST run: a paused endpoint is refused (409), and without a runner the server says it cannot (503)', async () => {
    const run: ComplianceRunner = () => Promise.resolve(sampleReport(new Date().toISOString()));
    const { t, pub, write } = await setup(run);
    await t.store.updateEndpoint(pub.id, { ...pub, paused: true, pausedReason: 'test' });
    const paused = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/pub/compliance/run`, headers: write });
    assert.equal(paused.statusCode, 409);
    assert.equal(paused.json<{ code: string }>().code, 'ENDPOINT_IDLE');

    const none = await setup(undefined, false);
    const off = await none.t.app.inject({ method: 'POST', url: `${BASE}/endpoints/pub/compliance/run`, headers: none.write });
    assert.equal(off.statusCode, 503);
    assert.equal(off.json<{ code: string }>().code, 'UNAVAILABLE');
    const view = (await none.t.app.inject({ url: `${BASE}/endpoints/pub` })).json<{ grade: unknown }>();
    assert.equal(view.grade, null, 'no grade without compliance');
  });

  test('the OpenAPI document lists both routes', async () => {
    const { t } = await setup();
    const doc = (await t.app.inject({ url: `${BASE}/openapi.json` })).json<{ paths: Record<string, unknown> }>();
    assert.ok(doc.paths['/api/v1/endpoints/{ref}/compliance']);
    assert.ok(doc.paths['/api/v1/endpoints/{ref}/compliance/run']);
  });
});
