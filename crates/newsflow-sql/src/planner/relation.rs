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
        ast::TableFactor::Table { name, alias, args, .. } => {
            let s = name.span().start;
            let span = Span::new(s.line, s.column);
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
        ast::TableFactor::Derived { subquery, alias, .. } => {
            let planned = plan_query(catalog, subquery)?;
            let q = alias.as_ref().map(|a| a.name.value.clone());
            Ok(match q {
                Some(q) => requalify(planned.plan, &q),
                None => planned.plan,
            })
        }
        other => {
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
