#!/usr/bin/env bash
# One command: install everything and run the service on its embedded default (PGlite, local disk and a private
# Redis under ./data), with a demo dock uploading generated body-cam clips. Set DATABASE_URL, REDIS_URL, S3_* to
# use real servers instead; PORT, HOST and DATA_DIR as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
export DEMO_DOCK="${DEMO_DOCK:-true}"
exec node dist/src/main.js
