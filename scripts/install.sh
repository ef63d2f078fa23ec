#!/usr/bin/env bash
# Installs what the service needs on a fresh Debian machine: system packages (ffmpeg, redis-server) where missing,
# npm dependencies from the lockfile, and the compiled build. Safe to run again; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Evidence export: ISO 9660 disc images (xorriso) and unzip for the export tests.
command -v xorriso >/dev/null 2>&1 || need+=(xorriso)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
# Interrogation-room camera simulator (tests and the demo room): GStreamer's RTSP server, run by Debian's
# /usr/bin/python3 through python3-gi; gstreamer1.0-x carries the clock overlay.
for pkg in python3-gi gir1.2-gst-rtsp-server-1.0 gir1.2-gstreamer-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x; do
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" = "install ok installed" ] || need+=("$pkg")
done
# Web UI browser tests: Debian's chromium driven by playwright-core, and CJK and emoji fonts so zh-CN screenshots read.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
for pkg in fonts-noto-cjk fonts-noto-color-emoji; do
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" = "install ok installed" ] || need+=("$pkg")
done
for extra in "$@"; do
  case "$extra" in
    --with-*) pkg="${extra#--with-}"; dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg") ;;
  esac
done
if [ ${#need[@]} -gt 0 ]; then
  echo "==> installing system packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
fi

# Installs exactly the lockfile's versions for this platform. Not `npm ci`: the registry mirror reachable here lacks
# some other platforms' optional binaries named in the lockfile (e.g. darwin builds), and npm ci refuses the whole
# lockfile for that, while npm install skips them. Skipped when nothing changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm dependencies"
  npm install --no-audit --no-fund --loglevel=error
fi

# Builds only what changed since the last build (a restart with nothing changed must serve again in seconds; a full
# build took 24–99 s here, during which docks got nothing). A stamp per part records what its sources looked like
# when it was built (path, size and mtime of every file, plus the lockfile and build configuration); a stamp that no
# longer matches, or a missing output, rebuilds that part. EVM_FORCE_BUILD=1 rebuilds both.
fingerprint() {
  find "$@" -type f -not -path 'web/dist/*' -not -name '*.test.ts' -printf '%p %s %T@\n' 2>/dev/null | LC_ALL=C sort | sha256sum | cut -d' ' -f1
}
build_part() { # name, output that must exist, stamp file, build command, sources...
  local name="$1" output="$2" stamp="$3" cmd="$4"
  shift 4
  local now
  now="$(fingerprint "$@")"
  if [ "${EVM_FORCE_BUILD:-0}" != "1" ] && [ -e "$output" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$now" ]; then
    echo "==> $name: up to date"
    return
  fi
  echo "==> building $name"
  rm -f "$stamp"
  eval "$cmd"
  mkdir -p "$(dirname "$stamp")"
  echo "$now" >"$stamp"
}
build_part "server" dist/src/main.js dist/.build-stamp "npx tsc -p tsconfig.build.json" \
  src workers devices storage package-lock.json tsconfig.json tsconfig.build.json
build_part "web UI" web/dist/index.html web/dist/.build-stamp "npm run --silent build:web" \
  web package-lock.json tsconfig.json
