#!/usr/bin/env bash
# Every test of the project, on a Linux host: the C kernel (Release, then ASan+UBSan), a short
# fuzz of the model loader, the Python tools, the C# on the real nanoCLR (toolchain and runtime
# built from pinned sources: MambaNano.Tests through nanoFramework.TestFramework, and a replay whose
# lines must equal the host runner's, and the device app's assemblies loaded), and the C# on
# desktop .NET (the same tests plus host-only ones).
# Closes with one line "N passed, N failed"; exits non-zero if anything failed.
# Usage: bash tools/run_tests.sh            (FUZZ_SECONDS=30 by default)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PYTHON="${PYTHON:-/usr/bin/python3}"
jobs="$(nproc)"
passed=0
failed=0
log_dir="$root/build/test-logs"
mkdir -p "$log_dir"

# count STAGE PASSED FAILED: add a stage's counts to the totals and print them.
count() {
  printf '== %-28s %s passed, %s failed\n' "$1" "$2" "$3"
  passed=$((passed + $2))
  failed=$((failed + $3))
}

# check STAGE CMD...: a stage that is one check, passed when CMD exits 0 (output in STAGE.log);
# returns CMD's success.
check() {
  local stage="$1" log="$log_dir/$1.log"
  shift
  if "$@" >"$log" 2>&1; then
    count "$stage" 1 0
    return 0
  fi
  tail -n 30 "$log"
  count "$stage" 0 1
  return 1
}

# count_summary STAGE LOG: counts from a test runner's closing "N passed, N failed" line in LOG.
count_summary() {
  local line
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$2" | tail -n 1)"
  if [ -z "$line" ]; then
    tail -n 40 "$2"
    count "$1" 0 1
    return
  fi
  grep -E '^  (FAIL|SKIP)' "$2" | head -n 30
  count "$1" "$(cut -d' ' -f1 <<<"$line")" "$(cut -d' ' -f3 <<<"$line")"
}

# run_ctest STAGE BUILD_DIR CMAKE_ARGS...: configure, build and run ctest; counts from its summary.
run_ctest() {
  local stage="$1" dir="$2"
  shift 2
  local log="$log_dir/$stage.log"
  if ! { cmake -S native-interop -B "$dir" "$@" && cmake --build "$dir" -j "$jobs"; } >"$log" 2>&1; then
    tail -n 40 "$log"
    count "$stage (build)" 0 1
    return
  fi
  ctest --test-dir "$dir" -j "$jobs" --output-on-failure >>"$log" 2>&1
  local summary total nfail
  summary="$(grep -E 'tests passed, [0-9]+ tests failed out of' "$log" | tail -n 1)"
  if [ -z "$summary" ]; then
    tail -n 40 "$log"
    count "$stage" 0 1
    return
  fi
  total="$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$summary")"
  nfail="$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$summary")"
  [ "$nfail" -gt 0 ] && grep -E '^\s*[0-9]+ - .*\(Failed|Timeout|SEGFAULT|Subprocess' "$log" | head -n 30
  count "$stage" $((total - nfail)) "$nfail"
}

run_ctest native-release build/native -DCMAKE_BUILD_TYPE=Release
run_ctest native-asan-ubsan build/native-asan -DCMAKE_BUILD_TYPE=Debug -DMN_SANITIZE=ON -DMN_BUILD_BENCH=OFF

# Loader fuzzing (libFuzzer, clang): a short run here, longer by hand.
check fuzz-loader bash tools/scripts/fuzz_loader.sh "${FUZZ_SECONDS:-30}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The real nanoFramework runtime: nanoCLR (POSIX target, MambaNano.Interop linked in), the
# MetadataProcessor and the libraries, built from pinned sources and cached under build/nanoclr.
if check nanoclr-build bash tools/nanoclr/build.sh; then
  "$PYTHON" tools/nanoclr/run_tests.py --log "$log_dir/nanoclr-tests.out" >"$log_dir/nanoclr-tests.log" 2>&1
  count_summary nanoclr-tests "$log_dir/nanoclr-tests.log"
  check nanoclr-load-app bash tools/nanoclr/load_app.sh
  check nanoclr-replay bash tools/nanoclr/replay.sh
fi

# Python tools (features, model, quantizer, INT8 evaluation through the C library).
export MAMBANANO_LIB="$root/build/native/libmambanano.so"
# Tests that need a data set skip with the reason (-rs: "SKIPPED ... needs the hapt data set").
"$PYTHON" -m pytest -q -rs -p no:cacheprovider tools/python/tests >"$log_dir/pytest.log" 2>&1
line="$(grep -E '^[0-9]+ (passed|failed)|^(=+ )?[0-9]+ (passed|failed)' "$log_dir/pytest.log" | tail -n 1)"
py_pass="$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)"
py_fail=0
for n in $(grep -oE '[0-9]+ (failed|errors?)' <<<"$line" | grep -oE '[0-9]+'); do py_fail=$((py_fail + n)); done
if [ -z "$line" ]; then
  tail -n 40 "$log_dir/pytest.log"
  py_fail=1
elif [ "${py_fail:-0}" -gt 0 ]; then
  grep -E '^(FAILED|ERROR)' "$log_dir/pytest.log" | head -n 30
fi
grep -E '^SKIPPED' "$log_dir/pytest.log" | head -n 30
count "python" "${py_pass:-0}" "${py_fail:-0}"

# The app's tests (MambaNano.Tests, nanoFramework.TestFramework's own Assert from its pinned
# source) on desktop .NET, against the shared library built above; closes with "N passed, N failed".
log="$log_dir/app-tests.log"
# The replay tests' recording: the hapt data set where the Python tools find it (else they skip).
hapt="$(tools/mambanano data where hapt 2>/dev/null)" && export MAMBANANO_DATA="${hapt%/hapt}"
test_framework="$("$PYTHON" tools/nanoclr/managed/sources.py ${NF_SRC:+--src "$NF_SRC"} nanoFramework.TestFramework | cut -f2)"
if dotnet build tools/dotnet/MambaNano.TestHost -c Release --nologo -v quiet \
     -p:TestFrameworkSource="$test_framework/source" >"$log" 2>&1; then
  dotnet run --project tools/dotnet/MambaNano.TestHost -c Release --no-build >>"$log" 2>&1
fi
count_summary "app-tests (host)" "$log"

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
