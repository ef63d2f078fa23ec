import { ConfigError, loadConfig } from '../src/config.js';
import { boot, createLogger } from '../src/runtime/boot.js';
import { exitAfterGrace } from '../src/runtime/shutdown-grace.js';
import { runWorkers } from './run-workers.js';

/**
 * Worker-only entry point for scale-out: run N replicas against the same Redis and PostgreSQL. Each replica
 * needs shared servers, so the embedded defaults (PGlite, private Redis) are refused here.
 */
async function main() {
  const config = loadConfig();
  const log = createLogger(config);
  if (!config.DATABASE_URL || !config.REDIS_URL) {
    throw new ConfigError('Invalid configuration:\n  DATABASE_URL, REDIS_URL: worker replicas need shared servers (the embedded default runs workers in the API process)');
  }
  const { services, shutdown } = await boot(config, log);
  const stop = await runWorkers(services);
  log.info('workers running');
  const exit = async (signal: string) => {
    log.info({ signal }, 'stopping workers');
    exitAfterGrace(log, signal);
    await stop();
    await shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void exit('SIGTERM'));
  process.once('SIGINT', () => void exit('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
