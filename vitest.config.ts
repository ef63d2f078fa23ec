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
    maxWorkers: 2,
    projects: [
      // One fork for the whole group, and a group of its own: nothing else runs beside these files.
      { extends: true, test: { name: 'realtime', include: realtime, poolOptions: { forks: { singleFork: true } }, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'parallel', include, exclude: realtime, sequence: { groupOrder: 1 } } },
    ],
  },
});
