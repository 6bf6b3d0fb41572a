// deploy/kubernetes/ read without a cluster: every manifest parses, the Deployment's probes, grace
// period, node name, Secret reference and security context agree with the ConfigMap's mcpwatch.yaml,
// the Dockerfile and compose.yml; then each object against the Kubernetes OpenAPI schemas
// (kubernetes-models, offline: kubeconform and kubeval are not packaged for Debian, and kubectl's
// dry run needs an API server).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments, parseDocument } from 'yaml';
import { parseConfig } from '../../src/config/parse.ts';
import { finalStage, imageEnv, only, parseDockerfile } from './dockerfile.ts';

const DIR = 'deploy/kubernetes';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number };
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string } }[];
}
type Deployment = Manifest & { spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const parsed = files.map((file) => ({ file, docs: parseAllDocuments(readFileSync(join(DIR, file), 'utf8'), { uniqueKeys: true, prettyErrors: true }) }));
const manifests = parsed.flatMap(({ file, docs }) => (Array.isArray(docs) ? docs : [docs]).map((d) => ({ file, object: d.toJS() as Manifest })));

function one<T extends Manifest>(kind: string, file?: string): T {
  const found = manifests.filter((m) => m.object.kind === kind && (file === undefined || m.file === file));
  assert.equal(found.length, 1, `exactly one ${kind}${file ? ` in ${file}` : ''}`);
  return found[0]!.object as T;
}

const deployment = one<Deployment>('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers.find((c) => c.name === 'mcpwatch')!;
const configMap = one<Manifest & { data: Record<string, string> }>('ConfigMap');
const secret = one<Manifest & { stringData: Record<string, string> }>('Secret', 'secret.example.yaml');
const dockerfile = parseDockerfile(readFileSync('Dockerfile', 'utf8'));

/** mcpwatch.yaml as a pod reads it: the image's environment, then the pod's (Secret values stand in). */
function podConfig() {
  const env: Record<string, string> = { ...imageEnv(dockerfile, finalStage(dockerfile)) };
  for (const e of container.env ?? []) env[e.name] = e.value ?? (e.valueFrom?.secretKeyRef ? secret.stringData[e.valueFrom.secretKeyRef.key]! : 'mcpwatch-7d9f-abcde');
  const result = parseConfig(configMap.data['mcpwatch.yaml'], env);
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  return result.config;
}

describe('deploy/kubernetes', () => {
  test('every manifest is plain YAML with no errors, warnings or duplicate keys; kustomization lists all but the example Secret', () => {
    for (const { file, docs } of parsed) {
      for (const d of docs) {
        assert.deepEqual(d.errors, [], file);
        assert.deepEqual(d.warnings, [], file);
      }
    }
    const kustomization = parseDocument(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')).toJS() as { resources: string[] };
    const expected = files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml').sort();
    assert.deepEqual([...kustomization.resources].sort(), expected);
    assert.deepEqual(manifests.filter((m) => m.file !== 'kustomization.yaml').map((m) => m.object.kind).sort(), ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Secret', 'Service']);
  });

  test('the ConfigMap is a valid mcpwatch.yaml on PostgreSQL, listening on every interface', () => {
    const config = podConfig();
    assert.equal(config.database.backend, 'postgres');
    assert.equal(config.listen.host, '0.0.0.0');
    assert.equal(config.node.name, 'mcpwatch-7d9f-abcde', 'the node name comes from the environment (the pod name)');
    const mount = container.volumeMounts?.find((m) => m.mountPath === '/app/mcpwatch.yaml');
    const workdir = only(finalStage(dockerfile), 'WORKDIR').at(-1)?.args;
    assert.equal(workdir, '/app', 'serve reads mcpwatch.yaml from the working directory');
    assert.ok(mount && mount.subPath === 'mcpwatch.yaml' && mount.readOnly === true);
    assert.equal(pod.volumes?.find((v) => v.name === mount.name)?.configMap?.name, configMap.metadata.name);
  });

  test('probes: readiness on /readyz, liveness and startup on /healthz, on the port the configuration listens on', () => {
    const config = podConfig();
    const portOf = (probe: Probe | undefined): number => {
      const port = probe?.httpGet?.port;
      return typeof port === 'number' ? port : container.ports!.find((p) => p.name === port)!.containerPort;
    };
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz', 'a node that lost the database is not restarted, only taken out of the Service');
    assert.equal(container.startupProbe?.httpGet?.path, '/healthz');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) assert.equal(portOf(probe), config.listen.port);
    const service = one<Manifest & { spec: { selector: Record<string, string>; ports: { targetPort: string | number }[] } }>('Service');
    assert.equal(portOf({ httpGet: { path: '', port: service.spec.ports[0]!.targetPort } }), config.listen.port);
  });

  test('terminationGracePeriodSeconds outlasts the preStop pause, two heartbeats and the drain', () => {
    const config = podConfig();
    const command = container.lifecycle?.preStop?.exec?.command ?? [];
    const preStopMs = command.at(-2) === 'sleep' ? Number(command.at(-1)) * 1000 : 0;
    const needMs = preStopMs + 2 * config.node.heartbeatMs + config.scheduler.drainTimeoutMs;
    const graceMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
    // Closing the pool and the last writes: at least 5 s beyond.
    assert.ok(graceMs >= needMs + 5000, `grace ${graceMs} ms must exceed ${needMs} ms by 5 s`);
  });

  test('each pod is a node named after itself; the database URL comes from the Secret the example creates', () => {
    const env = new Map((container.env ?? []).map((e) => [e.name, e]));
    assert.equal(env.get('MCPWATCH_NODE_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
    const ref = env.get('MCPWATCH_DATABASE_URL')?.valueFrom?.secretKeyRef;
    assert.ok(ref, 'MCPWATCH_DATABASE_URL from a secretKeyRef');
    assert.equal(ref.name, secret.metadata.name);
    assert.ok(ref.key in secret.stringData);
    assert.match(secret.stringData[ref.key]!, /NOT-A-REAL-PASSWORD/, 'the example carries a placeholder, never a usable password');
    for (const e of container.env ?? []) assert.ok(e.value === undefined || !/postgres:\/\//.test(e.value), 'no database URL written into the Deployment');
  });

  test('the PodDisruptionBudget and the Service select exactly the Deployment\'s pods', () => {
    const labels = deployment.spec.template.metadata.labels;
    const matches = (selector: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);
    assert.ok(matches(deployment.spec.selector.matchLabels));
    const pdb = one<Manifest & { spec: { maxUnavailable?: number; selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget');
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
    const service = one<Manifest & { spec: { selector: Record<string, string> } }>('Service');
    assert.ok(matches(service.spec.selector));
    assert.ok(deployment.spec.replicas >= 2, 'several nodes');
  });

  test('runs as the image\'s unprivileged user, read-only, no capabilities, with a memory limit like compose', () => {
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    const user = only(finalStage(dockerfile), 'USER').at(-1)?.args.split(':')[0];
    assert.equal(String(pod.securityContext?.runAsUser), user);
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
    const compose = parseDocument(readFileSync('compose.yml', 'utf8'), { merge: true }).toJS() as { services: Record<string, { image?: string; mem_limit?: string }> };
    assert.equal(container.image, compose.services['mcpwatch-node-1']!.image, 'the image compose builds');
    assert.equal(container.resources?.limits?.memory, compose.services['mcpwatch-node-1']!.mem_limit!.replace(/m$/, 'Mi'));
    assert.ok(container.resources?.requests?.memory && container.resources.requests.cpu);
  });

  test('validates against the Kubernetes OpenAPI schemas (kubernetes-models, a devDependency)', async () => {
    for (const { file, object } of manifests) {
      if (file === 'kustomization.yaml') continue;
      const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
      const mod = (await import(`kubernetes-models/${group ? `${group}/` : ''}${version}/${object.kind}`)) as Record<string, new (o: unknown) => { validate(): void }>;
      const Model = mod[object.kind]!;
      assert.doesNotThrow(() => new Model(object).validate(), `${file} ${object.kind}`);
    }
  });
});
