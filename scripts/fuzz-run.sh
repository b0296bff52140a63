#!/bin/sh
# Runs each named libFuzzer harness for FUZZ_SECONDS from its seed corpus.
# New inputs go to a scratch corpus, never into the tree. Fails on the
# first crash, leak, timeout or sanitizer report, and copies the input
# to fuzz/findings/ so it can be kept in fuzz/regressions/.
set -u
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p fuzz/findings
status=0
for name in "$@"; do
    bin="$FUZZ_BUILD/libfuzzer/fuzz_$name"
    mkdir -p "$work/$name"
    seeds=""
    [ -d "fuzz/corpus/$name" ] && seeds="fuzz/corpus/$name"
    dict=""
    [ -f "fuzz/dict/$name.dict" ] && dict="-dict=fuzz/dict/$name.dict"
    echo "== fuzz $name for ${FUZZ_SECONDS}s"
    # shellcheck disable=SC2086
    if ! "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix=fuzz/findings/"$name"- $dict \
        "$work/$name" $seeds > "$work/$name.log" 2>&1; then
        tail -n 60 "$work/$name.log"
        echo "FAIL: fuzz $name (input saved under fuzz/findings/)"
        status=1
        continue
    fi
    execs=$(grep -m1 'stat::number_of_executed_units' "$work/$name.log" | awk '{print $2}')
    rate=$(grep -m1 'stat::average_exec_per_sec' "$work/$name.log" | awk '{print $2}')
    echo "ok: fuzz $name: $execs execs, $rate execs/s"
done
exit $status
