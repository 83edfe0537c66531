#!/usr/bin/env bash
# The .NET nanoFramework toolchain and runtime from pinned sources (tools/nanoclr/MANIFEST.tsv),
# then the project's own assemblies, all cached under build/nanoclr (a rerun with nothing changed
# takes a few seconds):
#   - the POSIX nanoCLR with MambaNano.Interop's native code (build_nanoclr.sh)
#   - the MetadataProcessor, every referenced nanoFramework library as reference .dll and .pe
#   - MambaNano.Interop.pe, MambaNano.pe and NFUnitTest.pe (MambaNano.Tests) from the projects'
#     own compile lists, each with its load order (build/nanoclr/app/<Assembly>.load.txt)
# A warning in the project's own C# fails the build.
#   bash tools/nanoclr/build.sh
#   NF_SRC=DIR bash tools/nanoclr/build.sh   # DIR: the pinned archives (default ../shared/nanoframework-src)
#                                            # or git clones at the pinned commits (fetch_sources.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
python="${PYTHON:-/usr/bin/python3}"
src_args=()
[ -n "${NF_SRC:-}" ] && src_args=(--src "$NF_SRC")
log="build/nanoclr/build.log"
mkdir -p build/nanoclr

nf_interpreter="$("$python" tools/nanoclr/managed/sources.py "${src_args[@]}" nf-interpreter | cut -f2)"
bash tools/nanoclr/build_nanoclr.sh "$nf_interpreter" >/dev/null

: >"$log"
for project in native-interop/managed/MambaNano.Interop.nfproj MambaNano/MambaNano.nfproj \
               MambaNano.Tests/MambaNano.Tests.nfproj; do
  if ! "$python" tools/nanoclr/managed/build.py "${src_args[@]}" project "$project" >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    exit 1
  fi
done
if grep -E '^  .*warning' "$log" >&2; then
  echo "nanoclr build: the project's C# has warnings (above)" >&2
  exit 1
fi
echo "nanoclr build: $(grep -cE '\.pe \(0 warnings' "$log") assemblies, 0 warnings" >&2
