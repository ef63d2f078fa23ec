import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream';
import { ByteLengthQueuingStrategy, ReadableStream, type ReadableStreamDefaultController } from 'node:stream/web';
import { Server } from '@tus/server';
import { NodeRequest, sendNodeResponse } from 'srvx/node';

/**
 * Body bytes queued ahead of the store's reader before the request is paused: a few socket chunks. Measured with
 * eight docks at once, 64 KiB and 256 KiB did the same and 1 MiB cost CPU and memory (see the spool writer's batch).
 */
const BODY_HIGH_WATER_BYTES = 256 * 1024;

/**
 * tus's server with the request body handed over without a copy. tus (through srvx) reads a Node request's body
 * as `Readable.toWeb(req)`, and Node's adapter copies every chunk into a new Uint8Array "to detach it from the
 * pool"; an HTTP body chunk is a slice of the socket's own read buffer, never of the shared allocation pool, so
 * the copy bought nothing. Profiled with `BENCH_CPU_PROF=1 BENCH_ONLY=large npm run bench:ingest` (2 GiB, one
 * dock): that copy was 1.41 s of the service's 8.3 s of JavaScript CPU, second only to hashing.
 */
export class TusNodeServer extends Server {
  override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = new NodeRequest({ req, res });
    let body: ReadableStream<Uint8Array> | null | undefined;
    // An own getter shadows srvx's; created on first read, as srvx does, so a request tus never reads is left alone.
    Object.defineProperty(request, 'body', {
      configurable: true,
      get: () => (body ??= req.method === 'GET' || req.method === 'HEAD' ? null : bodyStream(req)),
    });
    // handleWeb is tus's handler for a web Request; srvx's NodeRequest is one, backed by the Node request.
    const response = await this.handleWeb(request as unknown as Request);
    await sendNodeResponse(res, response);
  }
}

/**
 * The request as a web stream of its own chunks: Node's `Readable.toWeb` minus the per-chunk copy. Same
 * backpressure (pause when the queue is full, resume on pull), same ending (a request cut before its end errors
 * the stream with an AbortError), and cancelling destroys the request, as Node's adapter does.
 */
export function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  if (req.destroyed || !req.readable) {
    const empty = new ReadableStream<Uint8Array>();
    void empty.cancel();
    return empty;
  }
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const onData = (chunk: Buffer) => {
    controller.enqueue(chunk);
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  req.pause();
  const cleanup = finished(req, (err) => {
    cleanup();
    // Legacy streams may emit 'error' again after finishing; it must not become an uncaught exception.
    req.on('error', () => undefined);
    if (err) {
      const premature = (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
      controller.error(premature ? Object.assign(new Error('The operation was aborted', { cause: err }), { name: 'AbortError', code: 'ABORT_ERR' }) : err);
    } else if (!cancelled) controller.close();
  });
  req.on('data', onData);
  return new ReadableStream<Uint8Array>(
    {
      start: (c) => void (controller = c),
      pull: () => void req.resume(),
      cancel: (reason) => {
        cancelled = true;
        req.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER_BYTES }),
  );
}
