import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ROLES, type Role } from '../../domain/roles.js';
import { CasesRepository } from '../../db/repositories/cases-repository.js';
import { UsersRepository } from '../../db/repositories/users-repository.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { bearerToken, hashToken, newUserToken, SESSION_COOKIE, sessionCookieOptions } from '../auth/tokens.js';
import { errorSchema } from '../schemas.js';

const SESSION_HOURS = 12;

const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    unitCode: { type: ['string', 'null'] },
    officerNumber: { type: ['string', 'null'] },
  },
  required: ['id', 'username', 'displayName', 'role'],
} as const;

/** People: log in with a password (scrypt), get a bearer token for a working day; the admin manages accounts. */
export async function usersPlugin(app: FastifyInstance, opts: { services: Services }) {
  const users = new UsersRepository(opts.services.db);
  const cases = new CasesRepository(opts.services.db);
  // A hash to compare against when the user does not exist, so a wrong name costs as long as a wrong password.
  const decoy = await hashPassword(randomUUID());

  app.post<{ Body: { username: string; password: string } }>(
    '/api/v1/auth/login',
    {
      schema: {
        summary: 'Log in; returns a bearer token valid for one working day',
        tags: ['people'],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 200 } },
          required: ['username', 'password'],
        },
        response: {
          200: { type: 'object', properties: { token: { type: 'string' }, expiresAt: { type: 'string' }, user: userSchema }, required: ['token', 'expiresAt', 'user'] },
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const found = await users.findForLogin(req.body.username);
      const ok = await verifyPassword(req.body.password, found?.passwordHash ?? decoy);
      if (!found || !ok) {
        req.log.warn({ username: req.body.username }, 'login refused');
        throw new Errors.UNAUTHENTICATED();
      }
      const token = newUserToken();
      const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
      await users.insertToken(hashToken(token), found.user.id, expiresAt);
      // Same token as an httpOnly cookie, accepted only for media streams and downloads (<video>, <img>, links).
      reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(expiresAt, req.protocol === 'https'));
      return { token, expiresAt: expiresAt.toISOString(), user: found.user };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { onRequest: app.requireAny, schema: { summary: 'End this session (the token stops working)', tags: ['people'], security: [{ bearer: [] }] } },
    async (req, reply) => {
      const token = bearerToken(req.headers.authorization);
      if (token && req.principal?.kind === 'user') await users.deleteToken(hashToken(token));
      return reply.code(204).clearCookie(SESSION_COOKIE, sessionCookieOptions(null, req.protocol === 'https')).send();
    },
  );

  app.get(
    '/api/v1/me',
    {
      onRequest: app.requireAny,
      schema: { summary: 'Who am I', tags: ['people'], security: [{ bearer: [] }], response: { 200: { type: 'object', additionalProperties: true }, 401: errorSchema } },
    },
    async (req) => {
      const p = req.principal!;
      if (p.kind === 'user') return { kind: 'user', ...p.user };
      if (p.kind === 'device') return { kind: 'device', id: p.device.id, serial: p.device.serial, deviceKind: p.device.kind };
      return { kind: 'admin', role: 'admin' };
    },
  );

  app.post<{ Body: { username: string; displayName: string; password: string; role: Role; unitCode?: string; officerNumber?: string } }>(
    '/api/v1/users',
    {
      onRequest: app.requireRole('admin'),
      schema: {
        summary: 'Create a user account',
        tags: ['people'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            username: { type: 'string', pattern: '^[A-Za-z0-9._-]{2,64}$' },
            displayName: { type: 'string', minLength: 1, maxLength: 100 },
            password: { type: 'string', minLength: 10, maxLength: 200 },
            role: { type: 'string', enum: [...ROLES] },
            unitCode: { type: 'string', pattern: '^[0-9]{12}$' },
            officerNumber: { type: 'string', pattern: '^[0-9]{6}$' },
          },
          required: ['username', 'displayName', 'password', 'role'],
        },
        response: { 201: userSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const b = req.body;
      // A unit comes from the case system's import; an account cannot name one the platform has never heard of.
      if (b.unitCode && !(await cases.findUnit(b.unitCode))) {
        throw new Errors.VALIDATION(`unit ${b.unitCode} is not known: import it from the case system first`);
      }
      // Likewise an officer number (a foreign key: unchecked, it reached PostgreSQL and came back as a 500).
      if (b.officerNumber && !(await cases.officerExists(b.officerNumber))) throw new Errors.OFFICER_NOT_IMPORTED(b.officerNumber);
      const user = await users.insert({
        id: randomUUID(),
        username: b.username,
        displayName: b.displayName,
        role: b.role,
        unitCode: b.unitCode ?? null,
        officerNumber: b.officerNumber ?? null,
        passwordHash: await hashPassword(b.password),
      });
      if (!user) throw new Errors.DUPLICATE_USERNAME(b.username);
      return reply.code(201).send(user);
    },
  );

  app.get(
    '/api/v1/users',
    {
      onRequest: app.requireRole('admin', 'auditor'),
      schema: { summary: 'List user accounts', tags: ['people'], security: [{ bearer: [] }], response: { 200: { type: 'array', items: userSchema } } },
    },
    async () => users.list(),
  );
}
