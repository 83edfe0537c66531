#!/usr/bin/env bash
# The device app (MambaNano.pe with every assembly it references, device-only libraries included)
# loads and resolves on the real nanoCLR: the check that covers code only the ESP32-S3 runs
# (MambaNano/Device), which the tests and the replay never load. nanoCLR prints "Ready." once
# every assembly is loaded, its native checksum matched and every type and member resolved (a
# generic type, or a delegate's BeginInvoke, stops it at "Resolving."). The program then starts
# and ends at its first call into a driver the POSIX target does not have (Hardware.Esp32).
# Needs bash tools/nanoclr/build.sh first.
#   bash tools/nanoclr/load_app.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out=build/nanoclr/load-app.out
mapfile -t pes <build/nanoclr/app/MambaNano.load.txt
rc=0
timeout 60 build/nanoclr/posix/bin/nanoFramework.nanoCLR.test "${pes[@]}" >"$out" 2>&1 || rc=$?
"${PYTHON:-/usr/bin/python3}" tools/nanoclr/clr_output.py "$out" --rc "$rc" --upto 'Ready.' ||
  { echo "MambaNano.pe and its references did not load and resolve on nanoCLR" >&2; exit 1; }
echo "MambaNano.pe: ${#pes[@]} assemblies loaded and resolved on nanoCLR"
