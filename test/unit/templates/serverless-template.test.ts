import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ValidationIssue } from '../../../src/config/config-error.js';
import { parseTemplateText } from '../../../src/templates/cloudformation-yaml.js';
import { readServerlessTemplate } from '../../../src/templates/serverless-template.js';
import type { TemplateClients } from '../../../src/templates/template-resources.js';

/** No lookups happen for what these documents reference (ARNs only). */
const NO_CLIENTS = {} as TemplateClients;

async function read(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 't-sls-'));
  writeFileSync(join(dir, 'handler.mjs'), 'export const main = async () => null;\n');
  const issues: ValidationIssue[] = [];
  const declarations = await readServerlessTemplate(parseTemplateText(yaml) as Record<string, unknown>, {
    file: 'serverless.yml',
    dir,
    region: 'eu-west-1',
    account: '000000000000',
    clients: NO_CLIENTS,
    createResources: false,
    issues,
    notes: [],
  });
  return { declarations, issues, dir };
}

describe('readServerlessTemplate', () => {
  it('turns functions and their sqs and stream events into functions and mappings', async () => {
    const { declarations, issues, dir } = await read(
      [
        'service: shop',
        'provider: { name: aws, runtime: nodejs20.x, timeout: 7 }',
        'custom: { batch: 5 }',
        'functions:',
        '  worker:',
        '    handler: handler.main',
        '    memorySize: 512',
        '    events:',
        '      - sqs: arn:aws:sqs:eu-west-1:000000000000:${self:service}-${sls:stage}-q',
        '      - sqs: { arn: "arn:aws:sqs:${aws:region}:${aws:accountId}:other", batchSize: "${self:custom.batch}", maximumBatchingWindow: 2, functionResponseType: ReportBatchItemFailures, filterPatterns: [{ body: { a: [1] } }], maximumConcurrency: 4 }',
        '      - stream: { arn: "arn:aws:kinesis:eu-west-1:000000000000:stream/s", type: kinesis, batchWindow: 1, destinations: { onFailure: { arn: "arn:aws:sqs:eu-west-1:000000000000:dlq", type: sqs } } }',
        '      - schedule: rate(1 minute)',
      ].join('\n'),
    );
    expect(issues).toEqual([]);
    expect(declarations.functions).toEqual({ worker: { handler: `${dir}/handler.mjs#main`, timeout: 7, memorySize: 512 } });
    expect(declarations.eventSourceMappings.map((entry) => [entry.path, entry.mapping])).toEqual([
      ['serverless.yml: functions.worker.events[0].sqs', { FunctionName: 'worker', EventSourceArn: 'arn:aws:sqs:eu-west-1:000000000000:shop-dev-q' }],
      [
        'serverless.yml: functions.worker.events[1].sqs',
        {
          FunctionName: 'worker',
          EventSourceArn: 'arn:aws:sqs:eu-west-1:000000000000:other',
          BatchSize: 5,
          MaximumBatchingWindowInSeconds: 2,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          FilterCriteria: { Filters: [{ Pattern: '{"body":{"a":[1]}}' }] },
          ScalingConfig: { MaximumConcurrency: 4 },
        },
      ],
      [
        'serverless.yml: functions.worker.events[2].stream',
        {
          FunctionName: 'worker',
          StartingPosition: 'TRIM_HORIZON',
          EventSourceArn: 'arn:aws:kinesis:eu-west-1:000000000000:stream/s',
          MaximumBatchingWindowInSeconds: 1,
          DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:eu-west-1:000000000000:dlq' } },
        },
      ],
    ]);
    expect(declarations.skipped).toEqual(['serverless.yml: functions.worker.events[3]: schedule is not an event source mapping']);
  });

  it('reports what it cannot run or resolve at its path', async () => {
    const { issues } = await read(
      [
        'service: shop',
        'provider: { name: aws, runtime: python3.12 }',
        'functions:',
        '  worker:',
        '    handler: missing.main',
        '    layers: [x]',
        '    events:',
        '      - sqs: { arn: "${ssm:/queue/arn}", consumer: true }',
      ].join('\n'),
    );
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      'serverless.yml: functions.worker.events[0].sqs.arn: ${ssm:/queue/arn} cannot be resolved (supported: self:, sls:stage, opt:stage, aws:region, aws:accountId)',
      'serverless.yml: functions.worker.layers: is not supported for local runs',
      'serverless.yml: functions.worker.runtime: "python3.12": only Node.js runtimes (nodejsNN.x) run locally, as handler: targets',
      expect.stringMatching(/^serverless\.yml: functions\.worker\.handler: no module for missing\.main: tried .*missing\.js, .*missing\.mjs, .*missing\.cjs$/),
      'serverless.yml: functions.worker.events[0].sqs.consumer: is not supported for local runs',
    ]);
  });
});
