#!/usr/bin/env bash
# Apply every formatter of the project (clang-format, dotnet format, ruff's import order and
# formatter, trailing whitespace and final newlines), with the settings the lint stage of
# tools/run_tests.sh checks (.editorconfig, .clang-format, ruff.toml); then lists what is left to
# fix by hand (long lines, lint findings).
#   bash tools/format.sh [CHECK ...]        (the checks of: python3 tools/lint/lint.py --help)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-/usr/bin/python3}"
"$python" "$root/tools/lint/lint.py" --fix "$@"
echo "-- what is left (fix by hand):"
"$python" "$root/tools/lint/lint.py" "$@"
