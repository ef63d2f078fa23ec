#!/usr/bin/env bash
# One command: install everything and run every test (unit and integration) against real Redis, PostgreSQL,
# an S3-protocol server the suite starts itself, and real ffmpeg.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh

pg_url="${TEST_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
redis_url="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
node -e "
  const pg = require('pg');
  const c = new pg.Client({ connectionString: process.argv[1] });
  c.connect().then(() => c.end()).catch((e) => { console.error('PostgreSQL is not reachable at ' + process.argv[1] + ': ' + e.message); process.exit(1); });
" "$pg_url"
node -e "
  const { Redis } = require('ioredis');
  const r = new Redis(process.argv[1], { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.connect().then(() => r.ping()).then(() => r.disconnect()).catch((e) => { console.error('Redis is not reachable at ' + process.argv[1] + ': ' + e.message); process.exit(1); });
" "$redis_url"

npx tsc -p tsconfig.json
status=0
npx vitest run --reporter=default --reporter=junit "$@" || status=$?
# One plain closing line that any CI can read, from the JUnit report vitest just wrote.
node -e "
  const xml = require('fs').readFileSync('test-output/junit.xml', 'utf8');
  const m = /<testsuites[^>]*tests=\"(\\d+)\"[^>]*failures=\"(\\d+)\"[^>]*errors=\"(\\d+)\"/.exec(xml);
  const skipped = (xml.match(/<skipped/g) || []).length;
  if (m) console.log('vitest: ' + (m[1] - m[2] - m[3] - skipped) + ' passed, ' + (Number(m[2]) + Number(m[3])) + ' failed, ' + skipped + ' skipped');
" || true
[ "$status" -eq 0 ] || echo "vitest exited $status: see the failures or 'Unhandled Errors' above"
exit $status
