//! End-to-end tests of `newsflow query`: archives written here (Parquet with DataFusion's
//! own `parquet` crate, JSON lines and CSV plain and compressed), registered and queried;
//! which files a query reads is read off DataFusion's physical plan. The S3 test runs
//! against an S3-compatible server (see [`s3_endpoint`]); the command-line tests run the
//! crate's `newsflow-query` binary.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use newsflow_query::datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use newsflow_query::datafusion::arrow::datatypes::{
    DataType, Field, Float64Type, Int64Type, Schema, SchemaRef, TimeUnit,
};
use newsflow_query::datafusion::datasource::physical_plan::FileScanConfig;
use newsflow_query::datafusion::datasource::source::DataSourceExec;
use newsflow_query::datafusion::parquet::arrow::ArrowWriter;
use newsflow_query::datafusion::physical_plan::ExecutionPlan;
use newsflow_query::datafusion::prelude::SessionContext;
use newsflow_query::{format_batches, new_context, query, register_table, OutputFormat, TableFormat, TableSpec};

const SYMBOLS: [&str; 4] = ["AAPL", "AMZN", "MSFT", "NVDA"];
const DAYS: i64 = 30;
const FILES_PER_DAY: i64 = 3;
const ROWS_PER_FILE: i64 = 40;
/// 2026-11-01T00:00:00Z in milliseconds.
const NOV_1: i64 = 1_793_491_200_000;

/// One trade of the generated archive.
#[derive(Clone, Debug)]
struct Trade {
    day: i64,
    symbol: &'static str,
    ts: i64,
    price: f64,
    volume: i64,
}

fn trades(day: i64, file: i64) -> Vec<Trade> {
    (0..ROWS_PER_FILE)
        .map(|r| Trade {
            day,
            symbol: SYMBOLS[((day + file + r) % 4) as usize],
            ts: NOV_1 + (day - 1) * 86_400_000 + file * 3_600_000 + r * 1000,
            price: 100.0 + day as f64 + r as f64 * 0.25,
            volume: day * 1000 + file * 100 + r,
        })
        .collect()
}

fn all_trades() -> Vec<Trade> {
    (1..=DAYS)
        .flat_map(|d| (0..FILES_PER_DAY).flat_map(move |f| trades(d, f)))
        .collect()
}

fn trade_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("symbol", DataType::Utf8, false),
        Field::new("ts", DataType::Timestamp(TimeUnit::Millisecond, None), false),
        Field::new("price", DataType::Float64, false),
        Field::new("volume", DataType::Int64, false),
    ]))
}

fn trade_batch(rows: &[Trade]) -> RecordBatch {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|t| t.symbol))),
        Arc::new(TimestampMillisecondArray::from_iter_values(rows.iter().map(|t| t.ts))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|t| t.price))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|t| t.volume))),
    ];
    RecordBatch::try_new(trade_schema(), columns).unwrap()
}

fn write_parquet(path: &Path, rows: &[Trade]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, trade_schema(), None).unwrap();
    w.write(&trade_batch(rows)).unwrap();
    w.close().unwrap();
}

/// Things a table must not read: an in-progress part file, markers, a side output.
fn write_hidden_files(dir: &Path) {
    fs::create_dir_all(dir.join("_errors/day=01")).unwrap();
    fs::write(dir.join("_errors/day=01/part-0.parquet"), b"not parquet").unwrap();
    fs::write(dir.join("_SUCCESS"), b"").unwrap();
    fs::write(dir.join(".hidden.parquet"), b"garbage").unwrap();
}

/// `year=2026/month=11/day=DD/part-F.parquet`, 30 days, 3 files a day, with hidden
/// files in every day and at the root.
fn parquet_archive(root: &Path) {
    for day in 1..=DAYS {
        let dir = root.join(format!("year=2026/month=11/day={day:02}"));
        for f in 0..FILES_PER_DAY {
            write_parquet(&dir.join(format!("part-{f}.parquet")), &trades(day, f));
        }
        fs::write(dir.join(".part-3.parquet.inprogress"), b"half a file").unwrap();
        fs::write(dir.join("_SUCCESS"), b"done").unwrap();
    }
    write_hidden_files(root);
}

async fn table(ctx: &SessionContext, name: &str, dir: &Path, format: Option<TableFormat>) {
    register_table(ctx, &TableSpec::new(name, dir.to_str().unwrap(), format))
        .await
        .unwrap();
}

/// The files the physical plan of `sql` reads.
async fn scanned_files(ctx: &SessionContext, sql: &str) -> Vec<String> {
    fn collect(plan: &Arc<dyn ExecutionPlan>, out: &mut Vec<String>) {
        if let Some(exec) = plan.downcast_ref::<DataSourceExec>() {
            if let Some(config) = exec.data_source().downcast_ref::<FileScanConfig>() {
                for group in &config.file_groups {
                    out.extend(group.iter().map(|f| f.object_meta.location.to_string()));
                }
            }
        }
        for child in plan.children() {
            collect(child, out);
        }
    }
    let plan = ctx.sql(sql).await.unwrap().create_physical_plan().await.unwrap();
    let mut files = Vec::new();
    collect(&plan, &mut files);
    files.sort();
    files
}

/// The rows of a result as text lines (`a|b|c`), in order.
async fn rows(ctx: &SessionContext, sql: &str) -> Vec<String> {
    let batches = query(ctx, sql).await.unwrap();
    let mut out = Vec::new();
    for b in &batches {
        for r in 0..b.num_rows() {
            let cells: Vec<String> = b
                .columns()
                .iter()
                .map(|c| {
                    if c.is_null(r) {
                        "NULL".to_string()
                    } else {
                        newsflow_query::datafusion::arrow::util::display::array_value_to_string(c, r).unwrap()
                    }
                })
                .collect();
            out.push(cells.join("|"));
        }
    }
    out
}

fn only_days(files: &[String], days: &[i64]) -> bool {
    files
        .iter()
        .all(|f| days.iter().any(|d| f.contains(&format!("/day={d:02}/"))))
}

#[tokio::test]
async fn one_day_of_a_parquet_archive_reads_only_that_days_files() {
    let dir = tempfile::tempdir().unwrap();
    parquet_archive(dir.path());
    let ctx = new_context();
    table(&ctx, "t", dir.path(), None).await;

    let sql = "SELECT count(*), sum(volume), min(ts), max(price) FROM t WHERE day = 5";
    let files = scanned_files(&ctx, sql).await;
    assert_eq!(files.len(), FILES_PER_DAY as usize, "{files:?}");
    assert!(only_days(&files, &[5]), "{files:?}");
    let day5: Vec<Trade> = all_trades().into_iter().filter(|t| t.day == 5).collect();
    let expected = format!(
        "{}|{}|2026-11-05T00:00:00|{:?}",
        day5.len(),
        day5.iter().map(|t| t.volume).sum::<i64>(),
        day5.iter().map(|t| t.price).fold(f64::MIN, f64::max)
    );
    assert_eq!(rows(&ctx, sql).await, [expected]);

    // All partition columns pinned: the same files.
    let sql = "SELECT count(*) FROM t WHERE year = 2026 AND month = 11 AND day = 5";
    assert_eq!(scanned_files(&ctx, sql).await, files);
    assert_eq!(rows(&ctx, sql).await, [day5.len().to_string()]);

    // A filter on a stored column on top: still one day's files, and the right rows.
    let sql = "SELECT count(*), sum(volume) FROM t WHERE day = 5 AND symbol = 'MSFT'";
    assert_eq!(scanned_files(&ctx, sql).await, files);
    let msft: Vec<&Trade> = day5.iter().filter(|t| t.symbol == "MSFT").collect();
    assert_eq!(
        rows(&ctx, sql).await,
        [format!("{}|{}", msft.len(), msft.iter().map(|t| t.volume).sum::<i64>())]
    );

    // No such day: no file at all.
    assert!(scanned_files(&ctx, "SELECT * FROM t WHERE day = 31").await.is_empty());
    assert_eq!(rows(&ctx, "SELECT count(*) FROM t WHERE day = 31").await, ["0"]);
}

#[tokio::test]
async fn partition_columns_are_typed_and_compared_as_numbers() {
    let dir = tempfile::tempdir().unwrap();
    parquet_archive(dir.path());
    let ctx = new_context();
    table(&ctx, "t", dir.path(), None).await;

    assert_eq!(
        rows(
            &ctx,
            "SELECT arrow_typeof(year), arrow_typeof(month), arrow_typeof(day) FROM t LIMIT 1"
        )
        .await,
        ["Int64|Int64|Int64"]
    );
    // BETWEEN on numbers: days 3, 4, 5 (as strings '03'..'05' would not match 3 AND 5).
    let sql = "SELECT day, count(*) FROM t WHERE day BETWEEN 3 AND 5 GROUP BY day ORDER BY day";
    let files = scanned_files(&ctx, sql).await;
    assert_eq!(files.len(), 3 * FILES_PER_DAY as usize);
    assert!(only_days(&files, &[3, 4, 5]));
    let per_day = FILES_PER_DAY * ROWS_PER_FILE;
    assert_eq!(rows(&ctx, sql).await, [3, 4, 5].map(|d| format!("{d}|{per_day}")));
    // day > 9 is 21 days as numbers ('10' > '9' is false as strings).
    let sql = "SELECT count(DISTINCT day), min(day), max(day) FROM t WHERE day > 9";
    assert_eq!(scanned_files(&ctx, sql).await.len(), 21 * FILES_PER_DAY as usize);
    assert_eq!(rows(&ctx, sql).await, ["21|10|30"]);
    // IN lists, OR, and an expression of a partition column.
    let sql = "SELECT count(*) FROM t WHERE day IN (1, 30) OR day * 2 = 20";
    let files = scanned_files(&ctx, sql).await;
    assert!(only_days(&files, &[1, 10, 30]) && files.len() == 9, "{files:?}");
    assert_eq!(rows(&ctx, sql).await, [(3 * per_day).to_string()]);
    // The partition columns come after the stored ones.
    let provider = ctx.table_provider("t").await.unwrap();
    let names: Vec<String> = provider.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, ["symbol", "ts", "price", "volume", "year", "month", "day"]);
}

#[tokio::test]
async fn aggregates_across_all_days_are_right() {
    let dir = tempfile::tempdir().unwrap();
    parquet_archive(dir.path());
    let ctx = new_context();
    table(&ctx, "trades", dir.path(), None).await;

    let sql = "SELECT count(*) FROM trades";
    assert_eq!(scanned_files(&ctx, sql).await.len(), (DAYS * FILES_PER_DAY) as usize);
    let all = all_trades();
    assert_eq!(rows(&ctx, sql).await, [all.len().to_string()]);

    let sql = "SELECT symbol, count(*), sum(volume), min(price), max(price), \
               count(DISTINCT day) FROM trades GROUP BY symbol ORDER BY symbol";
    let mut expected: BTreeMap<&str, (usize, i64, f64, f64, std::collections::BTreeSet<i64>)> = BTreeMap::new();
    for t in &all {
        let e = expected
            .entry(t.symbol)
            .or_insert((0, 0, f64::MAX, f64::MIN, Default::default()));
        e.0 += 1;
        e.1 += t.volume;
        e.2 = e.2.min(t.price);
        e.3 = e.3.max(t.price);
        e.4.insert(t.day);
    }
    let expected: Vec<String> = expected
        .iter()
        .map(|(s, (n, v, lo, hi, days))| format!("{s}|{n}|{v}|{lo:?}|{hi:?}|{}", days.len()))
        .collect();
    assert_eq!(rows(&ctx, sql).await, expected);

    // avg(price) per day matches, to the last digit that matters.
    let batches = query(
        &ctx,
        "SELECT day, avg(price) AS p FROM trades GROUP BY day ORDER BY day",
    )
    .await
    .unwrap();
    let mut got = Vec::new();
    for b in &batches {
        let days = b.column(0).as_primitive::<Int64Type>();
        let avgs = b.column(1).as_primitive::<Float64Type>();
        got.extend((0..b.num_rows()).map(|i| (days.value(i), avgs.value(i))));
    }
    assert_eq!(got.len(), DAYS as usize);
    for (day, avg) in got {
        let prices: Vec<f64> = all.iter().filter(|t| t.day == day).map(|t| t.price).collect();
        let want = prices.iter().sum::<f64>() / prices.len() as f64;
        assert!((avg - want).abs() < 1e-9, "day {day}: {avg} != {want}");
    }
}

/// Text versions of the same archive: `day=DD/part-F.<ext>`.
fn text_archive(root: &Path, ext: &str, encode: fn(&[Trade]) -> Vec<u8>) {
    for day in 1..=4 {
        let dir = root.join(format!("day={day:02}"));
        fs::create_dir_all(&dir).unwrap();
        for f in 0..2 {
            let bytes = encode(&trades(day, f));
            let bytes = if ext.ends_with(".gz") {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(&bytes).unwrap();
                e.finish().unwrap()
            } else if ext.ends_with(".zst") {
                zstd::encode_all(&bytes[..], 3).unwrap()
            } else {
                bytes
            };
            fs::write(dir.join(format!("part-{f}.{ext}")), bytes).unwrap();
        }
        fs::write(dir.join(format!(".part-9.{ext}.inprogress")), b"{\"symbol\": ").unwrap();
    }
    write_hidden_files(root);
}

fn json_lines(rows: &[Trade]) -> Vec<u8> {
    let mut out = String::new();
    for t in rows {
        out.push_str(&format!(
            "{{\"symbol\":\"{}\",\"price\":{:.2},\"volume\":{}}}\n",
            t.symbol, t.price, t.volume
        ));
    }
    out.into_bytes()
}

fn csv_lines(rows: &[Trade]) -> Vec<u8> {
    let mut out = String::new();
    for t in rows {
        out.push_str(&format!("{},{:.2},{}\n", t.symbol, t.price, t.volume));
    }
    out.into_bytes()
}

fn expected_per_day() -> Vec<String> {
    (1..=4)
        .map(|d| {
            let rows: Vec<Trade> = (0..2).flat_map(|f| trades(d, f)).collect();
            format!("{d}|{}|{}", rows.len(), rows.iter().map(|t| t.volume).sum::<i64>())
        })
        .collect()
}

#[tokio::test]
async fn json_lines_directories_plain_gzip_and_zstd() {
    for ext in ["json", "json.gz", "json.zst"] {
        let dir = tempfile::tempdir().unwrap();
        text_archive(dir.path(), ext, json_lines);
        let ctx = new_context();
        table(&ctx, "j", dir.path(), None).await;
        let sql = "SELECT day, count(*), sum(volume) FROM j GROUP BY day ORDER BY day";
        assert_eq!(rows(&ctx, sql).await, expected_per_day(), "{ext}");
        let sql = "SELECT sum(volume) FROM j WHERE day = 2";
        let files = scanned_files(&ctx, sql).await;
        assert_eq!(files.len(), 2, "{ext}: {files:?}");
        assert!(only_days(&files, &[2]), "{ext}: {files:?}");
        assert_eq!(
            rows(&ctx, sql).await,
            [expected_per_day()[1].split('|').nth(2).unwrap()]
        );
        assert_eq!(
            rows(&ctx, "SELECT arrow_typeof(volume), arrow_typeof(symbol) FROM j LIMIT 1").await,
            ["Int64|Utf8"],
            "{ext}"
        );
    }
}

#[tokio::test]
async fn csv_directories_plain_and_gzip() {
    for ext in ["csv", "csv.gz"] {
        let dir = tempfile::tempdir().unwrap();
        text_archive(dir.path(), ext, csv_lines);
        let ctx = new_context();
        table(&ctx, "c", dir.path(), None).await;
        // No header (newsflow's and Flink's CSV sinks write none): column_N.
        let sql = "SELECT day, count(*), sum(column_3) FROM c GROUP BY day ORDER BY day";
        assert_eq!(rows(&ctx, sql).await, expected_per_day(), "{ext}");
        let files = scanned_files(&ctx, "SELECT * FROM c WHERE day = 3").await;
        assert!(files.len() == 2 && only_days(&files, &[3]), "{ext}: {files:?}");
    }
    // With a header line.
    let dir = tempfile::tempdir().unwrap();
    text_archive(dir.path(), "csv", |rows| {
        let mut out = b"symbol,price,volume\n".to_vec();
        out.extend(csv_lines(rows));
        out
    });
    let ctx = new_context();
    let mut spec = TableSpec::new("c", dir.path().to_str().unwrap(), None);
    spec.csv_header = true;
    register_table(&ctx, &spec).await.unwrap();
    let sql = "SELECT day, count(*), sum(volume) FROM c GROUP BY day ORDER BY day";
    assert_eq!(rows(&ctx, sql).await, expected_per_day());
}

#[tokio::test]
async fn date_partitions_default_partition_and_escaped_values() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |sub: &str, lines: &str| {
        let d = root.join(sub);
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("part-0.json"), lines).unwrap();
    };
    write("dt=2026-11-05/hr=10%3A00", "{\"n\":1}\n{\"n\":2}\n");
    write("dt=2026-11-05/hr=11%3A00", "{\"n\":3}\n");
    write("dt=2026-11-06/hr=10%3A00", "{\"n\":4}\n");
    write("dt=__DEFAULT_PARTITION__/hr=10%3A00", "{\"n\":5}\n");
    write("dt=2026-11-06/hr=__DEFAULT_PARTITION__", "{\"n\":6}\n");
    let ctx = new_context();
    table(&ctx, "e", root, None).await;

    assert_eq!(
        rows(&ctx, "SELECT arrow_typeof(dt), arrow_typeof(hr) FROM e LIMIT 1").await,
        ["Date32|Utf8"]
    );
    let sql = "SELECT sum(n) FROM e WHERE dt = DATE '2026-11-05'";
    let files = scanned_files(&ctx, sql).await;
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|f| f.contains("/dt=2026-11-05/")));
    assert_eq!(rows(&ctx, sql).await, ["6"]);
    assert_eq!(rows(&ctx, "SELECT sum(n) FROM e WHERE dt > '2026-11-05'").await, ["10"]);
    // Unescaped values, NULL for the default partition.
    assert_eq!(
        rows(&ctx, "SELECT n, dt, hr FROM e ORDER BY n").await,
        [
            "1|2026-11-05|10:00",
            "2|2026-11-05|10:00",
            "3|2026-11-05|11:00",
            "4|2026-11-06|10:00",
            "5|NULL|10:00",
            "6|2026-11-06|NULL",
        ]
    );
    let sql = "SELECT n FROM e WHERE dt IS NULL";
    assert_eq!(scanned_files(&ctx, sql).await.len(), 1);
    assert_eq!(rows(&ctx, sql).await, ["5"]);
    assert_eq!(rows(&ctx, "SELECT n FROM e WHERE hr = '11:00'").await, ["3"]);
    assert_eq!(rows(&ctx, "SELECT n FROM e WHERE hr IS NULL").await, ["6"]);
}

#[tokio::test]
async fn new_files_and_partitions_are_seen_by_the_next_query() {
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("day=01/part-0.parquet"), &trades(1, 0));
    let ctx = new_context();
    table(&ctx, "t", dir.path(), None).await;
    assert_eq!(rows(&ctx, "SELECT count(*) FROM t").await, ["40"]);
    write_parquet(&dir.path().join("day=01/part-1.parquet"), &trades(1, 1));
    write_parquet(&dir.path().join("day=02/part-0.parquet"), &trades(2, 0));
    assert_eq!(
        rows(&ctx, "SELECT day, count(*) FROM t GROUP BY day ORDER BY day").await,
        ["1|80", "2|40"]
    );
}

#[tokio::test]
async fn formats_given_explicitly() {
    // Flink's own part files have no extension.
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("day=1")).unwrap();
    fs::write(dir.path().join("day=1/part-abc-0-0"), json_lines(&trades(1, 0))).unwrap();
    let ctx = new_context();
    let spec: TableSpec = format!("f={}:json", dir.path().display()).parse().unwrap();
    register_table(&ctx, &spec).await.unwrap();
    assert_eq!(rows(&ctx, "SELECT count(*) FROM f WHERE day = 1").await, ["40"]);
    // Without the format: an error that says what to do.
    let err = register_table(&ctx, &TableSpec::new("g", dir.path().to_str().unwrap(), None))
        .await
        .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("table g") && msg.contains("NAME=PATH:FORMAT"), "{msg}");

    // Mixed formats: an error, unless one is picked.
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("day=1")).unwrap();
    fs::write(dir.path().join("day=1/a.json"), json_lines(&trades(1, 0))).unwrap();
    fs::write(dir.path().join("day=1/b.csv"), csv_lines(&trades(1, 1))).unwrap();
    let err = register_table(&ctx, &TableSpec::new("m", dir.path().to_str().unwrap(), None))
        .await
        .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("1 csv, 1 json"), "{msg}");
    let spec: TableSpec = format!("m={}:csv", dir.path().display()).parse().unwrap();
    register_table(&ctx, &spec).await.unwrap();
    assert_eq!(rows(&ctx, "SELECT count(*) FROM m").await, ["40"]);
}

#[tokio::test]
async fn errors_name_the_table_and_path_or_point_into_the_sql() {
    let ctx = new_context();
    let err = register_table(&ctx, &TableSpec::new("trades", "/no/such/dir", None))
        .await
        .unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("table trades") && msg.contains("/no/such/dir") && msg.contains("no such"),
        "{msg}"
    );
    let empty = tempfile::tempdir().unwrap();
    fs::write(empty.path().join("_SUCCESS"), b"").unwrap();
    let err = register_table(&ctx, &TableSpec::new("e", empty.path().to_str().unwrap(), None))
        .await
        .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("table e") && msg.contains("no files"), "{msg}");

    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("day=01/part-0.parquet"), &trades(1, 0));
    table(&ctx, "t", dir.path(), None).await;
    let err = query(&ctx, "SELECT symbol FROM t\nWHERE dy = 5")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("dy") && err.ends_with("  WHERE dy = 5\n        ^"),
        "{err}"
    );
    let err = query(&ctx, "SELEC symbol FROM t").await.unwrap_err().to_string();
    assert!(err.contains("SELEC"), "{err}");
    // Conflicting partition keys at one level.
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("day=01/part-0.parquet"), &trades(1, 0));
    write_parquet(&dir.path().join("hour=01/part-0.parquet"), &trades(1, 0));
    let err = register_table(&ctx, &TableSpec::new("x", dir.path().to_str().unwrap(), None))
        .await
        .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("table x") && msg.contains("disagree"), "{msg}");
}

#[tokio::test]
async fn output_formats() {
    let ctx = new_context();
    let sql = "SELECT 1 AS a, 'x,y' AS b, CAST(NULL AS BIGINT) AS c \
               UNION ALL SELECT 2, 'z', 3 ORDER BY a";
    let batches = query(&ctx, sql).await.unwrap();
    let schema = batches[0].schema();
    assert_eq!(
        format_batches(OutputFormat::Csv, &schema, &batches).unwrap(),
        "a,b,c\n1,\"x,y\",\n2,z,3\n"
    );
    assert_eq!(
        format_batches(OutputFormat::Json, &schema, &batches).unwrap(),
        "{\"a\":1,\"b\":\"x,y\",\"c\":null}\n{\"a\":2,\"b\":\"z\",\"c\":3}\n"
    );
    let table = format_batches(OutputFormat::Table, &schema, &batches).unwrap();
    assert_eq!(
        table,
        "+---+-----+---+\n| a | b   | c |\n+---+-----+---+\n| 1 | x,y |   |\n| 2 | z   | 3 |\n+---+-----+---+\n"
    );
    // No rows: the header still.
    let batches = query(&ctx, "SELECT 1 AS a WHERE false").await.unwrap();
    let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, false)]));
    assert_eq!(format_batches(OutputFormat::Csv, &schema, &batches).unwrap(), "a\n");
}

// ---------------------------------------------------------------------------------
// The command line (the crate's `newsflow-query` binary).

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_newsflow-query"))
}

#[test]
fn command_line_runs_sql_and_reports_errors() {
    let dir = tempfile::tempdir().unwrap();
    for day in 1..=3 {
        write_parquet(
            &dir.path().join(format!("day={day:02}/part-0.parquet")),
            &trades(day, 0),
        );
    }
    let table = format!("t={}", dir.path().display());
    let out = cli()
        .args(["--table", &table, "--format", "csv"])
        .arg("SELECT day, count(*) AS n FROM t GROUP BY day ORDER BY day; SELECT 7 AS x")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "day,n\n1,40\n2,40\n3,40\nx\n7\n");

    let out = cli().args(["--table", "t=/nope/trades", "SELECT 1"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("table t") && err.contains("/nope/trades"), "{err}");

    let out = cli().args(["--table", &table, "SELECT nope FROM t"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("nope"), "{err}");

    let out = cli().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("NAME=PATH[:FORMAT]") && help.contains("AWS_ENDPOINT_URL"));
}

#[test]
fn prompt_reads_statements_lists_tables_and_keeps_history() {
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("day=01/part-0.parquet"), &trades(1, 0));
    let home = tempfile::tempdir().unwrap();
    let mut child = cli()
        .args(["--table", &format!("trades={}", dir.path().display())])
        .env("XDG_DATA_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"\\d\n\\d trades\nSELECT count(*)\n  AS n FROM trades;\nSELECT nope;\n\
              \\format csv\nSELECT 41 + 1 AS x;\n\\q\n",
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // \d: the table, its location and partition columns; \d trades: its columns.
    assert!(stdout.contains("trades") && stdout.contains("day BIGINT"), "{stdout}");
    assert!(stdout.contains("volume") && stdout.contains("partition"), "{stdout}");
    // The two-line statement ran; the bad one printed an error and the prompt went on.
    assert!(stdout.contains("| 40 |"), "{stdout}");
    assert!(stderr.contains("nope"), "{stderr}");
    assert!(stdout.contains("x\n42\n"), "{stdout}");
    let history = fs::read_to_string(home.path().join("newsflow/query_history")).unwrap();
    assert!(history.contains("SELECT 41 + 1 AS x;"), "{history}");
}

// ---------------------------------------------------------------------------------
// S3

/// A running S3-compatible server: `NEWSFLOW_TEST_S3_ENDPOINT` (or `NEWSFLOW_S3_ENDPOINT`,
/// which the repository's test script sets), else moto started here when Python has it.
struct S3Server {
    endpoint: String,
    child: Option<std::process::Child>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn s3_endpoint() -> Result<S3Server, String> {
    for var in ["NEWSFLOW_TEST_S3_ENDPOINT", "NEWSFLOW_S3_ENDPOINT"] {
        if let Ok(endpoint) = std::env::var(var) {
            if !endpoint.is_empty() {
                return Ok(S3Server { endpoint, child: None });
            }
        }
    }
    let has_moto = Command::new("python3")
        .args(["-c", "import moto.server"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_moto {
        return Err(
            "no S3 server: NEWSFLOW_TEST_S3_ENDPOINT is not set and python3 has no moto \
             (pip install 'moto[server]')"
                .into(),
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let child = Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting moto: {e}"))?;
    let server = S3Server {
        endpoint: format!("http://127.0.0.1:{port}"),
        child: Some(child),
    };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(server);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err("moto did not start listening within 10 s".into())
}

/// Create a bucket with a plain HTTP request (moto and MinIO in test mode do not check
/// signatures on this).
fn create_bucket(endpoint: &str, bucket: &str) {
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut conn = std::net::TcpStream::connect(host).unwrap();
    write!(
        conn,
        "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut conn, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[test]
fn s3_archive_is_queried_through_s3_urls() {
    let server = match s3_endpoint() {
        Ok(s) => s,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let endpoint = server.endpoint.clone();
    let started = if server.child.is_some() {
        "moto started by this test"
    } else {
        "from the environment"
    };
    println!("S3 server at {endpoint} ({started})");
    let bucket = format!("nf-query-{}", std::process::id());
    create_bucket(&endpoint, &bucket);

    // Upload a small archive: 5 days, 2 files a day, and hidden files.
    let store = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&bucket)
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_virtual_hosted_style_request(false)
        .with_region("us-east-1")
        .with_access_key_id("testing")
        .with_secret_access_key("testing")
        .build()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use object_store::{ObjectStoreExt, PutPayload};
        let put = |key: String, bytes: Vec<u8>| {
            let store = &store;
            async move {
                store
                    .put(&object_store::path::Path::from(key), PutPayload::from(bytes))
                    .await
                    .unwrap();
            }
        };
        for day in 1..=5 {
            for f in 0..2 {
                let mut buf = Vec::new();
                let mut w = ArrowWriter::try_new(&mut buf, trade_schema(), None).unwrap();
                w.write(&trade_batch(&trades(day, f))).unwrap();
                w.close().unwrap();
                put(format!("archive/trades/dt=2026-11-0{day}/part-{f}.parquet"), buf).await;
            }
            put(
                format!("archive/trades/dt=2026-11-0{day}/.part-2.parquet.inprogress"),
                b"partial".to_vec(),
            )
            .await;
        }
        put("archive/trades/_SUCCESS".into(), b"".to_vec()).await;
        put("archive/trades/_errors/x.parquet".into(), b"bad".to_vec()).await;
    });

    let run = |sql: &str| {
        let out = cli()
            .args([
                "--table",
                &format!("t=s3://{bucket}/archive/trades/"),
                "--format",
                "csv",
            ])
            .arg(sql)
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env_remove("AWS_ENDPOINT_URL_S3")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let day3: Vec<Trade> = (0..2).flat_map(|f| trades(3, f)).collect();
    assert_eq!(
        run("SELECT count(*) AS n, sum(volume) AS v FROM t WHERE dt = DATE '2026-11-03'"),
        format!("n,v\n{},{}\n", day3.len(), day3.iter().map(|t| t.volume).sum::<i64>())
    );
    assert_eq!(
        run("SELECT dt, count(*) AS n FROM t GROUP BY dt ORDER BY dt"),
        "dt,n\n2026-11-01,80\n2026-11-02,80\n2026-11-03,80\n2026-11-04,80\n2026-11-05,80\n"
    );
    // The plan of a one-day query reads that day's two files only.
    let plan = run("EXPLAIN SELECT count(*) FROM t WHERE dt = DATE '2026-11-03'");
    assert!(plan.contains("dt=2026-11-03/part-0.parquet"), "{plan}");
    assert!(!plan.contains("dt=2026-11-02"), "{plan}");
    drop(server);
}

/// `newsflow impact-report` over hand-made NEWS_IMPACT rows: the hit rate, the mean
/// abnormal return with its 95 % half-width (1.96 · s / √n), the median time to peak, the
/// reaction curve by minute, the topic breakdown, and the SVG chart, each checked against
/// numbers worked out by hand.
#[tokio::test]
async fn impact_report_aggregates_by_label_with_confidence_and_curves() {
    let dir = tempfile::tempdir().unwrap();
    let curve = |after: f64| -> String {
        let v: Vec<String> = (-5..10)
            .map(|k| if k >= 0 { after.to_string() } else { "0.0".into() })
            .collect();
        format!("[{}]", v.join(","))
    };
    let row = |id: i64, symbol: &str, label: &str, ar: f64, agrees: bool, peak: f64, topic: &str| {
        format!(
            "{{\"symbol\":\"{symbol}\",\"news_id\":{id},\"label\":\"{label}\",\"topic\":\"{topic}\",\
             \"abnormal_ret_1m\":{ar},\"abnormal_ret_5m\":{ar},\"abnormal_ret_10m\":{ar},\
             \"peak_seconds\":{peak},\"volume_ratio\":2.0,\"curve\":{},\"agrees\":{agrees}}}\n",
            curve(ar)
        )
    };
    let text = [
        row(1, "AAPL", "good", 0.02, true, 60.0, "earnings"),
        row(2, "AAPL", "good", 0.04, true, 120.0, "earnings"),
        row(3, "MSFT", "good", -0.01, false, 300.0, "deal"),
        row(4, "MSFT", "bad", -0.03, true, 30.0, "legal"),
    ]
    .concat();
    fs::write(dir.path().join("part-0.json"), text).unwrap();
    let ctx = new_context();
    table(&ctx, "impact", dir.path(), None).await;
    let svg = dir.path().join("chart.svg");
    let args = newsflow_query::ImpactReportArgs {
        impact: dir.path().to_string_lossy().to_string(),
        condition: None,
        svg: Some(svg.clone()),
        format: OutputFormat::Json,
        show_sql: false,
    };
    let mut out = Vec::new();
    newsflow_query::report::report(&ctx, &args, &mut out).await.unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let find = |pred: &dyn Fn(&serde_json::Value) -> bool| lines.iter().find(|v| pred(v)).cloned().unwrap();
    // good: abnormal returns 2 %, 4 %, −1 % → mean 1.667 %, s = 2.517 %, half-width 2.848 %.
    let good = find(&|v| v["label"] == "good" && v.get("hit_rate_pct").is_some() && v.get("symbol").is_none());
    assert_eq!(good["news"], 3);
    assert_eq!(good["hit_rate_pct"], 66.7);
    assert_eq!(good["car_10m"], 1.667);
    assert_eq!(good["car_10m_ci95"], 2.848);
    assert_eq!(good["median_peak_s"], 120.0);
    // the curve of good at minute 0 is the mean of 2 %, 4 %, −1 %; at −3 it is 0
    let at = |minute: i64| find(&|v| v["label"] == "good" && v["minute"] == minute);
    assert_eq!(at(0)["mean_return"], 1.667);
    assert_eq!(at(0)["n"], 3);
    assert_eq!(at(-3)["mean_return"], 0.0);
    // per symbol and per topic
    let msft = find(&|v| v["symbol"] == "MSFT");
    assert_eq!(
        (msft["news"].clone(), msft["hit_rate_pct"].clone()),
        (2.into(), 50.0.into())
    );
    let earnings = find(&|v| v["topic"] == "earnings");
    assert_eq!(earnings["mean_abs_car_10m"], 3.0);
    let chart = fs::read_to_string(&svg).unwrap();
    assert_eq!(chart.matches("<polyline").count(), 2, "one line per label");
}
