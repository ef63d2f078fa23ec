import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the nearest folder above this file holding package.json (works from src/ and from dist/src/). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

// Paths the UI never owns: unknown ones there stay JSON 404s.
const NOT_UI = /^\/(api|docs|openapi\.json|metrics|healthz|readyz)(\/|$|\?)/;

/**
 * The web UI (web/, built by `npm run build:web` into web/dist): static files at `/`, and index.html for every
 * other path the API does not own, so client routes (/cases/…, /admin/…) load on a reload or a shared link.
 * Hashed assets are cached for a year; index.html never, so a new build is picked up at once.
 */
export async function webPlugin(app: FastifyInstance, opts: { dist?: string } = {}) {
  const root = opts.dist ?? path.join(projectRoot(), 'web', 'dist');
  const built = () => existsSync(path.join(root, 'index.html'));
  await app.register(fastifyStatic, { root, serve: false, decorateReply: true });

  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const url = req.url.split('?')[0]!;
    if (NOT_UI.test(url)) return reply.callNotFound();
    if (!built()) {
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><meta charset="utf-8"><title>Evidence media</title><p>界面尚未构建 / The web UI is not built: run <code>npm run build:web</code>. API: <a href="/docs">/docs</a></p>');
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url).replace(/^\/+/, '');
    } catch {
      return reply.callNotFound();
    }
    const file = path.resolve(root, rel);
    if (rel && file.startsWith(root + path.sep) && existsSync(file) && statSync(file).isFile()) {
      const immutable = rel.startsWith('assets/');
      return reply.header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache').sendFile(rel);
    }
    // A file-like path (has an extension) that does not exist is a real 404, not a client route.
    if (/\.[a-z0-9]{1,8}$/i.test(rel)) return reply.callNotFound();
    return reply.header('Cache-Control', 'no-cache').sendFile('index.html');
  });
}
