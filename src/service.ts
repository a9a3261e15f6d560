import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ServiceConfig } from './config/service-config.js';
import type { Env } from './config/env.js';
import { AwsClientFactory } from './aws/client-factory.js';
import { closeRedis, createRedis, waitForRedis, type Redis } from './redis/redis-connection.js';
import { RedisKeys } from './redis/keys.js';
import { checkRedisDurability } from './redis/redis-durability.js';
import { Metrics } from './observability/metrics.js';
import type { Logger } from './observability/logger.js';
import { LambdaFunction } from './functions/lambda-function.js';
import { FunctionRegistry } from './functions/function-registry.js';
import { functionArnOf } from './functions/function-definition.js';
import { createInvoker } from './functions/create-invoker.js';
import { HttpServer, sendJson } from './api/http-server.js';
import { INVOKE_PATH, invokeRoute } from './api/invoke-route.js';
import type { MappingStatus } from './mappings/mapping-status.js';
import type { Poller } from './mappings/poller.js';
import type { EventSourceMapping } from './mappings/event-source-mapping.js';
import { RedisMappingStore } from './mappings/redis-mapping-store.js';
import type { MappingStore } from './mappings/mapping-store.js';
import { MappingSupervisor } from './mappings/mapping-supervisor.js';
import { declareConfiguredMappings } from './mappings/declare-mappings.js';
import { deleteKeysMatching } from './redis/delete-keys.js';
import { RedisCheckpointStore } from './checkpoints/redis-checkpoint-store.js';
import { RedisLeaseStore } from './leases/redis-lease-store.js';
import { FleetSlots } from './concurrency/fleet-slots.js';
import { registerEventSourceMappingRoutes } from './api/event-source-mapping-routes.js';
import { registerTagRoutes } from './api/tag-routes.js';
import { registerFunctionRoutes } from './api/function-routes.js';
import { SigV4Authenticator } from './api/sigv4-auth.js';
import { createSourceCheck } from '../pollers/source-check.js';
import { DestinationQueue } from './destinations/destination-queue.js';
import { pollerFactories } from '../pollers/index.js';
import { AsyncInvocations } from './async/async-invocations.js';
import { RedisEventInvokeConfigStore } from './async/event-invoke-config-store.js';
import { eventInvokeConfigRoutes } from './api/event-invoke-config-routes.js';
import { once, runAll, settlesWithin } from './runtime/lifecycle.js';
import { FaultRegistry } from './faults/fault-registry.js';
import { FaultInjectingInvoker } from './faults/fault-injecting-invoker.js';
import { registerFaultRoutes } from './api/fault-routes.js';
import { InvocationJournal } from './journal/invocation-journal.js';
import { registerJournalRoutes } from './api/journal-routes.js';
import { ActivityRegistry } from './idle/activity-registry.js';
import { IdleWaiter, type CoveredMapping } from './idle/idle-waiter.js';
import { runsPollers } from './mappings/mapping-state.js';
import { registerWaitIdleRoute } from './api/wait-idle-route.js';

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
  /** The fleet's event source mappings (shared through Redis). */
  readonly mappingStore: MappingStore;
  private readonly supervisor: MappingSupervisor;
  private readonly slots: FleetSlots;
  /** Faults injected into the functions' invocations (shared by the fleet through Redis). */
  private readonly faults: FaultRegistry;
  /** The last invocations of each mapping on this replica. */
  private readonly journal: InvocationJournal;
  /** What each running poller still has to do (wait-idle). */
  private readonly activity = new ActivityRegistry();
  private readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private started = false;
  /** Aborted when stop() begins: a start still waiting for Redis gives up. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly config: ServiceConfig,
    env: Env,
    private readonly logger: Logger,
  ) {
    this.aws = new AwsClientFactory(env);
    this.redis = createRedis(config.redis, logger);
    this.keys = new RedisKeys(config.redis.keyPrefix, { cluster: config.redis.cluster !== undefined });
    this.slots = new FleetSlots(this.redis, this.workerId, logger.child({ component: 'slots' }));
    this.journal = new InvocationJournal(config.journal);
    this.faults = new FaultRegistry(this.redis, this.keys, [...config.functions.keys()], logger.child({ component: 'faults' }));
    const functions = new Map<string, LambdaFunction>();
    for (const definition of config.functions.values()) {
      const target = createInvoker(definition, {
        aws: this.aws,
        logger: logger.child({ function: definition.name }),
        region: config.region,
        functionOutputLevel: config.log.functionOutput,
      });
      const invoker = new FaultInjectingInvoker(definition.name, definition.timeoutSeconds, target, this.faults);
      const fleet = { slots: this.slots, key: this.keys.functionSlots(definition.name) };
      functions.set(definition.name, new LambdaFunction(definition, functionArnOf(definition, config.region), invoker, this.metrics, fleet));
    }
    this.functions = new FunctionRegistry(functions, config.region);
    this.mappingStore = new RedisMappingStore(this.redis, this.keys);
    this.destinations = new DestinationQueue({
      redis: config.redis,
      replicaWait: config.redis.replicaWait,
      keys: this.keys,
      aws: this.aws,
      metrics: this.metrics,
      logger: logger.child({ component: 'destinations' }),
      reportDestinationProblem: (uuid, problem) => {
        this.mappingStore.setStatus(uuid, { destinationProblem: problem }).catch((err: unknown) => logger.warn({ err, esmUuid: uuid }, 'status_write_failed'));
      },
    });
    this.supervisor = new MappingSupervisor({
      store: this.mappingStore,
      workerId: this.workerId,
      createPoller: (mapping, status) => this.createPoller(mapping, status),
      logger: logger.child({ component: 'supervisor' }),
      purge: async (uuid) => {
        await deleteKeysMatching(this.redis, this.keys.mappingKeysPattern(uuid));
        this.journal.forget(uuid);
      },
      dataLost: async (known) => {
        this.metrics.redisDataLoss.inc();
        for (const { mapping } of known) {
          if (mapping.sourceKind === 'sqs') continue;
          if (await new RedisCheckpointStore(this.redis, this.keys, mapping.UUID).markPositionsLost()) {
            this.metrics.positionsLost.inc({ mapping: mapping.UUID, function: mapping.FunctionName, source: mapping.sourceKind });
          }
        }
      },
    });
    // Asynchronous invocation: the event queue and its worker, its settings store, function destinations.
    const eventInvokeConfigs = new RedisEventInvokeConfigStore(this.redis, this.keys);
    this.asyncInvocations = new AsyncInvocations({
      redis: config.redis,
      replicaWait: config.redis.replicaWait,
      keys: this.keys,
      functions: this.functions,
      configs: eventInvokeConfigs,
      destinations: this.destinations,
      metrics: this.metrics,
      logger: logger.child({ component: 'async' }),
      region: config.region,
      timeScale: config.async.timeScale,
      concurrency: config.async.concurrency,
      drainTimeoutMs: config.shutdown.drainTimeoutSeconds * 1000,
    });
    this.destinations.setAsyncInvoker(this.asyncInvocations);
    const credentials = config.server.credentials;
    this.server = new HttpServer(logger, credentials.length > 0 ? { authenticator: new SigV4Authenticator(credentials) } : {})
      .route('GET', '/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }), { open: true })
      .route(
        'GET',
        '/readyz',
        async (_req, res) => {
          const ready = await this.readiness();
          sendJson(res, ready.ready ? 200 : 503, ready);
        },
        { open: true },
      )
      .route(
        'GET',
        '/metrics',
        async (_req, res) => {
          const text = await this.metrics.registry.metrics();
          res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
          res.end(text);
        },
        { open: true },
      )
      .route('POST', INVOKE_PATH, invokeRoute(this.functions, this.asyncInvocations));
    // The management API (event source mappings, their tags, the configured functions): it only reads and writes the store.
    const managementApi = { store: this.mappingStore, functions: this.functions, region: config.region };
    registerEventSourceMappingRoutes(this.server, { ...managementApi, checkSource: createSourceCheck(this.aws) });
    registerTagRoutes(this.server, managementApi);
    registerFunctionRoutes(this.server, this.functions, Date.now());
    registerFaultRoutes(this.server, this.functions, this.faults);
    registerJournalRoutes(this.server, this.journal);
    const idle = new IdleWaiter({
      mappings: () => this.coveredMappings(),
      activity: this.activity,
      pendingDeliveries: () => this.destinations.pendingDeliveries(),
    });
    registerWaitIdleRoute(this.server, {
      waitIdle: (query, signal) => idle.waitIdle(query, signal),
      hasMapping: (uuid) => this.supervisor.mappings().some(({ record }) => record.mapping.UUID === uuid),
    });
    for (const [method, path, handler] of eventInvokeConfigRoutes({ functions: this.functions, store: eventInvokeConfigs, region: config.region })) {
      this.server.route(method, path, handler);
    }
  }

  /**
   * Starts the API and the destination worker, declares the configuration file's mappings in the fleet's store,
   * then starts the supervisor, which runs the pollers of every enabled mapping. Rejects with
   * MappingRejectedError when a source refuses a mapping of the file (the caller stops the service and exits).
   */
  async start(portOverride?: number): Promise<number> {
    const port = await this.server.listen(portOverride ?? this.config.server.port, this.config.server.host);
    this.logger.info({ port, host: this.config.server.host, workerId: this.workerId }, 'api_listening');
    if (!(await waitForRedis(this.redis, this.logger, this.stopping.signal))) throw new Error('stopped while waiting for Redis');
    const durability = await checkRedisDurability(this.redis, this.logger);
    if (durability.appendOnly !== undefined) this.metrics.redisPersistence.set({ setting: 'appendonly' }, durability.appendOnly ? 1 : 0);
    await this.destinations.start();
    await this.asyncInvocations.start();
    // The file's faults are set again at every start (replacing what the API set), then followed fleet-wide.
    for (const definition of this.config.functions.values()) if (definition.faults) await this.faults.set(definition.name, definition.faults);
    await this.faults.start();
    const declared = this.config.eventSourceMappings;
    const conflicts = await declareConfiguredMappings(this.mappingStore, declared, new Set(this.config.functions.keys()));
    for (const { mapping, index, cause } of conflicts) throw new MappingRejectedError(mapping, index, cause);
    const failures = await this.supervisor.start();
    for (const [index, mapping] of declared.entries()) {
      const failure = failures.get(mapping.UUID);
      if (failure) throw new MappingRejectedError(mapping, index, failure);
    }
    this.started = true;
    this.logger.info({ mappings: this.supervisor.mappings().length, functions: this.functions.all().length }, 'service_started');
    return port;
  }

  /** Drains pollers (each up to the drain deadline), then the destination worker, the API, functions and clients. */
  readonly stop = once(async () => {
    this.logger.info({}, 'service_stopping');
    this.stopping.abort();
    const errors = [
      ...(await runAll([
        () => this.supervisor.stop(),
        async () => {
          const drainMs = this.config.shutdown.drainTimeoutSeconds * 1000;
          if (!(await settlesWithin(this.asyncInvocations.stop(), drainMs + CLOSE_STEP_TIMEOUT_MS))) this.logger.warn({}, 'async_worker_stop_timed_out');
        },
        async () => {
          if (!(await settlesWithin(this.destinations.stop(), CLOSE_STEP_TIMEOUT_MS))) this.logger.warn({}, 'destination_worker_stop_timed_out');
        },
        () => this.server.close(this.config.shutdown.drainTimeoutSeconds * 1000),
        () => this.functions.close(),
        () => this.faults.stop(),
        () => this.slots.close(),
        () => closeRedis(this.redis, CLOSE_STEP_TIMEOUT_MS),
        () => this.aws.destroy(),
      ])),
    ];
    for (const err of errors) this.logger.error({ err }, 'stop_step_failed');
    this.logger.info({}, 'service_stopped');
  });

  /** The poller of a mapping; undefined when its function is not configured on this replica. */
  private createPoller(mapping: EventSourceMapping, status: MappingStatus): Poller | undefined {
    const factory = pollerFactories[mapping.sourceKind];
    if (!factory) throw new Error(`No poller for source kind ${mapping.sourceKind}`);
    const fn = this.functions.get(mapping.FunctionName);
    if (!fn) return undefined;
    return factory({
      mapping,
      fn,
      aws: this.aws,
      keys: this.keys,
      checkpoints: new RedisCheckpointStore(this.redis, this.keys, mapping.UUID),
      leases: new RedisLeaseStore(this.redis, this.keys, mapping.UUID),
      metrics: this.metrics,
      logger: this.logger.child({ esmUuid: mapping.UUID, function: mapping.FunctionName, source: mapping.sourceKind }),
      status,
      workerId: this.workerId,
      drainTimeoutMs: this.config.shutdown.drainTimeoutSeconds * 1000,
      destinations: this.destinations,
      slots: this.slots,
      fleetSize: () => this.supervisor.fleetSize,
      streamIdlePollIntervalMs: this.config.streams.idlePollIntervalMs,
      journal: this.journal.forMapping(mapping),
      activity: this.activity,
    });
  }

  /** The fleet's mappings as this replica's supervisor sees them. */
  private coveredMappings(): CoveredMapping[] {
    return this.supervisor.mappings().map(({ record, status }) => ({
      UUID: record.mapping.UUID,
      FunctionName: record.mapping.FunctionName,
      EventSourceArn: record.mapping.EventSourceArn,
      State: record.state,
      LastProcessingResult: status.lastProcessingResult,
      polled: runsPollers(record.state, record.mapping.Enabled),
    }));
  }

  private async readiness(): Promise<{ ready: boolean; redis: boolean; pollersStarted: boolean; mappings: object[]; faults: object }> {
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
      mappings: this.supervisor.mappings().map(({ record, status }) => ({
        UUID: record.mapping.UUID,
        EventSourceArn: record.mapping.EventSourceArn,
        FunctionName: record.mapping.FunctionName,
        State: record.state,
        LastProcessingResult: status.lastProcessingResult,
      })),
      // Injected faults are listed so that nobody mistakes a test setting for an outage.
      faults: Object.fromEntries(this.faults.active()),
    };
  }
}
