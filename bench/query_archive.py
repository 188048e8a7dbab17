#!/usr/bin/env python3
"""`newsflow query` on a Hive-partitioned Parquet archive, next to DuckDB on the same files.

Generates (once) a trade archive: ROWS rows over 30 days,
OUT/trades/year=2026/month=11/day=DD/part-F.parquet (FILES files a day, snappy), columns
symbol STRING (100 symbols), ts TIMESTAMP(ms), price DOUBLE, volume BIGINT. Then runs each
query RUNS times with each engine, one process per run, under /usr/bin/time -v, and prints
the median wall time and the median peak RSS.

    pip install pyarrow numpy duckdb-cli
    cargo build --release -p newsflow-query
    python3 bench/query_archive.py --out /tmp/nf-bench-archive

The engines: newsflow-query (the crate's binary; `newsflow query` is the same code) and
the DuckDB CLI (`duckdb`, from PyPI's duckdb-cli), both reading the directory with
Hive partitioning. Output goes to /dev/null as CSV for both.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

p = argparse.ArgumentParser()
p.add_argument("--rows", type=int, default=10_000_000)
p.add_argument("--days", type=int, default=30)
p.add_argument("--files", type=int, default=4, help="files per day")
p.add_argument("--out", required=True)
p.add_argument("--runs", type=int, default=5)
p.add_argument("--bin", help="newsflow-query binary (default: $CARGO_TARGET_DIR or target/, release)")
p.add_argument("--duckdb", default=shutil.which("duckdb") or "duckdb")
p.add_argument("--regenerate", action="store_true")
a = p.parse_args()

here = os.path.dirname(os.path.abspath(__file__))
target = os.environ.get("CARGO_TARGET_DIR", os.path.join(here, "..", "target"))
nf = a.bin or os.path.join(target, "release", "newsflow-query")
archive = os.path.join(a.out, "trades")


def generate():
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    if os.path.exists(archive):
        shutil.rmtree(archive)
    rng = np.random.default_rng(7)
    symbols = np.array([f"SYM{i:03d}" for i in range(100)])
    per_day = a.rows // a.days
    nov1 = np.datetime64("2026-11-01T00:00:00", "ms")
    for day in range(1, a.days + 1):
        n = per_day + (a.rows - per_day * a.days if day == a.days else 0)
        start = nov1 + np.timedelta64(day - 1, "D")
        offsets = np.sort(rng.integers(0, 86_400_000, n))
        table = pa.table(
            {
                "symbol": pa.array(symbols[rng.integers(0, len(symbols), n)]),
                "ts": pa.array(start + offsets.astype("timedelta64[ms]"), pa.timestamp("ms")),
                "price": pa.array(np.round(rng.uniform(10, 500, n), 2)),
                "volume": pa.array(rng.integers(1, 10_000, n), pa.int64()),
            }
        )
        d = os.path.join(archive, "year=2026", "month=11", f"day={day:02d}")
        os.makedirs(d, exist_ok=True)
        step = -(-n // a.files)
        for f in range(a.files):
            pq.write_table(table.slice(f * step, step), os.path.join(d, f"part-{f}.parquet"))
        # What a running job leaves next to its files: neither engine may read these.
        if day == a.days:
            with open(os.path.join(d, ".part-9.parquet.inprogress"), "wb") as fh:
                fh.write(b"partial")
    with open(os.path.join(archive, "_SUCCESS"), "w"):
        pass


QUERIES = {
    "aggregate": "SELECT symbol, day, count(*), avg(price), sum(volume) FROM t GROUP BY symbol, day",
    "one_day": "SELECT symbol, count(*), avg(price), sum(volume) FROM t WHERE day = 15 GROUP BY symbol",
    "one_day_filter": "SELECT count(*), max(price) FROM t WHERE day = 15 AND symbol = 'SYM042'",
}


def newsflow_cmd(sql):
    return [nf, "--table", f"t={archive}", "--format", "csv", sql]


def duckdb_cmd(sql):
    glob = os.path.join(archive, "*", "*", "*", "*.parquet")
    # Typed partition columns, as newsflow infers them (DuckDB's own autocast leaves the
    # zero-padded day as VARCHAR, so `day = 15` would compare strings row by row).
    types = "{'year': BIGINT, 'month': BIGINT, 'day': BIGINT}"
    view = (
        f"CREATE VIEW t AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "
        f"hive_types = {types}); "
    )
    return [a.duckdb, "-batch", "-csv", "-c", view + sql + ";"]


def timed(cmd):
    with tempfile.NamedTemporaryFile("r") as tv:
        r = subprocess.run(["/usr/bin/time", "-v", "-o", tv.name] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            sys.exit(f"{cmd[0]} failed: {r.stderr.decode()[-2000:]}")
        text = tv.read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    secs = sum(float(x) * 60**i for i, x in enumerate(reversed(wall.split(":"))))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    cpu = float(re.search(r"User time \(seconds\): (\S+)", text).group(1)) + float(
        re.search(r"System time \(seconds\): (\S+)", text).group(1)
    )
    return secs, rss / 1024, cpu, r.stdout


if a.regenerate or not os.path.exists(os.path.join(archive, "_SUCCESS")):
    print(f"generating {a.rows:,} rows into {archive} ...", flush=True)
    generate()
size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(archive) for f in fs)
files = sum(1 for r, _, fs in os.walk(archive) for f in fs if f.endswith(".parquet"))
print(f"archive: {files} Parquet files, {size / 1e6:.0f} MB, {a.rows:,} rows, {a.days} days")
print(f"{'query':<15} {'engine':<9} {'median_s':>8} {'min_s':>7} {'cpu_s':>6} {'peak_MB':>8}  rows")
for name, sql in QUERIES.items():
    for engine, cmd in (("newsflow", newsflow_cmd), ("duckdb", duckdb_cmd)):
        runs = [timed(cmd(sql)) for _ in range(a.runs)]
        out_rows = len(runs[0][3].splitlines()) - 1
        print(
            f"{name:<15} {engine:<9} {statistics.median(r[0] for r in runs):8.3f} "
            f"{min(r[0] for r in runs):7.3f} {statistics.median(r[2] for r in runs):6.2f} "
            f"{statistics.median(r[1] for r in runs):8.0f}  {out_rows}",
            flush=True,
        )
