import { existsSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '../../src/config/load-config.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { dockerStages, execForm, lastOf } from './dockerfile.js';

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown> | string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
const REPLICAS = ['esm-poller-1', 'esm-poller-2'];

/** Bind mounts of a service as [host path (absolute), container path]. */
function bindMounts(service: ComposeService): [string, string][] {
  return (service.volumes ?? [])
    .filter((volume) => volume.startsWith('./'))
    .map((volume) => {
      const [source = '', target = ''] = volume.split(':');
      return [join(REPO_ROOT, source), target];
    });
}

/** The host file a container path of `service` maps to through its bind mounts. */
function hostPathOf(service: ComposeService, containerPath: string): string | undefined {
  for (const [source, target] of bindMounts(service)) {
    if (containerPath === target) return source;
    if (containerPath.startsWith(`${target}/`)) return join(source, posix.relative(target, containerPath));
  }
  return undefined;
}

describe('docker-compose.yml', () => {
  it('runs Redis, the emulators, two replicas, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['dynamodb', 'esm-poller-1', 'esm-poller-2', 'fauxqs', 'grafana', 'kinesis', 'prometheus', 'redis']);
    expect(compose.services.kinesis!.image).toMatch(/kinesis-mock/);
    expect(compose.services.dynamodb!.image).toBe('amazon/dynamodb-local');
  });

  it('keeps Redis on a named volume with append-only persistence', () => {
    const redis = compose.services.redis!;
    expect(redis.command!.join(' ')).toContain('--appendonly yes');
    const dataVolume = redis.volumes!.find((volume) => volume.endsWith(':/data'))!;
    expect(Object.keys(compose.volumes ?? {})).toContain(dataVolume.split(':')[0]);
  });

  it('publishes each service on its own host port', () => {
    const hostPorts = Object.values(compose.services).flatMap((service) => (service.ports ?? []).map((port) => port.split(':')[0]));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    expect(compose.services['esm-poller-1']!.ports).toEqual(['9050:9050']);
    expect(compose.services['esm-poller-2']!.ports).toEqual(['9051:9050']);
    expect(compose.services.prometheus!.ports).toEqual(['9090:9090']);
    expect(compose.services.grafana!.ports).toEqual(['3000:3000']);
  });

  it('refers only to files that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [source] of bindMounts(service)) expect(existsSync(source), `${name}: ${relative(REPO_ROOT, source)}`).toBe(true);
      if (service.build) expect(existsSync(join(REPO_ROOT, service.build, 'Dockerfile'))).toBe(true);
    }
  });

  it('gives both replicas a mounted configuration that is valid with their environment, on the emulators of the stack', () => {
    for (const name of REPLICAS) {
      const replica = compose.services[name]!;
      const env = replica.environment!;
      const configFile = hostPathOf(replica, env.ESM_POLLER_CONFIG!);
      expect(configFile, `${name}: ESM_POLLER_CONFIG is not on a mount`).toBeDefined();
      const config = loadConfigFile(configFile!, env);
      expect(config.server).toMatchObject({ host: '0.0.0.0', port: 9050 });
      expect(config.redis.url).toBe('redis://redis:6379');
      for (const variable of ['AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL_DYNAMODB']) {
        const host = new URL(env[variable]!).hostname;
        expect(Object.keys(compose.services), variable).toContain(host);
      }
      // The queues and the stream its mappings read are created by the emulators' own start-up settings.
      const queues = (JSON.parse(readFileSync(hostPathOf(compose.services.fauxqs!, '/app/init.json')!, 'utf8')) as { queues: { name: string }[] }).queues.map((queue) => queue.name);
      for (const mapping of config.eventSourceMappings) {
        const resource = mapping.EventSourceArn.split(':').at(-1)!;
        if (mapping.sourceKind === 'sqs') expect(queues).toContain(resource);
        if (mapping.sourceKind === 'kinesis') expect(compose.services.kinesis!.environment!.INITIALIZE_STREAMS).toContain(`${resource.replace('stream/', '')}:`);
      }
    }
  });

  it('has Prometheus scrape both replicas and load its alert rules', () => {
    const prometheus = compose.services.prometheus!;
    const config = parse(readFileSync(hostPathOf(prometheus, '/etc/prometheus/prometheus.yml')!, 'utf8')) as {
      rule_files: string[];
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((group) => group.targets));
    expect(targets.sort()).toEqual(REPLICAS.map((name) => `${name}:9050`));
    for (const rules of config.rule_files) expect(existsSync(hostPathOf(prometheus, rules) ?? ''), rules).toBe(true);
  });

  it('provisions Grafana with the Prometheus data source and the dashboard', () => {
    const grafana = compose.services.grafana!;
    const datasources = parse(readFileSync(hostPathOf(grafana, '/etc/grafana/provisioning/datasources/prometheus.yml')!, 'utf8')) as { datasources: { url: string; uid: string }[] };
    expect(datasources.datasources).toEqual([expect.objectContaining({ uid: 'prometheus', url: 'http://prometheus:9090' })]);
    const providers = parse(readFileSync(hostPathOf(grafana, '/etc/grafana/provisioning/dashboards/esm-poller.yml')!, 'utf8')) as { providers: { options: { path: string } }[] };
    const dashboardDir = hostPathOf(grafana, providers.providers[0]!.options.path);
    expect(dashboardDir && existsSync(join(dashboardDir, 'esm-poller.json'))).toBe(true);
    expect(existsSync(hostPathOf(grafana, grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!) ?? '')).toBe(true);
    const dashboard = JSON.parse(readFileSync(join(dashboardDir!, 'esm-poller.json'), 'utf8')) as { panels: { datasource: { uid: string } }[] };
    for (const panel of dashboard.panels) expect(panel.datasource.uid).toBe('prometheus');
  });
});

describe('Dockerfile', () => {
  const stages = dockerStages();
  const runtime = stages.at(-1)!;

  it('builds in stages on Node 24 and runs production dependencies only, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^node:24(-|$)/);
    const runs = runtime.instructions.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args);
    expect(runs.some((run) => run.includes('npm ci --omit=dev'))).toBe(true);
    expect(runtime.instructions.some((instruction) => instruction.keyword === 'COPY' && instruction.args.includes('node_modules'))).toBe(false);
    expect(['', 'root', '0', undefined]).not.toContain(lastOf(runtime, 'USER'));
  });

  it('checks /healthz and copies only files that exist', () => {
    expect(execForm(lastOf(runtime, 'HEALTHCHECK')!).join(' ')).toContain('/healthz');
    for (const stage of stages) {
      for (const { keyword, args } of stage.instructions) {
        if (keyword !== 'COPY' || args.includes('--from=')) continue;
        const sources = args.split(/\s+/).slice(0, -1);
        for (const source of sources) expect(existsSync(join(REPO_ROOT, source)), `COPY ${source}`).toBe(true);
      }
    }
  });
});
