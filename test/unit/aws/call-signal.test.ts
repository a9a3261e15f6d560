import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { AwsClientFactory } from '../../../src/aws/client-factory.js';
import { withSignal } from '../../../src/aws/call-signal.js';

/** An SQS endpoint that answers every request with an empty ReceiveMessage result, except those `hold` keeps waiting. */
async function sqsEndpoint(hold: (requestNumber: number) => boolean): Promise<{ url: string; server: Server; requests: () => number }> {
  let requests = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests += 1;
    request.resume();
    if (hold(requests)) return;
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests: () => requests };
}

const receive = () => new ReceiveMessageCommand({ QueueUrl: 'http://queue/000000000000/q', WaitTimeSeconds: 20 });

describe('withSignal', () => {
  let cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup) step();
    cleanup = [];
  });

  it("cancels a call of a factory client when the command's signal aborts, and never the next call of the same command", async () => {
    const endpoint = await sqsEndpoint((n) => n === 1);
    const factory = new AwsClientFactory({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_SQS: endpoint.url });
    cleanup.push(() => factory.destroy(), () => endpoint.server.close());
    const sqs = factory.sqs();

    const controller = new AbortController();
    const held = sqs.send(withSignal(receive(), controller.signal));
    while (endpoint.requests() < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const abortedAt = Date.now();
    controller.abort();
    await expect(held).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - abortedAt).toBeLessThan(1_000);

    // The cached middleware stack must not keep the first call's signal: this one is answered.
    const answered = await sqs.send(withSignal(receive(), new AbortController().signal));
    expect(answered.Messages).toBeUndefined();
    expect(endpoint.requests()).toBe(2);
  });

  it('rejects at once with a signal aborted before the call, and answers a call without a signal', async () => {
    const endpoint = await sqsEndpoint(() => false);
    const factory = new AwsClientFactory({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_SQS: endpoint.url });
    cleanup.push(() => factory.destroy(), () => endpoint.server.close());
    const sqs = factory.sqs();
    const controller = new AbortController();
    controller.abort();
    await expect(sqs.send(withSignal(receive(), controller.signal))).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sqs.send(withSignal(receive(), undefined))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });
});
