#!/usr/bin/env bash
# Archive-write benchmark: trades (JSON lines) → Parquet partitioned by day, written by
# newsflow to a local directory and to an S3-compatible server (s3s-fs, on local disk),
# beside DuckDB's COPY … TO … (FORMAT parquet, PARTITION_BY) on the same files.
#
#   bench/archive_write.sh INPUT_DIR [NEWSFLOW_BIN] [ROUNDS]
#
# INPUT_DIR holds input/stock/*.jsonl (bench/gen_flagship.py writes it). Prints, per run,
# the wall time, user+system CPU and peak RSS (GNU time), and the rows written.
# Needs: python3 with duckdb (pip install duckdb), s3s-fs (cargo install s3s-fs
# --features binary) for the S3 runs.
set -euo pipefail
input=$(cd "$1" && pwd)
bin=${2:-target/release/newsflow}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
rounds=${3:-3}
work=$(mktemp -d)
trap 'kill ${s3_pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT

rows=$(cat "$input"/input/stock/*.jsonl | wc -l)
echo "input: $rows trades in $input/input/stock"

sql() { # $1 = path, $2 = extra options
  cat <<SQL
CREATE TABLE trades (symbol STRING, stock_time STRING, price DOUBLE, volume INT)
WITH ('connector' = 'filesystem', 'path' = '$input/input/stock', 'format' = 'json');
CREATE TABLE archive (symbol STRING, stock_time STRING, price DOUBLE, volume INT, day STRING)
PARTITIONED BY (day)
WITH ('connector' = 'filesystem', 'path' = '$1', 'format' = 'parquet'$2);
INSERT INTO archive SELECT symbol, stock_time, price, volume, SUBSTR(stock_time, 1, 10) FROM trades;
SQL
}

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
  read -r wall user sys rss <"$work/time"
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v n="$rows" \
    'BEGIN { printf "%-22s wall %6.2f s  cpu %6.2f s  peak %5.0f MB  %5.2f M rows/s (wall)  %5.2f M rows/s per CPU-second\n", l, w, u+s, r/1024, n/w/1e6, n/(u+s)/1e6 }'
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/s3/bench"
s3s-fs --host 127.0.0.1 --port "$port" --access-key bench --secret-key bench "$work/s3" >/dev/null 2>&1 &
s3_pid=$!
sleep 1
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1

for r in $(seq 1 "$rounds"); do
  rm -rf "$work/local" "$work/duck" "$work/s3/bench"/*
  sql "$work/local" "" >"$work/local.sql"
  measure "newsflow local" "$bin" run "$work/local.sql"
  sql "s3://bench/archive" ", 's3.endpoint' = 'http://127.0.0.1:$port'" >"$work/s3.sql"
  measure "newsflow s3 (s3s-fs)" "$bin" run "$work/s3.sql"
  measure "duckdb local" python3 -c "
import duckdb
duckdb.sql(\"\"\"COPY (SELECT symbol, stock_time, price, volume, substr(stock_time, 1, 10) AS day
  FROM read_json('$input/input/stock/*.jsonl', columns={symbol: 'VARCHAR', stock_time: 'VARCHAR', price: 'DOUBLE', volume: 'INTEGER'}))
  TO '$work/duck' (FORMAT parquet, PARTITION_BY (day), COMPRESSION snappy)\"\"\")"
done
echo "files: newsflow $(find "$work/local" -name '*.parquet' | wc -l), duckdb $(find "$work/duck" -name '*.parquet' | wc -l)"
echo "bytes: newsflow $(du -sb "$work/local" | cut -f1), duckdb $(du -sb "$work/duck" | cut -f1)"
python3 -c "
import duckdb
for p in ['$work/local', '$work/duck']:
    print(p.split('/')[-1], duckdb.sql(f\"SELECT count(*), sum(volume) FROM read_parquet('{p}/**/*.parquet', hive_partitioning=true)\").fetchall())"
