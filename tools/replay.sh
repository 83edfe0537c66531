#!/usr/bin/env bash
# The main job on a PC: replay real recordings through the app's own C# pipeline (MambaNano/Core
# on the host, P/Invoke into the same native engine as the firmware) with the shipped weights,
# printing exactly the serial lines a board would print for that input.
#
#   bash tools/replay.sh                      # HAPT recording exp05 of subject 3 (a validation
#                                             # subject, 420 s) as the IMU and the Speech Commands
#                                             # "yes" and "stop" folders (556 clips, 0.5 s apart,
#                                             # 834 s) as the microphone, side by side, with
#                                             # weights/har.mnm and weights/kws.mnm
#   bash tools/replay.sh --max-seconds 60 --imu-fault dropout:30:3   # options keep the default inputs
#   bash tools/replay.sh --imu PATH/acc_expXX_userYY.txt --wav CLIP.wav|FOLDER ... [--gap-ms 500]
#   MAMBANANO_DATA=/path/to/data bash tools/replay.sh   # the data sets' folder (default: ../shared/data,
#                                             # else the cache `tools/mambanano data fetch` fills)
# Every argument goes to `mambanano-host replay` (bash tools/replay.sh --help lists them). The
# defaults fill in what the arguments leave out: the IMU recording unless --imu or --wav is
# given, the microphone clips unless --wav or --imu is given, each model unless it is named.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

inputs=0 har=0 kws=0
for arg in "$@"; do
  case "$arg" in
    --imu|--wav) inputs=1 ;;
    --har-model) har=1 ;;
    --kws-model) kws=1 ;;
  esac
done
echo "replay.sh: checking the Debian packages it needs (a first run installs them: a few minutes)" >&2
bash tools/setup.sh
args=()
[ "$har" -eq 1 ] || args+=(--har-model weights/har.mnm)
[ "$kws" -eq 1 ] || [ ! -f weights/kws.mnm ] || args+=(--kws-model weights/kws.mnm)
if [ "$inputs" -eq 0 ]; then
  hapt="$(tools/mambanano data where hapt)"   # exits naming `tools/mambanano data fetch` if missing
  args+=(--imu "$hapt/RawData/acc_exp05_user03.txt")
  if [ -f weights/kws.mnm ]; then
    speech="$(tools/mambanano data where speech_commands)"
    args+=(--wav "$speech/yes" "$speech/stop")
  fi
fi

exec tools/mambanano-host replay "${args[@]}" "$@"
