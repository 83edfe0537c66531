#!/usr/bin/env bash
# Every test of the project, on a Linux host: formatting and lint (tools/lint/lint.py), the C
# kernel (Release, then ASan+UBSan), a short fuzz of the model loader, the Python tools, the C# on
# the real nanoCLR (toolchain and runtime built from pinned sources: MambaNano.Tests through
# nanoFramework.TestFramework, and a replay whose lines must equal the host runner's, and the
# device app's assemblies loaded), and the C# on desktop .NET (the same tests plus host-only ones).
# Each test runner writes a JUnit XML report (build/test-logs/STAGE.xml) and a stage's counts are
# read from it (tools/scripts/junit_totals.py); a stage without a runner is one check.
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

# count STAGE PASSED FAILED [SKIPPED]: add a stage's counts to the totals and print them.
count() {
  local skipped=""
  [ "${4:-0}" -gt 0 ] && skipped=", $4 skipped"
  printf '== %-28s %s passed, %s failed%s\n' "$1" "$2" "$3" "$skipped"
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

# count_junit STAGE EXIT_CODE: counts from the JUnit XML report of a test runner that exited with
# EXIT_CODE ($log_dir/STAGE.xml); its failed tests are listed, and the log's end when the report
# is missing (tools/scripts/junit_totals.py counts that as a failure).
count_junit() {
  local stage="$1" report="$log_dir/$1.xml" out p f s
  out="$("$PYTHON" tools/scripts/junit_totals.py --exit-code "$2" "$report")"
  [ -f "$report" ] || tail -n 40 "$log_dir/$stage.log"
  head -n -1 <<<"$out"
  read -r p f s <<<"$(tail -n 1 <<<"$out")"
  if [ -z "${f:-}" ]; then
    count "$stage" 0 1
    return
  fi
  count "$stage" "$p" "$f" "$s"
}

# Formatting and lint: .editorconfig, clang-format, dotnet format, ruff (bash tools/format.sh fixes).
rm -f "$log_dir/lint.xml"
"$PYTHON" tools/lint/lint.py --junit "$log_dir/lint.xml" >"$log_dir/lint.log" 2>&1
count_junit lint $?

# run_ctest STAGE BUILD_DIR CMAKE_ARGS...: configure, build and run ctest; counts from its report.
run_ctest() {
  local stage="$1" dir="$2"
  shift 2
  local log="$log_dir/$stage.log"
  rm -f "$log_dir/$stage.xml"
  if ! { cmake -S native-interop -B "$dir" "$@" && cmake --build "$dir" -j "$jobs"; } >"$log" 2>&1; then
    tail -n 40 "$log"
    count "$stage (build)" 0 1
    return
  fi
  ctest --test-dir "$dir" -j "$jobs" --output-on-failure --output-junit "$log_dir/$stage.xml" >>"$log" 2>&1
  count_junit "$stage" $?
}

run_ctest native-release build/native -DCMAKE_BUILD_TYPE=Release
run_ctest native-asan-ubsan build/native-asan -DCMAKE_BUILD_TYPE=Debug -DMN_SANITIZE=ON -DMN_BUILD_BENCH=OFF

# Loader fuzzing (libFuzzer, clang): a short run here, longer by hand.
check fuzz-loader bash tools/scripts/fuzz_loader.sh "${FUZZ_SECONDS:-30}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The real nanoFramework runtime: nanoCLR (POSIX target, MambaNano.Interop linked in), the
# MetadataProcessor and the libraries, built from pinned sources and cached under build/nanoclr.
if check nanoclr-build bash tools/nanoclr/build.sh; then
  rm -f "$log_dir/nanoclr-tests.xml"
  "$PYTHON" tools/nanoclr/run_tests.py --log "$log_dir/nanoclr-tests.out" --junit "$log_dir/nanoclr-tests.xml" \
    >"$log_dir/nanoclr-tests.log" 2>&1
  count_junit nanoclr-tests $?
  check nanoclr-load-app bash tools/nanoclr/load_app.sh
  check nanoclr-replay bash tools/nanoclr/replay.sh
fi

# Python tools (features, model, quantizer, INT8 evaluation through the C library).
export MAMBANANO_LIB="$root/build/native/libmambanano.so"
rm -f "$log_dir/python.xml"
# Tests that need a data set skip with the reason (-rs: "SKIPPED ... needs the hapt data set").
"$PYTHON" -m pytest -q -rs -p no:cacheprovider --junitxml "$log_dir/python.xml" tools/python/tests \
  >"$log_dir/python.log" 2>&1
count_junit python $?
grep -E '^SKIPPED' "$log_dir/python.log" | head -n 30

# The app's tests (MambaNano.Tests, nanoFramework.TestFramework's own Assert from its pinned
# source) on desktop .NET, against the shared library built above; closes with "N passed, N failed".
log="$log_dir/app-tests.log"
rm -f "$log_dir/app-tests.xml"
# The replay tests' recording: the hapt data set where the Python tools find it (else they skip).
hapt="$(tools/mambanano data where hapt 2>/dev/null)" && export MAMBANANO_DATA="${hapt%/hapt}"
test_framework="$("$PYTHON" tools/nanoclr/managed/sources.py ${NF_SRC:+--src "$NF_SRC"} nanoFramework.TestFramework \
  | cut -f2)"
app_status=1
if dotnet build tools/dotnet/MambaNano.TestHost -c Release --nologo -v quiet \
     -p:TestFrameworkSource="$test_framework/source" >"$log" 2>&1; then
  dotnet run --project tools/dotnet/MambaNano.TestHost -c Release --no-build -- --junit "$log_dir/app-tests.xml" \
    >>"$log" 2>&1
  app_status=$?
fi
count_junit app-tests "$app_status"

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
