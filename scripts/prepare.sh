#!/bin/sh
# Installs dependencies and builds when a fresh clone (or a changed source tree) needs it.
# Shared by your_program.sh and `npm test`, so either works as the first command on a new machine.
set -e
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src assembly scripts/build.mjs asconfig.json package.json -newer "$stamp" -type f 2>/dev/null | head -n 1)" ]; then
  # asc runs binaryen as WASM: under a tight RLIMIT_AS it needs the same flag as the broker.
  NODE_OPTIONS="--disable-wasm-trap-handler ${NODE_OPTIONS:-}" npm run --silent build >&2
  touch "$stamp"
fi
