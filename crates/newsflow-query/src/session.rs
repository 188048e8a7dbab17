//! The DataFusion session queries run in, running SQL, and SQL errors shown with the
//! position they point at.

use anyhow::Result;
use datafusion::arrow::array::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::prelude::{SessionConfig, SessionContext};

/// A session for querying archives: `information_schema` on (`SHOW TABLES`,
/// `SHOW COLUMNS FROM t`), and SQL spans collected so that errors can point into the
/// statement.
pub fn new_context() -> SessionContext {
    let mut config = SessionConfig::new().with_information_schema(true);
    config.options_mut().sql_parser.collect_spans = true;
    SessionContext::new_with_config(config)
}

/// Run one SQL statement and collect its result.
pub async fn query(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
    let df = ctx.sql(sql).await.map_err(|e| sql_error(sql, e))?;
    df.collect().await.map_err(|e| sql_error(sql, e))
}

/// A DataFusion error as an error whose message ends with the statement's line and a
/// caret under the position the error names (a parser error's `Line: 1, Column: 8`,
/// or the span of a planning error's diagnostic), when it names one.
pub fn sql_error(sql: &str, e: DataFusionError) -> anyhow::Error {
    let message = e.to_string();
    match position(&e, &message) {
        Some((line, column)) => match point_at(sql, line, column) {
            Some(pointer) => anyhow::anyhow!("{message}\n{pointer}"),
            None => anyhow::anyhow!(message),
        },
        None => anyhow::anyhow!(message),
    }
}

/// (line, column), both from 1.
fn position(e: &DataFusionError, message: &str) -> Option<(usize, usize)> {
    if let Some(span) = e.diagnostic().and_then(|d| d.span) {
        if span.start.line > 0 {
            return Some((span.start.line as usize, span.start.column as usize));
        }
    }
    // sqlparser: "... at Line: 1, Column: 8"
    let at = message.rfind("Line: ")?;
    let rest = &message[at + "Line: ".len()..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, column.parse().ok()?))
}

fn point_at(sql: &str, line: usize, column: usize) -> Option<String> {
    let text = sql.lines().nth(line.checked_sub(1)?)?;
    let pad: String = text
        .chars()
        .take(column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    Some(format!("  {text}\n  {pad}^"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parse_error_points_at_position() {
        let ctx = new_context();
        let err = query(&ctx, "SELECT 1 FORM t").await.unwrap_err().to_string();
        // FORM is taken as an alias of 1; the error is at t.
        assert!(err.contains("Column: 15"), "{err}");
        assert!(err.ends_with("  SELECT 1 FORM t\n                ^"), "{err}");
    }

    #[tokio::test]
    async fn unknown_column_points_at_it() {
        let ctx = new_context();
        let err = query(&ctx, "SELECT 1 AS a,\n  nope + 1").await.unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");
        assert!(err.ends_with("    nope + 1\n    ^"), "{err}");
    }
}
