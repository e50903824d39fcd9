#!/bin/sh
# Starts the broker: ./your_program.sh [server.properties]
# The first run on a fresh clone installs dependencies and builds (see scripts/prepare.sh).
set -e
here="$(cd "$(dirname "$0")" && pwd)"
"$here/scripts/prepare.sh"
# --disable-wasm-trap-handler: V8 otherwise reserves guard regions per WebAssembly memory that
# do not fit under the tester's 6 GiB RLIMIT_AS, and no WASM memory can be created at all.
exec node --disable-wasm-trap-handler "$here/dist/main.js" "$@"
