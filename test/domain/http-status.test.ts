import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Failure } from '../../src/domain/failure-codes.ts';
import { failureForStatus, truncate } from '../../src/domain/http-status.ts';

describe('failureForStatus', () => {
  type Context = { hasCredentials: boolean; location?: string; retryAfter?: string };
  const none: Context = { hasCredentials: false };
  const cases: readonly { name: string; status: number; context: Context; expected: Failure | undefined }[] = [
    { name: '200 → none', status: 200, context: none, expected: undefined },
    { name: '202 → none', status: 202, context: none, expected: undefined },
    { name: '299 → none', status: 299, context: none, expected: undefined },
    { name: '301 with location', status: 301, context: { hasCredentials: false, location: 'https://new.example.com/mcp' }, expected: { code: 'HTTP_REDIRECT', detail: 'HTTP 301 redirect to https://new.example.com/mcp (not followed)' } },
    { name: '302 with relative location', status: 302, context: { hasCredentials: true, location: '/login?next=%2Fmcp' }, expected: { code: 'HTTP_REDIRECT', detail: 'HTTP 302 redirect to /login?next=%2Fmcp (not followed)' } },
    { name: '307 with location', status: 307, context: { hasCredentials: false, location: 'https://mcp.example.com/mcp/' }, expected: { code: 'HTTP_REDIRECT', detail: 'HTTP 307 redirect to https://mcp.example.com/mcp/ (not followed)' } },
    { name: '308 without location', status: 308, context: none, expected: { code: 'HTTP_REDIRECT', detail: 'HTTP 308 redirect (not followed)' } },
    { name: '400', status: 400, context: none, expected: { code: 'HTTP_4XX', detail: 'HTTP 400' } },
    { name: '401 without credentials', status: 401, context: none, expected: { code: 'AUTH_REQUIRED', detail: 'HTTP 401: the server requires authorization' } },
    { name: '401 with credentials', status: 401, context: { hasCredentials: true }, expected: { code: 'AUTH_FAILED', detail: 'HTTP 401: the configured credentials were rejected' } },
    { name: '403 (credentials or not)', status: 403, context: { hasCredentials: true }, expected: { code: 'AUTH_FORBIDDEN', detail: 'HTTP 403: access forbidden' } },
    { name: '404', status: 404, context: none, expected: { code: 'HTTP_NOT_FOUND', detail: 'HTTP 404: no MCP endpoint at this path' } },
    { name: '405', status: 405, context: none, expected: { code: 'HTTP_4XX', detail: 'HTTP 405' } },
    { name: '418', status: 418, context: none, expected: { code: 'HTTP_4XX', detail: 'HTTP 418' } },
    { name: '429 with retry-after', status: 429, context: { hasCredentials: false, retryAfter: '120' }, expected: { code: 'HTTP_RATE_LIMITED', detail: 'HTTP 429: rate limited (Retry-After: 120)' } },
    { name: '429 without retry-after', status: 429, context: none, expected: { code: 'HTTP_RATE_LIMITED', detail: 'HTTP 429: rate limited' } },
    { name: '500', status: 500, context: none, expected: { code: 'HTTP_5XX', detail: 'HTTP 500: server error' } },
    { name: '503', status: 503, context: { hasCredentials: false, retryAfter: '30' }, expected: { code: 'HTTP_5XX', detail: 'HTTP 503: server error' } },
    {
      name: 'a hostile location is cleaned and capped',
      status: 302,
      context: { hasCredentials: false, location: `https://x/\u001b[31m${'a'.repeat(200)}` },
      expected: { code: 'HTTP_REDIRECT', detail: `HTTP 302 redirect to ${`https://x/ [31m${'a'.repeat(200)}`.slice(0, 120)}… (not followed)` },
    },
    {
      name: 'a hostile retry-after is cleaned',
      status: 429,
      context: { hasCredentials: false, retryAfter: '1\r\nX-Evil: 1' },
      expected: { code: 'HTTP_RATE_LIMITED', detail: 'HTTP 429: rate limited (Retry-After: 1 X-Evil: 1)' },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(failureForStatus(c.status, c.context), c.expected);
    });
  }
});

describe('truncate', () => {
  const cases: readonly { name: string; text: string; max?: number; expected: string }[] = [
    { name: 'short text unchanged', text: 'Method not allowed.', expected: 'Method not allowed.' },
    { name: 'ANSI escape: ESC removed', text: '\u001b[31mred\u001b[0m', expected: ' [31mred [0m' },
    { name: 'clear-screen escape removed', text: 'name\u001b[2J<script>', expected: 'name [2J<script>' },
    { name: 'CR/LF and tab become one space per run', text: 'a\r\n\tb', expected: 'a b' },
    { name: 'NUL and DEL removed', text: 'a\u0000b\u007fc', expected: 'a b c' },
    { name: 'non-ASCII kept', text: 'Everything Server – 🎉', expected: 'Everything Server – 🎉' },
    { name: 'default cap 120 plus an ellipsis', text: 'x'.repeat(121), expected: `${'x'.repeat(120)}…` },
    { name: 'exactly at the cap → unchanged', text: 'x'.repeat(120), expected: 'x'.repeat(120) },
    { name: 'custom cap', text: 'abcdef', max: 3, expected: 'abc…' },
    { name: 'cap counts after control characters collapse', text: '\u001b\u001b\u001bab', max: 3, expected: ' ab' },
    { name: 'empty', text: '', expected: '' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(truncate(c.text, c.max), c.expected);
    });
  }
});
