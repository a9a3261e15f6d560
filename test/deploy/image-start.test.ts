import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { parsePrometheusText } from '../../examples/demo/prometheus-text.js';
import { freePort } from '../harness/free-port.js';
import { ManagedProcess } from '../harness/managed-process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { waitFor } from '../harness/wait-for.js';
import { dockerStages, envOf, execForm, lastOf } from './dockerfile.js';

const servers = inject('servers');
const runtime = dockerStages().at(-1)!;
const HEALTHY_TIMEOUT_MS = 30_000;

/** An exec-form command of the image run here: `node` is this Node, paths are relative to the repository (the image's WORKDIR mirrors it). */
function commandOf(args: readonly string[]): { command: string; args: string[] } {
  const [command = '', ...rest] = args;
  return { command: command === 'node' ? process.execPath : command, args: rest };
}

/** Every `esm_*` metric name a PromQL expression of the dashboard or the alert rules names. */
function metricNames(exprs: readonly string[]): string[] {
  return [...new Set(exprs.flatMap((expr) => [...expr.matchAll(/\besm_[a-z0-9_]+/g)].map((match) => match[0])))].sort();
}

function dashboardExprs(): string[] {
  const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'config/grafana/dashboards/esm-poller.json'), 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
    templating: { list: { definition?: string }[] };
  };
  return [...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)), ...dashboard.templating.list.map((variable) => variable.definition ?? '')];
}

function alertExprs(): string[] {
  const rules = parse(readFileSync(join(REPO_ROOT, 'config/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  return rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
}

describe("the container image's start command, run outside Docker", () => {
  let service: ManagedProcess;
  let env: NodeJS.ProcessEnv;
  let port: number;
  let output = '';

  beforeAll(async () => {
    port = await freePort();
    // The image's environment, with what docker run -e would add: where Redis is, and a free port.
    env = { ...process.env, ...envOf(runtime), REDIS_URL: servers.redisUrl, PORT: String(port) };
    const { command, args } = commandOf([...execForm(lastOf(runtime, 'ENTRYPOINT')!), ...execForm(lastOf(runtime, 'CMD')!)]);
    service = await ManagedProcess.start({
      name: 'esm-poller-image',
      command,
      args,
      cwd: REPO_ROOT,
      env,
      onStdoutLine: (line) => {
        output += `${line}\n`;
      },
    });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('becomes healthy by the image HEALTHCHECK, listening on every interface', async () => {
    const { command, args } = commandOf(execForm(lastOf(runtime, 'HEALTHCHECK')!));
    await waitFor(() => spawnSync(command, args, { env, timeout: 5_000 }).status === 0, { timeoutMs: HEALTHY_TIMEOUT_MS, intervalMs: 250, message: 'HEALTHCHECK did not pass' });
    await waitFor(() => output.includes('"msg":"service_started"'), { timeoutMs: HEALTHY_TIMEOUT_MS });
    expect(output).toMatch(new RegExp(`"port":${port},"host":"0\\.0\\.0\\.0"`));
  });

  it('exports every metric the Grafana dashboard and the alert rules query', async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const declared = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
    const exported = (name: string): boolean => {
      const histogram = /^(.*)_(bucket|sum|count)$/.exec(name);
      return declared.has(name) || (histogram !== null && declared.get(histogram[1]!) === 'histogram');
    };
    const names = metricNames([...dashboardExprs(), ...alertExprs()]);
    expect(names.length).toBeGreaterThanOrEqual(15);
    expect(names.filter((name) => !exported(name))).toEqual([]);
    expect(parsePrometheusText(text).length).toBeGreaterThan(0);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await service.stop(30_000, 'SIGTERM')).toBe(0);
  });
});
