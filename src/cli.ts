#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { loadConfigFile } from './config/load-config.js';
import { ConfigError } from './config/config-error.js';
import { processEnv } from './config/env.js';
import { createLogger, type Logger } from './observability/logger.js';
import { DEFAULT_SERVER_PORT } from './config/service-config.js';
import { runJournalCommand } from './journal/journal-command.js';
import { runWaitIdleCommand } from './idle/wait-idle-command.js';
import { TemplateError } from './templates/template-error.js';

/** Exit codes: 0 done, 1 bad configuration or a mapping its source refused, 2 wrong usage. */
const EXIT_OK = 0;
const EXIT_CONFIG = 1;
const EXIT_USAGE = 2;
/** Time a stop may take beyond the drain deadline (closing connections) before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 15_000;

const HELP = `esm-poller — event source mapping pollers (SQS, Kinesis, DynamoDB Streams) with AWS Lambda's semantics

Usage:
  esm-poller start [--config FILE] [--port N]   run the service
        [--template FILE]... [--create-resources]
                                                add the functions and event source mappings of AWS SAM /
                                                CloudFormation templates or serverless.yml files (repeatable,
                                                beside or instead of --config); --create-resources creates
                                                the queues, streams and tables they declare when missing
  esm-poller validate FILE                      check a configuration file; print every problem; exit 1 if any
  esm-poller journal [--endpoint URL] [--uuid UUID] [--limit N] [--follow]
                                                print a running service's last invocations, one line each;
                                                --follow keeps printing new ones (Ctrl-C ends)
  esm-poller wait-idle [--endpoint URL]... [--uuid UUID | --function-name NAME] [--timeout-ms N]
                                                wait until the mappings have nothing left to do; exit 0 when
                                                idle, 1 when the timeout (default 30000) passed (prints what
                                                is pending); --endpoint repeated waits for every replica
  esm-poller --help | --version

Options:
  -c, --config FILE   configuration file (YAML). Default: $ESM_POLLER_CONFIG, else config/default.yaml
  -p, --port N        HTTP port (Lambda API, /metrics, /healthz, /readyz); overrides server.port
                      (default ${DEFAULT_SERVER_PORT}; 0 picks a free port)
  --endpoint URL      the running service a client command talks to (default http://127.0.0.1:${DEFAULT_SERVER_PORT})

Environment:
  ESM_POLLER_CONFIG              configuration file when --config is not given
  REDIS_URL                      Redis URL when the file has no redis.url (default redis://127.0.0.1:6379)
  AWS_REGION                     default region (also used in the ARNs of configured functions)
  AWS_ENDPOINT_URL               endpoint for every AWS service (emulators)
  AWS_ENDPOINT_URL_<SERVICE>     per-service endpoint: SQS, KINESIS, DYNAMODB, DYNAMODB_STREAMS, SNS, S3, LAMBDA
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...   the AWS SDK's default credential chain
  Any other variable may be referenced in the configuration as \${VAR} or \${VAR:-default}.

Signals: SIGTERM and SIGINT stop polling, let in-flight invocations finish (shutdown.drainTimeoutSeconds), exit 0.
Exit codes: 0 success, 1 invalid configuration or a mapping refused by its source (wait-idle: not idle in time;
  journal, wait-idle: the service could not be asked), 2 usage error.
`;

/** The options each command takes; any other is a usage error rather than silently unused. */
const COMMAND_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  start: ['config', 'port', 'template', 'create-resources'],
  validate: ['config'],
  journal: ['endpoint', 'uuid', 'limit', 'follow'],
  'wait-idle': ['endpoint', 'uuid', 'function-name', 'timeout-ms'],
};

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        endpoint: { type: 'string', multiple: true },
        'function-name': { type: 'string' },
        'timeout-ms': { type: 'string' },
        template: { type: 'string', multiple: true, short: 't' },
        'create-resources': { type: 'boolean' },
        uuid: { type: 'string' },
        limit: { type: 'string' },
        follow: { type: 'boolean', short: 'f' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const allowed = command ? COMMAND_OPTIONS[command] : undefined;
  const misplaced = allowed ? Object.keys(values).filter((option) => !allowed.includes(option)) : [];
  if (misplaced.length > 0) {
    process.stderr.write(`${command} does not take ${misplaced.map((option) => `--${option}`).join(', ')}\n\n${HELP}`);
    return EXIT_USAGE;
  }
  switch (command) {
    case 'validate':
      return validate(rest[0] ?? values.config);
    case 'start':
      return start(values.config ?? rest[0], values.port, { templates: values.template ?? [], createResources: values['create-resources'] ?? false });
    case 'journal':
      return journal({ ...values, endpoint: values.endpoint?.[0] });
    case 'wait-idle':
      return waitIdle(values);
    default:
      process.stderr.write(`${command ? `Unknown command: ${command}\n\n` : ''}${HELP}`);
      return EXIT_USAGE;
  }
}

async function journal(values: { endpoint?: string; uuid?: string; limit?: string; follow?: boolean }): Promise<number> {
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    process.stderr.write(`--limit: ${values.limit} is not a number from 1 to 10000\n`);
    return EXIT_USAGE;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  try {
    await runJournalCommand({
      endpoint: values.endpoint ?? `http://127.0.0.1:${DEFAULT_SERVER_PORT}`,
      ...(values.uuid ? { uuid: values.uuid } : {}),
      limit,
      follow: values.follow ?? false,
      signal: stop.signal,
      write: (line) => process.stdout.write(`${line}\n`),
    });
    return EXIT_OK;
  } catch (err) {
    if (stop.signal.aborted) return EXIT_OK;
    process.stderr.write(`esm-poller journal: ${describeFailure(err)}\n`);
    return EXIT_CONFIG;
  }
}

async function waitIdle(values: { endpoint?: string[]; uuid?: string; 'function-name'?: string; 'timeout-ms'?: string }): Promise<number> {
  const timeoutMs = values['timeout-ms'] === undefined ? 30_000 : Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
    process.stderr.write(`--timeout-ms: ${values['timeout-ms']} is not a number of milliseconds\n`);
    return EXIT_USAGE;
  }
  try {
    const idle = await runWaitIdleCommand({
      endpoints: values.endpoint ?? [`http://127.0.0.1:${DEFAULT_SERVER_PORT}`],
      ...(values.uuid ? { uuid: values.uuid } : {}),
      ...(values['function-name'] ? { functionName: values['function-name'] } : {}),
      timeoutMs,
      write: (line) => process.stdout.write(`${line}\n`),
    });
    return idle ? EXIT_OK : EXIT_CONFIG;
  } catch (err) {
    process.stderr.write(`esm-poller wait-idle: ${describeFailure(err)}\n`);
    return EXIT_CONFIG;
  }
}

/** `fetch failed: ECONNREFUSED 127.0.0.1:9050`: the reason a request to the service failed. */
function describeFailure(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause ? `${(err as Error).message}: ${[cause.code, cause.message].filter(Boolean).join(' ')}` : (err as Error).message;
}

function validate(file: string | undefined): number {
  if (!file) {
    process.stderr.write('validate needs a configuration file: esm-poller validate FILE\n');
    return EXIT_USAGE;
  }
  try {
    const config = loadConfigFile(file, processEnv());
    process.stdout.write(`${file}: valid (${config.functions.size} functions, ${config.eventSourceMappings.length} event source mappings)\n`);
    return EXIT_OK;
  } catch (err) {
    return reportConfigError(err, file);
  }
}

async function start(file: string | undefined, portText: string | undefined, templates: { templates: string[]; createResources: boolean }): Promise<number> {
  const env = processEnv();
  // With templates and no --config, the defaults are the configuration.
  const configFile = file ?? env.ESM_POLLER_CONFIG ?? (templates.templates.length > 0 ? undefined : 'config/default.yaml');
  if (templates.createResources && templates.templates.length === 0) {
    process.stderr.write('--create-resources needs --template FILE\n');
    return EXIT_USAGE;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`--port: ${portText} is not a port number (0..65535)\n`);
      return EXIT_USAGE;
    }
  }
  let config;
  let notes: string[] = [];
  try {
    if (templates.templates.length > 0) {
      const { loadConfigWithTemplates } = await import('./templates/load-templates.js');
      ({ config, notes } = await loadConfigWithTemplates({ ...(configFile ? { configFile } : {}), templates: templates.templates, env, createResources: templates.createResources }));
    } else config = loadConfigFile(configFile!, env);
  } catch (err) {
    return reportConfigError(err, configFile ?? templates.templates.join(', '));
  }
  // Loaded only now (the SDK clients, BullMQ, …: most of the start time), so a bad configuration is refused at once.
  const { Service, MappingRejectedError } = await import('./service.js');
  const logger = createLogger(config.log.level);
  for (const note of notes) logger.info({ note }, 'template_note');
  const service = new Service(config, env, logger);

  // The first SIGTERM/SIGINT drains; a second one during the drain exits at once.
  let signalled = false;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        logger.warn({ signal }, 'shutdown_forced');
        process.exit(EXIT_CONFIG);
      }
      signalled = true;
      logger.info({ signal }, 'signal_received');
      // Safety net: a stop that cannot finish (a server that never answers) must not keep the process alive.
      setTimeout(() => {
        logger.error({ signal }, 'shutdown_deadline_passed');
        void flush(logger).then(() => process.exit(EXIT_CONFIG));
      }, config.shutdown.drainTimeoutSeconds * 1000 + SHUTDOWN_GRACE_MS).unref();
      void service.stop().then(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });

  // A signal during start (e.g. while Redis is unreachable) stops the service without waiting for start to end.
  const starting = service.start(port);
  starting.catch(() => undefined);
  try {
    await Promise.race([starting, stopped]);
  } catch (err) {
    if (!signalled) {
      logger.fatal({ err }, err instanceof MappingRejectedError ? 'mapping_rejected' : 'start_failed');
      process.stderr.write(`${(err as Error).message}\n`);
      await service.stop();
      await flush(logger);
      return EXIT_CONFIG;
    }
  }
  await stopped;
  await flush(logger);
  return EXIT_OK;
}

function flush(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

function reportConfigError(err: unknown, file: string): number {
  if (err instanceof ConfigError || err instanceof TemplateError) {
    process.stderr.write(`${file}: ${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}\n`);
    for (const issue of err.issues) process.stderr.write(`  ${issue.path}: ${issue.message}\n`);
    return EXIT_CONFIG;
  }
  process.stderr.write(`${file}: ${(err as Error).message}\n`);
  return EXIT_CONFIG;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// Exit explicitly: a drained service may still hold idle sockets or timers of third-party clients.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`esm-poller: ${(err as Error).message}\n`);
    process.exit(EXIT_CONFIG);
  },
);
