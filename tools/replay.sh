#!/usr/bin/env bash
# The main job on a PC: replay real recordings through the app's own C# pipeline (MambaNano/Core
# on the host, P/Invoke into the same native engine as the firmware) with the shipped weights,
# printing exactly the serial lines a board would print for that input.
#
#   bash tools/replay.sh                      # HAPT recording exp05 of subject 3 (a validation
#                                             # subject) as the IMU and the Speech Commands "yes" and
#                                             # "stop" clips (0.5 s apart) as the microphone, side by
#                                             # side, with weights/har.mnm and weights/kws.mnm
#   bash tools/replay.sh --imu PATH/acc_expXX_userYY.txt --wav CLIP.wav|FOLDER ... [--gap-ms 500]
#   DATA=/path/to/data bash tools/replay.sh   # the data folder (default ../shared/data)
# Any argument is passed to `mambanano-host replay` (see tools/MambaNano.Host/Program.cs).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
data="${DATA:-$repo/../shared/data}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash tools/setup.sh
bash tools/build_native.sh >/dev/null
dotnet build tools/MambaNano.Host -c Release --nologo -v quiet -clp:ErrorsOnly >&2

args=(--har-model weights/har.mnm)
[ -f weights/kws.mnm ] && args+=(--kws-model weights/kws.mnm)
if [ "$#" -eq 0 ]; then
  args+=(--imu "$data/hapt/RawData/acc_exp05_user03.txt")
  [ -f weights/kws.mnm ] && args+=(--wav "$data/speech_commands/yes" "$data/speech_commands/stop")
fi
exec dotnet tools/MambaNano.Host/bin/Release/net10.0/mambanano-host.dll replay "${args[@]}" "$@"
