//! FROM items: named tables and views, subqueries, and the table functions newsflow runs.

use newsflow_common::{Error, Result, Span};
use newsflow_expr::ScalarExpr;
use sqlparser::ast::{self, Spanned};

use super::llm::plan_ml_predict;
use super::plan_query;
use crate::catalog::Catalog;
use crate::plan::Plan;

pub(super) fn plan_relation(catalog: &Catalog, rel: &ast::TableFactor) -> Result<Plan> {
    match rel {
        ast::TableFactor::Table {
            name,
            alias,
            args,
            with_hints,
            version,
            with_ordinality,
            partitions,
            json_path,
            sample,
            index_hints,
        } => {
            let s = name.span().start;
            let span = Span::new(s.line, s.column);
            let unsupported = if let Some(v) = version {
                Some(format!("`{v}` (a temporal join or time travel) is not supported yet"))
            } else if !with_hints.is_empty() || !index_hints.is_empty() {
                Some("table hints are not supported".to_string())
            } else if *with_ordinality {
                Some("WITH ORDINALITY is not supported".to_string())
            } else if !partitions.is_empty() {
                Some("PARTITION (…) on a table in FROM is not supported".to_string())
            } else if json_path.is_some() {
                Some("a JSON path on a table in FROM is not supported".to_string())
            } else if sample.is_some() {
                Some("TABLESAMPLE is not supported".to_string())
            } else {
                None
            };
            if let Some(m) = unsupported {
                return Err(Error::plan(format!("{name}: {m}"), span));
            }
            refuse_alias_columns(alias.as_ref())?;
            let tname = name.0.last().map(|p| p.to_string()).unwrap_or_default();
            let tname = tname.trim_matches('`').to_string();
            let alias = alias.as_ref().map(|a| a.name.value.clone());
            if let Some(args) = args {
                if tname.eq_ignore_ascii_case("ML_PREDICT") {
                    return plan_ml_predict(catalog, args, alias, span);
                }
                return Err(Error::plan(
                    format!(
                        "table function {tname} is not supported; newsflow runs ML_PREDICT(TABLE t, MODEL m, \
                         DESCRIPTOR(col)) in FROM (for windows use GROUP BY TUMBLE/HOP/SESSION)"
                    ),
                    span,
                ));
            }
            let qualifier = alias.unwrap_or_else(|| tname.clone());
            plan_named_table(catalog, &tname, &qualifier, span)
        }
        ast::TableFactor::Derived {
            subquery,
            alias,
            lateral,
        } => {
            if *lateral {
                let s = subquery.span().start;
                return Err(Error::plan(
                    "LATERAL subqueries are not supported",
                    Span::new(s.line, s.column),
                ));
            }
            refuse_alias_columns(alias.as_ref())?;
            let planned = plan_query(catalog, subquery)?;
            let q = alias.as_ref().map(|a| a.name.value.clone());
            Ok(match q {
                Some(q) => requalify(planned.plan, &q),
                None => planned.plan,
            })
        }
        other => {
            if let Some((f, alias)) = super::impact::impact_call(other) {
                return super::impact::plan_news_impact(catalog, f, alias);
            }
            let s = other.span().start;
            Err(Error::plan(
                format!("unsupported FROM item: {other}"),
                Span::new(s.line, s.column),
            ))
        }
    }
}

/// A table or view by name, its columns qualified by `qualifier`.
pub(super) fn plan_named_table(catalog: &Catalog, tname: &str, qualifier: &str, span: Span) -> Result<Plan> {
    if let Some(view) = catalog.views.get(tname) {
        let planned = plan_query(catalog, view)?;
        return Ok(requalify(planned.plan, qualifier));
    }
    let table = catalog.table(tname, span)?;
    let schema = table.schema().with_qualifier(qualifier);
    let used = vec![true; schema.len()];
    Ok(Plan::Scan {
        table: tname.to_string(),
        schema,
        used,
    })
}

/// Give a sub-plan's output columns a new qualifier (a view or subquery alias).
pub(super) fn requalify(plan: Plan, q: &str) -> Plan {
    let schema = plan.schema().clone().with_qualifier(q);
    let exprs = (0..schema.len()).map(ScalarExpr::Column).collect();
    Plan::Calc {
        input: Box::new(plan),
        filter: None,
        exprs,
        schema,
    }
}

/// `AS t (a, b)` renames a FROM item's columns; newsflow does not, so it refuses the list
/// rather than ignore it.
pub(super) fn refuse_alias_columns(alias: Option<&ast::TableAlias>) -> Result<()> {
    match alias {
        Some(a) if !a.columns.is_empty() => Err(Error::plan(
            format!("column aliases in `AS {a}` are not supported; rename the columns in the SELECT list"),
            Span::new(a.name.span.start.line, a.name.span.start.column),
        )),
        _ => Ok(()),
    }
}
