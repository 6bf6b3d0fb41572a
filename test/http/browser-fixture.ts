// What the real-browser tests share: how Chromium is launched, and the strict Content-Security-
// Policy every page is written for, enforced by the browser whatever the app sends.
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
    if (route.request().method() !== 'GET') {
      await route.continue();
      return;
    }
    const response = await route.fetch({ maxRedirects: 0 });
    const headers = response.headers();
    headers['content-security-policy'] = [headers['content-security-policy'], STRICT_CSP].filter(Boolean).join(', ');
    await route.fulfill({ response, headers });
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
