import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { ConfigError } from '../../../src/config/config-error.js';
import { DEFAULT_SERVER_PORT } from '../../../src/config/service-config.js';
import { REPO_ROOT } from '../../harness/repo-root.js';

/** A folder with real handler modules, for configurations that name handlers. */
const FIXTURES = `${REPO_ROOT}test/fixtures`;

const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:orders';
const STREAM = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';

function issuesOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, env, '/srv/app');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills every default of an empty configuration', () => {
    const config = parseConfig('', {}, '/srv');
    expect(config.functions.size).toBe(0);
    expect(config.eventSourceMappings).toEqual([]);
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'esm-poller', commandTimeoutMs: 5000, replicaWait: { replicas: 0, timeoutMs: 1000 } });
    expect(config.server).toEqual({ host: '127.0.0.1', port: DEFAULT_SERVER_PORT, credentials: [] });
    expect(config.log).toEqual({ level: 'info', functionOutput: 'info' });
    expect(config.region).toBe('us-east-1');
    expect(config.shutdown.drainTimeoutSeconds).toBe(30);
    expect(config.streams.idlePollIntervalMs).toBe(1000);
    expect(config.async).toEqual({ concurrency: 32, timeScale: 1 });
  });

  it('reads Sentinel, Cluster and replica-wait settings of redis:', () => {
    const sentinel = parseConfig(
      'redis: { url: "redis://:pw@ignored:6379/2", sentinel: { name: mymaster, nodes: ["10.0.0.1:26379", "[::1]:26380"], password: s3 }, waitForReplicas: 1, waitTimeoutMs: 500 }',
      {},
      '/srv',
    );
    expect(sentinel.redis).toEqual({
      url: 'redis://:pw@ignored:6379/2',
      keyPrefix: 'esm-poller',
      commandTimeoutMs: 5000,
      sentinel: { name: 'mymaster', nodes: [{ host: '10.0.0.1', port: 26379 }, { host: '::1', port: 26380 }], password: 's3' },
      replicaWait: { replicas: 1, timeoutMs: 500 },
    });
    const cluster = parseConfig('redis: { cluster: { nodes: ["a:7000", "b:7001"] } }', {}, '/srv');
    expect(cluster.redis.cluster).toEqual({ nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }] });
  });

  it('refuses bad redis: settings with the path of each', () => {
    expect(
      issuesOf(
        [
          'redis:',
          '  url: "http://cache:6379"',
          '  sentinel: { nodes: ["x"], extra: 1 }',
          '  cluster: { nodes: [] }',
          '  waitForReplicas: 11',
        ].join('\n'),
      ),
    ).toEqual([
      'redis.url: "http://cache:6379" is not a redis:// or rediss:// URL',
      'redis.sentinel.extra: is not a supported field',
      'redis.sentinel.nodes[0]: "x" is not host:port',
      'redis.sentinel.name: must name the primary the Sentinels monitor',
      'redis.cluster.nodes: must be a non-empty list of host:port',
      'redis.waitForReplicas: 11 is out of range 0..10',
    ]);
    expect(issuesOf('redis: { sentinel: { name: m, nodes: ["a:1"] }, cluster: { nodes: ["b:2"] } }')).toEqual([
      'redis.cluster: cannot be combined with redis.sentinel: a deployment is one or the other',
    ]);
  });

  it('reads asynchronous invocation settings per function and for the service', () => {
    const config = parseConfig(
      [
        'functions:',
        '  a: { url: "http://127.0.0.1:8080/a", eventInvokeConfig: { MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: "arn:aws:lambda:us-east-1:000000000000:function:b" } } }, deadLetterConfig: { TargetArn: "arn:aws:sns:us-east-1:000000000000:dlq" } }',
        '  b: { url: "http://127.0.0.1:8080/b" }',
        'async: { concurrency: 4, timeScale: 0.01 }',
      ].join('\n'),
      {},
      FIXTURES,
    );
    expect(config.functions.get('a')).toMatchObject({
      eventInvokeConfig: { MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:b' } } },
      deadLetterConfig: { TargetArn: 'arn:aws:sns:us-east-1:000000000000:dlq' },
    });
    expect(config.async).toEqual({ concurrency: 4, timeScale: 0.01 });
  });

  it('reports asynchronous invocation settings with AWS messages and paths', () => {
    expect(
      issuesOf(
        [
          'functions:',
          '  a: { url: "http://x/a", eventInvokeConfig: { MaximumEventAgeInSeconds: 30 }, deadLetterConfig: { TargetArn: "arn:aws:s3:::bucket" } }',
          '  b: { url: "http://x/b", eventInvokeConfig: { MaxRetries: 1 } }',
          '  c: { url: "http://x/c", eventInvokeConfig: { DestinationConfig: { OnFailure: { Destination: "arn:aws:lambda:us-east-1:000000000000:function:c" } } } }',
          'async: { timeScale: 0 }',
        ].join('\n'),
      ),
    ).toEqual([
      "functions.a.eventInvokeConfig: 1 validation error detected: Value '30' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60",
      "functions.a.deadLetterConfig.TargetArn: 'arn:aws:s3:::bucket' is not an SQS queue or SNS topic ARN: a dead-letter queue is one of those",
      'functions.b.eventInvokeConfig.MaxRetries: is not a supported field',
      "functions.c.eventInvokeConfig: You can't specify the function as a destination for itself.",
      'async.timeScale: 0 must be a number in 0.0001..1',
    ]);
  });

  it('takes the Redis URL and region from the environment when the file has none', () => {
    const config = parseConfig('', { REDIS_URL: 'redis://cache:6380', AWS_REGION: 'eu-west-1' }, '/srv');
    expect(config.redis.url).toBe('redis://cache:6380');
    expect(config.region).toBe('eu-west-1');
  });

  it('resolves a handler relative to the configuration folder and defaults its export and limits', () => {
    const config = parseConfig('functions:\n  worker:\n    handler: ./handlers/echo.mjs\n', {}, FIXTURES);
    expect(config.functions.get('worker')).toEqual({
      name: 'worker',
      target: { type: 'handler', file: `${FIXTURES}/handlers/echo.mjs`, exportName: 'handler' },
      timeoutSeconds: 3,
      memorySizeMb: 128,
    });
  });

  it('reads each target kind with its settings', () => {
    const config = parseConfig(
      [
        'functions:',
        '  a: { handler: "./handlers/echo.mjs#main", timeout: 900, memorySize: 256, reservedConcurrency: 4 }',
        '  b: { url: "http://127.0.0.1:8080/fn" }',
        '  c: { arn: "arn:aws:lambda:us-east-1:123456789012:function:remote:live" }',
      ].join('\n'),
      {},
      FIXTURES,
    );
    expect(config.functions.get('a')).toMatchObject({ target: { exportName: 'main' }, timeoutSeconds: 900, memorySizeMb: 256, reservedConcurrency: 4 });
    expect(config.functions.get('b')?.target).toEqual({ type: 'url', url: 'http://127.0.0.1:8080/fn' });
    expect(config.functions.get('c')?.target).toEqual({ type: 'arn', arn: 'arn:aws:lambda:us-east-1:123456789012:function:remote:live' });
  });

  it('reports a handler file that does not exist, with the path it resolved to', () => {
    expect(issuesOf('functions:\n  f: { handler: "./missing.mjs#run" }')).toEqual([
      "functions.f.handler: './missing.mjs' resolves to /srv/app/missing.mjs, which does not exist",
    ]);
  });

  it('reports every function problem with its path', () => {
    expect(
      issuesOf(
        [
          'functions:',
          '  none: {}',
          '  two: { url: "http://x", arn: "arn:aws:lambda:us-east-1:123456789012:function:f" }',
          '  slow: { url: "http://x", timeout: 901 }',
          '  small: { url: "http://x", memorySize: 64 }',
          '  odd: { url: "ftp://x", colour: red }',
          '  badarn: { arn: "arn:aws:sqs:us-east-1:123456789012:q" }',
          '  "bad name": { url: "http://x" }',
        ].join('\n'),
      ),
    ).toEqual([
      'functions.none: needs exactly one of handler, url or arn',
      'functions.two: has url and arn; exactly one target is allowed',
      'functions.slow.timeout: 901 is out of range 1..900',
      'functions.small.memorySize: 64 is out of range 128..10240',
      'functions.odd.colour: is not a supported field',
      "functions.odd.url: 'ftp://x' must be an http:// or https:// URL",
      "functions.badarn.arn: 'arn:aws:sqs:us-east-1:123456789012:q' is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>])",
      "functions.bad name: function name 'bad name' must be 1..64 letters, digits, '-' or '_'",
    ]);
  });

  it('validates mappings with their path and rejects an undefined function', () => {
    const issues = issuesOf(
      [
        'functions: { f: { url: "http://x" } }',
        'eventSourceMappings:',
        `  - { FunctionName: f, EventSourceArn: "${QUEUE}" }`,
        `  - { FunctionName: f, EventSourceArn: "${STREAM}", StartingPosition: LATEST, BatchSize: 20000 }`,
        `  - { FunctionName: ghost, EventSourceArn: "${QUEUE}" }`,
      ].join('\n'),
    );
    expect(issues).toContain('eventSourceMappings[1].BatchSize: 20000 is out of range 1..10000 for Kinesis');
    expect(issues.some((line) => line.startsWith('eventSourceMappings[2].FunctionName: '))).toBe(true);
    expect(issues.some((line) => line.startsWith('eventSourceMappings[0]'))).toBe(false);
  });

  it('refuses the same function and queue twice with the AWS conflict message', () => {
    const issues = issuesOf(
      ['functions: { f: { url: "http://x" } }', 'eventSourceMappings:', `  - { FunctionName: f, EventSourceArn: "${QUEUE}" }`, `  - { FunctionName: f, EventSourceArn: "${QUEUE}" }`].join(
        '\n',
      ),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^eventSourceMappings\[1\]: An event source mapping with SQS arn \(" arn:aws:sqs:us-east-1:000000000000:orders "\) and function \(" f "\) already exists\. Please update or delete the existing mapping with UUID [0-9a-f-]{36}$/,
    );
  });

  it('reports unknown sections, bad ports and log levels', () => {
    expect(issuesOf('colour: red\nserver: { port: 70000 }\nlog: { level: loud, functionOutput: shout }\nredis: { url: 5 }')).toEqual([
      'colour: is not a supported field',
      'log.level: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
      'log.functionOutput: "shout" is not one of fatal, error, warn, info, debug, trace, silent',
      'redis.url: 5 must be a non-empty string',
      'server.port: 70000 is out of range 0..65535',
    ]);
  });

  it('reports YAML syntax errors with the line', () => {
    const issues = issuesOf('functions:\n  f: { url: "http://x"\n');
    expect(issues[0]).toMatch(/^\(yaml line \d+\): /);
  });

  it('reports an alias bomb and an unknown alias as configuration problems, not as a crash', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const name of ['b', 'c', 'd', 'e', 'f', 'g']) {
      const previous = String.fromCharCode(name.charCodeAt(0) - 1);
      levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(', ')}]`);
    }
    expect(issuesOf(levels.join('\n'))).toEqual([expect.stringMatching(/^\(yaml\): Excessive alias count/)]);
    expect(issuesOf('functions: *nowhere\n')).toEqual([expect.stringMatching(/^\(yaml\): Unresolved alias/)]);
  });

  it('reports a __proto__ key like any other key instead of dropping it', () => {
    expect(issuesOf('__proto__: { port: 1 }\n')).toEqual(['__proto__: is not a supported field']);
    expect(issuesOf('functions:\n  __proto__: { url: "http://127.0.0.1:1", timeout: 0 }\n')).toEqual([
      'functions.__proto__.timeout: 0 is out of range 1..900',
    ]);
  });

  it('interpolates before validating, so a variable can carry a number', () => {
    const config = parseConfig(
      ['functions: { f: { url: "${TARGET}" } }', 'eventSourceMappings:', '  - { FunctionName: f, EventSourceArn: "${ARN}", BatchSize: "${SIZE:-5}" }'].join('\n'),
      { TARGET: 'http://127.0.0.1:1/f', ARN: QUEUE },
      '/srv',
    );
    expect(config.eventSourceMappings[0]).toMatchObject({ BatchSize: 5, EventSourceArn: QUEUE, sourceKind: 'sqs' });
  });

  it('returns a frozen configuration', () => {
    const config = parseConfig('server: { port: 1 }', {}, '/srv');
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('reads server.credentials and reports every bad entry with its path', () => {
    const config = parseConfig('server: { credentials: [{ accessKeyId: AKIDEXAMPLE, secretAccessKey: "s3cr/t" }] }', {}, '/srv');
    expect(config.server.credentials).toEqual([{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 's3cr/t' }]);
    expect(
      issuesOf('server:\n  credentials:\n    - { accessKeyId: "a b", secretAccessKey: x }\n    - { accessKeyId: K1 }\n    - { accessKeyId: K2, secretAccessKey: y, role: z }\n    - { accessKeyId: K2, secretAccessKey: y }'),
    ).toEqual([
      'server.credentials[0].accessKeyId: "a b" must be 1..128 letters and digits',
      'server.credentials[1].secretAccessKey: must be a non-empty string',
      'server.credentials[2].role: is not a supported field',
      'server.credentials[3].accessKeyId: K2 is listed twice',
    ]);
    expect(issuesOf('server: { credentials: AKID }')).toEqual(['server.credentials: must be a list of { accessKeyId, secretAccessKey }']);
  });
});

describe('functions.*.environment', () => {
  it('keeps a handler function variables, scalars as text', () => {
    const config = parseConfig(`functions:\n  f: { handler: "${FIXTURES}/handlers/echo.mjs", environment: { TABLE: orders, RETRIES: 3, DEBUG: true } }`, {}, '/srv');
    expect(config.functions.get('f')!.environment).toEqual({ TABLE: 'orders', RETRIES: '3', DEBUG: 'true' });
  });

  it("refuses Lambda's reserved keys, bad names, non-scalars, more than 4 KB, and non-handler targets", () => {
    expect(issuesOf(`functions:\n  f: { handler: "${FIXTURES}/handlers/echo.mjs", environment: { AWS_REGION: x, TZ: UTC } }`)).toEqual([
      'functions.f.environment: Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION, TZ',
    ]);
    expect(issuesOf(`functions:\n  f: { handler: "${FIXTURES}/handlers/echo.mjs", environment: { 1X: a, YY: [1] } }`)).toEqual([
      'functions.f.environment.1X: is not a valid variable name ([a-zA-Z][a-zA-Z0-9_]+)',
      'functions.f.environment.YY: [1] must be a string',
    ]);
    expect(issuesOf(`functions:\n  f: { handler: "${FIXTURES}/handlers/echo.mjs", environment: { BIG: ${'x'.repeat(4_100)} } }`)).toEqual([
      'functions.f.environment: the variables take 4103 bytes; Lambda allows at most 4096',
    ]);
    expect(issuesOf('functions:\n  f: { url: "http://127.0.0.1:1/", environment: { AB: b } }')).toEqual([
      'functions.f.environment: applies to handler: functions only (a url: function runs in its own environment)',
    ]);
  });
});
