import path from 'node:path';
import { createDockPoller } from '../devices/dock-poller.js';
import { createRecordingSupervisor } from '../devices/recording-supervisor.js';
import { startDemoCaseSystem } from '../devices/simulators/demo-case-system.js';
import { startDemoDock } from '../devices/simulators/demo-dock.js';
import { runWorkers } from '../workers/run-workers.js';
import { buildApp } from './api/app.js';
import { ConfigError, loadConfig } from './config.js';
import { boot, createLogger } from './runtime/boot.js';
import { exitAfterGrace } from './runtime/shutdown-grace.js';

/**
 * All-in-one entry point (the embedded default): API and workers in one process; PGlite, local objects and a
 * private Redis under DATA_DIR unless DATABASE_URL, S3_* or REDIS_URL point at real servers.
 */
/** Set once the shared services are up, so a failed start still stops what it started (the private Redis). */
let stopServices: (() => Promise<void>) | null = null;

async function main() {
  const config = loadConfig();
  const log = createLogger(config);
  const { services, shutdown } = await boot(config, log);
  stopServices = shutdown;
  const app = await buildApp(services);
  // Listening first: a port already taken fails the start before workers, pollers or recorders take any work.
  await app.listen({ host: config.HOST, port: config.PORT }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    throw new ConfigError(`${config.HOST}:${config.PORT} is already in use (another instance of this service?): stop it or set PORT`);
  });
  const stopWorkers = config.WORKERS_IN_PROCESS ? await runWorkers(services) : async () => undefined;
  const sweep = () => services.finisher.sweep().catch((err) => log.error({ err }, 'upload sweep failed'));
  await sweep();
  const sweeper = setInterval(sweep, 60_000);
  sweeper.unref();
  // Pull docks (FTP, shared folders): leased per source in PostgreSQL, so every replica may run one.
  const dockPoller = config.DOCK_POLLER ? createDockPoller(services).start() : null;

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  // The demo's case system and accounts first, so the demo docks' clips find their incidents as they arrive.
  const demoCases = config.DEMO_DOCK
    ? await startDemoCaseSystem({ baseUrl: url, adminToken: services.adminToken, dataDir: config.paths.data, log }).catch((err) => {
        log.warn({ err }, 'demo case system not started');
        return null;
      })
    : null;
  const accounts = demoCases
    ? `  Sign in:     ${demoCases.accounts.usernames.join(' / ')}, password ${demoCases.accounts.password}\n`
    : '';
  process.stdout.write(
    `\n  Evidence media service ready\n  URL:         ${url}\n${accounts}  API docs:    ${url}/docs\n  Admin token: ${services.adminToken}\n\n`,
  );

  const stopDemo = config.DEMO_DOCK
    ? await startDemoDock({ baseUrl: url, adminToken: services.adminToken, dir: path.join(config.paths.data, 'demo-dock'), log, initialClips: 3, intervalMs: 60_000 })
    : () => undefined;
  // The FTP demo dock needs ftp-srv, a development dependency: absent from a production image, so loaded on demand.
  const stopFtpDemo = config.DEMO_DOCK
    ? await import('../devices/simulators/demo-ftp-dock.js')
        .then((m) => m.startDemoFtpDock({ baseUrl: url, adminToken: services.adminToken, dir: path.join(config.paths.data, 'demo-ftp-dock'), log, initialClips: 2, intervalMs: 60_000 }))
        .catch((err) => {
          log.warn({ err }, 'demo FTP dock not started');
          return async () => undefined;
        })
    : async () => undefined;
  // The demo interrogation room (two simulated ONVIF/RTSP cameras) needs GStreamer's RTSP server from Debian.
  const stopDemoRoom = config.DEMO_DOCK
    ? await import('../devices/simulators/demo-room.js')
        .then((m) => m.startDemoRoom({ baseUrl: url, adminToken: services.adminToken, log, portsFile: path.join(config.paths.data, 'demo-room-ports.json') }))
        .catch((err) => {
          log.warn({ err }, 'demo interrogation room not started');
          return async () => undefined;
        })
    : async () => undefined;
  // Interrogation-room recording: sessions switched on through the API are leased in PostgreSQL, one recorder each.
  // Started after the demo room, so a demo recording resumed at a restart finds its simulated cameras already up.
  const recorder = config.RECORDER ? createRecordingSupervisor(services).start() : null;

  let stopping = false;
  const exit = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    exitAfterGrace(log, signal);
    stopDemo();
    demoCases?.stop();
    await stopFtpDemo().catch(() => undefined);
    await dockPoller?.stop();
    await recorder?.stop();
    await stopDemoRoom().catch(() => undefined);
    clearInterval(sweeper);
    await app.close();
    await stopWorkers();
    await shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void exit('SIGTERM'));
  process.once('SIGINT', () => void exit('SIGINT'));
}

main().catch(async (err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  await stopServices?.().catch(() => undefined);
  process.exit(1);
});
