#!/usr/bin/env bash
# Instructions per audio hop / per IMU sample of the front-ends (scalar -O2 build under callgrind),
# the share of a 240 MHz core they take at one instruction per cycle, and their memory:
# state + scratch bytes and the stack frames of the front-end functions (gcc -fstack-usage).
# The benchmark executable is native-interop/bench/bench_frontend.c (scalar -O2 build).
# Usage: bash tools/scripts/bench_frontend.sh [hops=200] [imu_samples=2000]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build/native"
hops="${1:-200}"
samples="${2:-2000}"
command -v valgrind >/dev/null || { echo "valgrind not found (apt-get install valgrind)"; exit 1; }
cmake -S "$root/native-interop" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_frontend -j 2 >/dev/null
exe="$build/bench/bench_frontend"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Instructions inside one exported function (and its callees), summed over the run.
count() { # <function> <mode> <n>
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" --toggle-collect="$1" \
        "$exe" "$2" "$3" >"$tmp/stdout" 2>"$tmp/stderr"
    grep -E '^(audio|imu):' "$tmp/stdout" >&2
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/stderr"
}

audio_ir=$(count mn_logmel_step_s8 audio "$hops")
imu_ir=$(count mn_imu_step_counts_s8 imu "$samples")
awk -v a="$audio_ir" -v h="$hops" -v i="$imu_ir" -v s="$samples" 'BEGIN {
    per_hop = a / h; per_sample = i / s
    printf "audio: %.0f instructions per 20 ms hop = %.3f %% of a 240 MHz core (4.8 M cycles per hop at 1 IPC)\n",
        per_hop, 100 * per_hop / 4.8e6
    printf "imu:   %.0f instructions per 50 Hz sample = %.5f %% of a 240 MHz core\n",
        per_sample, 100 * per_sample * 50 / 240e6
}'
echo "memory: state + scratch as printed above; stack frames (bytes) of the front-end functions"
echo "(gcc -O2 -fno-tree-vectorize -fstack-usage; the deepest chain is run -> hop):"
for src in mn_frontend_audio mn_frontend_imu; do
    gcc -std=c99 -O2 -fno-tree-vectorize -fstack-usage -I"$root/native-interop/include" \
        -c "$root/native-interop/src/$src.c" -o "$tmp/$src.o"
done
cat "$tmp"/*.su | sed 's/^.*:[0-9]*:[0-9]*://' | awk '{printf "  %-28s %5s\n", $1, $2}'
