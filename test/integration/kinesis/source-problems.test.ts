import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testClients } from '../../harness/aws-clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { KinesisFixture, ScriptedInvoker } from './kinesis-fixture.js';

const servers = inject('servers');
const clients = testClients(servers);

describe('Kinesis: a source that cannot be read', () => {
  let fixture: KinesisFixture;

  beforeAll(() => {
    fixture = new KinesisFixture(servers, clients.kinesis);
  });

  afterAll(async () => {
    await fixture?.close();
    clients.destroy();
  });

  it('a stream deleted while mapped shows in LastProcessingResult, not only in the log', async () => {
    const stream = await fixture.createStream(1);
    const subject = fixture.poller(fixture.mapping(stream.arn), new ScriptedInvoker());
    await subject.poller.start();
    await clients.kinesis.send(new DeleteStreamCommand({ StreamARN: stream.arn }));
    await waitFor(() => subject.status.lastProcessingResult.startsWith('PROBLEM: Source not found: '), {
      message: 'the deleted stream is not reported',
      timeoutMs: 30_000,
    });
    expect(subject.logs).toContainEqual(expect.objectContaining({ msg: 'stream_poller_job_failed' }));
  });
});
