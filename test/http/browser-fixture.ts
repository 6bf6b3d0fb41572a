// What the real-browser tests share: how Chromium is launched, and the strict Content-Security-
// Policy every page is written for, enforced by the browser whatever the app sends.
import type { BrowserContext } from 'playwright-core';

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
