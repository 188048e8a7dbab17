#!/usr/bin/env python3
"""An independent Kafka client for newsflow's Kafka tests (confluent-kafka from PyPI).

  client.py BOOTSTRAP create TOPIC PARTITIONS
  client.py BOOTSTRAP produce TOPIC KEY_FIELD FILE_OR_DIR...   (JSON lines; key = KEY_FIELD's value, or '-' for none)
  client.py BOOTSTRAP produce-raw TOPIC FILE                   (each line as it is, no key)
  client.py BOOTSTRAP consume TOPIC COUNT TIMEOUT_S            (prints values; stops at COUNT messages or TIMEOUT_S idle)
  client.py BOOTSTRAP consume-verbose TOPIC COUNT TIMEOUT_S    (prints partition, key and value, tab-separated)
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                if not name.startswith((".", "_")):
                    yield os.path.join(p, name)
        else:
            yield p


def create(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    fs = admin.create_topics([NewTopic(topic, num_partitions=int(partitions), replication_factor=1)])
    for _, f in fs.items():
        try:
            f.result(20)
        except Exception as e:  # already exists is fine
            if "already exists" not in str(e).lower() and "TOPIC_ALREADY_EXISTS" not in str(e):
                raise


def produce(bootstrap, topic, key_field, paths, raw=False):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    n = 0
    for path in files(paths):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                key = None
                if not raw and key_field != "-":
                    key = str(json.loads(line)[key_field]).encode()
                while True:
                    try:
                        p.produce(topic, value=line.encode(), key=key)
                        break
                    except BufferError:
                        p.poll(0.05)
                n += 1
                p.poll(0)
    left = p.flush(60)
    if left:
        sys.exit(f"{left} messages not delivered")
    print(n)


def consume(bootstrap, topic, count, timeout, verbose=False):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"test-reader-{os.getpid()}-{time.time()}",
                  "enable.auto.commit": False})
    md = c.list_topics(topic, timeout=10)
    parts = [TopicPartition(topic, p, 0) for p in md.topics[topic].partitions]
    c.assign(parts)
    got = 0
    last = time.time()
    while got < count and time.time() - last < timeout:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            continue
        if verbose:
            key = m.key().decode() if m.key() is not None else "-"
            print(f"{m.partition()}\t{key}\t{m.value().decode()}")
        else:
            print(m.value().decode())
        got += 1
        last = time.time()
    c.close()


def main():
    bootstrap, cmd, *args = sys.argv[1:]
    if cmd == "create":
        create(bootstrap, args[0], args[1])
    elif cmd == "produce":
        produce(bootstrap, args[0], args[1], args[2:])
    elif cmd == "produce-raw":
        produce(bootstrap, args[0], "-", args[1:], raw=True)
    elif cmd == "consume":
        consume(bootstrap, args[0], int(args[1]), float(args[2]))
    elif cmd == "consume-verbose":
        consume(bootstrap, args[0], int(args[1]), float(args[2]), verbose=True)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
