//! Window table-valued functions, Flink's current window syntax:
//! `FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size))`, `HOP(…, slide, size)`,
//! `CUMULATE(…, step, size)`, `SESSION(TABLE t [PARTITION BY k], DESCRIPTOR(ts), gap)`, also
//! with named arguments (`DATA =>`, `TIMECOL =>`, `SIZE =>`, `SLIDE =>`, `STEP =>`, `GAP =>`). They add `window_start`, `window_end` and `window_time`
//! (= window_end − 1 ms, a time attribute) to the table's columns. newsflow runs them as a
//! window aggregation (`GROUP BY window_start, window_end[, window_time], keys…`) on the
//! window aggregate operator; anything else over them is refused.

use newsflow_common::{Error, Result, Span};
use newsflow_expr::compile::{function_args, span_of};
use newsflow_expr::{compile, interval_millis, Scope};
use sqlparser::ast::{self, Spanned};

use super::relation::plan_named_table;
use super::window::time_attribute;
use crate::catalog::Catalog;
use crate::plan::{Plan, WindowKind};

/// The window TVF names newsflow knows.
pub(super) const WINDOW_TVFS: &[&str] = &["TUMBLE", "HOP", "CUMULATE", "SESSION"];

/// The columns a window TVF adds.
pub(super) const WINDOW_COLUMNS: &[&str] = &["window_start", "window_end", "window_time"];

/// A planned window TVF: its input table and the window it assigns.
pub(super) struct WindowTvf {
    pub input: Plan,
    pub kind: WindowKind,
    pub time_col: usize,
    /// SESSION's PARTITION BY columns (sessions are kept per their values).
    pub partition: Vec<usize>,
    /// `TUMBLE`, `HOP`, … (for messages).
    pub name: String,
    pub span: Span,
}

fn span_at(s: sqlparser::tokenizer::Span) -> Span {
    Span::new(s.start.line, s.start.column)
}

/// The window TVF call of a FROM item, if it is one: `TABLE(TUMBLE(…))`.
pub(super) fn window_tvf_call(rel: &ast::TableFactor) -> Option<(&ast::Function, Option<&ast::TableAlias>)> {
    match rel {
        ast::TableFactor::TableFunction {
            expr: ast::Expr::Function(f),
            alias,
        } if WINDOW_TVFS.iter().any(|n| f.name.to_string().eq_ignore_ascii_case(n)) => Some((f, alias.as_ref())),
        _ => None,
    }
}

/// Plan `TABLE(TUMBLE|HOP|CUMULATE(…))`; `None` when `rel` is not a window TVF.
pub(super) fn plan_window_tvf(catalog: &Catalog, rel: &ast::TableFactor) -> Result<Option<WindowTvf>> {
    let Some((f, alias)) = window_tvf_call(rel) else {
        return Ok(None);
    };
    let name = f.name.to_string().to_ascii_uppercase();
    let span = span_at(f.span());
    let (usage, named): (&str, &[&str]) = match name.as_str() {
        "TUMBLE" => (
            "TUMBLE(TABLE t, DESCRIPTOR(ts), size)",
            &["DATA", "TIMECOL", "SIZE", "OFFSET"],
        ),
        "HOP" => (
            "HOP(TABLE t, DESCRIPTOR(ts), slide, size)",
            &["DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"],
        ),
        "CUMULATE" => (
            "CUMULATE(TABLE t, DESCRIPTOR(ts), step, size)",
            &["DATA", "TIMECOL", "STEP", "SIZE", "OFFSET"],
        ),
        _ => (
            "SESSION(TABLE t [PARTITION BY k], DESCRIPTOR(ts), gap)",
            &["DATA", "TIMECOL", "GAP"],
        ),
    };
    let list = match &f.args {
        ast::FunctionArguments::List(l) => l,
        _ => return Err(Error::plan(format!("{name}: expected arguments: {usage}"), span)),
    };
    let mut slots: Vec<Option<&ast::Expr>> = vec![None; named.len()];
    // `TABLE t PARTITION BY k` arrives as `t, PARTITION_BY(k)` (see the parser).
    let mut partition: Option<&ast::Function> = None;
    let mut args: Vec<&ast::FunctionArg> = Vec::new();
    for a in &list.args {
        match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Function(p)))
                if p.name.to_string() == crate::parser::PARTITION_BY =>
            {
                partition = Some(p)
            }
            other => args.push(other),
        }
    }
    for (i, a) in args.into_iter().enumerate() {
        let (slot, e) = match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => (i, e),
            ast::FunctionArg::Named {
                name: n,
                arg: ast::FunctionArgExpr::Expr(e),
                ..
            } => {
                let upper = n.value.to_ascii_uppercase();
                let Some(slot) = named.iter().position(|x| *x == upper) else {
                    return Err(Error::plan(
                        format!("{name} has no argument {upper}; its arguments are {}", named.join(", ")),
                        span_at(n.span),
                    ));
                };
                (slot, e)
            }
            other => {
                return Err(Error::plan(
                    format!("{name}: unsupported argument {other}; {usage}"),
                    span,
                ))
            }
        };
        match slots.get_mut(slot) {
            Some(s @ None) => *s = Some(e),
            Some(Some(_)) => {
                return Err(Error::plan(
                    format!("{name}: argument {} is given twice", named[slot]),
                    span_of(e),
                ))
            }
            None => return Err(Error::plan(format!("{name}: too many arguments; {usage}"), span_of(e))),
        }
    }
    let required = named.iter().position(|n| *n == "OFFSET").unwrap_or(named.len());
    if let Some(o) = slots.get(required).copied().flatten() {
        return Err(Error::plan(
            format!("{name}: the OFFSET argument is not supported yet"),
            span_of(o),
        ));
    }
    let missing = slots[..required].iter().position(Option::is_none);
    if let Some(m) = missing {
        return Err(Error::plan(
            format!("{name}: missing argument {}; {usage}", named[m]),
            span,
        ));
    }
    let arg = |i: usize| slots[i].ok_or_else(|| Error::plan(format!("{name}: {usage}"), span));
    // DATA: the table (the parser has dropped the TABLE keyword).
    let data = arg(0)?;
    let (tname, tspan) = match data {
        ast::Expr::Identifier(i) => (i.value.clone(), span_at(i.span)),
        ast::Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(i) => (i.value.clone(), span_at(i.span)),
            None => {
                return Err(Error::plan(
                    format!("{name}: expected TABLE name; {usage}"),
                    span_of(data),
                ))
            }
        },
        other => {
            return Err(Error::plan(
                format!("{name}: expected TABLE name, got {other}; {usage}"),
                span_of(other),
            ))
        }
    };
    super::relation::refuse_alias_columns(alias)?;
    let qualifier = alias.map(|a| a.name.value.clone()).unwrap_or_else(|| tname.clone());
    let input = plan_named_table(catalog, &tname, &qualifier, tspan)?;
    // TIMECOL: DESCRIPTOR(a time attribute of the table).
    let descriptor = arg(1)?;
    let column = match descriptor {
        ast::Expr::Function(d) if d.name.to_string().eq_ignore_ascii_case("DESCRIPTOR") => {
            match function_args(d)?[..] {
                [c] => c,
                _ => {
                    return Err(Error::plan(
                        format!("{name}: DESCRIPTOR names exactly one time column"),
                        span_of(descriptor),
                    ))
                }
            }
        }
        other => {
            return Err(Error::plan(
                format!("{name}: expected DESCRIPTOR(time column), got {other}; {usage}"),
                span_of(other),
            ))
        }
    };
    let schema = input.schema().clone();
    let time_col = time_attribute(&name, column, &schema)?;
    let iv = |i: usize| -> Result<i64> {
        let e = arg(i)?;
        match interval_millis(e) {
            Some(v) if v > 0 => Ok(v),
            Some(_) => Err(Error::plan(
                format!("{name}: {} must be a positive interval", named[i]),
                span_of(e),
            )),
            None => Err(Error::plan(
                format!("{name}: expected an INTERVAL for {}, got {e}", named[i]),
                span_of(e),
            )),
        }
    };
    // PARTITION BY (SESSION only, as in Flink): the columns sessions are kept per.
    let mut partition_cols = Vec::new();
    if let Some(p) = partition {
        let pspan = span_at(p.span());
        if name != "SESSION" {
            return Err(Error::plan(
                format!("{name}: PARTITION BY is only for the SESSION window table-valued function"),
                pspan,
            ));
        }
        let mut cols: Vec<&ast::Expr> = Vec::new();
        for e in function_args(p)? {
            match e {
                ast::Expr::Nested(inner) => cols.push(inner),
                ast::Expr::Tuple(items) => cols.extend(items.iter()),
                other => cols.push(other),
            }
        }
        for c in cols {
            let (x, _) = compile(c, &Scope::new(&schema))?;
            let Some(i) = x.as_column() else {
                return Err(Error::plan(
                    format!("{name}: PARTITION BY takes column names, not {c}"),
                    span_of(c),
                ));
            };
            partition_cols.push(i);
        }
    }
    let kind = match name.as_str() {
        "TUMBLE" => WindowKind::Tumble { size: iv(2)? },
        "SESSION" => WindowKind::Session { gap: iv(2)? },
        "HOP" => {
            let (slide, size) = (iv(2)?, iv(3)?);
            if size % slide != 0 {
                return Err(Error::plan("HOP: the size must be a whole multiple of the slide", span));
            }
            WindowKind::Hop { slide, size }
        }
        _ => {
            let (step, size) = (iv(2)?, iv(3)?);
            if size % step != 0 {
                return Err(Error::plan(
                    "CUMULATE: the max size must be a whole multiple of the step",
                    span,
                ));
            }
            WindowKind::Cumulate { step, size }
        }
    };
    Ok(Some(WindowTvf {
        input,
        kind,
        time_col,
        partition: partition_cols,
        name,
        span,
    }))
}

/// `window_start`, `window_end` or `window_time` (as written, maybe qualified): its index
/// in [`WINDOW_COLUMNS`].
pub(super) fn window_column(e: &ast::Expr) -> Option<usize> {
    let name = match e {
        ast::Expr::Identifier(i) => &i.value,
        ast::Expr::CompoundIdentifier(parts) if parts.len() == 2 => &parts[1].value,
        _ => return None,
    };
    WINDOW_COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(name))
}
