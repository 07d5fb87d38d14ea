#!/usr/bin/env bash
# Prints one line counting the tests that skipped (part of) their work, and why, from the log
# the tests append to when RETORT_SKIP_LOG names it (lines `reason<TAB>test<TAB>detail`; see
# `skipped` in tests/tests/integration/support.rs): `skipped: 0`, or
# `skipped: 5 (no PostgreSQL: 3, no real-schemas folder: 2)`. A test counts once per reason.
# scripts/test.sh runs it after the tests.
set -euo pipefail
log=${1:?usage: scripts/skipped.sh LOG}
[ -f "$log" ] || : >"$log"
cut -f1,2 "$log" | sort -u | cut -f1 | sort | uniq -c |
    awk '{ n = $1; $1 = ""; sub(/^ /, ""); total += n; parts = parts (parts ? ", " : "") $0 ": " n }
         END { if (total) printf "skipped: %d (%s)\n", total, parts; else print "skipped: 0" }'
