import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Service } from 'kubernetes-models/v1';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { loadConfig } from './config.ts';
import { topologyNames } from './pipeline/broker.ts';
import { postgresSettingErrors } from './testing/postgres_settings.ts';
import { CHART, mergeValues, renderChart, renderHelpersAlone, validateValues, type Manifest, type RenderOptions } from './testing/helm.ts';

/**
 * deploy/helm/scrutin. Helm is not on these machines (neither Debian nor npm ships it), so
 * `helm lint` and `helm template` do not run here: the chart is rendered by Go's own
 * text/template (server/src/testing/helm.ts says why that is faithful), its values checked
 * against values.schema.json as helm does, and every rendered manifest validated: the
 * Kubernetes kinds against the Kubernetes 1.27 JSON schemas of `kubernetes-models`, KEDA's
 * and the Prometheus Operator's against `@kubernetes-models/keda` and
 * `@kubernetes-models/prometheus-operator`; the operators' resources for which no schema
 * package exists (CloudNativePG, RabbitMQ Cluster Operator, OpsTree redis-operator) against
 * strict schemas below of the fields the chart sets, written from their API references.
 */
const REDIS_SECRET = { redis: { passwordSecret: { name: 'scrutin-redis-auth' } } };

async function render(options: RenderOptions = {}): Promise<(Manifest & { source: string })[]> {
  const result = await renderChart({ ...options, values: mergeValues(REDIS_SECRET, options.values ?? {}) as Record<string, unknown> });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return [...result.manifests];
}

const of = (manifests: readonly Manifest[], kind: string, name?: string) =>
  manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));

const VALIDATORS: Record<string, (m: Manifest) => void> = {
  'apps/v1/Deployment': (m) => {
    new Deployment(m).validate();
  },
  'v1/Service': (m) => {
    new Service(m).validate();
  },
  'autoscaling/v2/HorizontalPodAutoscaler': (m) => {
    new HorizontalPodAutoscaler(m as never).validate();
  },
  'policy/v1/PodDisruptionBudget': (m) => {
    new PodDisruptionBudget(m).validate();
  },
  'networking.k8s.io/v1/NetworkPolicy': (m) => {
    new NetworkPolicy(m).validate();
  },
  'keda.sh/v1alpha1/ScaledObject': (m) => {
    new ScaledObject(m as never).validate();
  },
  'keda.sh/v1alpha1/TriggerAuthentication': (m) => {
    new TriggerAuthentication(m as never).validate();
  },
  'monitoring.coreos.com/v1/PodMonitor': (m) => {
    new PodMonitor(m as never).validate();
  },
  // postgresql.cnpg.io/v1 Cluster (CloudNativePG API reference, 1.25+: spec.postgresql.synchronous).
  'postgresql.cnpg.io/v1/Cluster': (m) =>
    z
      .strictObject({
        apiVersion: z.literal('postgresql.cnpg.io/v1'),
        kind: z.literal('Cluster'),
        metadata: z.object({ name: z.string(), namespace: z.string(), labels: z.record(z.string(), z.string()) }),
        spec: z.strictObject({
          instances: z.int().min(1),
          imageName: z.string().min(1),
          primaryUpdateStrategy: z.enum(['unsupervised', 'supervised']),
          resources: z.strictObject({
            requests: z.strictObject({ cpu: z.string(), memory: z.string() }),
            limits: z.strictObject({ memory: z.string() }),
          }),
          postgresql: z.strictObject({
            // map[string]string in the operator's API: a YAML boolean or number is refused.
            parameters: z.record(z.string(), z.string()),
            synchronous: z.strictObject({
              method: z.enum(['any', 'first']),
              number: z.int().min(1),
              dataDurability: z.enum(['required', 'preferred']),
            }),
          }),
          bootstrap: z.strictObject({ initdb: z.strictObject({ database: z.string(), owner: z.string() }) }),
          storage: z.strictObject({ size: z.string(), storageClass: z.string().optional() }),
          walStorage: z.strictObject({ size: z.string(), storageClass: z.string().optional() }),
          affinity: z.strictObject({
            enablePodAntiAffinity: z.boolean(),
            topologyKey: z.string(),
            podAntiAffinityType: z.enum(['required', 'preferred']),
          }),
        }),
      })
      .parse(m),
  // rabbitmq.com/v1beta1 RabbitmqCluster (RabbitMQ Cluster Operator API reference).
  'rabbitmq.com/v1beta1/RabbitmqCluster': (m) =>
    z
      .strictObject({
        apiVersion: z.literal('rabbitmq.com/v1beta1'),
        kind: z.literal('RabbitmqCluster'),
        metadata: z.object({ name: z.string(), namespace: z.string(), labels: z.record(z.string(), z.string()) }),
        spec: z.strictObject({
          replicas: z.int().min(1),
          persistence: z.strictObject({ storage: z.string(), storageClassName: z.string().optional() }),
          rabbitmq: z.strictObject({ additionalConfig: z.string() }),
        }),
      })
      .parse(m),
  // redis.redis.opstreelabs.in/v1beta2 RedisCluster (OpsTree redis-operator API reference).
  'redis.redis.opstreelabs.in/v1beta2/RedisCluster': (m) =>
    z
      .strictObject({
        apiVersion: z.literal('redis.redis.opstreelabs.in/v1beta2'),
        kind: z.literal('RedisCluster'),
        metadata: z.object({ name: z.string(), namespace: z.string(), labels: z.record(z.string(), z.string()) }),
        spec: z.strictObject({
          clusterSize: z.int().min(3),
          clusterVersion: z.literal('v7'),
          persistenceEnabled: z.boolean(),
          podSecurityContext: z.strictObject({ runAsUser: z.int(), fsGroup: z.int() }),
          kubernetesConfig: z.strictObject({
            image: z.string(),
            imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']),
            redisSecret: z.strictObject({ name: z.string().min(1), key: z.string().min(1) }),
          }),
        }),
      })
      .parse(m),
};

function validateAll(manifests: readonly Manifest[]): void {
  for (const m of manifests) {
    const validate = VALIDATORS[`${m.apiVersion}/${m.kind}`];
    if (validate === undefined) throw new Error(`no schema for ${m.apiVersion} ${m.kind}`);
    const { source: _source, ...manifest } = m as Manifest & { source?: string };
    try {
      validate(manifest);
    } catch (error) {
      throw new Error(`${m.kind} ${m.metadata.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

interface Container {
  name: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
}
/** Plausible Secret contents: a Postgres URL for CloudNativePG's `uri`, a password-like word otherwise. */
const plausible = (_name: string, key: string) => (key === 'uri' ? 'postgres://scrutin:s3cret@pg.example.org:5432/scrutin' : 's3cret');

const podOf = (d: Manifest) =>
  (
    d as unknown as {
      spec: {
        replicas?: number;
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { containers: Container[] } };
      };
    }
  ).spec;

/** The environment a container would see, each Secret reference read with `secret`, and $(VAR) expanded as the kubelet does. */
function environment(
  container: Container,
  secret: (name: string, key: string) => string = (name, key) => `secret-${name}-${key}`,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env) {
    const raw = e.valueFrom !== undefined ? secret(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key) : (e.value ?? '');
    env[e.name] = raw.replace(/\$\(([A-Z_]+)\)/g, (whole, name: string) => env[name] ?? whole);
  }
  return env;
}

describe('the chart', () => {
  it('is a v2 chart for this version of Scrutin', () => {
    const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    const server = JSON.parse(readFileSync(join(CHART, '../../../server/package.json'), 'utf8')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'scrutin', type: 'application', appVersion: server.version });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('has helpers that print nothing outside the templates that use them', async () => {
    expect(await renderHelpersAlone()).toBe('');
  });

  it('takes no credential in its values, and refuses what would not work', () => {
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    expect(validateValues(mergeValues(values, REDIS_SECRET))).toEqual([]);
    expect(JSON.stringify(values)).not.toMatch(/"password"\s*:\s*"[^"]/i);
    // No place for a password: unknown keys are refused.
    expect(validateValues({ ...values, ...REDIS_SECRET, rabbitmq: { ...(values.rabbitmq as object), password: 'hunter2' } })).not.toEqual(
      [],
    );
    // A Redis Cluster needs its password Secret; KEDA needs the AMQP URL's Secret.
    expect(validateValues(values).join()).toContain('/redis/passwordSecret/name');
    expect(
      validateValues({
        ...values,
        ...REDIS_SECRET,
        worker: {
          ...(values.worker as object),
          keda: {
            enabled: true,
            minReplicas: 2,
            maxReplicas: 4,
            queueLength: 100,
            pollingInterval: 15,
            cooldownPeriod: 300,
            amqpUrlSecret: { name: '', key: '' },
          },
        },
      }).join(),
    ).toContain('/worker/keda/amqpUrlSecret');
  });
});

describe('rendered with its defaults', () => {
  it('has the API and the validators, their autoscalers, budgets and policies, and the three services on their operators', async () => {
    const manifests = await render();
    validateAll(manifests);
    const kinds = manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'Cluster/scrutin-pg',
        'Deployment/scrutin-api',
        'Deployment/scrutin-worker',
        'HorizontalPodAutoscaler/scrutin-api',
        'HorizontalPodAutoscaler/scrutin-worker',
        'NetworkPolicy/scrutin-api',
        'NetworkPolicy/scrutin-worker',
        'PodDisruptionBudget/scrutin-api',
        'PodDisruptionBudget/scrutin-worker',
        'RabbitmqCluster/scrutin-rabbitmq',
        'RedisCluster/scrutin-redis',
        'Service/scrutin-api',
        'Service/scrutin-worker',
      ].sort(),
    );
    for (const m of manifests) expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe('elections');
  });

  it('probes /healthz on the public port and /readyz on the admin listener, which Prometheus scrapes and no Service exposes', async () => {
    const manifests = await render();
    for (const [name, command, publicPort] of [
      ['scrutin-api', 'serve', 'http'],
      ['scrutin-worker', 'worker', 'metrics'],
    ] as const) {
      const [deployment] = of(manifests, 'Deployment', name);
      if (deployment === undefined) throw new Error(name);
      const pod = podOf(deployment);
      const [container] = pod.template.spec.containers;
      if (container === undefined) throw new Error(name);
      expect(container.args).toEqual([command]);
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: publicPort });
      const port = (portName: string) => container.ports.find((p) => p.name === portName)?.containerPort;
      const config = loadConfig(environment(container, plausible));
      if (!config.ok) throw new Error(config.error);
      expect(container.env.find((e) => e.name === 'SCRUTIN_MODE')?.value, name).toBe('production');
      expect(config.value.mode).toBe('production');
      if (command === 'serve') expect(config.value.port).toBe(port('http'));
      expect(config.value.metricsPort).toBe(port('metrics'));
      expect(pod.template.metadata.annotations['prometheus.io/port']).toBe(String(port('metrics')));
      // The selector picks the pods of its own template.
      expect(pod.template.metadata.labels).toMatchObject(pod.selector.matchLabels);
    }
    // The API's Service carries its public port only: /metrics and /readyz are not behind it.
    const [service] = of(manifests, 'Service', 'scrutin-api');
    const servicePorts = (service as unknown as { spec: { ports: { name: string; targetPort: string }[] } } | undefined)?.spec.ports ?? [];
    expect(servicePorts.map((p) => p.targetPort)).toEqual(['http']);
  });

  it('reads every credential from a Secret, never from a literal', async () => {
    const manifests = await render();
    for (const deployment of of(manifests, 'Deployment')) {
      for (const container of podOf(deployment).template.spec.containers) {
        for (const e of container.env) {
          if (/PASSWORD|USERNAME|KEY|DATABASE_URL/.test(e.name)) expect(e.valueFrom?.secretKeyRef, e.name).toBeDefined();
          if (e.value !== undefined && e.value.includes('@'))
            expect(e.value, e.name).toMatch(/^[a-z]+:\/\/(:?\$\([A-Z_]+\))*(:\$\([A-Z_]+\))?@/);
        }
        const env = environment(container);
        expect(env.DATABASE_URL).toBe('secret-scrutin-pg-app-uri');
        expect(env.AMQP_URL).toBe(
          'amqp://secret-scrutin-rabbitmq-default-user-username:secret-scrutin-rabbitmq-default-user-password@scrutin-rabbitmq.elections.svc:5672',
        );
        expect(env.REDIS_CLUSTER_NODES).toBe('redis://:secret-scrutin-redis-auth-password@scrutin-redis-leader.elections.svc:6379');
        expect(env.REDIS_URL).toBeUndefined();
      }
    }
  });

  it('targets with its autoscalers, budgets, services and policies the pods of the deployments', async () => {
    const manifests = await render();
    for (const component of ['api', 'worker']) {
      const [deployment] = of(manifests, 'Deployment', `scrutin-${component}`);
      if (deployment === undefined) throw new Error(component);
      const labels = podOf(deployment).template.metadata.labels;
      expect(podOf(deployment).replicas, 'an autoscaler owns the replica count').toBeUndefined();
      const hpa = of(manifests, 'HorizontalPodAutoscaler', `scrutin-${component}`)[0] as unknown as {
        spec: { scaleTargetRef: { kind: string; name: string } };
      };
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: `scrutin-${component}` });
      for (const kind of ['PodDisruptionBudget', 'NetworkPolicy']) {
        const m = of(manifests, kind, `scrutin-${component}`)[0] as unknown as {
          spec: { selector?: { matchLabels: object }; podSelector?: { matchLabels: object } };
        };
        expect(labels).toMatchObject((m.spec.selector ?? m.spec.podSelector)?.matchLabels ?? { missing: true });
      }
      const service = of(manifests, 'Service', `scrutin-${component}`)[0] as unknown as { spec: { selector: object } };
      expect(labels).toMatchObject(service.spec.selector);
    }
  });

  it('runs Postgres with synchronous standbys, RabbitMQ on 3 nodes, and a Redis Cluster', async () => {
    const manifests = await render();
    const pg = of(manifests, 'Cluster')[0] as unknown as { spec: { instances: number; postgresql: { synchronous: { number: number } } } };
    expect(pg.spec.instances).toBe(3);
    expect(pg.spec.postgresql.synchronous.number).toBeGreaterThanOrEqual(1);
    expect(pg.spec.postgresql.synchronous.number).toBeLessThan(pg.spec.instances);
    expect((of(manifests, 'RabbitmqCluster')[0] as unknown as { spec: { replicas: number } }).spec.replicas).toBe(3);
    expect((of(manifests, 'RedisCluster')[0] as unknown as { spec: { clusterSize: number } }).spec.clusterSize).toBe(3);
  });

  it("sets Postgres's election-night parameters, valid for Postgres and sized to the pod and the WAL volume", async () => {
    const pg = of(await render(), 'Cluster')[0] as unknown as PostgresCluster;
    const parameters = pg.spec.postgresql.parameters;
    expect(parameters).toMatchObject({ max_wal_size: '16GB', checkpoint_timeout: '30min', wal_compression: 'on' });
    // Each name and value as the Postgres on this machine (the chart's major version) reads them.
    expect(await postgresSettingErrors(parameters)).toEqual([]);
    // shared_buffers is at most a quarter of the memory the pod is given (Postgres's own advice).
    expect(bytes(parameters.shared_buffers ?? '')).toBeLessThanOrEqual(bytes(pg.spec.resources.requests.memory) / 4);
    expect(pg.spec.resources.limits.memory).toBe(pg.spec.resources.requests.memory);
    // The WAL volume holds max_wal_size between checkpoints and what standbys have yet to
    // receive: at least twice max_wal_size, so the surge cannot fill it.
    expect(bytes(pg.spec.walStorage.size)).toBeGreaterThanOrEqual(2 * bytes(parameters.max_wal_size ?? ''));
  });

  it("refuses Postgres parameters that are not strings, as CloudNativePG's API does", () => {
    const defaults = mergeValues(parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')), REDIS_SECRET);
    const errors = (parameters: unknown) => validateValues(mergeValues(defaults, { postgres: { cluster: { parameters } } }));
    expect(errors({ wal_compression: 'lz4' })).toEqual([]);
    // `wal_compression: on` unquoted in YAML is a boolean: the operator would reject the Cluster.
    expect(errors({ wal_compression: true }).join()).toContain('/postgres/cluster/parameters/wal_compression');
    expect(errors({ max_wal_size: 16384 }).join()).toContain('/postgres/cluster/parameters/max_wal_size');
  });
});

interface PostgresCluster {
  readonly spec: {
    readonly resources: { readonly requests: { readonly memory: string }; readonly limits: { readonly memory: string } };
    readonly postgresql: { readonly parameters: Readonly<Record<string, string>> };
    readonly walStorage: { readonly size: string };
  };
}

/** Bytes in a Kubernetes quantity (16Gi) or a Postgres size (16GB): both count in 1024s. */
function bytes(size: string): number {
  const match = /^(\d+)(Ki|Mi|Gi|Ti|kB|MB|GB|TB)$/.exec(size);
  const scale = { Ki: 1, kB: 1, Mi: 2, MB: 2, Gi: 3, GB: 3, Ti: 4, TB: 4 }[match?.[2] ?? ''];
  if (match === null || scale === undefined) throw new Error(`not a size: ${size}`);
  return Number(match[1]) * 1024 ** scale;
}

describe('rendered with options', () => {
  it('scales the validators on the queue depth with KEDA, which then owns their autoscaler', async () => {
    const manifests = await render({
      values: { ...REDIS_SECRET, worker: { keda: { enabled: true, amqpUrlSecret: { name: 'scrutin-amqp', key: 'url' } } } },
    });
    validateAll(manifests);
    expect(of(manifests, 'HorizontalPodAutoscaler').map((m) => m.metadata.name)).toEqual(['scrutin-api']);
    const scaled = of(manifests, 'ScaledObject')[0] as unknown as {
      spec: {
        scaleTargetRef: { name: string };
        triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
      };
    };
    expect(scaled.spec.scaleTargetRef.name).toBe('scrutin-worker');
    const rabbit = scaled.spec.triggers.find((t) => t.type === 'rabbitmq');
    // The queue the validators consume, as the broker names it.
    expect(rabbit?.metadata.queueName).toBe(topologyNames('scrutin').queue);
    expect(rabbit?.metadata.mode).toBe('QueueLength');
    expect(of(manifests, 'TriggerAuthentication').map((m) => m.metadata.name)).toEqual([rabbit?.authenticationRef?.name]);
  });

  it('refuses a plain-http public URL for the kits', async () => {
    const refused = await renderChart({
      values: mergeValues(REDIS_SECRET, { api: { publicUrl: 'http://elections.example.org' } }) as Record<string, unknown>,
    });
    expect(refused.ok).toBe(false);
  });

  it('connects to services outside the cluster, to one Redis server, with PodMonitors, and a valid configuration', async () => {
    const manifests = await render({
      releaseName: 'night',
      values: {
        postgres: { cluster: { enabled: false }, uriSecret: { name: 'pg-url' } },
        rabbitmq: { cluster: { enabled: false }, host: 'mq.example.org', credentialsSecret: { name: 'mq-user' } },
        redis: { mode: 'server', cluster: { enabled: false }, host: 'redis.example.org', passwordSecret: { name: '' } },
        networkPolicy: { restrictEgress: false },
        metrics: { podMonitor: { enabled: true } },
        api: { trustProxy: '10.42.0.0/16', publicUrl: 'https://elections.example.org' },
      },
    });
    validateAll(manifests);
    expect(manifests.map((m) => m.kind)).not.toContain('Cluster');
    expect(manifests.map((m) => m.kind)).not.toContain('RedisCluster');
    const [api] = of(manifests, 'Deployment', 'night-api');
    const container = api === undefined ? undefined : podOf(api).template.spec.containers[0];
    if (container === undefined) throw new Error('no API');
    const env = environment(container, plausible);
    expect(env.REDIS_URL).toBe('redis://redis.example.org:6379');
    const config = loadConfig(env);
    if (!config.ok) throw new Error(config.error);
    expect(config.value.services).not.toBeNull();
    expect(config.value.trustProxy).toEqual(['10.42.0.0/16']);
    expect(config.value.publicUrl).toBe('https://elections.example.org');
    expect(config.value.metricsPort).toBe(9464);
    // The PodMonitors give the job names the alert rules and dashboards use.
    const prometheus = parse(readFileSync(join(CHART, '../../prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string }[];
    };
    const jobs = of(manifests, 'PodMonitor').flatMap((m) =>
      (m as unknown as { spec: { podMetricsEndpoints: { relabelings: { replacement: string }[] }[] } }).spec.podMetricsEndpoints.flatMap(
        (e) => e.relabelings.map((r) => r.replacement),
      ),
    );
    expect(jobs.sort()).toEqual(
      prometheus.scrape_configs
        .map((c) => c.job_name)
        .filter((j) => j.startsWith('scrutin-'))
        .sort(),
    );
    const policy = of(manifests, 'NetworkPolicy', 'night-api')[0] as unknown as { spec: { policyTypes: string[]; egress?: unknown } };
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.egress).toBeUndefined();
  });

  it('refuses values that cannot work, as helm would', async () => {
    const result = await renderChart({ values: { redis: { passwordSecret: { name: '' } } } });
    expect(result.ok).toBe(false);
    const typo = await renderChart({ values: { ...REDIS_SECRET, api: { replicaz: 3 } } });
    expect(typo.ok).toBe(false);
  });
});
