// What the real-browser tests share: how Chromium is launched, the strict Content-Security-
// Policy every page is written for (enforced by the browser whatever the app sends), signing in
// through the real form, and axe-core's accessibility rules run in the page.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';

export const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'";
export const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

/**
 * Adds STRICT_CSP to every GET response the context receives; `onRequest` hears every URL requested.
 * Form submissions (POST…) go out as the browser sends them: route.fetch re-sends a request without
 * the Sec-Fetch-* headers the browser adds, which the app's CSRF defence reads. Their responses
 * still carry the app's own strict CSP. Redirects are handed to the browser as they are (route.fetch
 * would follow them itself, and the page would never see a 303 or the cookie set on it).
 */
export async function enforceStrictCsp(context: BrowserContext, onRequest?: (url: string) => void): Promise<void> {
  await context.route('**/*', async (route) => {
    onRequest?.(route.request().url());
    // A request still in flight when its test closes the context (a late favicon, a prefetch)
    // makes route.fetch or fulfill reject; unheard, that rejection ended the test process with a
    // failure after every test had passed. A request that fails here fails in the page instead.
    try {
      if (route.request().method() !== 'GET') {
        await route.continue();
        return;
      }
      const response = await route.fetch({ maxRedirects: 0 });
      const headers = response.headers();
      headers['content-security-policy'] = [headers['content-security-policy'], STRICT_CSP].filter(Boolean).join(', ');
      await route.fulfill({ response, headers });
    } catch {
      await route.abort().catch(() => undefined);
    }
  });
}

/** What a page did that a clean page never does. */
export interface PageWatch {
  readonly dialogs: string[];
  readonly console: string[];
  readonly errors: string[];
}

/**
 * Records dialogs (dismissed), console errors and CSP reports, page errors, and every
 * securitypolicyviolation event (in window.__csp) from the next navigation on.
 */
export async function watchPage(page: Page): Promise<PageWatch> {
  const watch: PageWatch = { dialogs: [], console: [], errors: [] };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content.Security.Policy/i.test(message.text())) watch.console.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => watch.errors.push(error.message));
  // Browser-side code is passed as text: this project's TypeScript has no DOM types.
  await page.addInitScript({ content: "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));" });
  return watch;
}

/** Signs in through the real /login form on `page`; `next` is where the app sends the browser after. */
export async function signInThroughForm(page: Page, base: string, name: string, password: string, next = '/'): Promise<void> {
  await page.goto(next === '/' ? `${base}/login` : `${base}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#login-name', name);
  await page.fill('#login-password', password);
  await Promise.all([page.waitForURL(`${base}${next}`), page.click('form[action="/login"] button[type=submit]')]);
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly helpUrl: string;
  readonly nodes: ReadonlyArray<{ readonly target: readonly string[]; readonly failureSummary?: string }>;
}

/**
 * Injected with page.evaluate, which runs in the page through the DevTools protocol and so is not
 * subject to the page's CSP: no bypassCSP, and the strict policy stays enforced for everything the
 * page itself loads (a <script> tag for axe would be refused, and rightly).
 */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's rules with these tags on the page as it is: its violations, and how many rules passed. */
export async function runAxe(page: Page, tags: readonly string[] = ['wcag2a', 'wcag2aa']): Promise<{ violations: AxeViolation[]; passes: number }> {
  if (!(await page.evaluate<boolean>("typeof window.axe === 'object'"))) await page.evaluate(AXE_SOURCE);
  return page.evaluate<{ violations: AxeViolation[]; passes: number }>(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(tags)} }, resultTypes: ['violations'] })
      .then((r) => ({ passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })) }))`,
  );
}
