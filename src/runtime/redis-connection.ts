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
