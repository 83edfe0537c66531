#!/usr/bin/env bash
# Fuzz the model-file loader with libFuzzer (+ASan +UBSan) for a number of seconds.
# Builds native-interop/fuzz with clang-14 into build/fuzz, seeds a corpus from the model fixtures
# (plus truncated and bit-flipped variants), runs, and prints executions and crashes.
# Exits non-zero if the fuzzer found a crash (the input is kept in build/fuzz/artifacts/).
# Usage: bash tools/scripts/fuzz_loader.sh [seconds]      (default 30, what CI runs)
set -euo pipefail
seconds="${1:-30}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build/fuzz"
python="${PYTHON:-/usr/bin/python3}"

CC=clang-14 CXX=clang++-14 cmake -S "$root/native-interop" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMN_BUILD_FUZZ=ON -DMN_BUILD_TESTS=OFF -DMN_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzz_loader -j 2 >/dev/null

# Seed corpus: every fixture and lean device file that fits -max_len, each also truncated and with
# bits flipped (seeded).
corpus="$build/corpus"
artifacts="$build/artifacts"
rm -rf "$corpus" "$artifacts"
mkdir -p "$corpus" "$artifacts"
fixtures=("$root"/native-interop/tests/fixtures/*.mnm "$root"/weights/device/*.mnm)  # + lean files (1.1 flags)
"$python" - "$corpus" "${fixtures[@]}" <<'PY'
import random, sys
from pathlib import Path
out, paths = Path(sys.argv[1]), sys.argv[2:]
rng = random.Random(1)
for p in paths:
    data = Path(p).read_bytes()
    if len(data) > 64 * 1024:
        continue
    stem = Path(p).stem
    (out / f"{stem}").write_bytes(data)
    for n in (0, 20, 63, 64, 100, len(data) // 2, len(data) - 1):
        (out / f"{stem}-trunc{n}").write_bytes(data[:n])
    for i in range(16):
        flipped = bytearray(data)
        pos = rng.randrange(len(data))
        flipped[pos] ^= 1 << rng.randrange(8)
        (out / f"{stem}-flip{i}").write_bytes(bytes(flipped))
PY

log="$build/fuzz.log"
set +e
"$build/fuzz/fuzz_loader" "$corpus" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
rc=$?
set -e
execs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)"
crashes="$(find "$artifacts" -type f | wc -l)"
corpus_size="$(find "$corpus" -type f | wc -l)"
echo "fuzz_loader: ${seconds}s, ${execs} executions, corpus ${corpus_size} inputs, ${crashes} crashes" \
  "(fuzzer exit ${rc})"
if [ "$crashes" -gt 0 ] || [ "$rc" -ne 0 ]; then
  grep -E 'ERROR|SUMMARY|runtime error|deadly signal' "$log" | head -n 20
  ls "$artifacts"
  exit 1
fi
