#!/bin/sh
# Replays every fuzz regression input and seed through its harness built
# with the normal compiler (part of `make check`).
set -e
BUILD=${BUILD:-build}
status=0
for bin in "$BUILD"/fuzz/replay_*; do
    [ -x "$bin" ] || continue
    name=${bin##*/replay_}
    dirs=""
    for d in fuzz/regressions/"$name" fuzz/corpus/"$name"; do
        [ -d "$d" ] && dirs="$dirs $d"
    done
    printf '%s: ' "$name"
    # shellcheck disable=SC2086
    "$bin" $dirs || status=1
done
exit $status
