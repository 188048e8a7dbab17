#!/usr/bin/env bash
# NEWS_IMPACT benchmark: the impact figures of every news item over DAYS generated
# sessions (20 symbols, 20 trades a second, 100 news a day, a 2 % market factor), computed
# by newsflow from JSON-lines files, beside the independent pandas reference
# (crates/newsflow-cli/tests/support/impact_reference.py) on the same files. The reference
# also compares its figures with newsflow's; the run fails if they differ.
#
#   bench/impact.sh [NEWSFLOW_BIN] [DAYS] [ROUNDS]
#
# Prints, per run, the wall time, user+system CPU and peak RSS (GNU time) and the trades
# per CPU-second. Needs python3 with pandas.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/newsflow}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
days=${2:-5}
rounds=${3:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat >gen.sql <<SQL
CREATE TABLE news_src (symbol STRING, news_id INT, news_time STRING, news_content STRING,
  event_time AS TO_TIMESTAMP(news_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'datagen', 'generator' = 'news', 'seed' = '7', 'days' = '$days');
CREATE TABLE stock_src (symbol STRING, stock_time STRING, price DOUBLE, volume INT,
  event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'datagen', 'generator' = 'stock', 'seed' = '7', 'days' = '$days',
        'market-volatility' = '0.02');
CREATE TABLE trades_out (symbol STRING, event_time TIMESTAMP(3), price DOUBLE, volume INT)
  WITH ('connector' = 'filesystem', 'path' = 'in/trades', 'format' = 'json');
CREATE TABLE news_out (symbol STRING, news_id INT, event_time TIMESTAMP(3), label STRING)
  WITH ('connector' = 'filesystem', 'path' = 'in/news', 'format' = 'json');
INSERT INTO trades_out SELECT symbol, event_time, price, volume FROM stock_src;
INSERT INTO news_out SELECT symbol, news_id, event_time,
  JSON_VALUE(analyze_news(news_content), '\$.label') FROM news_src;
SQL
"$bin" run gen.sql >/dev/null 2>&1
trades=$(cat in/trades/* | wc -l)
news=$(cat in/news/* | wc -l)
echo "input: $trades trades, $news news items ($days sessions)"

cp "$OLDPWD/crates/newsflow-cli/tests/support/impact.sql" impact.sql

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o time.txt "$@" >log.txt 2>&1 || { cat log.txt; exit 1; }
  read -r wall user sys rss <time.txt
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v n="$trades" \
    'BEGIN { printf "%-20s wall %7.2f s  cpu %7.2f s  peak %6.0f MB  %6.3f M trades per CPU-second\n", l, w, u+s, r/1024, n/(u+s)/1e6 }'
}

reference=$OLDPWD/crates/newsflow-cli/tests/support/impact_reference.py
for r in $(seq 1 "$rounds"); do
  rm -rf out
  measure "newsflow" "$bin" run impact.sql
  measure "pandas reference" python3 "$reference" in/trades in/news out
done
tail -1 log.txt
