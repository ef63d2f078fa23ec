#!/usr/bin/env bash
# One command: install everything and run the service on its embedded default (PGlite, local disk and a private
# Redis under ./data), with a demo dock uploading generated body-cam clips. Set DATABASE_URL, REDIS_URL, S3_* to
# use real servers instead; PORT, HOST and DATA_DIR as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
export DEMO_DOCK="${DEMO_DOCK:-true}"
# A young generation of 2 MB (V8's default grows it to 16 MB per semi-space): during a 2 GiB upload the service
# peaked at 170 MB instead of 201 (idle 132 instead of 154) for the same CPU per GB (npm run bench:ingest). The
# image sets the same through NODE_OPTIONS (Dockerfile), for the API and the worker replicas alike.
exec node --max-semi-space-size=2 dist/src/main.js
