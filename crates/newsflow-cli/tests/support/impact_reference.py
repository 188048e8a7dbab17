#!/usr/bin/env python3
"""An independent reference for NEWS_IMPACT, written from the definitions in the README
("Impact analytics") with pandas, not from newsflow's code.

usage: impact_reference.py TRADES.jsonl NEWS.jsonl NEWSFLOW_OUT [--benchmark SYM]
                           [--beta-window MIN] [--min-beta-pairs N] [--neutral-band X]

TRADES: {symbol, event_time, price, volume} per line; NEWS: {symbol, news_id, event_time,
label}; NEWSFLOW_OUT: newsflow's NEWS_IMPACT rows (a JSON-lines file or a directory).
Computes every figure per news item, compares with newsflow's row of the same news_id
(numbers to 1e-9 relative), prints the differences and exits 1 if there are any.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import pandas as pd

MIN = 60_000
PRE, POST = 5, 10
FIGURES = ["ref_price", "ret_1m", "ret_5m", "ret_10m", "max_favourable", "max_adverse",
           "peak_seconds", "benchmark_ret_10m", "beta", "abnormal_ret_1m", "abnormal_ret_5m",
           "abnormal_ret_10m", "volume_before", "volume_after", "volume_ratio",
           "volatility_before", "volatility_after", "curve", "move", "agrees"]


def read_rows(path):
    files = [path]
    if os.path.isdir(path):
        files = sorted(os.path.join(r, n) for r, _, ns in os.walk(path) for n in ns
                       if not n.startswith(".") and not n.startswith("_"))
    rows = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return rows


def read_jsonl(path):
    return pd.DataFrame(read_rows(path))


def millis(col):
    return (pd.to_datetime(col) - pd.Timestamp("1970-01-01")) // pd.Timedelta(milliseconds=1)


def bars(tr, t0, first):
    """VWAP and volume of bars first..POST-1 on the news grid (index: bar number)."""
    w = tr[(tr.t >= t0 + first * MIN) & (tr.t < t0 + POST * MIN)]
    k = (w.t - t0) // MIN
    g = pd.DataFrame({"k": k, "pv": w.price * w.volume, "v": w.volume}).groupby("k").sum()
    g = g.reindex(range(first, POST), fill_value=0.0)
    vwap = (g.pv / g.v).where(g.v > 0)
    return vwap, g.v


def val(s, k):
    v = s.get(k, np.nan)
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def compute(news, trades, by_symbol, args):
    first = -max(args.beta_window, PRE)
    t0, sym = int(news.t), news.symbol
    label = news.label.strip().lower() if isinstance(news.label, str) else None
    tr = by_symbol.get(sym, trades.iloc[0:0])
    vwap, vol = bars(tr, t0, first)
    ref = val(vwap, -1)
    ret = {k: (val(vwap, k) / ref - 1 if ref is not None and val(vwap, k) is not None else None)
           for k in range(first, POST)}
    # the benchmark: one symbol, or every other symbol equally weighted
    others = [args.benchmark] if args.benchmark else [s for s in by_symbol if s != sym]
    cum, minute = {}, {}
    for s in others:
        if s not in by_symbol:
            continue
        bv, _ = bars(by_symbol[s], t0, first)
        for k in range(first, POST):
            a, b, p = val(bv, -1), val(bv, k), val(bv, k - 1)
            if a is not None and b is not None:
                cum.setdefault(k, []).append(b / a - 1)
            if p is not None and b is not None:
                minute.setdefault(k, []).append(b / p - 1)
    rm = {k: float(np.mean(v)) for k, v in cum.items()}
    rm1 = {k: float(np.mean(v)) for k, v in minute.items()}
    # market model on the estimation window's one-minute returns
    xs, ys = [], []
    for k in range(1 - args.beta_window, 0):
        a, b = val(vwap, k - 1), val(vwap, k)
        if k in rm1 and a is not None and b is not None:
            xs.append(rm1[k])
            ys.append(b / a - 1)
    beta = None
    if len(xs) >= args.min_beta_pairs:
        x, y = np.array(xs), np.array(ys)
        sxx = float(((x - x.mean()) ** 2).sum())
        if sxx > 0:
            beta = float(((x - x.mean()) * (y - y.mean())).sum()) / sxx
    b_used = 1.0 if beta is None else beta

    def abnormal(k):
        return ret[k] - b_used * rm[k] if ret[k] is not None and k in rm else None

    r10 = ret[9]
    d = 1.0 if label == "good" else -1.0 if label == "bad" else (-1.0 if r10 is not None and r10 < 0 else 1.0)
    mfe = mae = peak = None
    if ref is not None:
        post = tr[(tr.t >= t0) & (tr.t < t0 + POST * MIN) & (tr.volume > 0)]
        if len(post):
            r = d * (post.price / ref - 1)
            i = int(np.argmax(r.to_numpy()))
            mfe, mae = float(r.max()), float(r.min())
            peak = (int(post.t.iloc[i]) - t0) / 1000.0
    vb = float(sum(vol.get(k, 0.0) for k in range(-PRE, 0)))
    va = float(sum(vol.get(k, 0.0) for k in range(0, POST)))

    def rv(ks):
        logs = [math.log(val(vwap, k) / val(vwap, k - 1)) for k in ks
                if val(vwap, k) is not None and val(vwap, k - 1) is not None]
        return math.sqrt(sum(x * x for x in logs) / len(logs)) if logs else None

    ar10 = abnormal(9)
    move = None if ar10 is None else "good" if ar10 > args.neutral_band else "bad" if ar10 < -args.neutral_band else "neutral"
    agrees = label == move if label in ("good", "bad", "neutral") and move is not None else None
    return {
        "ref_price": ref, "ret_1m": ret[0], "ret_5m": ret[4], "ret_10m": r10,
        "max_favourable": mfe, "max_adverse": mae, "peak_seconds": peak,
        "benchmark_ret_10m": rm.get(9), "beta": beta,
        "abnormal_ret_1m": abnormal(0), "abnormal_ret_5m": abnormal(4), "abnormal_ret_10m": ar10,
        "volume_before": vb, "volume_after": va,
        "volume_ratio": (va / POST) / (vb / PRE) if vb > 0 else None,
        "volatility_before": rv(range(1 - PRE, 0)), "volatility_after": rv(range(0, POST)),
        "curve": [ret[k] for k in range(-PRE, POST)], "move": move, "agrees": agrees,
    }


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)):
        return isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def main():
    p = argparse.ArgumentParser()
    p.add_argument("trades")
    p.add_argument("news")
    p.add_argument("out")
    p.add_argument("--benchmark", default=None)
    p.add_argument("--beta-window", type=int, default=60)
    p.add_argument("--min-beta-pairs", type=int, default=10)
    p.add_argument("--neutral-band", type=float, default=0.005)
    args = p.parse_args()
    trades = read_jsonl(args.trades)
    trades["t"] = millis(trades.event_time)
    trades = trades.sort_values("t", kind="stable")
    by_symbol = {s: g for s, g in trades.groupby("symbol", sort=True)}
    news = read_jsonl(args.news)
    news["t"] = millis(news.event_time)
    got = {r["news_id"]: r for r in read_rows(args.out)}
    if len(got) != len(news):
        print(f"newsflow wrote {len(got)} rows for {len(news)} news items")
        return 1
    bad = 0
    for n in news.itertuples():
        want = compute(n, trades, by_symbol, args)
        row = got.get(n.news_id)
        for f in FIGURES:
            g = row.get(f) if row else None
            if not same(want[f], g):
                bad += 1
                if bad <= 20:
                    print(f"news {n.news_id} {f}: reference {want[f]!r}, newsflow {g!r}")
    print(f"{len(news)} news items, {len(FIGURES)} figures each: {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
