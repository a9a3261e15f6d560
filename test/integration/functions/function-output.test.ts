import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureHandler } from '../../harness/fixtures.js';
import { lambdaClientFor } from '../../harness/lambda-client.js';
import { startService, type RunningService } from '../../harness/service-process.js';
import { waitFor } from '../../harness/wait-for.js';

const servers = inject('servers');
const PRINTED = ['hello from the handler { n: 5 }', 'an error line', 'raw stdout line', 'raw stderr line'];

function configWith(logSection: string): string {
  return ['functions:', `  printer: { handler: "${fixtureHandler('log.mjs')}" }`, logSection].join('\n');
}

describe('what a handler prints, in the service log', () => {
  let shown: RunningService;
  let hidden: RunningService;
  const clients: LambdaClient[] = [];

  beforeAll(async () => {
    [shown, hidden] = await Promise.all([
      startService({ servers, config: configWith('log: { level: info }') }),
      startService({ servers, config: configWith('log: { level: info, functionOutput: debug }') }),
    ]);
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await Promise.all([shown?.stop(), hidden?.stop()]);
  });

  async function invoke(service: RunningService): Promise<string> {
    const lambda = lambdaClientFor(service.url);
    clients.push(lambda);
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'printer', Payload: Buffer.from('{"n":5}') }));
    expect(response.FunctionError).toBeUndefined();
    return response.$metadata.requestId!;
  }

  it('logs console output and raw writes at info by default, tagged with function, request id and log stream', async () => {
    const requestId = await invoke(shown);

    const lines = await waitFor(() => {
      const found = shown.logs.filter((line) => line.msg === 'function_log' && line.requestId === requestId);
      return found.length >= PRINTED.length ? found : undefined;
    });
    expect(lines.map((line) => line.text).sort()).toEqual([...PRINTED].sort());
    for (const line of lines) {
      expect(line).toMatchObject({ level: 'info', functionName: 'printer', requestId });
      expect(line.logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    }
    expect(lines.find((line) => line.text === 'an error line')).toMatchObject({ logLevel: 'ERROR' });
    expect(lines.find((line) => line.text === 'raw stderr line')).toMatchObject({ stream: 'stderr' });
  });

  it('hides it when log.functionOutput is below log.level', async () => {
    await invoke(hidden);
    // Console lines reach the log before the response; raw writes within the time the same output takes to
    // travel through the other service after a later invocation.
    const marker = await invoke(shown);
    await waitFor(() => shown.logs.some((line) => line.msg === 'function_log' && line.requestId === marker));

    expect(hidden.logs.filter((line) => line.msg === 'function_log')).toEqual([]);
    expect(hidden.stdout).not.toContain('raw stdout line');
  });
});
