#!/usr/bin/env bash
# Build native-interop for the host (Release): static + shared library, tests, benchmarks.
# Usage: bash tools/scripts/build_native.sh [extra cmake -D options]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cmake -S "$root/native-interop" -B "$root/build/native" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$root/build/native" -j "$(nproc)"
