//! `NEWS_IMPACT`: what each news item did to its stock, as a table-valued function.
//!
//! ```sql
//! SELECT * FROM TABLE(NEWS_IMPACT(
//!     NEWS => TABLE news_labels,               -- symbol, a time attribute, label
//!     TRADES => TABLE stock_transaction_source, -- symbol, price, volume, a time attribute
//!     BENCHMARK => 'equal-weighted',           -- or a symbol of the trade stream ('KOSPI')
//!     BETA_WINDOW => INTERVAL '60' MINUTE,     -- the market model's estimation window
//!     NEUTRAL_BAND => 0.005))                  -- |abnormal 10-min return| below it: neutral
//! ```
//!
//! Arguments may also be given in that order without names; only NEWS and TRADES are
//! required. The inputs' columns are found by name (`symbol`, `label`, `price`, `volume`)
//! and by their time attribute; a view renames them where a table differs. The output is
//! the news row followed by [`impact_columns`]; the news time stays a time attribute.

use newsflow_common::{DataType, Error, Field, Result, Schema, Span};
use newsflow_expr::compile::span_of;
use newsflow_expr::interval_millis;
use sqlparser::ast::{self, Spanned};

use super::relation::{plan_named_table, refuse_alias_columns};
use crate::catalog::Catalog;
use crate::plan::{Benchmark, ImpactColumns, ImpactConfig, Plan};

pub(super) const NAME: &str = "NEWS_IMPACT";
const USAGE: &str = "NEWS_IMPACT(NEWS => TABLE news, TRADES => TABLE trades [, BENCHMARK => 'equal-weighted' | \
                     'SYMBOL'] [, BETA_WINDOW => INTERVAL '60' MINUTE] [, NEUTRAL_BAND => 0.005])";
const ARGS: [&str; 5] = ["NEWS", "TRADES", "BENCHMARK", "BETA_WINDOW", "NEUTRAL_BAND"];

/// The columns `NEWS_IMPACT` appends to each news row, in order.
pub fn impact_columns() -> Vec<Field> {
    let d = |n: &str| Field::new(n, DataType::Double);
    vec![
        d("ref_price"),
        d("ret_1m"),
        d("ret_5m"),
        d("ret_10m"),
        d("max_favourable"),
        d("max_adverse"),
        d("peak_seconds"),
        d("benchmark_ret_10m"),
        d("beta"),
        d("abnormal_ret_1m"),
        d("abnormal_ret_5m"),
        d("abnormal_ret_10m"),
        d("volume_before"),
        d("volume_after"),
        d("volume_ratio"),
        d("volatility_before"),
        d("volatility_after"),
        Field::new("curve", DataType::Array(Box::new(DataType::Double))),
        Field::new("move", DataType::STRING),
        Field::new("agrees", DataType::Boolean),
    ]
}

fn span_at(s: sqlparser::tokenizer::Span) -> Span {
    Span::new(s.start.line, s.start.column)
}

/// The `NEWS_IMPACT` call of a FROM item, if it is one.
pub(super) fn impact_call(rel: &ast::TableFactor) -> Option<(&ast::Function, Option<&ast::TableAlias>)> {
    match rel {
        ast::TableFactor::TableFunction {
            expr: ast::Expr::Function(f),
            alias,
        } if f.name.to_string().eq_ignore_ascii_case(NAME) => Some((f, alias.as_ref())),
        _ => None,
    }
}

/// Plan `TABLE(NEWS_IMPACT(…))`.
pub(super) fn plan_news_impact(catalog: &Catalog, f: &ast::Function, alias: Option<&ast::TableAlias>) -> Result<Plan> {
    let span = span_at(f.span());
    refuse_alias_columns(alias)?;
    let list = match &f.args {
        ast::FunctionArguments::List(l) => l,
        _ => return Err(Error::plan(format!("expected arguments: {USAGE}"), span)),
    };
    let mut slots: [Option<&ast::Expr>; 5] = [None; 5];
    for (i, a) in list.args.iter().enumerate() {
        let (slot, e) = match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => (i, e),
            ast::FunctionArg::Named {
                name,
                arg: ast::FunctionArgExpr::Expr(e),
                ..
            } => {
                let upper = name.value.to_ascii_uppercase();
                let Some(slot) = ARGS.iter().position(|x| *x == upper) else {
                    return Err(Error::plan(
                        format!("{NAME} has no argument {upper}; its arguments are {}", ARGS.join(", ")),
                        span_at(name.span),
                    ));
                };
                (slot, e)
            }
            other => return Err(Error::plan(format!("unsupported argument {other}; {USAGE}"), span)),
        };
        match slots.get_mut(slot) {
            Some(s @ None) => *s = Some(e),
            Some(Some(_)) => {
                return Err(Error::plan(
                    format!("{NAME}: argument {} is given twice", ARGS[slot]),
                    span_of(e),
                ))
            }
            None => return Err(Error::plan(format!("{NAME}: too many arguments; {USAGE}"), span_of(e))),
        }
    }
    let table = |i: usize| -> Result<Plan> {
        let e = slots[i].ok_or_else(|| Error::plan(format!("{NAME}: missing argument {}; {USAGE}", ARGS[i]), span))?;
        let (name, tspan) = match e {
            ast::Expr::Identifier(id) => (id.value.clone(), span_at(id.span)),
            ast::Expr::CompoundIdentifier(parts) if !parts.is_empty() => {
                let id = &parts[parts.len() - 1];
                (id.value.clone(), span_at(id.span))
            }
            other => {
                return Err(Error::plan(
                    format!("{NAME}: {} must be TABLE name (a table or view), got {other}", ARGS[i]),
                    span_of(other),
                ))
            }
        };
        plan_named_table(catalog, &name, &name, tspan)
    };
    let news = table(0)?;
    let trades = table(1)?;
    let mut config = ImpactConfig::default();
    if let Some(e) = slots[2] {
        config.benchmark = match e {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) if s.eq_ignore_ascii_case("equal-weighted") => {
                    Benchmark::EqualWeighted
                }
                ast::Value::SingleQuotedString(s) if !s.trim().is_empty() => Benchmark::Symbol(s.clone()),
                _ => return Err(bad_benchmark(e)),
            },
            _ => return Err(bad_benchmark(e)),
        };
    }
    if let Some(e) = slots[3] {
        config.beta_window_ms = match interval_millis(e) {
            Some(ms) if ms >= 2 * 60_000 && ms % 60_000 == 0 && ms <= 24 * 3_600_000 => ms,
            _ => {
                return Err(Error::plan(
                    format!("{NAME}: BETA_WINDOW must be a whole number of minutes between 2 and 1440, got {e}"),
                    span_of(e),
                ))
            }
        };
    }
    if let Some(e) = slots[4] {
        let v = match e {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::Number(n, _) => n.parse::<f64>().ok(),
                _ => None,
            },
            _ => None,
        };
        config.neutral_band = match v {
            Some(b) if (0.0..1.0).contains(&b) => b,
            _ => {
                return Err(Error::plan(
                    format!("{NAME}: NEUTRAL_BAND must be a number in [0, 1) (a fraction: 0.005 = 0.5 %), got {e}"),
                    span_of(e),
                ))
            }
        };
    }
    let ns = news.schema();
    let ts = trades.schema();
    let columns = ImpactColumns {
        news_symbol: column(ns, "NEWS", "symbol", &[Kind::Text], span)?,
        news_time: rowtime(ns, "NEWS", span)?,
        news_label: column(ns, "NEWS", "label", &[Kind::Text], span)?,
        trade_symbol: column(ts, "TRADES", "symbol", &[Kind::Text], span)?,
        trade_time: rowtime(ts, "TRADES", span)?,
        trade_price: column(ts, "TRADES", "price", &[Kind::Number], span)?,
        trade_volume: column(ts, "TRADES", "volume", &[Kind::Number], span)?,
    };
    let mut fields = ns.fields.clone();
    fields.extend(impact_columns());
    let qualifier = alias.map(|a| a.name.value.clone());
    let schema = Schema { fields };
    let schema = match qualifier {
        Some(q) => schema.with_qualifier(&q),
        None => schema,
    };
    Ok(Plan::NewsImpact {
        news: Box::new(news),
        trades: Box::new(trades),
        columns,
        config,
        schema,
    })
}

fn bad_benchmark(e: &ast::Expr) -> Error {
    Error::plan(
        format!("{NAME}: BENCHMARK must be 'equal-weighted' or a symbol of the trade stream in quotes, got {e}"),
        span_of(e),
    )
}

#[derive(PartialEq)]
enum Kind {
    Text,
    Number,
}

fn kind_of(t: &DataType) -> Option<Kind> {
    match t {
        DataType::Varchar(_) => Some(Kind::Text),
        DataType::Int | DataType::BigInt | DataType::Float | DataType::Double | DataType::Decimal(..) => {
            Some(Kind::Number)
        }
        _ => None,
    }
}

fn column(schema: &Schema, input: &str, name: &str, kinds: &[Kind], span: Span) -> Result<usize> {
    let i = schema
        .fields
        .iter()
        .position(|f| f.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            Error::plan(
                format!(
                    "{NAME}: the {input} table has no column `{name}` (its columns: {}); rename one in a view, \
                     e.g. CREATE VIEW v AS SELECT …, x AS {name} FROM t",
                    schema.names().join(", ")
                ),
                span,
            )
        })?;
    let t = &schema.fields[i].data_type;
    if !kind_of(t).is_some_and(|k| kinds.contains(&k)) {
        let want = if kinds.contains(&Kind::Text) {
            "STRING"
        } else {
            "numeric"
        };
        return Err(Error::plan(
            format!("{NAME}: column `{name}` of the {input} table must be {want}, it is {t}"),
            span,
        ));
    }
    Ok(i)
}

fn rowtime(schema: &Schema, input: &str, span: Span) -> Result<usize> {
    let times: Vec<usize> = (0..schema.len()).filter(|i| schema.fields[*i].rowtime).collect();
    match times[..] {
        [t] => Ok(t),
        [] => Err(Error::plan(
            format!("{NAME}: the {input} table has no time attribute (a column with a WATERMARK)"),
            span,
        )),
        _ => Err(Error::plan(
            format!(
                "{NAME}: the {input} table has several time attributes ({}); select one in a view",
                times
                    .iter()
                    .map(|i| schema.fields[*i].name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            span,
        )),
    }
}
