// Which path a custom domain's request reaches (src/http/status-page-hosts.ts), row by row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CUSTOM_DOMAIN_ELSEWHERE, customDomainPath, hostnameOf } from '../../src/http/status-page-hosts.ts';

test('a custom domain maps its few paths onto the page and everything else nowhere', () => {
  const rows: Array<[string, string]> = [
    ['/', '/status/p/acme'],
    ['/?x=1', '/status/p/acme?x=1'],
    ['/feed.xml', '/status/p/acme/feed.xml'],
    ['/status.json', '/status/p/acme.json'],
    ['/logo', '/status-pages/acme/logo'],
    ['/status/p/acme', '/status/p/acme'],
    ['/status/p/acme/feed.xml', '/status/p/acme/feed.xml'],
    ['/status-pages/acme/logo', '/status-pages/acme/logo'],
    ['/assets/app.3f2a.css', '/assets/app.3f2a.css'],
    ['/assets/../api/v1/endpoints', CUSTOM_DOMAIN_ELSEWHERE],
    ['/status/p/other', CUSTOM_DOMAIN_ELSEWHERE],
    ['/status-pages/other/logo', CUSTOM_DOMAIN_ELSEWHERE],
    ['/status', CUSTOM_DOMAIN_ELSEWHERE],
    ['/api/v1/status-pages', CUSTOM_DOMAIN_ELSEWHERE],
    ['/metrics', CUSTOM_DOMAIN_ELSEWHERE],
    ['/mcp', CUSTOM_DOMAIN_ELSEWHERE],
    ['//', CUSTOM_DOMAIN_ELSEWHERE],
  ];
  for (const [url, expected] of rows) assert.equal(customDomainPath('acme', url), expected, url);
});

test('hostnameOf drops the port and the trailing dot, and never takes an IPv6 literal for a domain', () => {
  assert.equal(hostnameOf('Status.Acme.Example:8443'), 'status.acme.example');
  assert.equal(hostnameOf('status.acme.example.'), 'status.acme.example');
  assert.equal(hostnameOf('[::1]:8080'), undefined);
  assert.equal(hostnameOf(undefined), undefined);
  assert.equal(hostnameOf(''), undefined);
});
