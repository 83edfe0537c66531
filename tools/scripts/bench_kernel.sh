#!/usr/bin/env bash
# Instruction counts of one INT8 step and one float-reference step (valgrind/callgrind), on the
# scalar build (-O2 -fno-tree-vectorize), averaged over FRAMES frames, with MACs per frame,
# instructions per MAC and bytes of state + scratch. A benchmark: it prints numbers, asserts nothing.
# Usage: bash tools/scripts/bench_kernel.sh [MODEL.mnm] [FRAMES]
#   default model: native-interop/tests/fixtures/kws_size.mnm (MambaLite-Micro KWS dims), 100 frames
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
model="${1:-$root/native-interop/tests/fixtures/kws_size.mnm}"
frames="${2:-100}"
build="$root/build/bench"
cmake -S "$root/native-interop" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_kernel >/dev/null
exe="$build/bench/bench_kernel"

# instructions MODE FUNCTION: Ir inside FUNCTION (inclusive) over the whole run.
instructions() {
  local out="$build/callgrind.$1.out"
  valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$2" "$exe" "$model" "$1" "$frames" \
    >"$build/bench.$1.txt" 2>/dev/null
  grep -E '^(summary|totals):' "$out" | head -n 1 | awk '{print $2}'
}
int8_ir="$(instructions int8 mn_step_s8)"
float_ir="$(instructions float mnf_step)"
field() { awk -v k="$2" '$1 == k {print $2}' "$build/bench.$1.txt"; }
macs="$(field int8 macs_per_frame)"
state="$(field int8 state_bytes)"
scratch="$(field int8 scratch_bytes)"
fstate="$(field float state_bytes)"
fscratch="$(field float scratch_bytes)"
head -n 1 "$build/bench.int8.txt"
awk -v i="$int8_ir" -v f="$float_ir" -v n="$frames" -v m="$macs" -v s="$state" -v c="$scratch" \
    -v fs="$fstate" -v fc="$fscratch" -v w="$(field int8 weights_file_bytes)" 'BEGIN {
  printf "frames                      %d\n", n
  printf "MACs per frame              %d\n", m
  printf "INT8  instructions / frame  %.0f   (%.2f per MAC)\n", i / n, i / n / m
  printf "float instructions / frame  %.0f   (%.2f per MAC)\n", f / n, f / n / m
  printf "INT8 / float instructions   %.3f\n", i / f
  printf "INT8  state + scratch bytes %d + %d = %d\n", s, c, s + c
  printf "float state + scratch bytes %d + %d = %d\n", fs, fc, fs + fc
  printf "model file bytes            %d\n", w
}'
