import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { Errors, type EvmError } from '../errors.js';

/**
 * Values a schema lets through but PostgreSQL cannot hold. Ajv's coercion turns "Infinity" (or "1e400") into a
 * number that passes `type: integer` with any minimum, JSON.parse turns 1e400 into Infinity, integers beyond 2^53
 * have already lost their digits, and PostgreSQL refuses NUL in text. Checked once for every route, after
 * validation, so no route has to remember it.
 */
export function unstorableValue(value: unknown, where: string, depth = 0): string | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `${where} is ${value}: numbers must be finite`;
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) return `${where} is beyond ±${Number.MAX_SAFE_INTEGER}`;
    return null;
  }
  if (typeof value === 'string') return value.includes('\u0000') ? `${where} contains a NUL character` : null;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || depth > 32) return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return `${where} has a key with a NUL character`;
    const found = unstorableValue(v, `${where}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/** A fastify preHandler: 400 EVM_INPUT_NOT_STORABLE before the handler runs. */
export async function rejectUnstorableInput(req: FastifyRequest): Promise<void> {
  const found = unstorableValue(req.params, 'path') ?? unstorableValue(req.query, 'query') ?? unstorableValue(req.body, 'body');
  if (found) throw new Errors.INPUT_NOT_STORABLE(found);
}

/**
 * PostgreSQL's answer to a value it cannot hold (SQLSTATE class 22, data exception: out-of-range numbers and dates,
 * invalid text representations, NUL bytes; 54000: a value too large for an index) is the client's input, not a
 * server fault. Anything else stays a 500.
 */
export function inputRejectedByDatabase(err: unknown): EvmError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^(22[0-9A-Z]{3}|54000)$/.test(code)) return null;
  const detail = err instanceof Error ? err.message : String(err);
  return new Errors.INPUT_NOT_STORABLE(`${detail} (PostgreSQL ${code})`);
}

/**
 * Node's HTTP parser refuses some requests before fastify routes them (a URL or headers over 16 KiB, garbage, a
 * timeout); fastify's default answer is {error, message, statusCode}. Same statuses, our {code, message}.
 */
export function clientErrorAnswer(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new Errors.HTTP_TIMEOUT() : err.code === 'HPE_HEADER_OVERFLOW' ? new Errors.HTTP_HEADERS_TOO_LARGE() : new Errors.HTTP_MALFORMED();
  const body = JSON.stringify({ code: e.code, message: e.message });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${e.statusCode} ${STATUS_CODES[e.statusCode]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
