#!/usr/bin/env bash
# Usage: bench/run_checkpoints.sh CASE_DIR [INTERVAL]
# The flagship with and without checkpoints, interleaved run by run so the VM's drift
# hits all alike: (a) REF_BIN without checkpoints (a reference build, e.g. the commit
# before checkpoints existed; skipped when unset), (b) this build without checkpoints,
# (c) this build with SET 'execution.checkpointing.interval' = INTERVAL (default '1 s').
# Prints wall time, peak RSS and, for (c), the checkpoints' count, size and duration
# (from --report-json). Env: RUNS (default 5), NEWSFLOW_BIN, REF_BIN.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 CASE_DIR [INTERVAL]" >&2; exit 2; }
DIR=$(cd "$1" && pwd)
INTERVAL=${2:-1 s}
RUNS=${RUNS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NEWSFLOW_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/newsflow}
[ -x "$BIN" ] || { echo "no binary at $BIN; build: cargo build --release -p newsflow-cli" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || apt-get install -y time >/dev/null
cd "$DIR"
{ printf "SET 'execution.checkpointing.interval' = '%s';\nSET 'state.checkpoints.dir' = 'checkpoints';\n" "$INTERVAL"; cat case.sql; } > checkpointed.sql
measure() { # label binary sql
  rm -rf out dead-letter checkpoints
  local tv; tv=$(mktemp)
  /usr/bin/time -v "$2" run "$3" --report-json >/dev/null 2>"$tv" || { echo "$1 failed:"; tail -20 "$tv"; exit 1; }
  local wall rss ck
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(j=1;j<=n;j++) s=s*60+p[j]; print s}' "$tv")
  rss=$(awk -F': ' '/Maximum resident set size/{printf "%.1f", $2/1024}' "$tv")
  ck=$(grep -o '"checkpoints":{[^}]*}' "$tv" | sed 's/"checkpoints"://' || true)
  printf '%-26s %7s s %8s MB  %s\n' "$1" "$wall" "$rss" "${ck:-}"
  rm -f "$tv"
}
echo "case: $DIR  interval: $INTERVAL  runs: $RUNS"
for i in $(seq 1 "$RUNS"); do
  [ -n "${REF_BIN:-}" ] && measure "reference, no checkpoints" "$REF_BIN" case.sql
  measure "no checkpoints" "$BIN" case.sql
  measure "checkpoints every $INTERVAL" "$BIN" checkpointed.sql
done
rm -rf checkpoints checkpointed.sql
