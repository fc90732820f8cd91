#!/usr/bin/env bash
# Runs a command as one named stage of `make test`, printing its wall time whether it passes or
# fails, and exits with the command's status. Usage: scripts/timed.sh "<stage>" command args...
stage="$1"
shift
echo "=== stage: $stage"
start=$(date +%s)
"$@"
rc=$?
echo "=== stage: $stage: $(( $(date +%s) - start ))s, exit $rc"
exit $rc
