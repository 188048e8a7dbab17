#!/usr/bin/env bash
# Usage: bench/run_kafka.sh CASE_DIR [PARTITIONS]
# Kafka figures on a local tansu broker (scripts/kafka-broker), for a case made by
# bench/gen_flagship.py:
#   1. produce: the case's trades and news into topics keyed by symbol (newsflow produce)
#   2. consume: a bounded scan of the trade topic into a blackhole (decode included)
#   3. flagship: the flagship query reading both topics, bounded at the latest offsets
# Prints wall time, messages/s and peak RSS of each step.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 CASE_DIR [PARTITIONS]" >&2; exit 2; }
CASE=$(cd "$1" && pwd); PARTS=${2:-4}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NEWSFLOW_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/newsflow}
[ -x "$BIN" ] || { echo "no binary at $BIN; build: cargo build --release -p newsflow-cli" >&2; exit 1; }
WORK=$(mktemp -d); PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BS=127.0.0.1:$PORT
trap '"$ROOT/scripts/kafka-broker" stop "$WORK/broker"; rm -rf "$WORK"' EXIT
"$ROOT/scripts/kafka-broker" start "$WORK/broker" "$PORT"
TRADES=$(cat "$CASE"/input/stock/* | wc -l); NEWS=$(wc -l < "$CASE/input/news_summary.jsonl")
echo "broker: tansu on $BS (sqlite storage); case: $TRADES trades, $NEWS news, $PARTS partitions"
timed() { # label count cmd...
  local label=$1 n=$2; shift 2
  local tv; tv=$(mktemp)
  /usr/bin/time -v "$@" >"$WORK/$label.out" 2>"$tv" || { echo "$label failed:"; tail -20 "$tv"; exit 1; }
  local wall rss cpu
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.1f", u+s}' "$tv")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(j=1;j<=n;j++) s=s*60+p[j]; print s}' "$tv")
  rss=$(awk -F': ' '/Maximum resident set size/{printf "%.1f", $2/1024}' "$tv")
  printf '%-15s %7s s wall %12.0f msgs/s %7s s newsflow CPU %7s MB peak\n' "$label" "$wall" "$(awk -v n="$n" -v w="$wall" 'BEGIN{print (w>0?n/w:0)}')" "$cpu" "$rss"
  rm -f "$tv"
}
timed produce-trades "$TRADES" "$BIN" produce --bootstrap-servers "$BS" --topic stock --file "$CASE/input/stock/part-0.jsonl" --key-field symbol --create-partitions "$PARTS"
"$BIN" produce --bootstrap-servers "$BS" --topic news --file "$CASE/input/news_summary.jsonl" --key-field symbol --create-partitions "$PARTS" 2>/dev/null
KAFKA="'properties.bootstrap.servers' = '$BS', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json'"
cat > "$WORK/consume.sql" <<SQL
CREATE TABLE stock (symbol STRING, stock_time STRING, price DOUBLE, volume INT)
WITH ('connector' = 'kafka', 'topic' = 'stock', $KAFKA);
CREATE TABLE sink (symbol STRING, stock_time STRING, price DOUBLE, volume INT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT * FROM stock;
SQL
python3 - "$CASE/case.sql" "$WORK/flagship.sql" "$BS" <<'PY'
import re, sys
sql = open(sys.argv[1]).read()
bs = sys.argv[3]
k = f"'connector' = 'kafka', 'properties.bootstrap.servers' = '{bs}', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json'"
sql = re.sub(r"'connector' = 'filesystem',\s*'path' = 'input/stock',\s*'format' = 'json'", f"{k}, 'topic' = 'stock'", sql)
sql = re.sub(r"'connector' = 'filesystem',\s*'path' = 'input/news_summary.jsonl',\s*'format' = 'json'", f"{k}, 'topic' = 'news'", sql)
sql = sql.replace("'path' = 'out'", "'path' = 'out-kafka'")
open(sys.argv[2], "w").write(sql)
PY
cd "$WORK"
timed consume "$TRADES" "$BIN" run consume.sql
timed flagship "$TRADES" "$BIN" run flagship.sql
echo "flagship output rows: $(cat out-kafka/* | wc -l)"
