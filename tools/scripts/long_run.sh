#!/usr/bin/env bash
# Long-run stability of the shipped models: 10^7 steps per model (2 x 10^6 per pattern: full
# scale +127 and -128, alternating, constant zero, noise) with signed overflow, shifts and
# out-of-bounds trapped by UBSan; the state's rail fraction and logit range per pattern; and
# reset == a freshly loaded model, bit for bit. A report, not a test (ctest runs a short version).
#   bash tools/scripts/long_run.sh [--steps N] [MODEL.mnm ...]      (default: weights/*.mnm)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$repo/build/longrun-ubsan"
cmake -S "$repo/native-interop" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMN_BUILD_TESTS=OFF \
  -DMN_BUILD_BENCH=OFF -DCMAKE_C_FLAGS="-fsanitize=undefined -fno-sanitize-recover=all" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=undefined" >/dev/null
cmake --build "$build" -j "$(nproc)" --target mn_long_run >/dev/null
args=()
if [ "${1:-}" = "--steps" ]; then
  args=(--steps "$2")
  shift 2
fi
[ "$#" -gt 0 ] || set -- "$repo"/weights/*.mnm
exec "$build/longrun/mn_long_run" "${args[@]}" "$@"
