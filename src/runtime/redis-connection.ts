import { Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';

/** BullMQ connection options from REDIS_URL (or the embedded socket). `maxRetriesPerRequest: null` is BullMQ's requirement for workers. */
export function redisConnection(source: { url: string } | { socket: string }): ConnectionOptions {
  if ('socket' in source) return { path: source.socket, maxRetriesPerRequest: null };
  const u = new URL(source.url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/**
 * One PING on a short-lived connection that does not retry by itself (the caller decides whether to wait):
 * rejects with the connection error (ECONNREFUSED, …) when Redis does not answer.
 */
export async function pingRedis(connection: ConnectionOptions, timeoutMs = 3000): Promise<void> {
  const client = new Redis({
    ...(connection as RedisOptions),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}
