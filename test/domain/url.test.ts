import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPort, MAX_URL_LENGTH, parseEndpointUrl } from '../../src/domain/url.ts';

describe('parseEndpointUrl accepts', () => {
  const cases: readonly { name: string; input: string; href: string }[] = [
    { name: 'https with a path', input: 'https://mcp.example.com/mcp', href: 'https://mcp.example.com/mcp' },
    { name: 'http with port and query', input: 'http://127.0.0.1:3101/mcp?x=1', href: 'http://127.0.0.1:3101/mcp?x=1' },
    { name: 'IPv6 literal', input: 'http://[::1]:8080/sse', href: 'http://[::1]:8080/sse' },
    { name: 'the fragment is dropped', input: 'https://mcp.example.com/mcp#section', href: 'https://mcp.example.com/mcp' },
    { name: 'an empty fragment is dropped', input: 'https://mcp.example.com/mcp#', href: 'https://mcp.example.com/mcp' },
    { name: 'scheme and host are normalised', input: 'HTTPS://MCP.Example.COM', href: 'https://mcp.example.com/' },
    { name: 'exactly the length cap', input: `https://a.example/${'x'.repeat(MAX_URL_LENGTH - 'https://a.example/'.length)}`, href: `https://a.example/${'x'.repeat(MAX_URL_LENGTH - 'https://a.example/'.length)}` },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const parsed = parseEndpointUrl(c.input);
      assert.ok(parsed.ok, `expected ok for ${c.input}`);
      assert.equal(parsed.url.href, c.href);
      assert.equal(parsed.url.hash, '');
    });
  }
});

describe('parseEndpointUrl rejects with URL_INVALID', () => {
  const cases: readonly { name: string; input: string; detail: string }[] = [
    { name: 'empty', input: '', detail: 'the URL is empty' },
    { name: 'not a url', input: 'not a url', detail: 'not a valid absolute URL: "not a url"' },
    { name: 'scheme only', input: 'http://', detail: 'not a valid absolute URL: "http://"' },
    { name: 'relative path', input: '/mcp', detail: 'not a valid absolute URL: "/mcp"' },
    { name: 'ftp', input: 'ftp://x', detail: 'only http and https URLs can be probed, not ftp' },
    { name: 'file', input: 'file:///etc/passwd', detail: 'only http and https URLs can be probed, not file' },
    { name: 'javascript', input: 'javascript:alert(1)', detail: 'only http and https URLs can be probed, not javascript' },
    { name: 'ws', input: 'ws://mcp.example.com/', detail: 'only http and https URLs can be probed, not ws' },
    { name: 'user and password', input: 'http://user:pw@host/', detail: 'the URL contains user:password; configure credentials as a header or bearer token instead' },
    { name: 'user only', input: 'https://token@host/mcp', detail: 'the URL contains user:password; configure credentials as a header or bearer token instead' },
    { name: 'a 3000-character URL', input: `https://a.example/${'x'.repeat(3000 - 'https://a.example/'.length)}`, detail: `the URL is longer than ${MAX_URL_LENGTH} characters` },
    { name: 'one over the cap', input: `https://a.example/${'x'.repeat(MAX_URL_LENGTH + 1 - 'https://a.example/'.length)}`, detail: 'the URL is longer than 2048 characters' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(parseEndpointUrl(c.input), { ok: false, code: 'URL_INVALID', detail: c.detail });
    });
  }

  test('a long unparseable input is quoted at most 100 characters', () => {
    const input = `::${'y'.repeat(500)}`;
    const parsed = parseEndpointUrl(input);
    assert.deepEqual(parsed, { ok: false, code: 'URL_INVALID', detail: `not a valid absolute URL: ${JSON.stringify(input.slice(0, 100))}` });
  });
});

describe('defaultPort', () => {
  const cases: readonly { name: string; url: string; port: number }[] = [
    { name: 'https → 443', url: 'https://a.example/', port: 443 },
    { name: 'http → 80', url: 'http://a.example/', port: 80 },
    { name: 'explicit port', url: 'https://a.example:8443/', port: 8443 },
    { name: 'explicit default port is normalised away → 443', url: 'https://a.example:443/', port: 443 },
    { name: 'http on 443 explicitly', url: 'http://a.example:443/', port: 443 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(defaultPort(new URL(c.url)), c.port);
    });
  }
});
