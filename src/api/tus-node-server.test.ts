import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyStream } from './tus-node-server.js';

/** A real HTTP server whose handler gets each request; the test drives the client side. */
async function serve(onRequest: (req: IncomingMessage) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    onRequest(req);
    req.once('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

let open: Server | undefined;
afterEach(async () => {
  open?.closeAllConnections();
  await new Promise((resolve) => open?.close(resolve) ?? resolve(undefined));
  open = undefined;
});

/**
 * A PATCH whose body the server hands to `bodyStream`: the client to write with, and (once the server has the
 * request) the request and its stream.
 */
async function patchingBodyStream(headers: Record<string, string> = {}) {
  let seen!: (r: { req: IncomingMessage; stream: ReadableStream<Uint8Array> }) => void;
  const arrived = new Promise<{ req: IncomingMessage; stream: ReadableStream<Uint8Array> }>((resolve) => (seen = resolve));
  const { server, port } = await serve((req) => seen({ req, stream: bodyStream(req) }));
  open = server;
  const client = request({ port, host: '127.0.0.1', method: 'PATCH', headers });
  client.on('error', () => undefined);
  client.flushHeaders();
  return { client, ...(await arrived) };
}

describe('bodyStream (a request body as a web stream, without copies)', () => {
  it('hands over the very chunks the request emitted, in order, and ends with the request', async () => {
    const seen: Buffer[] = [];
    let done!: Promise<Uint8Array[]>;
    const { server, port } = await serve((req) => {
      const original = req.emit.bind(req);
      req.emit = ((event: string, ...args: unknown[]) => {
        if (event === 'data') seen.push(args[0] as Buffer);
        return original(event, ...args);
      }) as typeof req.emit;
      done = collect(bodyStream(req));
    });
    open = server;
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    body.write('first', 0);
    body.write('last', body.length - 4);
    await new Promise<void>((resolve, reject) => {
      const c = request({ port, host: '127.0.0.1', method: 'PATCH' }, (res) => res.resume().on('end', resolve));
      c.on('error', reject);
      c.end(body);
    });
    const chunks = await done;
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
    expect(chunks.length).toBe(seen.length);
    // The same memory, not a copy of it.
    chunks.forEach((c, i) => expect(c.buffer).toBe(seen[i]!.buffer));
  });

  it('pauses the request while the reader is behind, and resumes it on read', async () => {
    const { client, req, stream } = await patchingBodyStream();
    const total = 16 * 1024 * 1024;
    client.write(Buffer.alloc(total));
    await sleep(300);
    // Nobody reads: the request stays paused with at most about a queue's worth taken off the socket.
    expect(req.isPaused()).toBe(true);
    const reader = stream.getReader();
    let got = 0;
    const first = await reader.read();
    got += first.value!.length;
    expect(got).toBeLessThan(total);
    client.end();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      got += value.length;
    }
    expect(got).toBe(total);
  });

  it('errors the stream as Node\'s own adapter does when the request is cut before its end', async () => {
    const outcomes: Array<Promise<unknown>> = [];
    const { server, port } = await serve((req) => {
      const settle = (stream: ReadableStream<Uint8Array>) =>
        collect(stream).then(
          () => 'ended',
          (err: NodeJS.ErrnoException) => ({ name: err.name, code: err.code, message: err.message }),
        );
      // Node's copying adapter on one request, ours on another, both cut the same way.
      outcomes.push(settle(outcomes.length === 0 ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : bodyStream(req)));
    });
    open = server;
    for (let i = 0; i < 2; i++) {
      const client = request({ port, host: '127.0.0.1', method: 'PATCH', headers: { 'content-length': String(10 * 1024 * 1024) } });
      client.on('error', () => undefined);
      client.write(Buffer.alloc(1024 * 1024));
      await sleep(100);
      client.destroy();
    }
    const [node, ours] = await Promise.all(outcomes);
    expect(ours).not.toBe('ended');
    expect(ours).toEqual(node);
  });

  it('destroys the request when the stream is cancelled', async () => {
    const { client, req, stream } = await patchingBodyStream({ 'content-length': String(1024 * 1024) });
    client.write(Buffer.alloc(1024));
    await sleep(100);
    await stream.cancel(new Error('store gave up'));
    expect(req.destroyed).toBe(true);
  });
});
