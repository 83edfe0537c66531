#!/usr/bin/env bash
# Clone every repository tools/nanoclr/MANIFEST.tsv pins, at its pinned commit, into DIR/<name>
# (for a machine without the archives in ../shared/nanoframework-src); then build from them with
#   NF_SRC=DIR bash tools/nanoclr/build.sh
# Needs network access; nothing is taken from a floating branch.
#   bash tools/nanoclr/fetch_sources.sh DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:?usage: fetch_sources.sh DIR}"
mkdir -p "$dir"
tail -n +2 "$root/tools/nanoclr/MANIFEST.tsv" | while IFS=$'\t' read -r archive repository commit _ref _paths; do
  name="${archive%%@*}"
  if [ ! -d "$dir/$name/.git" ]; then
    git clone --quiet --no-checkout "https://github.com/$repository" "$dir/$name"
  fi
  git -C "$dir/$name" fetch --quiet origin "$commit" 2>/dev/null || true
  git -C "$dir/$name" checkout --quiet "$commit"
  echo "$name $(git -C "$dir/$name" rev-parse HEAD)"
done
