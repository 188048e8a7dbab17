#!/usr/bin/env python3
"""Sensor readings shaped like the golden `sensor_hop` input (source 002's HOP query),
at any size: ISO-8601 millisecond timestamps about 120 ms apart, out of order by up to
2 s, statuses OK / WARNING / ERROR. Writes OUT/input/sensor/part-0.jsonl and OUT/case.sql
(the golden case's query).

    python3 bench/gen_sensor.py --rows 10000000 --out /tmp/nf-bench-sensor-10m
"""
import argparse
import datetime
import os
import random
import shutil

p = argparse.ArgumentParser()
p.add_argument("--rows", type=int, default=1_000_000)
p.add_argument("--out", required=True)
p.add_argument("--seed", type=int, default=7)
a = p.parse_args()
rng = random.Random(a.seed)
os.makedirs(os.path.join(a.out, "input", "sensor"), exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
shutil.copy(os.path.join(here, "..", "tests", "golden", "sensor_hop", "case.sql"), os.path.join(a.out, "case.sql"))
base = datetime.datetime(2025, 7, 1, 9, 0, 0)
t = 0
statuses = ["OK"] * 6 + ["WARNING"] * 3 + ["ERROR"]
with open(os.path.join(a.out, "input", "sensor", "part-0.jsonl"), "w") as f:
    for i in range(a.rows):
        t += rng.randint(0, 240)
        ts = max(0, t - (rng.randint(0, 2000) if rng.random() < 0.1 else 0))
        when = (base + datetime.timedelta(milliseconds=ts)).isoformat(timespec="milliseconds")
        f.write(
            '{"sensor_id": %d, "current_temperature": %.2f, "status": "%s", "event_time": "%s"}\n'
            % (rng.randint(1, 10), rng.uniform(20, 90), rng.choice(statuses), when)
        )
