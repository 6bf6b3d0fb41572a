// Every page of the web app (every-page-fixture.ts) in a real Chromium under the strict CSP, in the
// light and the dark colour scheme, at 1280 px and at 360 px:
// - axe-core (WCAG 2.0/2.1 A and AA rules) finds no serious or critical violation;
// - nothing scrolls sideways at the document level: a wide table scrolls inside its own card, is
//   reachable by keyboard (a focusable region) and has a visible hint;
// - keyboard: the first Tab stop skips to the content, and each of the first Tab stops shows a
//   focus indicator (an outline or a shadow);
// - no CSP violation, console error or page error (axe included);
// - a full-page screenshot of each, and each page's weight (HTML bytes and gzip bytes), are written
//   to MCPWATCH_SCREENSHOTS (default test-output/screenshots/pages/), printed at the end.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { LAUNCH, enforceStrictCsp, runAxe, signInThroughForm, watchPage, type AxeViolation, type PageWatch } from './browser-fixture.ts';
import { ADMIN, EVERY_PAGE, buildEveryPageApp, type EveryPageApp, type PageVisit, type Visitor } from './every-page-fixture.ts';

const OUT = resolve(process.env.MCPWATCH_SCREENSHOTS ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots', 'pages'));
const SCHEMES = ['light', 'dark'] as const;
const WIDTHS = [1280, 360] as const;
type Scheme = (typeof SCHEMES)[number];
type Width = (typeof WIDTHS)[number];

// The WCAG 2.0 and 2.1 A and AA rules; best-practice rules (landmark-one-main and the like) are
// not in these tags and do not fail the test.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21aa'];
const FAILING_IMPACTS: ReadonlySet<string> = new Set(['serious', 'critical']);
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  return (await runAxe(page, AXE_TAGS)).violations;
}

function describeViolation(v: AxeViolation): string {
  const nodes = v.nodes.slice(0, 8).map((n) => `      ${JSON.stringify(n.target)}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 240)}` : ''}`);
  if (v.nodes.length > 8) nodes.push(`      … and ${v.nodes.length - 8} more`);
  return [`  ${v.impact ?? 'n/a'} ${v.id}: ${v.help} (${v.helpUrl})`, ...nodes].join('\n');
}

interface Overflow {
  readonly document: { readonly scrollWidth: number; readonly innerWidth: number };
  /** Tables wider than their wrapper: each must be a focusable region with a visible hint. */
  readonly tables: ReadonlyArray<{ readonly label: string; readonly focusable: boolean; readonly hint: boolean }>;
  /** Elements sticking out past the viewport's right edge, for the failure message. */
  readonly culprits: readonly string[];
}

const OVERFLOW = `(() => {
  const root = document.scrollingElement;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const visible = (el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const tables = [...document.querySelectorAll('.table-wrap')].filter((w) => w.scrollWidth > w.clientWidth + 1).map((w) => {
    const hint = w.previousElementSibling;
    return { label: w.getAttribute('aria-label') || describe(w.querySelector('table') || w), focusable: w.tabIndex >= 0, hint: !!hint && hint.classList.contains('scroll-hint') && visible(hint) };
  });
  // Sticking out and not clipped by a scrolling ancestor that itself fits.
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= innerWidth + 1) return true;
    }
    return false;
  };
  const culprits = [...document.body.querySelectorAll('*')].filter((el) => el.getBoundingClientRect().right > innerWidth + 1 && !clipped(el)).slice(0, 6).map(describe);
  return { document: { scrollWidth: root.scrollWidth, innerWidth }, tables, culprits };
})()`;

interface Focused {
  readonly element: string;
  readonly indicated: boolean;
}

/** What has the focus, and whether it shows: an outline or a box-shadow. */
const FOCUSED = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // A date or time input's calendar button is a Tab stop of Chromium's own inside the input: the
  // input stays document.activeElement but no longer matches :focus, and the button's own style
  // (app.css gives it an outline) is not readable from here. That stop is the browser's control.
  if (/^(date|datetime-local|time|month|week)$/.test(el.type || '') && !el.matches(':focus')) return { element: el.tagName.toLowerCase() + '#' + el.id + ' (its picker button)', indicated: true };
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const label = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.getAttribute('href') ? '[href="' + el.getAttribute('href') + '"]' : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  return { element: label, indicated: outline || style.boxShadow !== 'none' };
})()`;

/** Tabs through the first TAB_STOPS stops: each must show that it has the focus, and the first is the skip link. */
const TAB_STOPS = 25;
async function unfocusable(page: Page): Promise<string[]> {
  const problems: string[] = [];
  await page.locator('body').focus();
  for (let i = 0; i < TAB_STOPS; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<Focused | null>(FOCUSED);
    if (focused === null) break;
    if (i === 0 && !focused.element.includes('skip-main')) problems.push(`the first Tab stop is ${focused.element}, not the skip link`);
    if (!focused.indicated) problems.push(`Tab stop ${i + 1}, ${focused.element}, shows no focus indicator`);
  }
  return problems;
}

describe('every page: accessibility, dark mode, 360 px, screenshots, weight', { timeout: 900_000 }, () => {
  let t: EveryPageApp;
  let base: string;
  let browser: Browser;
  const contexts = new Map<string, BrowserContext>();
  const weights: string[] = [];
  const shots: string[] = [];
  const report: string[] = [];
  /** One client address per page visit: see the rate-limit note in every-page-fixture.ts. */
  let clients = 0;

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    t = await buildEveryPageApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch(LAUNCH);
  });

  after(async () => {
    for (const context of contexts.values()) await context.close();
    await browser?.close();
    await t?.close();
    const summary = [
      `screenshots (${shots.length}) in ${OUT}:`,
      ...shots.map((s) => `  ${s}`),
      'page weights (the HTML; its gzip -6 size; how it was served):',
      ...weights,
      'axe (moderate and minor findings are reported, not failed):',
      ...(report.length > 0 ? report : ['  none']),
    ].join('\n');
    writeFileSync(join(OUT, 'summary.txt'), `${summary}\n`);
    console.log(summary);
  });

  /** One context per visitor, scheme and width, signed in (the real form) when the visitor is the admin. */
  async function contextFor(as: Visitor, scheme: Scheme, width: Width): Promise<BrowserContext> {
    const key = `${as}:${scheme}:${width}`;
    const existing = contexts.get(key);
    if (existing) return existing;
    const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: scheme, reducedMotion: 'reduce' });
    await enforceStrictCsp(context);
    if (as === 'admin') {
      const page = await context.newPage();
      await signInThroughForm(page, base, ADMIN.name, ADMIN.password);
      assert.equal((await page.goto(`${base}/account`))?.status(), 200, 'signed in');
      await page.close();
    }
    contexts.set(key, context);
    return context;
  }

  /** What a clean page never does: CSP violations, dialogs, console or page errors. */
  async function uncleanliness(page: Page, watch: PageWatch): Promise<string[]> {
    const csp = await page.evaluate<string[]>('window.__csp ?? []');
    // Chromium logs an error for every 4xx document; the error pages answer with one on purpose.
    const console = watch.console.filter((m) => !/status of 404/.test(m));
    return [...csp.map((c) => `CSP violation: ${c}`), ...watch.dialogs.map((d) => `a dialog opened: ${d}`), ...console.map((c) => `console: ${c}`), ...watch.errors.map((e) => `page error: ${e}`)];
  }

  /** Everything wrong with one page in one scheme at one width (empty when all is well). */
  async function problemsOf(visit: PageVisit, scheme: Scheme, width: Width): Promise<string[]> {
    const what = `${visit.name} (${scheme}, ${width} px)`;
    const problems: string[] = [];
    const context = await contextFor(visit.as, scheme, width);
    const page = await context.newPage();
    try {
      clients++;
      await page.setExtraHTTPHeaders({ 'x-forwarded-for': `10.0.${clients >> 8}.${clients & 255}` });
      const watch = await watchPage(page);
      const response = await page.goto(`${base}${visit.path.replace('SETUP', t.setupToken)}`);
      if (!response) throw new Error(`${what}: no response`);
      assert.equal(response.status(), visit.status ?? 200, `${what}: HTTP status`);
      await page.waitForLoadState('networkidle');

      const file = `${visit.name}-${width}-${scheme}.png`;
      if (!process.env.NOSHOT) await page.screenshot({ path: join(OUT, file), fullPage: true });
      shots.push(file);
      if (scheme === 'light' && width === 1280) {
        const html = (await response.body()).toString('utf8');
        const served = response.headers()['content-encoding'] ?? 'identity';
        weights.push(`  ${visit.name.padEnd(22)} ${String(Buffer.byteLength(html)).padStart(8)} B  ${String(gzipSync(html).length).padStart(7)} B gzip  (served ${served})`);
      }

      const overflow = await page.evaluate<Overflow>(OVERFLOW);
      if (overflow.document.scrollWidth > overflow.document.innerWidth) {
        problems.push(`the document scrolls sideways (${overflow.document.scrollWidth} > ${overflow.document.innerWidth} px); sticking out: ${overflow.culprits.join(', ')}`);
      }
      for (const table of overflow.tables) {
        if (!table.focusable) problems.push(`${table.label} scrolls but cannot be reached by keyboard (no tabindex)`);
        if (!table.hint) problems.push(`${table.label} scrolls without a visible hint`);
      }
      if (width === 1280) problems.push(...(await unfocusable(page)));

      const violations = await axeViolations(page);
      for (const v of violations) report.push(`  ${what}: ${v.impact ?? 'n/a'} ${v.id} (${v.nodes.length})`);
      problems.push(...violations.filter((v) => FAILING_IMPACTS.has(v.impact ?? '')).map(describeViolation));
      problems.push(...(await uncleanliness(page, watch)));
    } finally {
      await page.close();
    }
    return problems.map((p) => `${what}: ${p}`);
  }

  // Pages in list order: first-run pages exist only before the first user, so users come after them.
  for (const page of EVERY_PAGE) {
    test(page.name, async () => {
      if (page.as !== 'first-run') await t.addUsers();
      // The four views at once, each in its own context: one after another this file took 285 s
      // of CI's ~20 minutes, most of it waiting (network idle, screenshots, axe) rather than working.
      const views = SCHEMES.flatMap((scheme) => WIDTHS.map((width) => problemsOf(page, scheme, width)));
      const problems = (await Promise.all(views)).flat();
      if (problems.length > 0) assert.fail(`${problems.length} problem(s):\n${problems.join('\n')}`);
    });
  }
});
