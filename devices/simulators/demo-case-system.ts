/**
 * The demo's case system and people, so `./scripts/start.sh` opens on a UI with something to look at: a unit, the
 * demo docks' officers, 110 incidents covering today for each of them (their clips link themselves), a criminal
 * case with a suspect and an interrogation session held in the demo room, recorded by the platform for a minute,
 * and accounts for each role. It talks only to the public HTTP API, as the real case system would, and is
 * idempotent: a restart imports the same rows again (no change) and records the day's session only once.
 *
 * Passwords are generated on first start and kept (mode 0600) under DATA_DIR, never fixed in the code.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { DEMO_ROOM } from './demo-room.js';

export const DEMO_UNIT = '330100000031';
const DEMO_OFFICERS = [
  { number: '013579', name: '张伟' },
  { number: '024680', name: '李娜' },
  { number: '011223', name: '王强' },
];
const DEMO_ACCOUNTS = [
  { username: 'admin', displayName: '陈静', role: 'admin' },
  { username: 'reviewer', displayName: '刘洋', role: 'reviewer', unitCode: DEMO_UNIT },
  { username: 'unithead', displayName: '周建国', role: 'unit_head', unitCode: DEMO_UNIT },
  { username: 'officer', displayName: '张伟', role: 'officer', unitCode: DEMO_UNIT, officerNumber: '013579' },
] as const;

export interface DemoCaseSystemOptions {
  baseUrl: string;
  adminToken: string;
  dataDir: string;
  log: Logger;
  /** How long the demo session is recorded. */
  recordSeconds?: number;
}

export interface DemoAccounts {
  password: string;
  usernames: string[];
}

export async function startDemoCaseSystem(o: DemoCaseSystemOptions): Promise<{ accounts: DemoAccounts; stop: () => void }> {
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${o.baseUrl}${url}`, {
      method,
      headers: { Authorization: `Bearer ${o.adminToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
  };

  // Day-scoped keys: each day of the demo has its own incidents and its own recorded session.
  const now = new Date();
  const day = dayStamp(now);
  const startOfDay = new Date(`${isoDay(now)}T00:00:00+08:00`);
  const endOfDay = new Date(startOfDay.getTime() + 24 * 3600_000);
  const caseNumber = `A${DEMO_UNIT}${day}0001`;
  const sessionExternalId = `DEMO-XW-${day}`;
  const declaredStart = new Date(Math.ceil(now.getTime() / 1000) * 1000 + 20_000);
  const recordSeconds = o.recordSeconds ?? 60;
  const imported = await call('POST', '/api/v1/import', {
    units: [{ code: DEMO_UNIT, name: '演示市公安局城东派出所', parentCode: null }],
    officers: DEMO_OFFICERS.map((x) => ({ ...x, unitCode: DEMO_UNIT })),
    cases: [{ caseNumber, kind: 'criminal', title: '演示：李某盗窃案', status: 'open', unitCode: DEMO_UNIT, openedAt: startOfDay.toISOString(), closedAt: null }],
    incidents: DEMO_OFFICERS.map((x) => ({
      id: `DEMO-110-${day}-${x.number}`,
      caseNumber: x.number === '013579' ? caseNumber : null,
      unitCode: DEMO_UNIT,
      officerNumbers: [x.number],
      startedAt: startOfDay.toISOString(),
      endedAt: endOfDay.toISOString(),
      place: '城东路 1 号',
      requiresRecording: true,
    })),
    persons: [{ externalId: `DEMO-P-${day}`, caseNumber, name: '李某', role: 'suspect' }],
    sessions: [
      {
        externalId: sessionExternalId,
        caseNumber,
        suspectExternalId: `DEMO-P-${day}`,
        room: DEMO_ROOM,
        interrogators: ['013579', '024680'],
        kind: 'interrogation',
        declaredStart: declaredStart.toISOString(),
        declaredEnd: new Date(declaredStart.getTime() + recordSeconds * 1000).toISOString(),
      },
    ],
  });
  const password = await demoPassword(o.dataDir);
  if (imported.status !== 200) {
    o.log.warn({ status: imported.status, body: imported.body }, 'demo case system import refused');
    return { accounts: { password, usernames: [] }, stop: () => undefined };
  }
  // Accounts after the import: they belong to the imported unit.
  for (const a of DEMO_ACCOUNTS) {
    const made = await call('POST', '/api/v1/users', { ...a, password });
    if (made.status !== 201 && made.status !== 409) o.log.warn({ status: made.status, body: made.body }, 'demo account not created');
  }

  // Record the day's session once: start at its declared start, stop at its declared end.
  const timers: NodeJS.Timeout[] = [];
  const cases = await call('GET', `/api/v1/cases?caseNumber=${encodeURIComponent(caseNumber)}`);
  const caseId: string | undefined = cases.body?.items?.find((c: { caseNumber: string }) => c.caseNumber === caseNumber)?.id;
  const detail = caseId ? await call('GET', `/api/v1/cases/${caseId}`) : null;
  const session = detail?.body?.sessions?.find((s: { externalId: string | null }) => s.externalId === sessionExternalId);
  const existing = session ? await call('GET', `/api/v1/interrogation-sessions/${session.id}/recording`) : null;
  if (session && existing?.status === 404) {
    const wait = Math.max(0, new Date(session.declaredStart).getTime() - Date.now());
    timers.push(
      setTimeout(async () => {
        const started = await call('POST', `/api/v1/interrogation-sessions/${session.id}/recording/start`).catch((err) => ({ status: 0, body: String(err) }));
        if (started.status !== 202) return o.log.warn({ status: started.status, body: started.body }, 'demo session not recorded');
        o.log.info({ caseNumber, room: DEMO_ROOM }, `demo interrogation session recording for ${recordSeconds} s`);
        timers.push(
          setTimeout(() => {
            void call('POST', `/api/v1/interrogation-sessions/${session.id}/recording/stop`).catch(() => undefined);
          }, recordSeconds * 1000),
        );
      }, wait),
    );
  }
  return {
    accounts: { password, usernames: DEMO_ACCOUNTS.map((a) => a.username) },
    stop: () => timers.forEach((t) => clearTimeout(t)),
  };
}

async function demoPassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'demo-password');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, `${randomBytes(9).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
    return (await readFile(file, 'utf8')).trim();
  }
}

/** The calendar day in China Standard Time, where the demo's police work. */
function isoDay(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

function dayStamp(d: Date): string {
  return isoDay(d).replaceAll('-', '');
}
