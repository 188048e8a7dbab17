//! `newsflow impact-report`: the aggregates of `NEWS_IMPACT` rows, over one run's output
//! or a whole archive (any format `newsflow query` reads), as SQL on DataFusion:
//!
//! * **by label**: news count, the label's hit rate (the share whose `move` agrees), mean
//!   abnormal returns at +1/+5/+10 min with the 95 % confidence half-width of the
//!   10-minute one (`1.96 · s / √n`), the median seconds to the peak and the mean volume
//!   ratio;
//! * **reaction curves**: per label and minute −5 … +9 (bar k of `curve`), the mean return
//!   against the reference price with its 95 % half-width;
//! * **by symbol** and **by topic** (when the rows have a `topic` column): count, hit
//!   rate, mean abnormal 10-minute return, median seconds to the peak.
//!
//! `--svg FILE` draws the reaction curves with their bands (see [`crate::chart`]).
//! Every query is printed with `--show-sql`, so a user can take it into `newsflow query`.

use std::io::Write;

use anyhow::{Context, Result};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::prelude::SessionContext;

use crate::chart::{reaction_chart, Curve, CurvePoint};
use crate::output::{write_batches, OutputFormat};
use crate::register::{register_table, TableSpec};
use crate::session::{new_context, query};

/// Aggregate NEWS_IMPACT rows: hit rate, mean abnormal returns with 95 % confidence,
/// reaction curves by label, per-symbol and per-topic breakdowns.
#[derive(clap::Args, Debug, Clone)]
pub struct ImpactReportArgs {
    /// The impact rows: PATH or PATH:FORMAT (a directory of a run's output or an archive,
    /// local or s3://bucket/prefix).
    #[arg(long, value_name = "PATH[:FORMAT]")]
    pub impact: String,
    /// Only rows matching this SQL condition (e.g. "dt >= '2025-07-01'").
    #[arg(long = "where", value_name = "CONDITION")]
    pub condition: Option<String>,
    /// Also draw the reaction curves into this SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,
    /// How the tables are printed.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Print each query before its result.
    #[arg(long)]
    pub show_sql: bool,
}

/// The share of rows whose `move` agrees with the label, in percent.
fn hit_rate() -> &'static str {
    "round(100 * avg(CASE WHEN agrees THEN 1.0 WHEN NOT agrees THEN 0.0 END), 1)"
}

/// The report's queries over table `impact`, titled; `filter` is a WHERE condition.
pub fn report_queries(filter: &str, has_topic: bool) -> Vec<(&'static str, String)> {
    let hit = hit_rate();
    let mut q = vec![
        (
            "By label (returns in %; car = mean abnormal return, ci95 = 95 % half-width)",
            format!(
                "SELECT label, count(*) AS news, {hit} AS hit_rate_pct,\n  \
                 round(100 * avg(abnormal_ret_1m), 3) AS car_1m, round(100 * avg(abnormal_ret_5m), 3) AS car_5m,\n  \
                 round(100 * avg(abnormal_ret_10m), 3) AS car_10m,\n  \
                 round(100 * 1.96 * stddev(abnormal_ret_10m) / sqrt(count(abnormal_ret_10m)), 3) AS car_10m_ci95,\n  \
                 median(peak_seconds) AS median_peak_s, round(avg(volume_ratio), 2) AS volume_ratio\n\
                 FROM impact WHERE {filter} GROUP BY label ORDER BY label"
            ),
        ),
        (
            "Reaction curves (mean return in % against the minute before the news, by minute)",
            format!(
                "SELECT label, minute, round(100 * avg(r), 3) AS mean_return,\n  \
                 round(100 * 1.96 * stddev(r) / sqrt(count(r)), 3) AS ci95, count(r) AS n\n\
                 FROM (SELECT label, k AS minute, array_element(curve, CAST(k + 6 AS BIGINT)) AS r\n  \
                 FROM impact CROSS JOIN (SELECT unnest(range(-5, 10)) AS k) m WHERE {filter})\n\
                 GROUP BY label, minute ORDER BY label, minute"
            ),
        ),
        (
            "By symbol",
            format!(
                "SELECT symbol, count(*) AS news, {hit} AS hit_rate_pct,\n  \
                 round(100 * avg(abnormal_ret_10m), 3) AS car_10m, median(peak_seconds) AS median_peak_s\n\
                 FROM impact WHERE {filter} GROUP BY symbol ORDER BY symbol"
            ),
        ),
    ];
    if has_topic {
        q.push((
            "By topic (mean_abs_car_10m: mean absolute abnormal 10-minute return, %)",
            format!(
                "SELECT topic, count(*) AS news, {hit} AS hit_rate_pct,\n  \
                 round(100 * avg(abs(abnormal_ret_10m)), 3) AS mean_abs_car_10m, median(peak_seconds) AS median_peak_s\n\
                 FROM impact WHERE {filter} GROUP BY topic ORDER BY topic"
            ),
        ));
    }
    q
}

/// The reaction curves of the second query's result.
fn curves(batches: &[RecordBatch]) -> Result<Vec<Curve>> {
    let mut out: Vec<Curve> = Vec::new();
    for b in batches {
        let label = cast(b.column(0), &DataType::Utf8).context("label is not a string column")?;
        let label = label.as_string_opt::<i32>().context("label is not a string column")?;
        let minute = b
            .column(1)
            .as_primitive_opt::<Int64Type>()
            .context("minute is not BIGINT")?;
        let mean = b
            .column(2)
            .as_primitive_opt::<Float64Type>()
            .context("mean is not DOUBLE")?;
        let ci = b
            .column(3)
            .as_primitive_opt::<Float64Type>()
            .context("ci95 is not DOUBLE")?;
        let n = b.column(4).as_primitive_opt::<Int64Type>().context("n is not BIGINT")?;
        for i in 0..b.num_rows() {
            if mean.is_null(i) {
                continue;
            }
            let name = if label.is_null(i) { "(none)" } else { label.value(i) };
            // The query gives percent; the chart takes fractions.
            let point = CurvePoint {
                minute: minute.value(i),
                mean: mean.value(i) / 100.0,
                ci95: if ci.is_null(i) { 0.0 } else { ci.value(i) / 100.0 },
            };
            let news = n.value(i);
            match out.iter_mut().find(|c| c.label == name) {
                Some(c) => {
                    c.points.push(point);
                    c.news = c.news.max(news);
                }
                None => out.push(Curve {
                    label: name.to_string(),
                    news,
                    points: vec![point],
                }),
            }
        }
    }
    Ok(out)
}

/// Run the report: print its tables to `out`, and draw the chart when asked.
pub async fn report(ctx: &SessionContext, args: &ImpactReportArgs, out: &mut dyn Write) -> Result<()> {
    let columns = ctx.sql("SELECT * FROM impact LIMIT 0").await?;
    let has_topic = columns.schema().inner().column_with_name("topic").is_some();
    let filter = args.condition.as_deref().unwrap_or("TRUE");
    for (i, (title, sql)) in report_queries(filter, has_topic).iter().enumerate() {
        let batches = query(ctx, sql).await?;
        if args.format == OutputFormat::Table {
            writeln!(out, "{}{title}", if i > 0 { "\n" } else { "" })?;
        }
        if args.show_sql {
            writeln!(out, "{sql};")?;
        }
        let schema = match batches.first() {
            Some(b) => b.schema(),
            None => ctx.sql(sql).await?.schema().inner().clone(),
        };
        write_batches(out, args.format, &schema, &batches)?;
        if i == 1 {
            if let Some(path) = &args.svg {
                let svg = reaction_chart(&curves(&batches)?);
                std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
            }
        }
    }
    Ok(())
}

/// `newsflow impact-report`: register the rows as table `impact` and report.
pub fn run(args: ImpactReportArgs) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()
        .context("starting the query runtime")?;
    let ctx = new_context();
    let spec: TableSpec = format!("impact={}", args.impact)
        .parse()
        .map_err(|e: String| anyhow::anyhow!(e))?;
    let mut stdout = std::io::stdout().lock();
    rt.block_on(async {
        register_table(&ctx, &spec).await?;
        report(&ctx, &args, &mut stdout).await
    })?;
    stdout.flush().context("writing the report")
}
