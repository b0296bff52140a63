#!/bin/sh
# Runs every benchmark and prints a dated Markdown section for
# docs/benchmarks.md: `sh scripts/bench-report.sh >> docs/benchmarks.md`.
set -e
BUILD=${BUILD:-build}
make -s --no-print-directory all >/dev/null
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "## $(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -m)), load average $load"
echo
for b in "$BUILD"/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "### ${b##*/}"
    echo
    echo '```'
    "$b" 2>&1
    echo '```'
    echo
done
