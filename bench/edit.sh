#!/usr/bin/env bash
# One edit of an incident, as bench/rebuild.sh makes it each round:
#
#   bash bench/edit.sh notes|summary|action <incident folder>
#
#   notes    a sentence appended to notes.md
#   summary  a word put before the summary
#   action   the first action item given another owner
#
# Each edit brings a word the incident did not have (the clock's nanoseconds as letters), so
# the search index changes with it, and sets the file's modification time ten seconds back, as
# it is when someone saves and then types the build command: a build does not trust a file
# modified in the last two seconds to stay as it read it (see docs/build.md).
set -euo pipefail
kind=$1
dir=$2
word=$(date +%N | tr 0-9 a-j)
case $kind in
  notes)
    echo "Edited again: $word." >> "$dir/notes.md"
    file=$dir/notes.md ;;
  summary)
    sed -i "s/^summary = \"/summary = \"$word /" "$dir/incident.toml"
    file=$dir/incident.toml ;;
  action)
    sed -i "0,/^owner = \"[^\"]*\"/s//owner = \"$word\"/" "$dir/incident.toml"
    file=$dir/incident.toml ;;
  *) echo "unknown edit: $kind" >&2; exit 2 ;;
esac
touch -d '10 seconds ago' "$file"
