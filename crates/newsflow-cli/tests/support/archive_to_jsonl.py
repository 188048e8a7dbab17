#!/usr/bin/env python3
"""Read a Hive-partitioned Parquet archive with pyarrow (another tool than newsflow) and
write its rows as JSON lines in Flink's JSON text (timestamps `yyyy-MM-dd HH:mm:ss[.fff]`),
so that compare.py can hold them against Flink's golden rows.

usage: archive_to_jsonl.py SOURCE OUT.jsonl [--endpoint URL]
SOURCE is a directory or s3://bucket/prefix (with --endpoint for an S3-compatible server).
Partition columns come from the `k=v` directories, as strings.
"""
import datetime
import json
import os
import sys

import pyarrow.dataset as ds


def text(v):
    if isinstance(v, datetime.datetime):
        s = v.strftime("%Y-%m-%d %H:%M:%S")
        if v.microsecond:
            s += ("." + "%06d" % v.microsecond).rstrip("0")
        return s
    if isinstance(v, datetime.date):
        return v.isoformat()
    return v


def main():
    args = sys.argv[1:]
    endpoint = None
    if "--endpoint" in args:
        i = args.index("--endpoint")
        endpoint = args[i + 1]
        del args[i : i + 2]
    source, out = args
    from pyarrow import fs

    if source.startswith("s3://"):
        filesystem = fs.S3FileSystem(
            endpoint_override=endpoint,
            scheme="http" if endpoint and endpoint.startswith("http://") else "https",
            access_key=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
            secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
            region="us-east-1",
        )
        source = source[len("s3://") :]
    else:
        filesystem = fs.LocalFileSystem()
    # List the files first (some S3-compatible servers cannot HEAD a prefix); skip
    # in-progress (`.`) and `_SUCCESS` / `_errors` (`_`) entries, as Hive readers do.
    infos = filesystem.get_file_info(fs.FileSelector(source, recursive=True))
    base = source.rstrip("/")
    files = sorted(
        i.path
        for i in infos
        if i.type == fs.FileType.File
        and not any(p.startswith((".", "_")) for p in i.path[len(base) :].split("/"))
    )
    dataset = ds.dataset(
        files,
        format="parquet",
        filesystem=filesystem,
        partitioning=ds.partitioning(flavor="hive"),
        partition_base_dir=base,
    )
    with open(out, "w", encoding="utf-8") as fh:
        for row in dataset.to_table().to_pylist():
            fh.write(json.dumps({k: text(v) for k, v in row.items()}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
