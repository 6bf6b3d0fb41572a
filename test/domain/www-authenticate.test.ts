import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { challengeParams, challengeScheme, wellKnownResourceMetadataUrls } from '../../src/domain/www-authenticate.ts';

// auth-401.txt #1 and #4, verbatim.
const MISSING =
  'Bearer error="invalid_token", error_description="Missing Authorization header", resource_metadata="http://127.0.0.1:3103/.well-known/oauth-protected-resource/auth/mcp"';
const INVALID =
  'Bearer error="invalid_token", error_description="Token is not valid", resource_metadata="http://127.0.0.1:3103/.well-known/oauth-protected-resource/auth/mcp"';

describe('challengeParams', () => {
  const cases: readonly { name: string; challenge: string; expected: Record<string, string> }[] = [
    {
      name: 'auth-401 missing token',
      challenge: MISSING,
      expected: {
        error: 'invalid_token',
        error_description: 'Missing Authorization header',
        resource_metadata: 'http://127.0.0.1:3103/.well-known/oauth-protected-resource/auth/mcp',
      },
    },
    {
      name: 'auth-401 invalid token',
      challenge: INVALID,
      expected: { error: 'invalid_token', error_description: 'Token is not valid', resource_metadata: 'http://127.0.0.1:3103/.well-known/oauth-protected-resource/auth/mcp' },
    },
    {
      name: 'quoted string with commas and an equals sign',
      challenge: 'Bearer scope="mcp:read, mcp:write", error_description="a=b, c"',
      expected: { scope: 'mcp:read, mcp:write', error_description: 'a=b, c' },
    },
    {
      name: 'escaped quotes and backslashes are unescaped',
      challenge: String.raw`Bearer realm="say \"hi\", ok", error_description="C:\\path"`,
      expected: { realm: 'say "hi", ok', error_description: String.raw`C:\path` },
    },
    { name: 'unquoted tokens', challenge: 'Bearer realm=mcp, error=invalid_token', expected: { realm: 'mcp', error: 'invalid_token' } },
    { name: 'spaces around =', challenge: 'Bearer realm = "x" , scope= y', expected: { realm: 'x', scope: 'y' } },
    { name: 'names are case-insensitive (lowercased)', challenge: 'Bearer Resource_Metadata="https://a/m", SCOPE="s"', expected: { resource_metadata: 'https://a/m', scope: 's' } },
    { name: 'first value wins', challenge: 'Bearer scope="first", scope="second", SCOPE="third"', expected: { scope: 'first' } },
    {
      name: 'two challenges: the first carrying a name wins',
      challenge: 'Basic realm="basic", Bearer realm="bearer", resource_metadata="https://a/.well-known/oauth-protected-resource"',
      expected: { realm: 'basic', resource_metadata: 'https://a/.well-known/oauth-protected-resource' },
    },
    { name: 'empty quoted value', challenge: 'Bearer realm=""', expected: { realm: '' } },
    { name: 'scheme only', challenge: 'Bearer', expected: {} },
    { name: 'empty header', challenge: '', expected: {} },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(challengeParams(c.challenge), c.expected);
    });
  }
});

describe('challengeScheme', () => {
  const cases: readonly { name: string; challenge: string; expected: string | null }[] = [
    { name: 'auth-401 challenge → bearer', challenge: MISSING, expected: 'bearer' },
    { name: 'scheme is lowercased', challenge: 'BEARER realm="x"', expected: 'bearer' },
    { name: 'leading whitespace skipped', challenge: '   Basic realm="x"', expected: 'basic' },
    { name: 'scheme alone', challenge: 'DPoP', expected: 'dpop' },
    { name: 'first of two challenges', challenge: 'Basic realm="a", Bearer', expected: 'basic' },
    { name: 'empty → null', challenge: '', expected: null },
    { name: 'starts with a quote → null', challenge: '"Bearer"', expected: null },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(challengeScheme(c.challenge), c.expected);
    });
  }
});

describe('wellKnownResourceMetadataUrls', () => {
  const base = 'https://mcp.example.com/.well-known/oauth-protected-resource';
  const cases: readonly { name: string; resource: string; expected: string[] }[] = [
    { name: "'/mcp' → path-inserted form, then root", resource: 'https://mcp.example.com/mcp', expected: [`${base}/mcp`, base] },
    { name: 'trailing slash dropped', resource: 'https://mcp.example.com/mcp/', expected: [`${base}/mcp`, base] },
    { name: 'nested path', resource: 'https://mcp.example.com/auth/mcp', expected: [`${base}/auth/mcp`, base] },
    { name: 'root path → root only', resource: 'https://mcp.example.com/', expected: [base] },
    { name: 'no path → root only', resource: 'https://mcp.example.com', expected: [base] },
    {
      name: 'auth-401 server: the form its resource_metadata names comes first',
      resource: 'http://127.0.0.1:3103/auth/mcp',
      expected: ['http://127.0.0.1:3103/.well-known/oauth-protected-resource/auth/mcp', 'http://127.0.0.1:3103/.well-known/oauth-protected-resource'],
    },
    { name: 'non-default port kept in the origin', resource: 'https://mcp.example.com:8443/mcp', expected: ['https://mcp.example.com:8443/.well-known/oauth-protected-resource/mcp', 'https://mcp.example.com:8443/.well-known/oauth-protected-resource'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(wellKnownResourceMetadataUrls(new URL(c.resource)), c.expected);
    });
  }
});
