import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { HttpServer, readBody } from '../../../src/api/http-server.js';
import { ApiError } from '../../../src/api/api-error.js';
import { captureLogger } from '../functions/invoker-fixture.js';
import { waitFor } from '../../harness/wait-for.js';

describe('HttpServer with clients that misbehave', () => {
  let server: HttpServer | undefined;

  afterEach(async () => {
    await server?.close(0);
    server = undefined;
  });

  it('logs a client that disconnects while sending its body as an aborted request, not as a failure', async () => {
    const { logger, lines } = captureLogger();
    let reading = false;
    server = new HttpServer(logger).route('POST', '/upload', async (request, response) => {
      reading = true;
      const body = await readBody(request, 1_000, () => new ApiError('RequestEntityTooLargeException', 'too large'));
      response.end(body);
    });
    const port = await server.listen(0, '127.0.0.1');
    const socket = connect(port, '127.0.0.1', () => socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"partial":'));
    socket.on('error', () => undefined);
    await waitFor(() => reading, { message: 'the route never started reading the body' });
    socket.destroy();
    await waitFor(() => lines().some((line) => line.msg === 'api_request_aborted'), { message: 'no api_request_aborted event' });
    expect(lines().filter((line) => line.msg === 'api_request_failed')).toEqual([]);
  });
});
