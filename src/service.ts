import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ServiceConfig } from './config/service-config.js';
import type { Env } from './config/env.js';
import { AwsClientFactory } from './aws/client-factory.js';
import { closeRedis, createRedis, type Redis } from './redis/redis-connection.js';
import { RedisKeys } from './redis/keys.js';
import { Metrics } from './observability/metrics.js';
import type { Logger } from './observability/logger.js';
import { LambdaFunction } from './functions/lambda-function.js';
import { FunctionRegistry } from './functions/function-registry.js';
import { functionArnOf } from './functions/function-definition.js';
import { createInvoker } from './functions/create-invoker.js';
import { HttpServer, sendJson } from './api/http-server.js';
import { INVOKE_PATH, invokeRoute } from './api/invoke-route.js';
import { MappingStatus } from './mappings/mapping-status.js';
import type { Poller } from './mappings/poller.js';
import type { EventSourceMapping } from './mappings/event-source-mapping.js';
import { DestinationQueue } from './destinations/destination-queue.js';
import { pollerFactories } from '../pollers/index.js';
import { AsyncInvocations } from './async/async-invocations.js';
import { RedisEventInvokeConfigStore } from './async/event-invoke-config-store.js';
import { LocalInvocationSlots } from './async/invocation-slots.js';
import { eventInvokeConfigRoutes } from './api/event-invoke-config-routes.js';
import { once, runAll, settlesWithin } from './runtime/lifecycle.js';

/** Longest wait for one cleanup step that talks to Redis, which may be unreachable at shutdown. */
const CLOSE_STEP_TIMEOUT_MS = 5_000;
/** Longest wait for Redis to answer the PING of /readyz; a Redis that stays silent makes the service not ready. */
const READINESS_PING_TIMEOUT_MS = 2_000;

/** A mapping the service could not start: its source refused it (unknown queue, stream, …). */
export class MappingRejectedError extends Error {
  override readonly name = 'MappingRejectedError';
  constructor(
    readonly mapping: EventSourceMapping,
    readonly index: number,
    override readonly cause: Error,
  ) {
    super(`eventSourceMappings[${index}] (${mapping.EventSourceArn}): ${cause.name}: ${cause.message}`);
  }
}

interface RunningMapping {
  readonly mapping: EventSourceMapping;
  readonly status: MappingStatus;
  readonly poller?: Poller;
}

/**
 * The composition root: builds clients, stores, functions, pollers and the API from the configuration, starts
 * them in order and stops them in reverse. Nothing else in the service constructs shared clients.
 */
export class Service {
  readonly metrics = new Metrics();
  private readonly aws: AwsClientFactory;
  private readonly redis: Redis;
  private readonly keys: RedisKeys;
  private readonly functions: FunctionRegistry;
  private readonly destinations: DestinationQueue;
  private readonly asyncInvocations: AsyncInvocations;
  private readonly server: HttpServer;
  private readonly mappings: RunningMapping[] = [];
  private readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private started = false;

  constructor(
    private readonly config: ServiceConfig,
    env: Env,
    private readonly logger: Logger,
  ) {
    this.aws = new AwsClientFactory(env);
    this.redis = createRedis(config.redis.url, logger);
    this.keys = new RedisKeys(config.redis.keyPrefix);
    const functions = new Map<string, LambdaFunction>();
    for (const definition of config.functions.values()) {
      const invoker = createInvoker(definition, { aws: this.aws, logger: logger.child({ function: definition.name }), region: config.region });
      functions.set(definition.name, new LambdaFunction(definition, functionArnOf(definition, config.region), invoker, this.metrics));
    }
    this.functions = new FunctionRegistry(functions, config.region);
    this.destinations = new DestinationQueue({
      redisUrl: config.redis.url,
      keys: this.keys,
      aws: this.aws,
      metrics: this.metrics,
      logger: logger.child({ component: 'destinations' }),
    });
    // Asynchronous invocation: the event queue and its worker, its settings store, function destinations.
    const eventInvokeConfigs = new RedisEventInvokeConfigStore(this.redis, this.keys);
    this.asyncInvocations = new AsyncInvocations({
      redisUrl: config.redis.url,
      keys: this.keys,
      functions: this.functions,
      configs: eventInvokeConfigs,
      destinations: this.destinations,
      slots: new LocalInvocationSlots(),
      metrics: this.metrics,
      logger: logger.child({ component: 'async' }),
      region: config.region,
      timeScale: config.async.timeScale,
      concurrency: config.async.concurrency,
      drainTimeoutMs: config.shutdown.drainTimeoutSeconds * 1000,
    });
    this.destinations.setAsyncInvoker(this.asyncInvocations);
    this.server = new HttpServer(logger)
      .route('GET', '/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }))
      .route('GET', '/readyz', async (_req, res) => {
        const ready = await this.readiness();
        sendJson(res, ready.ready ? 200 : 503, ready);
      })
      .route('GET', '/metrics', async (_req, res) => {
        const text = await this.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
        res.end(text);
      })
      .route('POST', INVOKE_PATH, invokeRoute(this.functions, this.asyncInvocations));
    for (const [method, path, handler] of eventInvokeConfigRoutes({ functions: this.functions, store: eventInvokeConfigs, region: config.region })) {
      this.server.route(method, path, handler);
    }
  }

  /**
   * Starts the API, the destination worker and one poller per enabled mapping. Rejects with
   * MappingRejectedError when a source refuses a mapping (the caller stops the service and exits).
   */
  async start(portOverride?: number): Promise<number> {
    const port = await this.server.listen(portOverride ?? this.config.server.port, this.config.server.host);
    this.logger.info({ port, host: this.config.server.host, workerId: this.workerId }, 'api_listening');
    await this.destinations.start();
    await this.asyncInvocations.start();
    for (const [index, mapping] of this.config.eventSourceMappings.entries()) {
      const status = new MappingStatus();
      if (!mapping.Enabled) {
        this.mappings.push({ mapping, status });
        this.logger.info({ esmUuid: mapping.UUID, eventSourceArn: mapping.EventSourceArn }, 'mapping_disabled');
        continue;
      }
      const poller = this.createPoller(mapping, status);
      this.mappings.push({ mapping, status, poller });
      try {
        await poller.start();
      } catch (err) {
        throw new MappingRejectedError(mapping, index, err instanceof Error ? err : new Error(String(err)));
      }
      this.logger.info({ esmUuid: mapping.UUID, function: mapping.FunctionName, eventSourceArn: mapping.EventSourceArn }, 'mapping_started');
    }
    this.started = true;
    this.logger.info({ mappings: this.mappings.length, functions: this.functions.all().length }, 'service_started');
    return port;
  }

  /** Drains pollers (each up to the drain deadline), then the destination worker, the API, functions and clients. */
  readonly stop = once(async () => {
    this.logger.info({}, 'service_stopping');
    const pollers = this.mappings.flatMap((running) => (running.poller ? [running.poller] : []));
    const errors = [
      ...(await Promise.all(pollers.map((poller) => runAll([() => poller.stop()])))).flat(),
      ...(await runAll([
        async () => {
          const drainMs = this.config.shutdown.drainTimeoutSeconds * 1000;
          if (!(await settlesWithin(this.asyncInvocations.stop(), drainMs + CLOSE_STEP_TIMEOUT_MS))) this.logger.warn({}, 'async_worker_stop_timed_out');
        },
        async () => {
          if (!(await settlesWithin(this.destinations.stop(), CLOSE_STEP_TIMEOUT_MS))) this.logger.warn({}, 'destination_worker_stop_timed_out');
        },
        () => this.server.close(this.config.shutdown.drainTimeoutSeconds * 1000),
        () => this.functions.close(),
        () => closeRedis(this.redis, CLOSE_STEP_TIMEOUT_MS),
        () => this.aws.destroy(),
      ])),
    ];
    for (const err of errors) this.logger.error({ err }, 'stop_step_failed');
    this.logger.info({}, 'service_stopped');
  });

  private createPoller(mapping: EventSourceMapping, status: MappingStatus): Poller {
    const factory = pollerFactories[mapping.sourceKind];
    if (!factory) throw new Error(`No poller for source kind ${mapping.sourceKind}`);
    const fn = this.functions.get(mapping.FunctionName);
    if (!fn) throw new Error(`Function ${mapping.FunctionName} is not configured`);
    return factory({
      mapping,
      fn,
      aws: this.aws,
      redis: this.redis,
      keys: this.keys,
      metrics: this.metrics,
      logger: this.logger.child({ esmUuid: mapping.UUID, function: mapping.FunctionName, source: mapping.sourceKind }),
      status,
      workerId: this.workerId,
      drainTimeoutMs: this.config.shutdown.drainTimeoutSeconds * 1000,
      redisUrl: this.config.redis.url,
      destinations: this.destinations,
      streamIdlePollIntervalMs: this.config.streams.idlePollIntervalMs,
    });
  }

  private async readiness(): Promise<{ ready: boolean; redis: boolean; pollersStarted: boolean; mappings: object[] }> {
    let redis = false;
    try {
      if (this.redis.status === 'ready') {
        // Commands wait for Redis without limit (maxRetriesPerRequest: null); a probe must answer anyway.
        let answer: string | undefined;
        const ping = this.redis.ping().then((pong) => (answer = pong));
        ping.catch(() => undefined);
        redis = (await settlesWithin(ping, READINESS_PING_TIMEOUT_MS)) && answer === 'PONG';
      }
    } catch {
      redis = false;
    }
    return {
      ready: redis && this.started,
      redis,
      pollersStarted: this.started,
      mappings: this.mappings.map(({ mapping, status }) => ({
        UUID: mapping.UUID,
        EventSourceArn: mapping.EventSourceArn,
        FunctionName: mapping.FunctionName,
        State: mapping.Enabled ? 'Enabled' : 'Disabled',
        LastProcessingResult: status.lastProcessingResult,
      })),
    };
  }
}
