#!/usr/bin/env bash
# The app's loop on the real nanoCLR, checked against the desktop host runner on the same input:
#   1. the host runner replays a stretch of a HAPT recording and a few Speech Commands clips with
#      the shipped weights (its lines: build/nanoclr/replay/host.log) and records what the sensors
#      gave the app (build/nanoclr/replay/{imu,mic}_input.mnrec)
#   2. MambaNano.Replay (tools/nanoclr/Replay: MambaNano/Core + the recordings and models as
#      binary resources) is built and run on nanoCLR (its lines: build/nanoclr/replay/nanoclr.log)
#   3. `mambanano-host compare` checks the two agree record for record, ignoring us=
# Needs bash tools/nanoclr/build.sh and tools/scripts/build_native.sh first (run_tests.sh does both).
#   bash tools/nanoclr/replay.sh [--seconds S] [--continuous] [--build-only]
#     --seconds S    input time (default 30)
#     --continuous   the microphone plays one clip after another with no gap, for the whole time
#                    (default: four keywords, 2 s apart, then the IMU alone)
#     --build-only   stop after building (for tools/nanoclr/bench_tick.py); prints the load order
#   MAMBANANO_DATA=/path/to/data bash tools/nanoclr/replay.sh   # data sets as `tools/mambanano data where` finds them
set -euo pipefail
export LC_ALL=C
trap 'echo "replay.sh: failed at line $LINENO" >&2' ERR
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
python="${PYTHON:-/usr/bin/python3}"
hapt="$(tools/mambanano data where hapt)"
speech="$(tools/mambanano data where speech_commands)"
seconds=30
continuous=0
build_only=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --continuous) continuous=1; shift ;;
    --build-only) build_only=1; shift ;;
    *) echo "usage: replay.sh [--seconds S] [--continuous] [--build-only]" >&2; exit 2 ;;
  esac
done
out="build/nanoclr/replay"
mkdir -p "$out"

dotnet build tools/dotnet/MambaNano.Host -c Release --nologo -v quiet -clp:ErrorsOnly >&2
host=(dotnet tools/dotnet/MambaNano.Host/bin/Release/net10.0/mambanano-host.dll)
if [ "$continuous" -eq 1 ]; then
  mic=(--wav "$speech/yes" --gap-ms 0)
else
  mic=(--wav)
  for word in yes stop go left; do   # the first clip of each (a glob, sorted bytewise under LC_ALL=C)
    clips=("$speech/$word"/*.wav)
    [ -f "${clips[0]}" ] || { echo "replay.sh: no clips in $speech/$word" >&2; exit 1; }
    mic+=("${clips[0]}")
  done
  mic+=(--gap-ms 2000)
fi
"${host[@]}" replay --har-model weights/har.mnm --kws-model weights/kws.mnm \
  --imu "$hapt/RawData/acc_exp05_user03.txt" "${mic[@]}" \
  --max-seconds "$seconds" --record-input "$out" >"$out/host.log"

"$python" tools/nanoclr/managed/build.py project tools/nanoclr/Replay/MambaNano.Replay.nfproj \
  --out build/nanoclr/replay-app >"$out/build.log" 2>&1 || { tail -n 20 "$out/build.log" >&2; exit 1; }
if [ "$build_only" -eq 1 ]; then
  echo build/nanoclr/replay-app/MambaNano.Replay.load.txt
  exit 0
fi
mapfile -t pes <build/nanoclr/replay-app/MambaNano.Replay.load.txt
rc=0
timeout 600 build/nanoclr/posix/bin/nanoFramework.nanoCLR.test "${pes[@]}" >"$out/nanoclr.out" 2>&1 || rc=$?
"$python" tools/nanoclr/clr_output.py "$out/nanoclr.out" --rc "$rc" ||
  { echo "nanoCLR did not run the replay to its end" >&2; exit 1; }
grep '^MN1 ' "$out/nanoclr.out" | tr -d '\r' >"$out/nanoclr.log"
"${host[@]}" compare "$out/host.log" "$out/nanoclr.log"
