#!/usr/bin/env bash
# Install what a fresh Debian 12 machine lacks for building, replaying and testing MambaNano
# (Debian packages, and ruff's WebAssembly build for the lint stage from the npm registry at the
# version tools/lint/package-lock.json pins; the .NET 10 SDK must be on PATH). Installs nothing
# that is already there.
#   bash tools/setup.sh
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
for pkg in cmake ninja-build patch libicu72 g++ clang-14 libclang-rt-14-dev libgtest-dev googletest libbenchmark-dev \
           valgrind clang-format python3-numpy python3-torch python3-pytest python3-matplotlib python3-tqdm \
           espeak-ng flite; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# Node.js for ruff's WebAssembly build (any Node.js >= 18 already on PATH will do).
command -v npm >/dev/null || need+=(nodejs npm)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }
lint_dir="$(cd "$(dirname "$0")" && pwd)/lint"
if [ ! -d "$lint_dir/node_modules/@astral-sh/ruff-wasm-nodejs" ] \
     || [ "$lint_dir/package-lock.json" -nt "$lint_dir/node_modules/.package-lock.json" ]; then
  echo "installing: ruff (WebAssembly build) into tools/lint/node_modules (npm ci)" >&2
  npm ci --prefix "$lint_dir" --no-audit --no-fund --loglevel=error >/dev/null
fi
