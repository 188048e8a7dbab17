//! The interactive prompt: statements end at `;` (and may span lines), `\d` lists the
//! tables, `\d NAME` shows one's columns, `\q` quits; tab completes SQL keywords, table
//! and column names; history is kept in `$XDG_DATA_HOME/newsflow/query_history`
//! (`~/.local/share/newsflow/query_history`). An error is printed and the prompt goes on.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, Result};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::prelude::SessionContext;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Editor, Helper};
use tokio::runtime::Runtime;

use crate::output::{run_sql, OutputFormat};
use crate::statements::split_statements;
use crate::table::ArchiveTable;

const PROMPT: &str = "newsflow> ";
const CONTINUE: &str = "       -> ";

const HELP: &str = "\
SQL statements end with ';' and may span lines (DataFusion's SQL dialect).
  \\d, .tables         list the tables
  \\d NAME, .schema NAME  the columns of a table
  \\format table|csv|json  how results are printed
  \\q, .quit, exit     quit (or Ctrl-D)
Ctrl-C drops the statement being typed; Tab completes keywords, tables and columns.";

/// SQL keywords and common functions offered by tab completion.
const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "LEFT",
    "RIGHT",
    "FULL",
    "INNER",
    "OUTER",
    "CROSS",
    "ON",
    "USING",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "BETWEEN",
    "LIKE",
    "ILIKE",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "CAST",
    "TRY_CAST",
    "DATE",
    "TIMESTAMP",
    "INTERVAL",
    "WITH",
    "UNION",
    "ALL",
    "EXCEPT",
    "INTERSECT",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "EXPLAIN",
    "ANALYZE",
    "VERBOSE",
    "SHOW",
    "TABLES",
    "COLUMNS",
    "DESCRIBE",
    "CREATE",
    "VIEW",
    "TRUE",
    "FALSE",
    "OVER",
    "PARTITION",
    "ROWS",
    "RANGE",
    "PRECEDING",
    "FOLLOWING",
    "UNBOUNDED",
    "CURRENT",
    "ROW",
    "QUALIFY",
    "FILTER",
    "VALUES",
    "BIGINT",
    "INT",
    "DOUBLE",
    "VARCHAR",
    "STRING",
    "BOOLEAN",
    "DECIMAL",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "median",
    "stddev",
    "approx_distinct",
    "approx_percentile_cont",
    "array_agg",
    "string_agg",
    "first_value",
    "last_value",
    "row_number",
    "rank",
    "dense_rank",
    "lag",
    "lead",
    "date_trunc",
    "date_part",
    "date_bin",
    "extract",
    "now",
    "to_timestamp",
    "to_date",
    "to_char",
    "from_unixtime",
    "coalesce",
    "nullif",
    "round",
    "floor",
    "ceil",
    "abs",
    "lower",
    "upper",
    "length",
    "substr",
    "trim",
    "concat",
    "split_part",
    "regexp_like",
    "regexp_replace",
    "starts_with",
];

struct QueryHelper {
    /// Table and column names, refreshed after every statement.
    names: Vec<String>,
}

impl Completer for QueryHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &rustyline::Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &before[start..];
        Ok((start, completions(word, &self.names)))
    }
}

/// The names and keywords that start with `word` (case-insensitively); keywords in the
/// case the word is typed in.
fn completions(word: &str, names: &[String]) -> Vec<Pair> {
    if word.is_empty() {
        return Vec::new();
    }
    let lower = word.to_lowercase();
    let typed_lower = word.chars().any(char::is_lowercase);
    let mut out: Vec<String> = names
        .iter()
        .filter(|n| n.to_lowercase().starts_with(&lower))
        .cloned()
        .collect();
    for k in KEYWORDS {
        if k.to_lowercase().starts_with(&lower) {
            let is_function = k.chars().any(char::is_lowercase);
            out.push(if typed_lower || is_function {
                k.to_lowercase()
            } else {
                k.to_string()
            });
        }
    }
    out.sort();
    out.dedup();
    out.into_iter()
        .map(|s| Pair {
            display: s.clone(),
            replacement: s,
        })
        .collect()
}

impl Hinter for QueryHelper {
    type Hint = String;
}
impl Highlighter for QueryHelper {}
impl Validator for QueryHelper {}
impl Helper for QueryHelper {}

/// Where the prompt's history is kept.
pub fn history_path() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })?;
    Some(data.join("newsflow").join("query_history"))
}

/// Run the prompt until `\q` or end of input.
pub fn run(rt: &Runtime, ctx: &SessionContext, mut format: OutputFormat) -> Result<()> {
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .max_history_size(10_000)
        .context("configuring the prompt")?
        .build();
    let mut editor: Editor<QueryHelper, DefaultHistory> = Editor::with_config(config).context("starting the prompt")?;
    editor.set_helper(Some(QueryHelper {
        names: rt.block_on(names(ctx)),
    }));
    let history = history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!("newsflow query: SQL on DataFusion; statements end with ';', \\? for help, \\q to quit");
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() { PROMPT } else { CONTINUE };
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e).context("reading the prompt"),
        };
        let trimmed = line.trim();
        if buffer.is_empty() && trimmed.is_empty() {
            continue;
        }
        // A backslash command runs even in the middle of a statement (which stays as
        // typed so far, as in psql); `.tables`-style ones and `exit` only on their own.
        if buffer.is_empty() || trimmed.starts_with('\\') {
            if let Some(command) = meta_command(trimmed) {
                let _ = editor.add_history_entry(trimmed);
                match command {
                    Meta::Quit => {
                        buffer.clear();
                        break;
                    }
                    Meta::Help => println!("{HELP}"),
                    Meta::Tables => print_result(rt.block_on(describe_tables(ctx))),
                    Meta::Describe(name) => print_result(rt.block_on(describe_table(ctx, &name))),
                    Meta::Format(f) => match f {
                        Some(f) => format = f,
                        None => eprintln!("\\format takes table, csv or json"),
                    },
                    Meta::Unknown(c) => eprintln!("unknown command {c}; \\? lists them"),
                }
                continue;
            }
        }
        buffer.push_str(&line);
        buffer.push('\n');
        let (statements, rest) = split_statements(&buffer);
        if statements.is_empty() {
            if rest.is_empty() {
                buffer.clear();
            }
            continue;
        }
        let entry = buffer.trim().to_string();
        let _ = editor.add_history_entry(entry.as_str());
        buffer = rest;
        if !buffer.is_empty() {
            buffer.push('\n');
        }
        for statement in statements {
            execute(rt, ctx, &statement, format);
        }
        if let Some(helper) = editor.helper_mut() {
            helper.names = rt.block_on(names(ctx));
        }
    }
    // What was typed without a closing ';' before the end of input still runs.
    let (statements, rest) = split_statements(&buffer);
    for statement in statements.iter().chain((!rest.is_empty()).then_some(&rest)) {
        execute(rt, ctx, statement, format);
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = editor.save_history(h) {
            eprintln!("could not save the history to {}: {e}", h.display());
        }
    }
    Ok(())
}

fn execute(rt: &Runtime, ctx: &SessionContext, sql: &str, format: OutputFormat) {
    let started = Instant::now();
    let mut out = std::io::stdout().lock();
    match rt.block_on(run_sql(ctx, sql, format, &mut out)) {
        Ok(rows) => {
            let _ = writeln!(
                out,
                "{rows} row{} in {:.3} s",
                if rows == 1 { "" } else { "s" },
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            drop(out);
            eprintln!("Error: {e:#}");
        }
    }
}

fn print_result(r: Result<String>) {
    match r {
        Ok(s) => print!("{s}"),
        Err(e) => eprintln!("Error: {e:#}"),
    }
}

#[derive(Debug, PartialEq)]
enum Meta {
    Quit,
    Help,
    Tables,
    Describe(String),
    Format(Option<OutputFormat>),
    Unknown(String),
}

/// A prompt command (`\d`, `.tables`, `\q`, …), or `None` for SQL.
fn meta_command(line: &str) -> Option<Meta> {
    let line = line.trim_end_matches(';').trim();
    let lower = line.to_lowercase();
    if lower == "exit" || lower == "quit" {
        return Some(Meta::Quit);
    }
    if !(line.starts_with('\\') || line.starts_with('.')) {
        return None;
    }
    let (command, arg) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(c, a)| (c, a.trim()));
    Some(match (command, arg) {
        ("\\q" | ".quit" | ".exit", _) => Meta::Quit,
        ("\\?" | "\\h" | ".help", _) => Meta::Help,
        ("\\d" | "\\dt" | ".tables", "") => Meta::Tables,
        ("\\d" | ".schema", name) => Meta::Describe(name.to_string()),
        ("\\format" | ".mode", f) => Meta::Format(match f {
            "table" => Some(OutputFormat::Table),
            "csv" => Some(OutputFormat::Csv),
            "json" => Some(OutputFormat::Json),
            _ => None,
        }),
        (c, _) => Meta::Unknown(c.to_string()),
    })
}

/// The session's tables (the default schema's) and their columns' names.
async fn names(ctx: &SessionContext) -> Vec<String> {
    let mut out = Vec::new();
    for (table, schema) in tables(ctx).await {
        out.push(table);
        out.extend(schema.fields().iter().map(|f| f.name().clone()));
    }
    out.sort();
    out.dedup();
    out
}

async fn tables(ctx: &SessionContext) -> Vec<(String, SchemaRef)> {
    let Some(schema) = ctx.catalog("datafusion").and_then(|c| c.schema("public")) else {
        return Vec::new();
    };
    let mut names = schema.table_names();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        if let Ok(Some(t)) = schema.table(&name).await {
            out.push((name, t.schema()));
        }
    }
    out
}

/// `\d`: one line per table: name, columns, and for an archive its location, format
/// and partition columns.
pub async fn describe_tables(ctx: &SessionContext) -> Result<String> {
    let schema = ctx
        .catalog("datafusion")
        .and_then(|c| c.schema("public"))
        .context("no default schema")?;
    let mut names = schema.table_names();
    names.sort();
    if names.is_empty() {
        return Ok("no tables (register one with --table NAME=PATH)\n".to_string());
    }
    let mut rows = vec![[
        "table".to_string(),
        "columns".to_string(),
        "location".to_string(),
        "format".to_string(),
        "partitioned by".to_string(),
    ]];
    for name in names {
        let Some(t) = schema.table(&name).await? else { continue };
        let columns = t.schema().fields().len().to_string();
        let row = match t.downcast_ref::<ArchiveTable>() {
            Some(a) => [
                name,
                columns,
                a.location().display.clone(),
                a.format().to_string(),
                a.partition_columns()
                    .iter()
                    .map(|(n, ty)| format!("{n} {}", sql_type(ty)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ],
            None => [name, columns, String::new(), String::new(), String::new()],
        };
        rows.push(row);
    }
    Ok(aligned(&rows))
}

/// `\d NAME`: the columns of a table, their types, and which are partition columns.
pub async fn describe_table(ctx: &SessionContext, name: &str) -> Result<String> {
    let provider = ctx
        .table_provider(name)
        .await
        .with_context(|| format!("no table {name}"))?;
    let partitions: Vec<String> = provider
        .downcast_ref::<ArchiveTable>()
        .map(|a| a.partition_columns().iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    let mut rows = vec![[
        "column".to_string(),
        "type".to_string(),
        "null".to_string(),
        String::new(),
    ]];
    for f in provider.schema().fields() {
        rows.push([
            f.name().clone(),
            sql_type(f.data_type()),
            if f.is_nullable() { "yes" } else { "no" }.to_string(),
            if partitions.contains(f.name()) {
                "partition".to_string()
            } else {
                String::new()
            },
        ]);
    }
    Ok(aligned(&rows))
}

/// A type as SQL names it where the name is common, else Arrow's name.
fn sql_type(ty: &DataType) -> String {
    match ty {
        DataType::Int64 => "BIGINT".into(),
        DataType::Int32 => "INT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "STRING".into(),
        DataType::Date32 => "DATE".into(),
        other => other.to_string(),
    }
}

fn aligned<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row.iter().zip(widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(meta_command("\\q"), Some(Meta::Quit));
        assert_eq!(meta_command("exit"), Some(Meta::Quit));
        assert_eq!(meta_command("\\d"), Some(Meta::Tables));
        assert_eq!(meta_command(".tables"), Some(Meta::Tables));
        assert_eq!(meta_command("\\d  trades"), Some(Meta::Describe("trades".into())));
        assert_eq!(
            meta_command("\\format csv"),
            Some(Meta::Format(Some(OutputFormat::Csv)))
        );
        assert_eq!(meta_command("\\x"), Some(Meta::Unknown("\\x".into())));
        assert_eq!(meta_command("SELECT 1"), None);
    }

    #[test]
    fn completion() {
        let names = vec!["trades".to_string(), "price".to_string(), "day".to_string()];
        let words = |w: &str| -> Vec<String> { completions(w, &names).into_iter().map(|p| p.replacement).collect() };
        assert_eq!(words("SEL"), ["SELECT"]);
        assert_eq!(words("sel"), ["select"]);
        assert_eq!(words("tr"), ["trades", "trim", "true", "try_cast"]);
        assert_eq!(words("pr"), ["preceding", "price"]);
        assert_eq!(words("da"), ["date", "date_bin", "date_part", "date_trunc", "day"]);
        assert!(words("").is_empty());
    }

    #[test]
    fn history_under_xdg_data() {
        if let Some(p) = history_path() {
            assert!(p.ends_with("newsflow/query_history"));
        }
    }
}
