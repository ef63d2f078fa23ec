import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ACK_MODES, DEFAULT_MEDIA_EXTENSIONS, dockFolderProblem, parseFtpLocation } from '../../domain/dock-files.js';
import { BUILTIN_FILENAME_PATTERNS, compilePatterns, selectPatterns } from '../../domain/filename-patterns.js';
import { classifyInventoryFile, INVENTORY_FILTERS, inventoryOrigin, storageRate, type DeadlineRules, type InventoryFilter } from '../../domain/inventory.js';
import { DevicesRepository, type Device } from '../../db/repositories/devices-repository.js';
import { DockFilesRepository, REMOTE_FILE_STATUSES, type RemoteFileStatus } from '../../db/repositories/dock-files-repository.js';
import { InventoryRepository, type InventoryEntry } from '../../db/repositories/inventory-repository.js';
import { PullSourcesRepository, toPublicPullSource, type PullSource, type PullSourceSettings } from '../../db/repositories/pull-sources-repository.js';
import { sealSecret } from '../../db/secret-box.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { errorResponses } from '../schemas.js';

const nullableString = { type: ['string', 'null'] } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const deviceIdParams = { type: 'object', properties: { deviceId: { type: 'string', format: 'uuid' } }, required: ['deviceId'] } as const;
const TAGS = ['docks'];
const SECURITY = [{ bearer: [] }];
// A pull source's last poll: on the source itself and, for a glance at every dock, in the dock list.
const lastPollProperties = { lastPollAt: nullableString, lastOkAt: nullableString, lastErrorCode: nullableString, lastError: nullableString } as const;
const page = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  offset: { type: 'integer', minimum: 0, default: 0 },
} as const;

const pullSourceSchema = {
  type: 'object',
  description: 'A dock the service pulls from. The password is never returned; hasPassword says whether one is set.',
  properties: {
    id: { type: 'string' },
    deviceId: { type: 'string' },
    protocol: { type: 'string', enum: ['ftp', 'folder'] },
    location: { type: 'string', description: 'ftp://host:port, or the absolute folder path' },
    username: nullableString,
    hasPassword: { type: 'boolean' },
    remoteDir: { type: 'string' },
    doneDir: { type: 'string' },
    ackMode: { type: 'string', enum: [...ACK_MODES] },
    patterns: { type: 'array', items: { type: 'string' } },
    extensions: { type: 'array', items: { type: 'string' } },
    pollIntervalSec: { type: 'number' },
    stableSec: { type: 'number' },
    requireSidecar: { type: 'boolean' },
    enabled: { type: 'boolean' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    ...lastPollProperties,
    files: {
      type: 'object',
      description: 'Files this source listed, by what happened to them',
      properties: Object.fromEntries(REMOTE_FILE_STATUSES.map((s) => [s, { type: 'integer' }])),
    },
  },
  required: ['id', 'deviceId', 'protocol', 'location', 'hasPassword', 'ackMode', 'enabled'],
} as const;

const inventoryCountsSchema = {
  type: 'object',
  properties: {
    total: { type: 'integer' },
    stored: { type: 'integer' },
    missing: { type: 'integer', description: 'not stored: pending + due + overdue' },
    pending: { type: 'integer' },
    due: { type: 'integer', description: 'not stored, past the warning mark, deadline not yet passed' },
    overdue: { type: 'integer', description: 'not stored, deadline passed' },
    storageRate: { type: 'number', description: 'stored / total (1 when nothing was reported)' },
  },
  required: ['total', 'stored', 'missing', 'due', 'overdue'],
} as const;

const dockSummarySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    serial: { type: 'string' },
    name: { type: 'string' },
    lastSeenAt: nullableString,
    lastInventoryAt: nullableString,
    diskUsedBytes: nullableInt,
    diskTotalBytes: nullableInt,
    cameraCount: nullableInt,
    backlog: { type: 'integer', description: 'files seen on the dock and not stored yet' },
    inventory: inventoryCountsSchema,
    pullSource: {
      type: ['object', 'null'],
      properties: { protocol: { type: 'string' }, enabled: { type: 'boolean' }, ...lastPollProperties },
    },
  },
  required: ['id', 'serial', 'name', 'lastSeenAt', 'backlog', 'inventory'],
} as const;

const inventoryFileSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    origin: { type: 'string', description: 'camera serial, or the dock serial for a pull listing' },
    cameraSerial: nullableString,
    name: { type: 'string' },
    sizeBytes: { type: 'integer' },
    fileId: nullableString,
    sha256: nullableString,
    md5: nullableString,
    recordedAt: nullableString,
    recordedEnd: nullableString,
    flags: { type: 'array', items: { type: 'string' } },
    via: { type: 'string', enum: ['push', 'ftp', 'folder'] },
    onDock: { type: 'boolean', description: "in the dock's latest report" },
    firstSeenAt: { type: 'string' },
    lastSeenAt: { type: 'string' },
    mediaId: nullableString,
    storedAt: nullableString,
    status: { type: 'string', enum: ['stored', 'pending', 'due', 'overdue'] },
    warnAt: { type: 'string', description: 'when a file not stored becomes due' },
    dueAt: { type: 'string', description: 'the upload deadline' },
  },
  required: ['id', 'name', 'sizeBytes', 'status', 'mediaId'],
} as const;

/** The stored settings, except that the location comes as url or path and the password in the clear (sealed on arrival). */
interface PullSourceBody extends Omit<PullSourceSettings, 'location' | 'username' | 'passwordSealed'> {
  url?: string;
  path?: string;
  username?: string;
  password?: string;
}

interface InventoryBody {
  cameras: Array<{
    serial: string;
    files: Array<{ fileId?: string; name: string; sizeBytes: number; sha256?: string; md5?: string; recordedAt?: string; recordedEnd?: string; flags?: string[] }>;
  }>;
  diskUsedBytes?: number;
  diskTotalBytes?: number;
}

/**
 * Dock stations beyond tus: pull sources (FTP or shared folder) registered by the admin, the inventory a dock
 * reports of what its cameras hold (the denominator of the storage rate), and each dock's health and backlog.
 */
export async function docksPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, config } = opts.services;
  const devices = new DevicesRepository(db);
  const sources = new PullSourcesRepository(db);
  const patterns = compilePatterns([...BUILTIN_FILENAME_PATTERNS, ...(config.DOCK_FILENAME_PATTERNS ?? [])]);
  const rules: DeadlineRules = { deadlineHours: config.INVENTORY_DEADLINE_HOURS, warningHours: config.INVENTORY_WARNING_HOURS };

  const dockOr404 = async (id: string): Promise<Device> => {
    const device = await devices.findById(id);
    if (!device) throw new Errors.NOT_FOUND(`device ${id}`);
    if (device.kind !== 'dock') throw new Errors.NOT_A_DOCK(id, device.kind);
    return device;
  };

  const pullSourceOr404 = async (deviceId: string): Promise<PullSource> => {
    const device = await dockOr404(deviceId);
    const source = await sources.findByDevice(device.id);
    if (!source) throw new Errors.NOT_FOUND(`pull source of dock ${device.id}`);
    return source;
  };

  app.post<{ Params: { deviceId: string }; Body: PullSourceBody }>(
    '/api/v1/docks/:deviceId/pull-source',
    {
      onRequest: app.requireRole('admin'),
      schema: {
        summary: "Register (or replace) the dock's pull source: FTP server or shared folder the service polls",
        description:
          'Each new complete file (size unchanged for stableSec) is copied, hashed and ingested; it is marked deletable on the dock ' +
          '(ackMode rename: moved into doneDir; ack-file: <name>.ack written beside it; delete) only after its original is verified. ' +
          'A sidecar <name>.json with the vendor metadata (fileId, deviceSerial, officerId, recordedAt, recordedEnd, md5, sha256, caseNumber, flags) wins over the file name. ' +
          'Omit password to keep the stored one; send "" to clear it. The password is never returned.',
        tags: TAGS,
        security: SECURITY,
        params: deviceIdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            protocol: { type: 'string', enum: ['ftp', 'folder'] },
            url: { type: 'string', maxLength: 500, description: 'ftp://host:port or ftps://host:port (protocol ftp)' },
            path: { type: 'string', maxLength: 1000, description: 'absolute folder path, e.g. an SMB/NFS mount (protocol folder)' },
            username: { type: 'string', maxLength: 200 },
            password: { type: 'string', maxLength: 200 },
            remoteDir: { type: 'string', maxLength: 500, default: '/' },
            doneDir: { type: 'string', maxLength: 500, default: 'done' },
            ackMode: { type: 'string', enum: [...ACK_MODES], default: 'rename' },
            patterns: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 64 }, default: [], description: 'file-name pattern names, tried in order (empty: all configured)' },
            extensions: { type: 'array', maxItems: 50, items: { type: 'string', pattern: '^[A-Za-z0-9]{1,8}$' }, default: [...DEFAULT_MEDIA_EXTENSIONS] },
            pollIntervalSec: { type: 'number', minimum: 0.1, maximum: 86_400, default: 30 },
            stableSec: { type: 'number', minimum: 0, maximum: 3600, default: 5 },
            requireSidecar: { type: 'boolean', default: false },
            enabled: { type: 'boolean', default: true },
          },
          required: ['protocol'],
        },
        response: { 200: pullSourceSchema, 201: pullSourceSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const device = await dockOr404(req.params.deviceId);
      const b = req.body;
      let location: string;
      if (b.protocol === 'ftp') {
        if (!b.url || !parseFtpLocation(b.url)) throw new Errors.VALIDATION('url must be ftp://host:port or ftps://host:port, without credentials or path (send username and password apart)');
        if (b.path) throw new Errors.VALIDATION('path is for protocol folder; use url and remoteDir for ftp');
        location = b.url;
      } else {
        if (!b.path || !path.isAbsolute(b.path) || dockFolderProblem(b.path)) throw new Errors.VALIDATION('path must be an absolute folder path without ".." segments');
        if (b.url) throw new Errors.VALIDATION('url is for protocol ftp');
        location = path.normalize(b.path);
      }
      for (const [field, value] of [['remoteDir', b.remoteDir], ['doneDir', b.doneDir]] as const) {
        const problem = dockFolderProblem(value);
        if (problem) throw new Errors.VALIDATION(`${field} ${problem}`);
      }
      const dir = path.posix.join('/', b.remoteDir);
      const done = b.doneDir.startsWith('/') ? path.posix.normalize(b.doneDir) : path.posix.join(dir, b.doneDir);
      if (b.ackMode === 'rename' && done === dir) throw new Errors.VALIDATION('doneDir must differ from remoteDir when ackMode is rename');
      const { unknown } = selectPatterns(patterns, b.patterns);
      if (unknown.length) throw new Errors.UNKNOWN_FILENAME_PATTERN(unknown.join(', '), patterns.map((p) => p.name).join(', '));

      const passwordSealed = b.password === undefined ? undefined : b.password === '' ? null : sealSecret(b.password, config.DOCK_CREDENTIALS_KEY);
      const { source, created } = await sources.upsert(randomUUID(), device.id, {
        protocol: b.protocol,
        location,
        username: b.username ?? null,
        passwordSealed,
        remoteDir: dir,
        doneDir: b.doneDir,
        ackMode: b.ackMode,
        patterns: b.patterns,
        extensions: [...new Set(b.extensions.map((e) => e.toLowerCase()))],
        pollIntervalSec: b.pollIntervalSec,
        stableSec: b.stableSec,
        requireSidecar: b.requireSidecar,
        enabled: b.enabled,
      });
      req.log.info({ deviceId: device.id, sourceId: source.id, protocol: source.protocol, location: source.location }, created ? 'pull source registered' : 'pull source replaced');
      return reply.code(created ? 201 : 200).send({ ...toPublicPullSource(source), files: await new DockFilesRepository(db).countByStatus(source.id) });
    },
  );

  app.get<{ Params: { deviceId: string } }>(
    '/api/v1/docks/:deviceId/pull-source',
    {
      onRequest: app.requireRole('admin', 'auditor'),
      schema: {
        summary: "The dock's pull source, its last poll and its files by status (never the password)",
        tags: TAGS,
        security: SECURITY,
        params: deviceIdParams,
        response: { 200: pullSourceSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const source = await pullSourceOr404(req.params.deviceId);
      return { ...toPublicPullSource(source), files: await new DockFilesRepository(db).countByStatus(source.id) };
    },
  );

  app.get<{ Params: { deviceId: string }; Querystring: { status?: RemoteFileStatus; limit: number; offset: number } }>(
    '/api/v1/docks/:deviceId/pull-source/files',
    {
      onRequest: app.requireRole('admin', 'auditor'),
      schema: {
        summary: 'What happened to each file the pull source listed: pending, ingested, released, rejected or error',
        tags: TAGS,
        security: SECURITY,
        params: deviceIdParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { status: { type: 'string', enum: [...REMOTE_FILE_STATUSES] }, ...page },
        },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                sizeBytes: { type: 'integer' },
                status: { type: 'string', enum: [...REMOTE_FILE_STATUSES] },
                mediaId: nullableString,
                sha256: nullableString,
                outcome: nullableString,
                errorCode: nullableString,
                errorMessage: nullableString,
                attempts: { type: 'integer' },
                firstSeenAt: { type: 'string' },
                ingestedAt: nullableString,
                releasedAt: nullableString,
              },
              required: ['name', 'sizeBytes', 'status'],
            },
          },
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (req) => {
      const source = await pullSourceOr404(req.params.deviceId);
      return new DockFilesRepository(db).list(source.id, req.query);
    },
  );

  app.post<{ Params: { deviceId: string }; Body: InventoryBody }>(
    '/api/v1/docks/:deviceId/inventory',
    {
      onRequest: app.requireDevice,
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        summary: 'A dock reports the files each docked camera holds, and its disk use (the dock\'s own token)',
        description:
          'Every file reported counts toward the audio/video storage rate until it is stored (matched by sha256 when given, else by camera serial, name and size). ' +
          'Files of a reported camera that are no longer listed are kept, marked onDock=false.',
        tags: TAGS,
        security: SECURITY,
        params: deviceIdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            cameras: {
              type: 'array',
              maxItems: 64,
              items: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  serial: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
                  files: {
                    type: 'array',
                    maxItems: 20_000,
                    items: {
                      type: 'object',
                      additionalProperties: false,
                      properties: {
                        fileId: { type: 'string', maxLength: 128 },
                        name: { type: 'string', minLength: 1, maxLength: 255 },
                        sizeBytes: { type: 'integer', minimum: 0 },
                        sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
                        md5: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
                        recordedAt: { type: 'string', format: 'date-time' },
                        recordedEnd: { type: 'string', format: 'date-time' },
                        flags: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 32 } },
                      },
                      required: ['name', 'sizeBytes'],
                    },
                  },
                },
                required: ['serial', 'files'],
              },
            },
            diskUsedBytes: { type: 'integer', minimum: 0 },
            diskTotalBytes: { type: 'integer', minimum: 0 },
          },
          required: ['cameras'],
        },
        response: {
          200: {
            type: 'object',
            properties: { files: { type: 'integer' }, stored: { type: 'integer' }, missing: { type: 'integer' } },
            required: ['files', 'stored', 'missing'],
          },
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (req) => {
      const p = req.principal!;
      if (p.kind !== 'device') throw new Errors.FORBIDDEN('devices only');
      if (p.device.id !== req.params.deviceId) {
        if (await devices.findById(req.params.deviceId)) throw new Errors.FORBIDDEN('a dock reports only its own inventory');
        throw new Errors.NOT_FOUND(`device ${req.params.deviceId}`);
      }
      if (p.device.kind !== 'dock') throw new Errors.NOT_A_DOCK(p.device.id, p.device.kind);
      const entries: InventoryEntry[] = req.body.cameras.flatMap((cam) =>
        cam.files.map((f) => ({
          origin: inventoryOrigin({ cameraSerial: cam.serial, dockSerial: p.device.serial }),
          cameraSerial: cam.serial,
          name: f.name,
          sizeBytes: f.sizeBytes,
          fileId: f.fileId ?? null,
          sha256: f.sha256 ?? null,
          md5: f.md5 ?? null,
          recordedAt: f.recordedAt ? new Date(f.recordedAt).toISOString() : null,
          recordedEnd: f.recordedEnd ? new Date(f.recordedEnd).toISOString() : null,
          flags: (f.flags ?? []).map((x) => x.toLowerCase()),
        })),
      );
      await db.transaction(async (tx) => {
        const inventory = new InventoryRepository(tx);
        await inventory.recordReport(p.device.id, 'push', entries, req.body.cameras.map((c) => c.serial));
        await inventory.recordHealth(p.device.id, { diskUsedBytes: req.body.diskUsedBytes ?? null, diskTotalBytes: req.body.diskTotalBytes ?? null, cameraCount: req.body.cameras.length });
      });
      const inventory = new InventoryRepository(db);
      await inventory.matchUnstored(p.device.id);
      const counts = (await inventory.countsByDock(new Date(), rules)).get(p.device.id);
      const stored = counts?.stored ?? 0;
      return { files: counts?.total ?? 0, stored, missing: (counts?.total ?? 0) - stored };
    },
  );

  app.get(
    '/api/v1/docks',
    {
      onRequest: app.requireRole('admin', 'auditor'),
      schema: {
        summary: 'Every dock station: last seen, disk use, inventory counts and backlog, pull source status',
        tags: TAGS,
        security: SECURITY,
        response: { 200: { type: 'array', items: dockSummarySchema }, ...errorResponses(401, 403) },
      },
    },
    async () => {
      const inventory = new InventoryRepository(db);
      await inventory.matchUnstored();
      const now = new Date();
      const [all, counts, health, pulls] = await Promise.all([devices.list(), inventory.countsByDock(now, rules), inventory.allHealth(), sources.listAll()]);
      const pullByDevice = new Map(pulls.map((s) => [s.deviceId, s]));
      return all
        .filter((d) => d.kind === 'dock')
        .map((d) => {
          const c = counts.get(d.id) ?? { total: 0, stored: 0, pending: 0, due: 0, overdue: 0 };
          const h = health.get(d.id);
          const s = pullByDevice.get(d.id);
          const missing = c.total - c.stored;
          return {
            id: d.id,
            serial: d.serial,
            name: d.name,
            lastSeenAt: d.lastSeenAt,
            lastInventoryAt: h?.lastInventoryAt ?? null,
            diskUsedBytes: h?.diskUsedBytes ?? null,
            diskTotalBytes: h?.diskTotalBytes ?? null,
            cameraCount: h?.cameraCount ?? null,
            backlog: missing,
            inventory: { ...c, missing, storageRate: storageRate(c) },
            pullSource: s ? { protocol: s.protocol, enabled: s.enabled, lastPollAt: s.lastPollAt, lastOkAt: s.lastOkAt, lastErrorCode: s.lastErrorCode, lastError: s.lastError } : null,
          };
        });
    },
  );

  app.get<{ Params: { deviceId: string }; Querystring: { status?: InventoryFilter; limit: number; offset: number } }>(
    '/api/v1/docks/:deviceId/inventory',
    {
      onRequest: app.requireRole('admin', 'auditor'),
      schema: {
        summary: 'Files a dock reported, with whether each is stored; filter missing (not stored), due (past the warning mark), overdue, stored',
        tags: TAGS,
        security: SECURITY,
        params: deviceIdParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { status: { type: 'string', enum: [...INVENTORY_FILTERS] }, ...page },
        },
        response: { 200: { type: 'array', items: inventoryFileSchema }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const device = await dockOr404(req.params.deviceId);
      const inventory = new InventoryRepository(db);
      await inventory.matchUnstored(device.id);
      const now = new Date();
      const files = await inventory.list(device.id, { filter: req.query.status, now, rules, limit: req.query.limit, offset: req.query.offset });
      return files.map((f) => ({ ...f, ...classifyInventoryFile({ ...f, stored: f.mediaId !== null }, now, rules) }));
    },
  );
}
