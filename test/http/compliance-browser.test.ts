// The grade and the failed checks on a status page in a real headless Chromium, with the strict
// Content-Security-Policy enforced: hostile evidence and check ids render as text, no dialog opens,
// no injected element reaches the DOM.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { chromium } from 'playwright-core';
import { definition } from '../store/helper.ts';
import { HOSTILE, HOSTILE_ID, complianceDeps, sampleReport, seedRounds, type ComplianceHarness } from './compliance-fixture.ts';
import { LAUNCH, enforceStrictCsp } from './browser-fixture.ts';
import { buildTestApp } from './helper.ts';


test('failed checks with hostile evidence are text in a real browser; nothing runs', { timeout: 120_000 }, async () => {
  let harness: ComplianceHarness | undefined;
  const t = await buildTestApp({
    pageCacheMs: 0,
    withStore: (store, config) => {
      harness = complianceDeps(store, config);
      return { compliance: { ...harness.deps.compliance!, specLink: () => 'javascript:alert(5)' } };
    },
  });
  const endpoint = await t.store.createEndpoint(definition('hostile', { public: true }));
  await seedRounds(t.store, endpoint.id, Date.now(), 100, 0);
  await harness!.reports.saveReport(endpoint.id, sampleReport(new Date().toISOString()));
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;

  const browser = await chromium.launch(LAUNCH);
  // The browser first: its keep-alive connections would hold the app's close.
  after(async () => {
    await browser.close();
    await t.close();
  });
  const context = await browser.newContext();
  await enforceStrictCsp(context);
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${base}/status/hostile`);
  await page.waitForLoadState('networkidle');

  assert.equal((await page.locator('.grade-letter').textContent())?.trim(), 'B');
  const rows = page.locator('table.failed-checks tbody tr');
  assert.equal(await rows.count(), 2);
  assert.equal(await rows.nth(0).locator('code').textContent(), HOSTILE_ID);
  // Stored with its line break replaced (one line of evidence); everything else exactly as sent, as text.
  assert.equal(await rows.nth(0).locator('td.evidence').textContent(), HOSTILE.replace('\n', '\ufffd'));
  assert.equal(await rows.nth(0).locator('td').nth(3).textContent(), 'javascript:alert(5)');
  assert.equal(await page.locator('table.failed-checks a').count(), 0, 'the spec is text, not a link');
  assert.equal(await page.locator('.grade script, .grade svg, .grade img, .grade b, table.failed-checks *:is(script, svg, img, b), img[src="x"]').count(), 0, 'no injected element');
  assert.deepEqual(dialogs, [], 'a dialog opened');
  assert.deepEqual(errors, [], 'page errors');
  await context.close();
});
