#!/usr/bin/env bash
# Proves the C# that the .nfproj projects compile is nanoFramework 1.x C#: compiles every
# <Compile> item of MambaNano.nfproj and MambaNano.Tests.nfproj with Roslyn at C# 9 against
# reference assemblies generated (in memory) from ../shared/nanoframework-api, and fails on any
# API, overload, generic or language feature nanoFramework lacks. See tools/NfApiCheck/README.md.
#
#   bash tools/check_nanoframework_api.sh            # check both projects
#   bash tools/check_nanoframework_api.sh --tests    # also run the checker's own xunit tests first
#   NF_API_DIR=/path/to/listings bash tools/check_nanoframework_api.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
api="${NF_API_DIR:-$repo/../shared/nanoframework-api}"
projects=(native-interop/managed/MambaNano.Interop.nfproj MambaNano/MambaNano.nfproj MambaNano.Tests/MambaNano.Tests.nfproj)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [[ "${1:-}" == "--tests" ]]; then
    dotnet test tools/NfApiCheck.Tests --nologo -v quiet
fi

missing=0
for p in "${projects[@]}"; do
    if [[ ! -f "$p" ]]; then
        echo "$p(1,1): error NFAPI004: project file does not exist" >&2
        missing=1
    fi
done
[[ $missing -eq 0 ]] || exit 1

dotnet build tools/NfApiCheck --nologo -v quiet -clp:ErrorsOnly >&2
dotnet tools/NfApiCheck/bin/Debug/net10.0/NfApiCheck.dll --api "$api" "${projects[@]}"
