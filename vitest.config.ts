import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests start real servers (Redis, PostgreSQL databases, s3rver, ffmpeg): give them room,
    // and run files in separate forks so a crash-test's SIGKILL cannot take the runner with it.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts', 'storage/**/*.test.ts', 'workers/**/*.test.ts', 'devices/**/*.test.ts', 'test/**/*.test.ts'],
    outputFile: { junit: 'test-output/junit.xml' },
  },
});
