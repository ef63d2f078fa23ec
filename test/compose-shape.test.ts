import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';

/**
 * The production shape as docker-compose.yml encodes it. This machine has no Docker daemon, so compose cannot be
 * brought up in CI; what it promises is held here instead: every long-running service heals itself, the API and
 * workers start only after their dependencies are healthy, WORM is on, API replicas share no volume, and the
 * environment they get is one the service accepts.
 */
interface Service {
  image?: string;
  build?: string;
  restart?: string;
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
  entrypoint?: string[];
}

const compose = parse(await readFile(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  'x-env': Record<string, string>;
};
const services = compose.services;
const longRunning = Object.entries(services).filter(([name]) => name !== 'minio-init');

const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** Compose's `${NAME:?message}` with a value filled in, as an operator's environment would. */
const substituted = (env: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      String(v).replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_m, name: string) => (name === 'CUSTODY_SIGNING_KEY' ? signingKey : `${name.toLowerCase()}-0123456789abcdef`)),
    ]),
  );

describe('docker-compose.yml (the production shape)', () => {
  it.each(longRunning)('%s restarts by itself and has a healthcheck', (_name, service) => {
    expect(service.restart).toBe('unless-stopped');
    expect(service.healthcheck?.test).toBeTruthy();
  });

  it.each(['api', 'worker'])('%s starts only once PostgreSQL and Redis are healthy and the buckets exist', (name) => {
    expect(services[name]!.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      'minio-init': { condition: 'service_completed_successfully' },
    });
  });

  it('creates the evidence bucket with Object Lock and the upload spool bucket beside it', () => {
    const script = services['minio-init']!.entrypoint!.join(' ');
    expect(script).toMatch(/mc mb --ignore-existing --with-lock evm\/evidence\b/);
    expect(script).toMatch(/mc mb --ignore-existing evm\/evidence-spool\b/);
    expect(compose['x-env']).toMatchObject({ S3_BUCKET: 'evidence', S3_SPOOL_BUCKET: 'evidence-spool', OBJECT_LOCK: 'auto' });
  });

  it('API replicas share no volume: uploads are spooled on the object store', () => {
    expect(services.api!.volumes ?? []).toEqual([]);
    expect(compose['x-env'].UPLOAD_SPOOL).toBe('object-store');
  });

  it.each(['api', 'worker'])('gives %s an environment the service accepts, as the restricted role, scraped with a token', (name) => {
    const config = loadConfig(substituted(services[name]!.environment!));
    expect(config).toMatchObject({ UPLOAD_SPOOL: 'object-store', OBJECT_LOCK: 'auto', DATABASE_ALLOW_OWNER: false });
    // The API leaves the pipeline to the worker replicas (which run workers/main.js, not the API's entry).
    if (name === 'api') expect(config.WORKERS_IN_PROCESS).toBe(false);
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\/evm_app:/);
    expect(config.METRICS_TOKEN).toBeTruthy();
    expect(config.REDIS_URL).toBe('redis://redis:6379');
  });

  it('puts a load balancer in front of the API replicas once they are healthy', () => {
    expect(services.lb!.depends_on).toEqual({ api: { condition: 'service_healthy' } });
    expect(services.api!.environment!.DATABASE_MIGRATION_URL).toMatch(/^postgres:\/\/evm_owner:/);
  });
});
