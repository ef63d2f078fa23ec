import type { FastifyInstance, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import fp from 'fastify-plugin';
import type { IncomingMessage } from 'node:http';
import { DevicesRepository } from '../../db/repositories/devices-repository.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { UsersRepository } from '../../db/repositories/users-repository.js';
import type { Role } from '../../domain/roles.js';
import { roleOf, type Principal } from '../auth/principal.js';
import { bearerToken, cookieAuthAllowed, cookieToken, hashToken, safeEqual, SESSION_COOKIE, USER_TOKEN_PREFIX } from '../auth/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** The admin role: a person with it or the bootstrap admin token. */
    requireAdmin: (req: FastifyRequest) => Promise<void>;
    requireDevice: (req: FastifyRequest) => Promise<void>;
    requireAny: (req: FastifyRequest) => Promise<void>;
    /** A person (or the admin token) acting in one of these roles; devices are refused. */
    requireRole: (...roles: Role[]) => (req: FastifyRequest) => Promise<void>;
  }
}

// The tus server sees only the raw Node request; this carries the authenticated caller across to it.
const principals = new WeakMap<IncomingMessage, Principal>();
export function principalOfRaw(req: IncomingMessage): Principal | undefined {
  return principals.get(req);
}

/** Resolves the bearer token to the admin or a device on every request; route guards then demand a kind. */
export const authPlugin = fp(async (app: FastifyInstance, opts: { services: Services }) => {
  const { adminToken, db } = opts.services;
  const devices = new DevicesRepository(db);
  const users = new UsersRepository(db);
  app.decorateRequest('principal', null);
  // Parses Cookie headers (for the web UI's media cookie) and lets routes set them; registered before the hook below.
  await app.register(cookie);

  app.addHook('onRequest', async (req) => {
    // The session cookie (web UI) counts only on the GET routes that <video>/<img>/download links load.
    const token = bearerToken(req.headers.authorization) ?? (cookieAuthAllowed(req.method, req.url) ? cookieToken(req.cookies[SESSION_COOKIE]) : null);
    if (!token) return;
    if (safeEqual(token, adminToken)) {
      req.principal = { kind: 'admin' };
    } else if (token.startsWith(USER_TOKEN_PREFIX)) {
      const user = await users.findByToken(hashToken(token));
      if (user) req.principal = { kind: 'user', user };
    } else {
      const device = await devices.findByTokenHash(hashToken(token));
      if (device) {
        req.principal = { kind: 'device', device };
        // "Last seen" is for dock health (minutes matter): one write a minute, not one per tus PATCH or receipt poll.
        const seen = device.lastSeenAt ? Date.parse(device.lastSeenAt) : 0;
        if (Date.now() - seen > 60_000) void devices.touch(device.id).catch(() => undefined);
      }
    }
    if (req.principal) principals.set(req.raw, req.principal);
  });

  app.decorate('requireAny', async (req: FastifyRequest) => {
    if (!req.principal) throw new Errors.UNAUTHENTICATED();
  });
  // An administrator is a person with the admin role or the bootstrap token (machines, first set-up): both act as admin.
  app.decorate('requireAdmin', async (req: FastifyRequest) => {
    if (!req.principal) throw new Errors.UNAUTHENTICATED();
    if (roleOf(req.principal) !== 'admin') throw new Errors.FORBIDDEN('admin only');
  });
  app.decorate('requireRole', (...roles: Role[]) => async (req: FastifyRequest) => {
    if (!req.principal) throw new Errors.UNAUTHENTICATED();
    const role = roleOf(req.principal);
    if (!role || !roles.includes(role)) throw new Errors.FORBIDDEN(`needs role ${roles.join(' or ')}`);
  });
  app.decorate('requireDevice', async (req: FastifyRequest) => {
    if (!req.principal) throw new Errors.UNAUTHENTICATED();
    if (req.principal.kind !== 'device') throw new Errors.FORBIDDEN('devices only');
  });
});
