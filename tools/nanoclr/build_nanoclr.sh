#!/usr/bin/env bash
# The real nanoCLR on Linux with MambaNano.Interop's native code linked in: nf-interpreter's POSIX
# target (pinned, tools/nanoclr/MANIFEST.tsv) with tools/nanoclr/posix-interop.patch applied, which
# makes it honour NF_INTEROP_ASSEMBLIES through native-interop/nf/FindINTEROP-MambaNano.Interop.cmake,
# the same module the ESP32-S3 firmware build uses. Incremental (Ninja): a rerun with nothing changed
# takes about a second.
#   bash tools/nanoclr/build_nanoclr.sh NF_INTERPRETER_SRC [OUT_DIR]
#     NF_INTERPRETER_SRC  pristine nf-interpreter tree at the pinned commit (tools/nanoclr/managed/sources.py)
#     OUT_DIR             default build/nanoclr; writes OUT_DIR/nf-interpreter (patched copy) and
#                         OUT_DIR/posix/bin/nanoFramework.nanoCLR.test (+ lib/nanoFramework.nanoCLR.so)
# Compiler flags: -O2 (C also -fno-tree-vectorize), the scalar cost model of the kernel benchmarks.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$(cd "${1:?usage: build_nanoclr.sh NF_INTERPRETER_SRC [OUT_DIR]}" && pwd)"
out="${2:-$root/build/nanoclr}"
patch_file="$root/tools/nanoclr/posix-interop.patch"
tree="$out/nf-interpreter"
build="$out/posix"

# The patched copy is remade whenever the pristine tree or the patch changes.
commit="$(cat "$src.commit" 2>/dev/null || git -C "$src" rev-parse HEAD 2>/dev/null || echo unknown)"
want="$commit $(sha256sum "$patch_file" | cut -c1-16)"
if [ "$(cat "$tree/.mambanano-patched" 2>/dev/null)" != "$want" ]; then
  echo "nanoCLR: preparing $tree ($want)" >&2
  rm -rf "$tree" "$build"
  mkdir -p "$out"
  cp -a "$src" "$tree"
  patch -s -p1 -d "$tree" <"$patch_file"
  ln -s "$root/native-interop/nf/FindINTEROP-MambaNano.Interop.cmake" "$tree/CMake/Modules/"
  echo "$want" >"$tree/.mambanano-patched"
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$tree/targets/posix" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS_RELEASE="-O2 -fno-tree-vectorize -DNDEBUG" \
    -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DNF_INTEROP_ASSEMBLIES="MambaNano.Interop" >"$out/nanoclr-configure.log" 2>&1 ||
    { tail -n 30 "$out/nanoclr-configure.log" >&2; exit 1; }
fi
if ! cmake --build "$build" >"$out/nanoclr-build.log" 2>&1; then
  grep -E 'error|Error' "$out/nanoclr-build.log" | head -n 30 >&2
  exit 1
fi
echo "$build/bin/nanoFramework.nanoCLR.test"
