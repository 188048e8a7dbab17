#!/usr/bin/env bash
# Usage: bench/run_flagship.sh CASE_DIR [extra newsflow run args, e.g. --batch-size 4096]
# Runs `newsflow run case.sql` inside CASE_DIR three times (RUNS=n to change) under
# /usr/bin/time -v and prints wall time, trades/s, peak RSS and the output row count.
# Env: RUNS (default 3), NEWSFLOW_BIN (binary), PRELOAD (e.g. /usr/lib/x86_64-linux-gnu/libmimalloc.so.2
# to try another allocator without rebuilding).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 CASE_DIR [newsflow run args...]" >&2; exit 2; }
DIR=$(cd "$1" && pwd); shift
RUNS=${RUNS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NEWSFLOW_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/newsflow}
[ -x "$BIN" ] || { echo "no binary at $BIN; build: cargo build --release -p newsflow-cli" >&2; exit 1; }
if [ ! -x /usr/bin/time ]; then
  apt-get install -y time >/dev/null || { echo "need /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
fi
TRADES=$(wc -l < "$DIR/input/stock/part-0.jsonl")
echo "binary: $BIN"
[ -n "${PRELOAD:-}" ] && echo "preload: $PRELOAD"
echo "case:   $DIR  ($TRADES trades)  args: $*"
printf '%-4s %9s %12s %11s %9s %8s\n' run wall_s trades_per_s peak_rss_MB user_s sys_s
cd "$DIR"
for i in $(seq 1 "$RUNS"); do
  rm -rf out dead-letter
  TV=$(mktemp)
  /usr/bin/time -v env ${PRELOAD:+LD_PRELOAD=$PRELOAD} "$BIN" run case.sql "$@" >/dev/null 2>"$TV" || { echo "run $i failed:"; tail -20 "$TV"; exit 1; }
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(j=1;j<=n;j++) s=s*60+p[j]; print s}' "$TV")
  rss=$(awk -F': ' '/Maximum resident set size/{printf "%.1f", $2/1024}' "$TV")
  usr=$(awk -F': ' '/User time/{print $2}' "$TV")
  sys=$(awk -F': ' '/System time/{print $2}' "$TV")
  tps=$(awk -v n="$TRADES" -v w="$wall" 'BEGIN{printf "%.0f", (w>0 ? n/w : 0)}')
  printf '%-4s %9s %12s %11s %9s %8s\n' "$i" "$wall" "$tps" "$rss" "$usr" "$sys"
  rm -f "$TV"
done
ROWS=$(find out -type f -exec cat {} + 2>/dev/null | wc -l)
echo "output rows: $ROWS  (files: $(find out -type f | wc -l))"
if [ -d dead-letter ]; then echo "dead-letter rows: $(find dead-letter -type f -exec cat {} + | wc -l)"; fi
