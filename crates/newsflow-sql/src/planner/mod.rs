//! Query → [`Plan`]. Recognises interval joins and group windows; refuses what cannot run
//! on unbounded streams with an error that says why and where.
//!
//! One concept per file:
//!
//! * this module: the entry points ([`plan_query`], [`plan_insert`]) and the shape of a
//!   query (set operations, one SELECT: FROM, WHERE, GROUP BY, the SELECT list);
//! * [`relation`]: FROM items — named tables and views, subqueries, table functions;
//! * [`llm`]: model and LLM planning — `ML_PREDICT` and `analyze_news(…)` bound to a provider;
//! * [`join`]: interval joins — conjuncts, equality keys, time bounds;
//! * [`projection`]: the SELECT list as a Calc;
//! * [`window`]: group windows and the aggregate calls they compute.

mod impact;
mod join;
mod llm;
mod projection;
mod relation;
mod window;
mod window_tvf;

use std::ops::ControlFlow;

use newsflow_common::{DataType, Error, Result, Schema, Span, Value};
use newsflow_expr::compile::span_of;
use newsflow_expr::{compile, AggKind, ScalarExpr, Scope};
use sqlparser::ast::{self, Spanned, Visit, Visitor};

use crate::catalog::Catalog;
use crate::plan::Plan;
pub use impact::impact_columns;
use join::{and_all, conjuncts, plan_comma_join, plan_join};
use llm::{analyze_binding, analyze_calls, analyze_news_span, project_analyzed};
use projection::project;
use relation::plan_relation;
use window::{contains_aggregate, plan_window_aggregate, TvfWindow};
use window_tvf::plan_window_tvf;

/// A planned query: its plan plus output column names.
#[derive(Debug, Clone)]
pub struct PlannedQuery {
    pub plan: Plan,
}

impl PlannedQuery {
    pub fn schema(&self) -> &Schema {
        self.plan.schema()
    }
}

fn query_span(q: &ast::Query) -> Span {
    let s = q.span().start;
    Span::new(s.line, s.column)
}

/// Plan a SELECT query.
pub fn plan_query(catalog: &Catalog, q: &ast::Query) -> Result<PlannedQuery> {
    crate::models::register_functions();
    let span = query_span(q);
    if q.with.is_some() {
        return Err(Error::plan(
            "WITH (common table expressions) is not supported yet; use CREATE VIEW",
            span,
        ));
    }
    if q.order_by.is_some() {
        return Err(Error::plan(
            "ORDER BY on an unbounded stream is not supported (Flink allows it only on a time attribute ascending)",
            span,
        ));
    }
    if q.limit_clause.is_some() {
        return Err(Error::plan("LIMIT is not supported on streaming queries yet", span));
    }
    let unsupported = if q.fetch.is_some() {
        Some("FETCH")
    } else if !q.locks.is_empty() {
        Some("FOR UPDATE / FOR SHARE")
    } else if q.for_clause.is_some() {
        Some("FOR XML / FOR JSON")
    } else if q.settings.is_some() {
        Some("SETTINGS")
    } else if q.format_clause.is_some() {
        Some("FORMAT")
    } else if !q.pipe_operators.is_empty() {
        Some("pipe operators (|>)")
    } else {
        None
    };
    if let Some(what) = unsupported {
        return Err(Error::plan(format!("{what} is not supported in a query"), span));
    }
    plan_set_expr(catalog, &q.body, span).map(|plan| PlannedQuery { plan })
}

/// A query body: one SELECT, a parenthesised query, or `UNION ALL` of such.
fn plan_set_expr(catalog: &Catalog, body: &ast::SetExpr, span: Span) -> Result<Plan> {
    match body {
        ast::SetExpr::Select(s) => plan_select(catalog, s, span_of_select(s).unwrap_or(span)),
        ast::SetExpr::Query(inner) => plan_query(catalog, inner).map(|p| p.plan),
        ast::SetExpr::SetOperation {
            op: ast::SetOperator::Union,
            set_quantifier: ast::SetQuantifier::All,
            ..
        } => plan_union_all(catalog, body, span),
        ast::SetExpr::SetOperation { op, set_quantifier, .. } => {
            let q = match set_quantifier {
                ast::SetQuantifier::None => String::new(),
                other => format!(" {other}"),
            };
            Err(Error::plan(
                format!("{op}{q} is not supported on streams yet (it needs updating results); newsflow runs UNION ALL"),
                span,
            ))
        }
        other => Err(Error::plan(format!("unsupported query form: {other}"), span)),
    }
}

fn span_of_select(s: &ast::Select) -> Option<Span> {
    let p = s.select_token.0.span.start;
    (p.line > 0).then(|| Span::new(p.line, p.column))
}

/// The type of a UNION ALL column whose branches have types `a` and `b`, when their values
/// need no conversion (strings of any length, timestamps of any precision, NULL).
fn union_type(a: &DataType, b: &DataType) -> Option<DataType> {
    match (a, b) {
        _ if a == b => Some(a.clone()),
        (DataType::Null, x) | (x, DataType::Null) => Some(x.clone()),
        (DataType::Varchar(_), DataType::Varchar(_)) => Some(DataType::STRING),
        (DataType::Timestamp(p), DataType::Timestamp(q)) => Some(DataType::Timestamp((*p).max(*q))),
        _ => None,
    }
}

/// `a UNION ALL b UNION ALL …`: every branch must have the same column count and types;
/// the names are the first branch's, and a column is a time attribute only if it is one
/// in every branch.
fn plan_union_all(catalog: &Catalog, body: &ast::SetExpr, span: Span) -> Result<Plan> {
    fn branches<'a>(e: &'a ast::SetExpr, out: &mut Vec<&'a ast::SetExpr>) {
        match e {
            ast::SetExpr::SetOperation {
                op: ast::SetOperator::Union,
                set_quantifier: ast::SetQuantifier::All,
                left,
                right,
            } => {
                branches(left, out);
                branches(right, out);
            }
            other => out.push(other),
        }
    }
    let mut parts = Vec::new();
    branches(body, &mut parts);
    let mut inputs: Vec<Plan> = Vec::new();
    for part in parts {
        let part_span = match part {
            ast::SetExpr::Select(s) => span_of_select(s).unwrap_or(span),
            _ => span,
        };
        let plan = plan_set_expr(catalog, part, part_span)?;
        if let Some(first) = inputs.first() {
            let (a, b) = (first.schema(), plan.schema());
            if a.len() != b.len() {
                return Err(Error::plan(
                    format!(
                        "UNION ALL: this branch has {} columns, the first has {}",
                        b.len(),
                        a.len()
                    ),
                    part_span,
                ));
            }
            for (i, (x, y)) in a.fields.iter().zip(&b.fields).enumerate() {
                if union_type(&x.data_type, &y.data_type).is_none() {
                    return Err(Error::plan(
                        format!(
                            "UNION ALL: column {} is {} in the first branch but {} here; add a CAST",
                            i + 1,
                            x.data_type,
                            y.data_type
                        ),
                        part_span,
                    ));
                }
            }
        }
        inputs.push(plan);
    }
    let mut fields = inputs[0].schema().fields.clone();
    for (i, f) in fields.iter_mut().enumerate() {
        f.rowtime = inputs.iter().all(|p| p.schema().fields[i].rowtime);
        for p in &inputs[1..] {
            if let Some(t) = union_type(&f.data_type, &p.schema().fields[i].data_type) {
                f.data_type = t;
            }
        }
    }
    Ok(Plan::Union {
        inputs,
        schema: Schema::new(fields),
    })
}

/// Plan `INSERT INTO sink SELECT …`: the query's columns must match the sink's physical
/// columns in number, and each type must equal or implicitly cast to the sink's type.
pub fn plan_insert(
    catalog: &Catalog,
    sink: &str,
    columns: &[String],
    q: &ast::Query,
    span: Span,
) -> Result<PlannedQuery> {
    let table = catalog.table(sink, span)?;
    let planned = plan_query(catalog, q)?;
    let sink_schema = table.physical_schema();
    let out = planned.schema();
    let target: Vec<usize> = if columns.is_empty() {
        (0..sink_schema.len()).collect()
    } else {
        columns
            .iter()
            .map(|c| sink_schema.resolve(None, c, span))
            .collect::<Result<_>>()?
    };
    if out.len() != target.len() {
        return Err(Error::plan(
            format!(
                "INSERT INTO {sink}: the query produces {} columns ({}) but the sink takes {} ({})",
                out.len(),
                out.names().join(", "),
                target.len(),
                target
                    .iter()
                    .map(|i| sink_schema.fields[*i].name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            span,
        ));
    }
    for (qi, si) in target.iter().enumerate() {
        let (qf, sf) = (&out.fields[qi], &sink_schema.fields[*si]);
        if !qf.data_type.implicitly_casts_to(&sf.data_type) {
            return Err(Error::plan(
                format!(
                    "INSERT INTO {sink}: column {} `{}` of the query is {}, but sink column `{}` is {}; add CAST({} AS {})",
                    qi + 1,
                    qf.name,
                    qf.data_type,
                    sf.name,
                    sf.data_type,
                    qf.name,
                    sf.data_type
                ),
                span,
            ));
        }
    }
    if !columns.is_empty() && target.len() != sink_schema.len() {
        return Err(Error::plan(
            format!(
                "INSERT INTO {sink}: partial column lists are not supported; list all {} columns",
                sink_schema.len()
            ),
            span,
        ));
    }
    // Reorder into sink column order when a column list was given.
    if !columns.is_empty() {
        let mut exprs = vec![ScalarExpr::Literal(Value::Null); sink_schema.len()];
        let mut fields = sink_schema.fields.clone();
        for (qi, si) in target.iter().enumerate() {
            exprs[*si] = ScalarExpr::Column(qi);
            fields[*si].data_type = out.fields[qi].data_type.clone();
        }
        let plan = Plan::Calc {
            input: Box::new(planned.plan),
            filter: None,
            exprs,
            schema: Schema::new(fields),
        };
        return Ok(PlannedQuery { plan });
    }
    Ok(planned)
}

fn plan_select(catalog: &Catalog, select: &ast::Select, span: Span) -> Result<Plan> {
    if select.distinct.is_some() {
        return Err(Error::plan("SELECT DISTINCT is not supported on streams yet", span));
    }
    let unsupported = if select.top.is_some() {
        Some("TOP")
    } else if select.exclude.is_some() {
        Some("EXCLUDE")
    } else if select.into.is_some() {
        Some("SELECT INTO")
    } else if !select.lateral_views.is_empty() {
        Some("LATERAL VIEW")
    } else if select.prewhere.is_some() {
        Some("PREWHERE")
    } else if !select.cluster_by.is_empty() || !select.distribute_by.is_empty() || !select.sort_by.is_empty() {
        Some("CLUSTER BY / DISTRIBUTE BY / SORT BY")
    } else if !select.named_window.is_empty() {
        Some("WINDOW (named windows for OVER)")
    } else if select.qualify.is_some() {
        Some("QUALIFY")
    } else if select.connect_by.is_some() {
        Some("CONNECT BY")
    } else if select.value_table_mode.is_some() {
        Some("SELECT AS STRUCT / VALUE")
    } else {
        None
    };
    if let Some(what) = unsupported {
        return Err(Error::plan(format!("{what} is not supported"), span));
    }
    refuse_clauses_on_scalar_calls(select)?;
    // `FROM a, b` is a join of a and b (its keys and time bounds in WHERE).
    let (from, comma) = match select.from.as_slice() {
        [] => return Err(Error::plan("a query needs FROM", span)),
        [from] => (from, None),
        [from, second] if from.joins.is_empty() && second.joins.is_empty() => (from, Some(&second.relation)),
        [_, second, ..] => {
            let s = second.relation.span().start;
            return Err(Error::plan(
                "only one join per SELECT is supported (FROM a, b or a JOIN b); join in a view first",
                Span::new(s.line, s.column),
            ));
        }
    };
    // analyze_news bound to a network provider runs in its own asynchronous operator,
    // which newsflow places under the projection of a plain SELECT.
    let mut calls = Vec::new();
    for item in &select.projection {
        if let ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } = item {
            analyze_calls(e, &mut calls);
        }
    }
    let mut elsewhere = Vec::new();
    if let Some(w) = &select.selection {
        analyze_calls(w, &mut elsewhere);
    }
    if let Some(h) = &select.having {
        analyze_calls(h, &mut elsewhere);
    }
    if let ast::GroupByExpr::Expressions(exprs, _) = &select.group_by {
        for g in exprs {
            analyze_calls(g, &mut elsewhere);
        }
    }
    for join in &from.joins {
        if let ast::JoinOperator::Join(ast::JoinConstraint::On(e))
        | ast::JoinOperator::Inner(ast::JoinConstraint::On(e)) = &join.join_operator
        {
            analyze_calls(e, &mut elsewhere);
        }
    }
    let grouped = !matches!(&select.group_by, ast::GroupByExpr::Expressions(e, _) if e.is_empty())
        || select.projection.iter().any(|item| match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => contains_aggregate(e),
            _ => false,
        });
    if grouped {
        // Point at the SELECT list's call first.
        calls.append(&mut elsewhere);
        elsewhere = std::mem::take(&mut calls);
    }
    if let Some(call) = elsewhere.first() {
        if let Some(config) = analyze_binding(catalog, call)? {
            return Err(Error::plan(
                format!(
                    "analyze_news calls provider '{}' asynchronously, which newsflow runs only in the SELECT list \
                     of a query without GROUP BY; select it in a view first (CREATE VIEW v AS SELECT …, \
                     analyze_news(…) AS summary FROM …) and filter, join or group the view",
                    config.provider
                ),
                analyze_news_span(call),
            ));
        }
    }
    let binding = match calls.first() {
        Some(call) => analyze_binding(catalog, call)?,
        None => None,
    };
    // FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), …)): a window aggregation over t.
    let tvf = plan_window_tvf(catalog, &from.relation)?;
    if let Some(t) = &tvf {
        if comma.is_some() || !from.joins.is_empty() {
            return Err(Error::plan(
                format!(
                    "a join of the window table-valued function {} (a window join) is not supported yet",
                    t.name
                ),
                t.span,
            ));
        }
    }
    let (mut input, tvf) = match tvf {
        Some(t) => (
            t.input,
            Some(TvfWindow {
                kind: t.kind,
                time_col: t.time_col,
                partition: t.partition,
                name: t.name,
            }),
        ),
        None => (plan_relation(catalog, &from.relation)?, None),
    };
    let mut where_conds = Vec::new();
    if let Some(w) = &select.selection {
        conjuncts(w, &mut where_conds);
    }
    match (from.joins.as_slice(), comma) {
        ([], None) => {}
        ([], Some(relation)) => input = plan_comma_join(catalog, input, relation, &mut where_conds)?,
        ([join], None) => input = plan_join(catalog, input, join, &mut where_conds)?,
        _ => {
            return Err(Error::plan(
                "only one join per SELECT is supported; join in a view first",
                span,
            ))
        }
    }
    let schema = input.schema().clone();
    let mut filters = Vec::new();
    for c in &where_conds {
        let (x, t) = compile(c, &Scope::new(&schema))?;
        if !matches!(t, DataType::Boolean | DataType::Null) {
            return Err(Error::plan(
                format!("WHERE condition must be BOOLEAN, got {t}"),
                span_of(c),
            ));
        }
        filters.push(x);
    }
    if !filters.is_empty() {
        // Filter before the aggregate: a Calc that passes all columns through.
        let exprs = (0..schema.len()).map(ScalarExpr::Column).collect();
        input = Plan::Calc {
            input: Box::new(input),
            filter: and_all(filters),
            exprs,
            schema: schema.clone(),
        };
    }
    let group_exprs: Vec<ast::Expr> = match &select.group_by {
        ast::GroupByExpr::Expressions(exprs, mods) if mods.is_empty() => exprs.clone(),
        ast::GroupByExpr::Expressions(..) | ast::GroupByExpr::All(_) => {
            return Err(Error::plan("GROUP BY ALL / ROLLUP / CUBE are not supported", span))
        }
    };
    let has_aggs = select.projection.iter().any(|item| match item {
        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => contains_aggregate(e),
        _ => false,
    });
    if group_exprs.is_empty() && !has_aggs {
        if let Some(t) = &tvf {
            return Err(Error::plan(
                format!(
                    "newsflow runs the window table-valued function {} only as a window aggregation \
                     (GROUP BY window_start, window_end, …); selecting its rows is not supported yet",
                    t.name
                ),
                span,
            ));
        }
        if select.having.is_some() {
            return Err(Error::plan("HAVING needs GROUP BY", span));
        }
        let width = input.schema().len();
        return match binding {
            Some(config) => project_analyzed(input, &select.projection, calls, config),
            None => project(input, &select.projection, None, Some(width)),
        };
    }
    plan_window_aggregate(input, select, &group_exprs, span, tvf)
}

/// `f(…) FILTER (WHERE …)`, `OVER (…)`, `WITHIN GROUP (…)` and `IGNORE NULLS` on a scalar
/// (non-aggregate) function: sqlparser reads them, the expression compiler would not
/// look at them, so they are refused here at the call.
fn refuse_clauses_on_scalar_calls(select: &ast::Select) -> Result<()> {
    let mut exprs: Vec<&ast::Expr> = Vec::new();
    for item in &select.projection {
        if let ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } = item {
            exprs.push(e);
        }
    }
    exprs.extend(select.selection.iter());
    exprs.extend(select.having.iter());
    if let ast::GroupByExpr::Expressions(g, _) = &select.group_by {
        exprs.extend(g.iter());
    }
    for from in &select.from {
        for join in &from.joins {
            if let ast::JoinOperator::Join(ast::JoinConstraint::On(e))
            | ast::JoinOperator::Inner(ast::JoinConstraint::On(e)) = &join.join_operator
            {
                exprs.push(e);
            }
        }
    }
    for e in exprs {
        for call in function_calls(e) {
            if call.is_aggregate() {
                continue;
            }
            let f = &call.func;
            let clause = if f.filter.is_some() {
                "FILTER (WHERE …)"
            } else if f.over.is_some() {
                "OVER (…)"
            } else if !f.within_group.is_empty() {
                "WITHIN GROUP (…)"
            } else if f.null_treatment.is_some() {
                "IGNORE/RESPECT NULLS"
            } else {
                continue;
            };
            let name = f.name.to_string().to_ascii_uppercase();
            if f.over.is_some() && matches!(name.as_str(), "ROW_NUMBER" | "RANK" | "DENSE_RANK") {
                return Err(Error::plan(
                    format!("{name}() OVER (…) (Top-N, window Top-N, deduplication) is not supported yet"),
                    call.span(),
                ));
            }
            return Err(Error::plan(
                format!(
                    "{clause} applies only to aggregate functions, and {} is not one",
                    f.name
                ),
                call.span(),
            ));
        }
    }
    Ok(())
}

/// A function call found in an expression.
pub(super) struct Call {
    pub func: ast::Function,
    /// The call sits in the arguments (or FILTER, OVER …) of an aggregate call.
    pub inside_aggregate: bool,
}

impl Call {
    pub fn is_aggregate(&self) -> bool {
        is_aggregate(&self.func)
    }

    pub fn span(&self) -> Span {
        span_of(&ast::Expr::Function(self.func.clone()))
    }
}

fn is_aggregate(f: &ast::Function) -> bool {
    AggKind::from_name(&f.name.to_string()).is_some()
}

/// Every function call in an expression, outermost first, found with sqlparser's visitor
/// (so every node kind is searched). Calls inside a subquery are left out: a subquery is
/// planned on its own.
pub(super) fn function_calls(e: &ast::Expr) -> Vec<Call> {
    struct Calls {
        out: Vec<Call>,
        aggregate_depth: usize,
        query_depth: usize,
    }
    impl Visitor for Calls {
        type Break = ();
        fn pre_visit_query(&mut self, _: &ast::Query) -> ControlFlow<()> {
            self.query_depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &ast::Query) -> ControlFlow<()> {
            self.query_depth -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &ast::Expr) -> ControlFlow<()> {
            if let (ast::Expr::Function(f), 0) = (e, self.query_depth) {
                self.out.push(Call {
                    func: f.clone(),
                    inside_aggregate: self.aggregate_depth > 0,
                });
                if is_aggregate(f) {
                    self.aggregate_depth += 1;
                }
            }
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, e: &ast::Expr) -> ControlFlow<()> {
            if let (ast::Expr::Function(f), 0) = (e, self.query_depth) {
                if is_aggregate(f) {
                    self.aggregate_depth -= 1;
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut calls = Calls {
        out: Vec::new(),
        aggregate_depth: 0,
        query_depth: 0,
    };
    let _ = e.visit(&mut calls);
    calls.out
}
