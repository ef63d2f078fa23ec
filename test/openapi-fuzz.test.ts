import fc from 'fast-check';
import { generate } from 'json-schema-faker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputRejectedByDatabase } from '../src/api/input-guards.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { makeUser } from './helpers/custody-fixtures.js';

/**
 * Walks every operation of the service's own OpenAPI document with malformed input, as an admin and as an
 * officer, and fails on any 5xx and on any error whose body is not JSON {code, message}. Deterministic: the
 * schema-shaped values come from json-schema-faker with a fixed seed, the hostile ones from fast-check with a fixed
 * seed. Path ids are fresh random UUIDs, so nothing reaches a camera, FTP server or other host.
 */
const SEED = 20261206;
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'] as const;

type Schema = Record<string, unknown>;
interface Operation {
  method: (typeof METHODS)[number];
  path: string;
  pathParams: Array<{ name: string; schema: Schema }>;
  query: Array<{ name: string; schema: Schema }>;
  body: Schema | null;
  bodyType: string | null;
}

/** Inlines fastify's `#/components/schemas/def-N` references (json-schema-faker cannot follow OpenAPI components). */
function resolveRefs(node: unknown, components: Record<string, unknown>, depth = 0): unknown {
  if (Array.isArray(node)) return node.map((n) => resolveRefs(n, components, depth));
  if (!node || typeof node !== 'object') return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    if (depth > 8) return {};
    return resolveRefs(components[ref.slice('#/components/schemas/'.length)], components, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveRefs(v, components, depth)]));
}

function operationsOf(doc: { paths: Record<string, Record<string, unknown>>; components?: { schemas?: Record<string, unknown> } }): Operation[] {
  const components = doc.components?.schemas ?? {};
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = resolveRefs(item[method], components) as
        | { parameters?: Array<{ in: string; name: string; schema?: Schema }>; requestBody?: { content?: Record<string, { schema?: Schema }> } }
        | undefined;
      if (!op) continue;
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      const bodyType = Object.keys(content)[0] ?? null;
      ops.push({
        method,
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: bodyType ? (content[bodyType]!.schema ?? {}) : null,
        bodyType,
      });
    }
  }
  // Logging out would end the officer's session half way through the walk: those go last.
  return ops.sort((a, b) => Number(a.path.includes('logout')) - Number(b.path.includes('logout')));
}

/** Values a careless or hostile client sends where anything is expected. */
const hostile = fc.oneof(
  fc.constantFrom(
    'Infinity', '-Infinity', 'NaN', '1e400', '-1e400', '99999999999999999999999', '9223372036854775808', '2147483648', '-2147483649', '-1', '0', '1.5',
    'a\u0000b', '\u0000', '\u202Eevil.exe\u202C', '\u200F\u05D0\u05D1', '../../../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', '%00', '%',
    '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-13-01', '2026-W99', '2026-Q9',
    'true', 'null', '[]', '{}', '', ' ', 'x'.repeat(70_000), '讯问'.repeat(2000), '😀'.repeat(500),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
);
const hostileJson = fc.oneof(
  hostile,
  fc.constantFrom(null, true, [], {}, [1, 'a'], { $ne: 1 }, { __proto__: { admin: true } }, 1e308, -0, Number.MAX_SAFE_INTEGER + 2),
);

function uuid(rng: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A small seeded PRNG (mulberry32) for choices that need no shrinking. */
function rngOf(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  label: string;
  path: string;
  query: string;
  body?: string;
  contentType?: string;
}

function encodePath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? 'x'));
}

function queryString(values: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, typeof x === 'string' ? x : JSON.stringify(x));
    else q.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Small, full shapes: every optional field present, arrays short (an inventory of 10,000 files tests nothing here). */
const jsf = (rng: () => number) => ({ seed: Math.floor(rng() * 2 ** 31), maxItems: 3, maxLength: 40, alwaysFakeOptionals: true });

async function casesFor(op: Operation, seed: number): Promise<Case[]> {
  const rng = rngOf(seed);
  const pick = <T>(arb: fc.Arbitrary<T>, n: number): T[] => fc.sample(arb, { seed: Math.floor(rng() * 2 ** 31), numRuns: n });
  const ids = Object.fromEntries(op.pathParams.map((p) => [p.name, uuid(rng)]));
  // The well-formed shape first, from the schemas themselves.
  const validQuery: Record<string, unknown> = {};
  for (const p of op.query) validQuery[p.name] = await generate(p.schema as never, jsf(rng)).catch(() => undefined);
  const validBody = op.body ? await generate(op.body as never, jsf(rng)).catch(() => ({})) : undefined;
  const jsonType = op.bodyType ?? 'application/json';
  const cases: Case[] = [];
  const add = (label: string, c: Omit<Case, 'label'>) => cases.push({ label, ...c });
  const bodyOf = (v: unknown) => (v === undefined ? undefined : typeof v === 'string' && !jsonType.includes('json') ? v : JSON.stringify(v));
  add('schema-shaped', { path: encodePath(op.path, ids), query: queryString(validQuery), body: bodyOf(validBody), contentType: op.body ? jsonType : undefined });

  // Each path parameter, each query parameter and each top-level body field in turn gets hostile values.
  for (const p of op.pathParams) {
    for (const v of pick(hostile, 3)) add(`path ${p.name}=${JSON.stringify(v).slice(0, 40)}`, { path: encodePath(op.path, { ...ids, [p.name]: String(v) }), query: '', body: bodyOf(validBody), contentType: op.body ? jsonType : undefined });
  }
  for (const p of op.query) {
    for (const v of pick(hostile, 4)) {
      add(`query ${p.name}=${JSON.stringify(v).slice(0, 40)}`, { path: encodePath(op.path, ids), query: queryString({ ...validQuery, [p.name]: String(v) }), body: bodyOf(validBody), contentType: op.body ? jsonType : undefined });
    }
  }
  if (op.body) {
    const props = Object.keys(((op.body as { properties?: Record<string, unknown> }).properties ?? {}) as object);
    const base = validBody && typeof validBody === 'object' && !Array.isArray(validBody) ? (validBody as Record<string, unknown>) : {};
    for (const name of props) {
      for (const v of pick(hostileJson, 3)) add(`body ${name}=${JSON.stringify(v)?.slice(0, 40)}`, { path: encodePath(op.path, ids), query: '', body: JSON.stringify({ ...base, [name]: v }), contentType: 'application/json' });
    }
    for (const missing of props) {
      const { [missing]: _gone, ...rest } = base;
      add(`body without ${missing}`, { path: encodePath(op.path, ids), query: '', body: JSON.stringify(rest), contentType: 'application/json' });
    }
    for (const v of pick(hostileJson, 3)) add(`body=${JSON.stringify(v)?.slice(0, 40)}`, { path: encodePath(op.path, ids), query: '', body: JSON.stringify(v), contentType: 'application/json' });
  }
  // Whatever the operation expects: malformed JSON, a body of the wrong type, no body at all.
  add('malformed JSON', { path: encodePath(op.path, ids), query: '', body: '{"a": [1, 2', contentType: 'application/json' });
  add('JSON with a NUL key', { path: encodePath(op.path, ids), query: '', body: '{"\\u0000": 1}', contentType: 'application/json' });
  add('text/plain body', { path: encodePath(op.path, ids), query: '', body: 'hello', contentType: 'text/plain' });
  add('XML body', { path: encodePath(op.path, ids), query: '', body: '<a/>', contentType: 'application/xml' });
  add('empty JSON body', { path: encodePath(op.path, ids), query: '', body: '', contentType: 'application/json' });
  add('traversal in the path', { path: `${encodePath(op.path, ids)}/..%2F..%2F..%2Fetc%2Fpasswd`, query: '', body: undefined });
  return cases;
}

describe('every OpenAPI operation answers malformed input with a 4xx JSON {code, message}, never a 5xx', () => {
  let h: Harness;
  let officer: { token: string };
  beforeAll(async () => {
    // No recorder, dock poller or ONVIF multicast: the walk must not reach any device or host.
    h = await startHarness({ db: 'postgres', workers: false, env: { RECORDER: 'false', DOCK_POLLER: 'false', ONVIF_DISCOVERY: 'false', CHECKPOINT_INTERVAL_MINUTES: '0', RETENTION_SWEEP_MINUTES: '0' } });
    officer = await makeUser(h.services.db, { role: 'officer', unitCode: '110000000001', officerNumber: '013579' });
  });
  afterAll(async () => h?.stop());

  it('refuses the inputs found by the walk with 400 and a code (regressions)', async () => {
    const get = async (url: string) => {
      const res = await fetch(`${h.baseUrl}${url}`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
      return { status: res.status, body: (await res.json()) as { code: string; message: string } };
    };
    // Ajv's coercion turns "Infinity" into a number that passes `type: integer, maximum: 366`.
    expect(await get('/api/v1/admin/storage?days=Infinity')).toMatchObject({ status: 400, body: { code: 'EVM_INPUT_NOT_STORABLE', message: expect.stringContaining('query.days is Infinity') } });
    expect(await get('/api/v1/cases?offset=1e400')).toMatchObject({ status: 400, body: { code: 'EVM_INPUT_NOT_STORABLE' } });
    expect(await get('/api/v1/cases?offset=99999999999999999999')).toMatchObject({ status: 400, body: { code: 'EVM_INPUT_NOT_STORABLE' } });
    // A safe integer beyond int4, a date PostgreSQL cannot hold: its own refusal (SQLSTATE class 22) is the client's input.
    for (const [sql, value, state] of [['select $1::int4', 3_000_000_000, '22003'], ['select $1::timestamptz', '300000-01-01T00:00:00Z', '22008'], ['select $1::text', 'a\u0000b', '22021']] as const) {
      const err = await h.services.db.query(sql, [value]).then(() => null, (e: unknown) => e);
      expect((err as { code?: string }).code).toBe(state);
      expect(inputRejectedByDatabase(err)).toMatchObject({ statusCode: 400, code: 'EVM_INPUT_NOT_STORABLE' });
    }
    expect(inputRejectedByDatabase(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBeNull();
    expect(await get(`/api/v1/custody/events?actor=${encodeURIComponent('a\u0000b')}`)).toMatchObject({ status: 400, body: { code: 'EVM_INPUT_NOT_STORABLE', message: expect.stringContaining('NUL') } });
    // An officer number the case system never sent: a foreign key PostgreSQL refused with a 500.
    const res = await fetch(`${h.baseUrl}/api/v1/users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${h.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'fuzz-officer', displayName: '测试', password: 'long enough password', role: 'officer', unitCode: '110000000001', officerNumber: '999999' }),
    });
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 400, body: { code: 'EVM_OFFICER_NOT_IMPORTED' } });
    // A URL longer than Node's header limit: answered by the HTTP layer, still {code, message}.
    const long = await fetch(`${h.baseUrl}/api/v1/cases?q=${'x'.repeat(20_000)}`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
    expect(long.status).toBe(431);
    expect(long.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await long.json()).toMatchObject({ code: 'EVM_HTTP_HEADERS_TOO_LARGE', message: expect.any(String) });
  });

  it('walks the document as admin and as an officer', async () => {
    const doc = (await (await fetch(`${h.baseUrl}/openapi.json`)).json()) as Parameters<typeof operationsOf>[0];
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThan(50);
    const failures: string[] = [];
    let requests = 0;
    const started = Date.now();
    for (const [i, op] of ops.entries()) {
      const opStarted = Date.now();
      const cases = await casesFor(op, SEED + i);
      for (const [who, token] of [['admin', h.adminToken], ['officer', officer.token]] as const) {
        for (const c of cases) {
          const method = op.method.toUpperCase();
          const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
          if (c.contentType && c.body !== undefined) headers['Content-Type'] = c.contentType;
          if (op.path.startsWith('/api/v1/uploads')) headers['Tus-Resumable'] = '1.0.0';
          const hasBody = c.body !== undefined && method !== 'GET' && method !== 'HEAD';
          let res: Response;
          try {
            res = await fetch(`${h.baseUrl}${c.path}${c.query}`, { method, headers, body: hasBody ? c.body : undefined, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
          } catch (err) {
            failures.push(`${method} ${op.path} [${who}] ${c.label}: request failed: ${(err as Error).message}`);
            continue;
          }
          requests++;
          const text = await res.text();
          const where = `${method} ${op.path} [${who}] ${c.label} → ${res.status}`;
          if (res.status >= 500) {
            failures.push(`${where}: ${text.slice(0, 200)}`);
            continue;
          }
          if (res.status < 400 || method === 'HEAD') continue;
          let body: { code?: unknown; message?: unknown } | null = null;
          try {
            body = JSON.parse(text);
          } catch {
            // reported below
          }
          if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) failures.push(`${where}: content-type ${res.headers.get('content-type')}`);
          else if (!body || typeof body.code !== 'string' || !body.code.startsWith('EVM_') || typeof body.message !== 'string') failures.push(`${where}: not {code, message}: ${text.slice(0, 200)}`);
        }
      }
      if (process.env.FUZZ_DEBUG) console.log(`${op.method} ${op.path}: ${cases.length} cases, ${Date.now() - opStarted} ms`);
    }
    if (process.env.FUZZ_DEBUG) console.log(failures.join('\n'));
    console.log(`openapi fuzz: ${ops.length} operations, ${requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 400_000);
});
