import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exitCodeFor, formatCheck } from '../../src/cli/format-check.ts';
import type { CertificateFacts, ProbeResult } from '../../src/domain/probe-result.ts';

const CERT: CertificateFacts = {
  subject: 'CN=mcp.example.com',
  issuer: 'CN=Example Issuing CA',
  sans: ['mcp.example.com', 'www.mcp.example.com'],
  notBefore: '2026-09-01T00:00:00.000Z',
  notAfter: '2026-12-01T00:00:00.000Z',
  daysLeft: 7,
  earliestNotAfter: '2026-12-01T00:00:00.000Z',
  fingerprint256: 'AA:BB',
  serialNumber: '01',
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  chainValid: true,
  chainError: null,
  hostnameValid: true,
  observedAt: '2026-01-01T00:00:00.000Z',
  resumed: false,
};

const UP: ProbeResult = {
  url: 'https://mcp.example.com/mcp',
  startedAt: '2026-11-23T21:09:31.000Z',
  status: 'up',
  code: null,
  detail: 'MCP 2025-11-25 over streamable HTTP',
  warnings: [],
  durationMs: 100,
  phases: [
    { phase: 'dns', startMs: 0, ms: 5, ok: true },
    { phase: 'connect', startMs: 5, ms: 10, ok: true },
    { phase: 'tls', startMs: 15, ms: 20, ok: true },
    { phase: 'initialize', startMs: 35, ms: 40, ok: true },
    { phase: 'initialized', startMs: 75, ms: 5, ok: true },
    { phase: 'ping', startMs: 80, ms: 10, ok: true },
    { phase: 'session_close', startMs: 90, ms: 10, ok: true },
  ],
  era: 'streamable',
  protocolVersion: '2025-11-25',
  supportedVersions: ['2025-11-25'],
  transport: 'streamable-http',
  server: { name: 'mcp-servers/everything', version: '2.0.0', title: 'Everything Reference Server' },
  capabilities: {},
  tools: null,
  addresses: [
    { address: '93.184.216.34', family: 4, ttl: 300 },
    { address: '2606:2800:220:1::', family: 6, ttl: null },
  ],
  connectedAddress: '93.184.216.34',
  certificate: CERT,
  http: null,
  auth: null,
  eraSource: 'detected',
};

const DOWN: ProbeResult = {
  ...UP,
  status: 'down',
  code: 'TCP_REFUSED',
  detail: 'connect: connection refused (127.0.0.1:9)',
  durationMs: 12.34,
  phases: [
    { phase: 'dns', startMs: 0, ms: 2, ok: true },
    { phase: 'connect', startMs: 2, ms: 10.34, ok: false },
  ],
  era: null,
  protocolVersion: null,
  supportedVersions: [],
  transport: null,
  server: null,
  capabilities: null,
  addresses: [],
  connectedAddress: null,
  certificate: null,
  eraSource: null,
};

const AUTH: ProbeResult = {
  ...DOWN,
  url: 'http://127.0.0.1:3103/auth/mcp',
  status: 'auth_required',
  code: 'AUTH_REQUIRED',
  detail: 'HTTP 401: the server requires authorization',
  phases: [{ phase: 'discover', startMs: 0, ms: 3, ok: false }],
  auth: {
    challenge: 'Bearer error="invalid_token", error_description="Missing Authorization header", resource_metadata="http://127.0.0.1:3103/.well-known/oauth-protected-resource/auth/mcp"',
    resourceMetadataUrl: 'http://127.0.0.1:3103/.well-known/oauth-protected-resource/auth/mcp',
    resourceMetadata: { resource: 'http://127.0.0.1:3103/auth/mcp' },
    authorizationServers: ['http://127.0.0.1:3103/as'],
    scopes: ['mcp'],
    metadataError: null,
  },
};

const DEGRADED: ProbeResult = {
  ...UP,
  status: 'degraded',
  warnings: [{ code: 'TLS_CERT_EXPIRING', detail: 'certificate expires in 7 days (threshold 14)' }],
  tools: { count: 11, hash: 'f'.repeat(64), names: ['echo'], pages: 2, truncated: true },
};

const HOSTILE: ProbeResult = {
  ...UP,
  server: { name: 'evil\u001b[2J<script>', version: '6.6.6\u0007', title: 'Title\u001b]0;pwned\u0007' },
  detail: 'ok\u001b[31m',
  certificate: { ...CERT, subject: 'CN=\u001b[1mbold', chainValid: false, chainError: 'SELF_SIGNED_CERT_IN_CHAIN\u001b[0m', hostnameValid: false },
};

describe('formatCheck', () => {
  const exact: readonly { name: string; result: ProbeResult; lines: string[] }[] = [
    {
      name: 'up: every phase on the waterfall, total, address, certificate, protocol, server, UP',
      result: UP,
      lines: [
        'mcpwatch check https://mcp.example.com/mcp',
        '',
        '  dns               5.0 ms  ██',
        '  connect          10.0 ms   ███',
        '  tls              20.0 ms      ██████',
        '  initialize       40.0 ms             █████████████',
        '  initialized       5.0 ms                          ██',
        '  ping             10.0 ms                           ███',
        '  session_close    10.0 ms                              ███',
        '  total           100.0 ms',
        '',
        '  address     93.184.216.34 (ttl 300s) ←, 2606:2800:220:1::',
        '  certificate CN=mcp.example.com · issued by CN=Example Issuing CA',
        '              expires 2026-12-01 (7 days) · TLSv1.3 TLS_AES_256_GCM_SHA384',
        '              chain trusted · host name matches',
        '              SANs mcp.example.com, www.mcp.example.com',
        '  protocol    streamable · 2025-11-25 · streamable-http (detected)',
        '  server      mcp-servers/everything 2.0.0 — Everything Reference Server',
        '',
        '  UP — MCP 2025-11-25 over streamable HTTP',
      ],
    },
    {
      name: 'down: the failed phase is hollow and marked ✗, DOWN CODE, no certificate or server',
      result: DOWN,
      lines: [
        'mcpwatch check https://mcp.example.com/mcp',
        '',
        '  dns               2.0 ms  █████',
        `  connect          10.3 ms       ${'░'.repeat(27)}  ✗`,
        '  total            12.3 ms',
        '',
        '',
        '  DOWN TCP_REFUSED — connect: connection refused (127.0.0.1:9)',
      ],
    },
  ];
  for (const c of exact) {
    test(c.name, () => {
      assert.equal(formatCheck(c.result), c.lines.join('\n'));
    });
  }

  const cases: readonly { name: string; result: ProbeResult; contains: string[]; absent: string[] }[] = [
    {
      name: 'auth required: AUTH REQUIRED, challenge and authorization servers',
      result: AUTH,
      contains: [
        '  discover          3.0 ms  ░░░░░░░░  ✗\n',
        '  auth        Bearer error="invalid_token", error_description="Missing Authorization header", resource_metadata="http://127.0.0.1:3103/.well-known/oauth-protected-resource/auth/mcp"\n',
        '              authorization servers http://127.0.0.1:3103/as\n',
        '\n  AUTH REQUIRED AUTH_REQUIRED — HTTP 401: the server requires authorization',
      ],
      absent: ['resource metadata:', 'certificate', 'protocol'],
    },
    {
      name: 'degraded: warning and tools lines, DEGRADED status',
      result: DEGRADED,
      contains: [
        '  warning     TLS_CERT_EXPIRING certificate expires in 7 days (threshold 14)\n',
        `  tools       11+ (page limit reached) · hash ${'f'.repeat(12)}\n`,
        '\n  DEGRADED — MCP 2025-11-25 over streamable HTTP',
      ],
      absent: ['f'.repeat(13)],
    },
    {
      name: 'hostile server text: escapes removed, the rest kept',
      result: HOSTILE,
      contains: [
        '  server      evil [2J<script> 6.6.6  — Title ]0;pwned \n',
        '  certificate CN= [1mbold · issued by CN=Example Issuing CA\n',
        '              chain NOT trusted (SELF_SIGNED_CERT_IN_CHAIN [0m) · host name does NOT match\n',
        '\n  UP — ok [31m',
      ],
      absent: ['\u001b', '\u0007'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const text = formatCheck(c.result);
      for (const piece of c.contains) assert.ok(text.includes(piece), `missing ${JSON.stringify(piece)} in:\n${text}`);
      for (const piece of c.absent) assert.ok(!text.includes(piece), `unexpected ${JSON.stringify(piece)} in:\n${text}`);
    });
  }

  test('the status line is the last line', () => {
    const lines = formatCheck(DOWN).split('\n');
    assert.equal(lines.at(-1), '  DOWN TCP_REFUSED — connect: connection refused (127.0.0.1:9)');
  });

  test('an unnamed server and a metadata error', () => {
    const text = formatCheck({
      ...AUTH,
      server: { name: null, version: null, title: null },
      auth: { ...AUTH.auth!, challenge: null, authorizationServers: [], metadataError: 'HTTP 404 from the resource metadata URL' },
    });
    assert.ok(text.includes('  server      (unnamed) \n'), text);
    assert.ok(text.includes('  auth        (no challenge)\n'), text);
    assert.ok(text.includes('              resource metadata: HTTP 404 from the resource metadata URL\n'), text);
    assert.ok(!text.includes('authorization servers'), text);
  });

  test('a long detail is capped at 300 characters', () => {
    const text = formatCheck({ ...DOWN, detail: 'z'.repeat(400) });
    assert.equal(text.split('\n').at(-1), `  DOWN TCP_REFUSED — ${'z'.repeat(300)}…`);
  });
});

describe('exitCodeFor', () => {
  const cases: readonly { result: ProbeResult; expected: 0 | 1 }[] = [
    { result: UP, expected: 0 },
    { result: DEGRADED, expected: 0 },
    { result: AUTH, expected: 1 },
    { result: DOWN, expected: 1 },
  ];
  for (const c of cases) {
    test(`${c.result.status} → ${c.expected}`, () => {
      assert.equal(exitCodeFor(c.result), c.expected);
    });
  }
});
