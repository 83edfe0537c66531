#!/usr/bin/env bash
# Commit subjects are at most 72 characters (README, "Contributing").
#   bash tools/scripts/check_commit_subjects.sh [BASE]   every commit of BASE..HEAD (default: main)
#   ln -s ../../tools/scripts/check_commit_subjects.sh .git/hooks/commit-msg
#                                                        as a hook: git passes the message file
set -euo pipefail
max=72
if [ -f "${1:-}" ]; then
  subject="$(grep -v '^#' "$1" | head -n 1)"
  if [ "${#subject}" -gt "$max" ]; then
    echo "commit subject is ${#subject} characters (at most $max): $subject" >&2
    exit 1
  fi
  exit 0
fi
long=0
while IFS= read -r line; do
  subject="${line#* }"
  if [ "${#subject}" -gt "$max" ]; then
    echo "${line%% *}: ${#subject} characters: $subject"
    long=$((long + 1))
  fi
done < <(git log --format='%h %s' "${1:-main}..HEAD")
echo "$long commit subject(s) over $max characters"
[ "$long" -eq 0 ]
