//! The command line of `newsflow query` and running it.

use std::io::{Read, Write};

use anyhow::{Context, Result};
use datafusion::prelude::SessionContext;
use tokio::runtime::Runtime;

use crate::output::{run_sql, OutputFormat};
use crate::register::{register_table, TableSpec};
use crate::session::new_context;
use crate::statements::split_statements;

const AFTER_HELP: &str = "\
Tables:
  --table NAME=PATH registers the directory PATH as table NAME. PATH is a local directory
  or s3://bucket/prefix. Its key=value directory levels (year=2026/month=11/day=05) become
  partition columns: BIGINT when all their values are integers, DATE when all are
  yyyy-MM-dd, else STRING; __DEFAULT_PARTITION__ is NULL and Hive-escaped values (%3A) are
  unescaped. A query's filters on them (WHERE day = 5, WHERE dt = DATE '2026-11-05')
  decide which directories are listed and which files are read. Files and directories
  whose names start with '.' or '_' are ignored (in-progress files, _SUCCESS, _errors/).

Formats:
  Told by the files' extensions: .parquet, .json (JSON lines; also .jsonl, .ndjson),
  .csv, and JSON/CSV compressed as .gz, .zst, .bz2 or .xz. Or given: NAME=PATH:FORMAT with
  FORMAT parquet, json, csv, json.gz, csv.zst, ...; then the files with that extension are
  read, or every file when none has a known extension (Flink's own part files).
  CSV files are read without a header line (newsflow and Flink write none; columns are
  column_1, column_2, ...) unless --csv-header is given.

S3:
  Credentials from the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
  AWS_SESSION_TOKEN, a web identity token, ECS or EC2 instance credentials), region from
  AWS_REGION, endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (S3-compatible
  servers: path-style requests, http:// allowed).

Without SQL, an interactive prompt: statements end with ';', \\d lists the tables,
\\d NAME shows a table's columns, \\q quits, Tab completes; history is kept in
$XDG_DATA_HOME/newsflow/query_history (~/.local/share/newsflow/query_history).

Examples:
  newsflow query --table trades=out/trades \"SELECT day, count(*) FROM trades GROUP BY day\"
  newsflow query -t t=s3://archive/trades:json.gz --format csv \"SELECT * FROM t LIMIT 10\"";

/// Query Hive-partitioned Parquet, JSON-lines and CSV archives (local or S3) with SQL.
#[derive(clap::Args, Debug, Clone)]
#[command(after_help = AFTER_HELP)]
pub struct QueryArgs {
    /// A table: NAME=PATH or NAME=PATH:FORMAT (PATH a directory or s3://bucket/prefix;
    /// repeat for more tables).
    #[arg(long = "table", short = 't', value_name = "NAME=PATH[:FORMAT]")]
    pub tables: Vec<TableSpec>,

    /// How results are printed.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// CSV tables' files start with a header line.
    #[arg(long)]
    pub csv_header: bool,

    /// The SQL to run (statements separated by ';'; '-' reads it from standard input).
    /// Without it, an interactive prompt.
    #[arg(value_name = "SQL")]
    pub sql: Option<String>,
}

/// Run `newsflow query`: register the tables, then run the SQL or the prompt. Blocking:
/// it runs its own tokio runtime.
pub fn run(args: QueryArgs) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Deeply nested expressions recurse in DataFusion's planner.
        .thread_stack_size(8 << 20)
        .build()
        .context("starting the query runtime")?;
    let ctx = new_context();
    rt.block_on(register_all(&ctx, &args))?;
    let result = match args.sql.as_deref() {
        None => crate::repl::run(&rt, &ctx, args.format),
        Some(sql) => {
            let sql = if sql == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading SQL from standard input")?;
                s
            } else {
                sql.to_string()
            };
            run_statements(&rt, &ctx, &sql, args.format)
        }
    };
    // Output piped into `head` and cut short is no error.
    match result {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        r => r,
    }
}

async fn register_all(ctx: &SessionContext, args: &QueryArgs) -> Result<()> {
    for spec in &args.tables {
        let mut spec = spec.clone();
        spec.csv_header |= args.csv_header;
        let registered = register_table(ctx, &spec).await?;
        for w in &registered.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(())
}

fn run_statements(rt: &Runtime, ctx: &SessionContext, sql: &str, format: OutputFormat) -> Result<()> {
    let (mut statements, rest) = split_statements(sql);
    if !rest.is_empty() {
        statements.push(rest);
    }
    if statements.is_empty() {
        anyhow::bail!("no SQL statement given");
    }
    let mut out = std::io::stdout().lock();
    for (i, statement) in statements.iter().enumerate() {
        if i > 0 && format == OutputFormat::Table {
            writeln!(out).context("writing the result")?;
        }
        rt.block_on(run_sql(ctx, statement, format, &mut out))?;
    }
    out.flush().context("writing the result")
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(clap::Subcommand)]
    enum Command {
        Query(QueryArgs),
    }

    #[test]
    fn parses_the_issue_command_line() {
        let cli = Cli::try_parse_from([
            "newsflow",
            "query",
            "--table",
            "trades=out/trades",
            "-t",
            "q=s3://b/quotes:json.gz",
            "--format",
            "csv",
            "SELECT 1",
        ])
        .unwrap();
        let Command::Query(args) = cli.command;
        assert_eq!(args.tables.len(), 2);
        assert_eq!(args.tables[1].location, "s3://b/quotes");
        assert_eq!(args.format, OutputFormat::Csv);
        assert_eq!(args.sql.as_deref(), Some("SELECT 1"));
        assert!(Cli::try_parse_from(["newsflow", "query", "-t", "bad"]).is_err());
    }

    #[test]
    fn help_documents_formats_and_prompt() {
        let mut cmd = Cli::command();
        let help = cmd.find_subcommand_mut("query").unwrap().render_help().to_string();
        for needle in [
            "NAME=PATH[:FORMAT]",
            "__DEFAULT_PARTITION__",
            "json.gz",
            "\\d NAME",
            "--csv-header",
        ] {
            assert!(help.contains(needle), "{needle} not in\n{help}");
        }
    }
}
