#!/usr/bin/env python3
"""End-to-end latency through newsflow on Kafka: produce -> newsflow job -> consume.

  bench/kafka_latency.py [--rate 200] [--seconds 15] [--bin target/release/newsflow]

Starts a tansu broker (scripts/kafka-broker), a newsflow job that reads topic `lat-in`
(JSON {id, sent_ms, body}) and writes every row to `lat-out`, produces at a fixed rate with
confluent-kafka, and reads `lat-out`: latency = receive time - sent_ms. Prints p50/p90/p99/max.
The job is the flagship's shape without windows (a scan, a projection, a sink), so the figure
is the engine's and the broker's per-message delay, not a window's wait for its watermark.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "newsflow"))
    a = ap.parse_args()
    work = tempfile.mkdtemp()
    port = free_port()
    bs = f"127.0.0.1:{port}"
    broker = os.path.join(ROOT, "scripts", "kafka-broker")
    subprocess.run([broker, "start", os.path.join(work, "broker"), str(port)], check=True)
    job = None
    try:
        admin = AdminClient({"bootstrap.servers": bs})
        for f in admin.create_topics([NewTopic("lat-in", 4, 1), NewTopic("lat-out", 1, 1)]).values():
            f.result(20)
        sql = f"""
CREATE TABLE src (id INT, sent_ms BIGINT, body STRING) WITH ('connector' = 'kafka', 'topic' = 'lat-in',
  'properties.bootstrap.servers' = '{bs}', 'properties.group.id' = 'lat', 'scan.startup.mode' = 'latest-offset',
  'properties.fetch.wait.max.ms' = '10', 'format' = 'json');
CREATE TABLE dst (id INT, sent_ms BIGINT, body STRING) WITH ('connector' = 'kafka', 'topic' = 'lat-out',
  'properties.bootstrap.servers' = '{bs}', 'properties.linger.ms' = '0', 'format' = 'json');
INSERT INTO dst SELECT id, sent_ms, UPPER(body) FROM src;
"""
        with open(os.path.join(work, "lat.sql"), "w") as f:
            f.write(sql)
        job = subprocess.Popen([a.bin, "run", "lat.sql", "--duration", str(a.seconds + 20)], cwd=work,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        c = Consumer({"bootstrap.servers": bs, "group.id": "lat-reader", "fetch.wait.max.ms": 10,
                      "enable.auto.commit": False})
        c.assign([TopicPartition("lat-out", 0, 0)])
        time.sleep(8)  # the job joins its group
        lat = []
        n = int(a.rate * a.seconds)
        done = threading.Event()

        def produce():
            p = Producer({"bootstrap.servers": bs, "linger.ms": 0})
            start = time.time()
            for i in range(n):
                due = start + i / a.rate
                d = due - time.time()
                if d > 0:
                    time.sleep(d)
                p.produce("lat-in", key=str(i % 20).encode(),
                          value=json.dumps({"id": i, "sent_ms": int(time.time() * 1000), "body": "news item"}).encode())
                p.poll(0)
            p.flush(30)
            done.set()

        t = threading.Thread(target=produce)
        t.start()
        deadline = time.time() + a.seconds + 30
        while len(lat) < n and time.time() < deadline:
            m = c.poll(0.05)
            if m is None or m.error():
                continue
            now = time.time() * 1000
            lat.append(now - json.loads(m.value())["sent_ms"])
        t.join()
        c.close()
        lat.sort()
        if not lat:
            sys.exit("no messages came through")
        q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
        print(f"messages: {len(lat)}/{n} at {a.rate:.0f}/s; latency ms: p50 {q(0.5):.1f}  p90 {q(0.9):.1f}  "
              f"p99 {q(0.99):.1f}  max {lat[-1]:.1f}")
    finally:
        if job:
            job.kill()
        subprocess.run([broker, "stop", os.path.join(work, "broker")])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
