import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { ConfigResult } from '../../src/config/schema.ts';
import { createTestPki } from '../fixtures/certs.ts';

let dir: string;
let caPem: string;
let otherCaPem: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpwatch-load-'));
  const pki = await createTestPki();
  caPem = pki.caPem;
  otherCaPem = pki.untrustedCaPem;
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh directory per test, so "is there a ./mcpwatch.yaml" has one answer. */
async function workdir(name: string, files: Record<string, string> = {}): Promise<string> {
  const cwd = join(dir, name);
  await mkdir(cwd, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(cwd, file), text);
  return cwd;
}

function errorsOf(result: ConfigResult): string[] {
  if (result.ok) assert.fail('expected errors, got a valid config');
  return result.errors;
}

function ok(result: ConfigResult): Extract<ConfigResult, { ok: true }> {
  if (!result.ok) assert.fail(`expected a valid config, got errors:\n${result.errors.join('\n')}`);
  return result;
}

describe('loadConfig: which file', () => {
  test('an explicit path that does not exist is an error', async () => {
    const cwd = await workdir('explicit-missing');
    assert.deepEqual(errorsOf(loadConfig('nope.yaml', {}, { cwd })), ['config file nope.yaml: cannot read: no such file']);
  });

  test('an explicit path that is a directory is an error', async () => {
    const cwd = await workdir('explicit-dir');
    await mkdir(join(cwd, 'conf.d'));
    assert.deepEqual(errorsOf(loadConfig('conf.d', {}, { cwd })), ['config file conf.d: cannot read: is a directory']);
  });

  test('no path and no ./mcpwatch.yaml → defaults, with environment overrides, and a note', async () => {
    const cwd = await workdir('no-file');
    const result = ok(loadConfig(undefined, { MCPWATCH_PORT: '9000' }, { cwd }));
    assert.equal(result.config.listen.port, 9000);
    assert.equal(result.config.dataDir, './data');
    assert.deepEqual(result.config.endpoints, []);
    assert.deepEqual(result.warnings, [`no config file (mcpwatch.yaml not found in ${cwd}); running with defaults and environment overrides only`]);
  });

  test('no path → ./mcpwatch.yaml when present', async () => {
    const cwd = await workdir('default-file', { 'mcpwatch.yaml': 'listen:\n  port: 7000\n' });
    const result = ok(loadConfig(undefined, {}, { cwd }));
    assert.equal(result.config.listen.port, 7000);
    assert.deepEqual(result.warnings, []);
  });

  test('an explicit path, relative to cwd or absolute', async () => {
    const cwd = await workdir('explicit', { 'custom.yaml': 'listen:\n  port: 7001\n' });
    assert.equal(ok(loadConfig('custom.yaml', {}, { cwd })).config.listen.port, 7001);
    assert.equal(ok(loadConfig(join(cwd, 'custom.yaml'), {}, { cwd: '/' })).config.listen.port, 7001);
  });

  test('errors in the file come back as parse errors', async () => {
    const cwd = await workdir('bad-file', { 'mcpwatch.yaml': 'listen:\n  prot: 1\n' });
    assert.deepEqual(errorsOf(loadConfig(undefined, {}, { cwd })), ['listen.prot: unknown key (did you mean "port"?)']);
  });
});

describe('loadConfig: probe.extraCaFile', () => {
  test('the bundle is read into extraCaPem, and the result stays frozen', async () => {
    const cwd = await workdir('ca-ok', { 'ca.pem': `# internal roots\n${caPem}\n${otherCaPem}`, 'mcpwatch.yaml': 'probe:\n  extraCaFile: ca.pem\n' });
    const { config, warnings } = ok(loadConfig(undefined, {}, { cwd }));
    assert.equal(config.probe.extraCaFile, 'ca.pem');
    assert.equal(config.probe.extraCaPem, `${caPem.trim()}\n${otherCaPem.trim()}\n`);
    assert.deepEqual(warnings, []);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.probe));
  });

  test('a private key in the bundle is dropped with a warning', async () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n';
    const cwd = await workdir('ca-key', { 'ca.pem': `${caPem}\n${key}`, 'mcpwatch.yaml': 'probe:\n  extraCaFile: ca.pem\n' });
    const { config, warnings } = ok(loadConfig(undefined, {}, { cwd }));
    assert.equal(config.probe.extraCaPem, `${caPem.trim()}\n`);
    assert.deepEqual(warnings, ['probe.extraCaFile: ca.pem also contains a private key, which was ignored; a CA bundle needs only certificates']);
  });

  const bad: readonly { name: string; files: Record<string, string>; error: string }[] = [
    { name: 'missing', files: {}, error: 'probe.extraCaFile: cannot read ca.pem: no such file' },
    { name: 'not PEM', files: { 'ca.pem': 'this is not a certificate\n' }, error: 'probe.extraCaFile: ca.pem is not a PEM certificate bundle (no "-----BEGIN CERTIFICATE-----" block)' },
  ];
  for (const c of bad) {
    test(`${c.name} → error`, async () => {
      const cwd = await workdir(`ca-${c.name.replace(/\W+/g, '-')}`, { ...c.files, 'mcpwatch.yaml': 'probe:\n  extraCaFile: ca.pem\n' });
      assert.deepEqual(errorsOf(loadConfig(undefined, {}, { cwd })), [c.error]);
    });
  }

  test('a corrupt certificate block → error naming which one', async () => {
    const corrupt = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    const cwd = await workdir('ca-corrupt', { 'ca.pem': `${caPem}\n${corrupt}`, 'mcpwatch.yaml': 'probe:\n  extraCaFile: ca.pem\n' });
    const [error, ...rest] = errorsOf(loadConfig(undefined, {}, { cwd }));
    assert.deepEqual(rest, []);
    assert.match(error ?? '', /^probe\.extraCaFile: certificate 2 of 2 in ca\.pem cannot be parsed \(.+\)$/);
  });
});
