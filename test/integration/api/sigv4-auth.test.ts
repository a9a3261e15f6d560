import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CreateEventSourceMappingCommand,
  InvokeCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { FinalizeHandler, FinalizeHandlerArguments } from '@smithy/types';
import { failureOf, MappingApiFixture } from './mapping-api-fixture.js';

const servers = inject('servers');
const KEY = { accessKeyId: 'AKIDESMPOLLER1', secretAccessKey: 'first/secret+key' };
const SECOND_KEY = { accessKeyId: 'AKIDESMPOLLER2', secretAccessKey: 'second-secret' };
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

describe('SigV4 authentication when server.credentials are configured', () => {
  const fixture = new MappingApiFixture(servers);
  let signed: LambdaClient;

  beforeAll(async () => {
    await fixture.start([
      'server:',
      '  credentials:',
      `    - { accessKeyId: ${KEY.accessKeyId}, secretAccessKey: "${KEY.secretAccessKey}" }`,
      `    - { accessKeyId: ${SECOND_KEY.accessKeyId}, secretAccessKey: "${SECOND_KEY.secretAccessKey}" }`,
    ]);
    signed = fixture.client(KEY);
  });

  afterAll(async () => {
    signed?.destroy();
    await fixture.stop();
  });

  it('serves a client signing with any configured key: mappings, tags (ARN in the path), functions and Invoke', async () => {
    const queueArn = await fixture.createQueue();
    const created = await signed.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: queueArn, Tags: { a: 'b c' } }));
    expect(created.State).toBe('Creating');
    expect((await signed.send(new ListTagsCommand({ Resource: created.EventSourceMappingArn }))).Tags).toEqual({ a: 'b c' });
    const listed = await signed.send(new ListEventSourceMappingsCommand({ EventSourceArn: queueArn, MaxItems: 5 }));
    expect(listed.EventSourceMappings?.map((mapping) => mapping.UUID)).toEqual([created.UUID]);
    const invoked = await signed.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{"x":1}') }));
    expect(JSON.parse(Buffer.from(invoked.Payload!).toString())).toEqual({ x: 1 });
    const second = fixture.client(SECOND_KEY);
    expect((await second.send(new ListFunctionsCommand({}))).Functions?.length).toBe(2);
    second.destroy();
  });

  it('answers 403 UnrecognizedClientException for an unknown key and InvalidSignatureException for a wrong secret', async () => {
    const stranger = fixture.client({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: KEY.secretAccessKey });
    expect(await failureOf(() => stranger.send(new ListFunctionsCommand({})))).toEqual({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      status: 403,
    });
    stranger.destroy();
    const forger = fixture.client({ accessKeyId: KEY.accessKeyId, secretAccessKey: 'not-the-secret' });
    expect(await failureOf(() => forger.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') })))).toEqual({
      name: 'InvalidSignatureException',
      message: SIGNATURE_MISMATCH,
      status: 403,
    });
    forger.destroy();
  });

  it('answers 403 MissingAuthenticationTokenException with AWS body and header to an unsigned request, and keeps health, readiness and metrics open', async () => {
    for (const path of ['/2015-03-31/event-source-mappings/', '/2015-03-31/functions/', '/2019-09-25/functions/echo/event-invoke-config']) {
      const response = await fetch(`${fixture.service.url}${path}`);
      expect(response.status).toBe(403);
      expect(response.headers.get('x-amzn-ErrorType')).toBe('MissingAuthenticationTokenException');
      expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
    }
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const open = await fetch(`${fixture.service.url}${path}`);
      await open.arrayBuffer();
      expect(open.status).toBe(200);
    }
  });

  it('refuses a signed request whose body was changed after signing', async () => {
    const tamperer = fixture.client(KEY);
    // After the signer: the body the server receives is not the one signed (same length, so HTTP framing holds).
    tamperer.middlewareStack.addRelativeTo(
      (next: FinalizeHandler<any, any>) => async (args: FinalizeHandlerArguments<any>) => {
        const request = args.request as { body?: unknown };
        request.body = Buffer.from('{"to":"ohce"}');
        return next(args);
      },
      { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'tamperAfterSigning' },
    );
    expect(await failureOf(() => tamperer.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{"to":"echo"}') })))).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
    });
    tamperer.destroy();
  });
});
