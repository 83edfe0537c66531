#!/usr/bin/env bash
# The app's loop on the real nanoCLR, checked against the desktop host runner on the same input:
#   1. the host runner replays a stretch of a HAPT recording and a few Speech Commands clips with
#      the shipped weights (its lines: build/nanoclr/replay/host.log) and records what the sensors
#      gave the app (build/nanoclr/replay/{imu,mic}.mnrec)
#   2. MambaNano.Replay (tools/nanoclr/Replay: MambaNano/Core + the recordings and models as
#      binary resources) is built and run on nanoCLR (its lines: build/nanoclr/replay/nanoclr.log)
#   3. `mambanano-host compare` checks the two agree record for record, ignoring us=
# Needs bash tools/nanoclr/build.sh and tools/build_native.sh first (run_tests.sh does both).
#   bash tools/nanoclr/replay.sh [SECONDS]     # default 30 s of stream time
#   DATA=/path/to/data bash tools/nanoclr/replay.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
python="${PYTHON:-/usr/bin/python3}"
data="${DATA:-$root/../shared/data}"
seconds="${1:-30}"
out="build/nanoclr/replay"
mkdir -p "$out"

dotnet build tools/MambaNano.Host -c Release --nologo -v quiet -clp:ErrorsOnly >&2
host=(dotnet tools/MambaNano.Host/bin/Release/net10.0/mambanano-host.dll)
clips=()
for word in yes stop go left; do
  clips+=("$(find "$data/speech_commands/$word" -name '*.wav' | sort | head -n 1)")
done
"${host[@]}" replay --har-model weights/har.mnm --kws-model weights/kws.mnm \
  --imu "$data/hapt/RawData/acc_exp05_user03.txt" --wav "${clips[@]}" --gap-ms 2000 \
  --max-seconds "$seconds" --record-input "$out" >"$out/host.log"

"$python" tools/nanoclr/managed/build.py project tools/nanoclr/Replay/MambaNano.Replay.nfproj \
  --out build/nanoclr/replay-app >"$out/build.log" 2>&1 || { tail -n 20 "$out/build.log" >&2; exit 1; }
mapfile -t pes <build/nanoclr/replay-app/MambaNano.Replay.load.txt
timeout 600 build/nanoclr/posix/bin/nanoFramework.nanoCLR.test "${pes[@]}" >"$out/nanoclr.out" 2>&1 ||
  { tail -n 20 "$out/nanoclr.out" >&2; echo "nanoCLR failed (exit $?)" >&2; exit 1; }
if grep -E 'Invalid native checksum|Unhandled exception|Exception was thrown' "$out/nanoclr.out" >&2 ||
   ! grep -q '^Done\.' "$out/nanoclr.out"; then
  echo "nanoCLR did not run the replay to its end (build/nanoclr/replay/nanoclr.out)" >&2
  exit 1
fi
grep '^MN1 ' "$out/nanoclr.out" | tr -d '\r' >"$out/nanoclr.log"
"${host[@]}" compare "$out/host.log" "$out/nanoclr.log"
