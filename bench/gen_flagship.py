#!/usr/bin/env python3
"""Deterministic generator for the flagship-query benchmark.

Writes, under --out DIR:
  DIR/input/stock/part-0.jsonl    N trades, shaped like the golden flagship_small input
  DIR/input/news_summary.jsonl    100 news items (ids 1001..1100) spread over the day
  DIR/case.sql                    golden flagship_small/case.sql with the sink path 'out'

Trades: 20 symbols (those of the golden files), spread evenly over one trading day
09:00:00-15:30:00 (2025-07-01), per-symbol random-walk prices with 2 decimals,
volume 1..10000, emitted out of order by less than 3 s (each trade's stock_time is
its slot second minus 0..2 s, so no line is more than 2 s behind the maximum seen).

Usage: python3 bench/gen_flagship.py --trades 10000000 --out /tmp/nf-bench-10m [--seed 42]
"""
import argparse
import os
import random
import re
import sys

SYMBOLS = ["AAPL", "ADBE", "AMD", "AMZN", "AVGO", "CRM", "CSCO", "GOOG", "IBM", "INTC",
           "META", "MSFT", "NFLX", "NVDA", "ORCL", "PYPL", "QCOM", "TSLA", "TXN", "UBER"]
DAY = "2025-07-01"
START = 9 * 3600            # 09:00:00
SPAN = 6 * 3600 + 30 * 60  # until 15:30:00 (exclusive)
GOLDEN_SQL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "flagship_small", "case.sql")
CHUNK = 200_000

NEWS_KINDS = ["upgrade", "downgrade", "beats", "misses", "earnings", "guidance", "buyback",
              "dividend", "partnership", "merger", "outlook"]
SENTIMENTS = ["positive", "negative", "neutral", "mixed"]


def hms(sec):
    return "%02d:%02d:%02d" % (sec // 3600, (sec // 60) % 60, sec % 60)


def write_trades(path, n, rnd):
    # Precomputed '"stock_time": "..."' fragments, one per second of the day.
    times = ['", "stock_time": "%s %s", "price": ' % (DAY, hms(START + s)) for s in range(SPAN)]
    heads = ['{"symbol": "%s' % s for s in SYMBOLS]
    # Per-symbol price in cents: start 50..500 $, bounded walk in [10 $, 1000 $].
    cents = [rnd.randint(5_000, 50_000) for _ in SYMBOLS]
    nsym = len(SYMBOLS)
    rand = rnd.random
    with open(path, "w", buffering=1 << 20) as f:
        buf = []
        for i in range(n):
            slot = (i * SPAN) // n                  # even spread over the day
            r = rand()
            jitter = int(r * 3)                      # 0, 1 or 2 seconds back
            sec = slot - jitter if slot >= jitter else 0
            k = int(rand() * nsym)
            c = cents[k] + int(rand() * 21) - 10     # +-10 cents per trade
            if c < 1_000:
                c = 2_000 - c
            elif c > 100_000:
                c = 200_000 - c
            cents[k] = c
            vol = int(rand() * 10_000) + 1
            buf.append(f"{heads[k]}{times[sec]}{c / 100!r}, \"volume\": {vol}}}\n")
            if len(buf) >= CHUNK:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))


def write_news(path, rnd, count=100):
    # 100 distinct seconds over the day (leave 10 min of trades on both sides of most items).
    secs = sorted(rnd.sample(range(SPAN), count))
    with open(path, "w") as f:
        for j, s in enumerate(secs):
            nid = 1001 + j
            sym = rnd.choice(SYMBOLS)
            a, b = rnd.choice(NEWS_KINDS), rnd.choice(NEWS_KINDS)
            sent = rnd.choice(SENTIMENTS)
            f.write('{"symbol": "%s", "news_id": %d, "event_time": "%s %s.000", '
                    '"summary": "%s %s/%s, sentiment %s (story %d)"}\n'
                    % (sym, nid, DAY, hms(START + s), sym, a, b, sent, nid))


def write_sql(path):
    sql = open(GOLDEN_SQL).read()
    # Only the sink table's path; the sources keep 'input/stock' and 'input/news_summary.jsonl'.
    head, sep, tail = sql.partition("CREATE TABLE news_result_sink")
    if not sep:
        sys.exit("golden case.sql has no news_result_sink table")
    tail = re.sub(r"'path'\s*=\s*'[^']*'", "'path' = 'out'", tail, count=1)
    with open(path, "w") as f:
        f.write(head + sep + tail)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trades", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, "input", "stock"), exist_ok=True)
    rnd = random.Random(a.seed)
    write_news(os.path.join(a.out, "input", "news_summary.jsonl"), random.Random(a.seed + 1))
    write_trades(os.path.join(a.out, "input", "stock", "part-0.jsonl"), a.trades, rnd)
    write_sql(os.path.join(a.out, "case.sql"))


if __name__ == "__main__":
    main()
