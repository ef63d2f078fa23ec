import { defineConfig } from 'vitest/config';

const include = ['src/**/*.test.ts', 'storage/**/*.test.ts', 'workers/**/*.test.ts', 'devices/**/*.test.ts', 'test/**/*.test.ts'];
/**
 * Files that hold real time to a tolerance (cameras recording, pausing and dropping in wall-clock seconds): they run
 * first, one at a time, with the machine to themselves. Everything else runs two files at once (two cores here).
 */
const realtime = ['test/interrogation-recording.test.ts', 'test/live-view.test.ts'];

export default defineConfig({
  test: {
    // Integration tests start real servers (Redis, PostgreSQL databases, s3rver, ffmpeg): give them room,
    // and run files in separate forks so a crash-test's SIGKILL cannot take the runner with it.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    outputFile: { junit: 'test-output/junit.xml' },
    projects: [
      { extends: true, test: { name: 'realtime', include: realtime, maxWorkers: 1, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'parallel', include, exclude: realtime, maxWorkers: 2, sequence: { groupOrder: 1 } } },
    ],
  },
});
