//! Group windows (`TUMBLE`/`HOP`/`SESSION` in GROUP BY, with their `_START`/`_END`/
//! `_ROWTIME` properties) and the aggregate calls they compute.

use newsflow_common::{DataType, Error, Field, Result, Schema, Span, Value};
use newsflow_expr::compile::{function_args, span_of};
use newsflow_expr::{compile, interval_millis, AggKind, AggregateCall, BinOp, ScalarExpr, Scope};
use sqlparser::ast;

use super::function_calls;
use super::projection::project;
use super::window_tvf::window_column;
use crate::plan::{Plan, WindowKind, WindowSpec};

/// The index of `column`, which a window (`what` in errors) must be able to use as its
/// time: a rowtime column (one with a WATERMARK).
pub(super) fn time_attribute(what: &str, column: &ast::Expr, schema: &Schema) -> Result<usize> {
    let (tc, _) = compile(column, &Scope::new(schema))?;
    tc.as_column().filter(|i| schema.fields[*i].rowtime).ok_or_else(|| {
        Error::plan(
            format!(
                "{what}: `{column}` is not a time attribute; use a column that has a WATERMARK (rowtime columns: {})",
                schema
                    .fields
                    .iter()
                    .filter(|f| f.rowtime)
                    .map(|f| f.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            span_of(column),
        )
    })
}

pub(super) fn contains_aggregate(e: &ast::Expr) -> bool {
    function_calls(e).iter().any(|c| c.is_aggregate())
}

struct WindowCall {
    kind: WindowKind,
    time_col: usize,
    prefix: &'static str,
}

fn window_call(e: &ast::Expr, schema: &Schema) -> Result<Option<WindowCall>> {
    let ast::Expr::Function(f) = e else { return Ok(None) };
    let name = f.name.to_string().to_ascii_uppercase();
    let prefix = match name.as_str() {
        "TUMBLE" => "TUMBLE",
        "HOP" => "HOP",
        "SESSION" => "SESSION",
        _ => return Ok(None),
    };
    let span = span_of(e);
    let args = function_args(f)?;
    let want = if prefix == "HOP" { 3 } else { 2 };
    if args.len() != want {
        return Err(Error::plan(
            format!(
                "{prefix} takes {want} arguments (time column and interval{})",
                if want == 3 { "s" } else { "" }
            ),
            span,
        ));
    }
    let time_col = time_attribute(prefix, args[0], schema)?;
    let iv = |i: usize| -> Result<i64> {
        let v = interval_millis(args[i]).ok_or_else(|| {
            Error::plan(
                format!("{prefix}: expected an INTERVAL, got {}", args[i]),
                span_of(args[i]),
            )
        })?;
        if v <= 0 {
            return Err(Error::plan(
                format!("{prefix}: the interval must be positive"),
                span_of(args[i]),
            ));
        }
        Ok(v)
    };
    let kind = match prefix {
        "TUMBLE" => WindowKind::Tumble { size: iv(1)? },
        "HOP" => {
            let (slide, size) = (iv(1)?, iv(2)?);
            if size % slide != 0 {
                return Err(Error::plan("HOP: the size must be a whole multiple of the slide", span));
            }
            WindowKind::Hop { slide, size }
        }
        _ => WindowKind::Session { gap: iv(1)? },
    };
    Ok(Some(WindowCall { kind, time_col, prefix }))
}

/// The window of a window TVF (`FROM TABLE(TUMBLE(…))`) whose rows are aggregated: its
/// `window_start` / `window_end` / `window_time` columns group and are selected.
pub(super) struct TvfWindow {
    pub kind: WindowKind,
    pub time_col: usize,
    /// SESSION's PARTITION BY columns.
    pub partition: Vec<usize>,
    pub name: String,
}

/// Plan a group window aggregate: the window comes from GROUP BY (`TUMBLE(ts, …)`) or,
/// with `tvf`, from a window TVF in FROM (then GROUP BY names `window_start` and
/// `window_end`).
pub(super) fn plan_window_aggregate(
    input: Plan,
    select: &ast::Select,
    group_exprs: &[ast::Expr],
    span: Span,
    tvf: Option<TvfWindow>,
) -> Result<Plan> {
    let in_schema = input.schema().clone();
    let from_tvf = tvf.is_some();
    let mut window: Option<WindowCall> = tvf.as_ref().map(|t| WindowCall {
        kind: t.kind,
        time_col: t.time_col,
        prefix: "",
    });
    let mut tvf_grouped = [false; 3];
    let mut keys = Vec::new();
    let mut key_asts = Vec::new();
    let mut key_fields = Vec::new();
    for g in group_exprs {
        if let Some(t) = &tvf {
            if let Some(c) = window_column(g) {
                tvf_grouped[c] = true;
                continue;
            }
            if window_call(g, &in_schema)?.is_some() {
                return Err(Error::plan(
                    format!(
                        "a group window in GROUP BY over the window table-valued function {}; group by \
                         window_start, window_end instead",
                        t.name
                    ),
                    span_of(g),
                ));
            }
        }
        if let Some(w) = window_call(g, &in_schema)? {
            if window.is_some() {
                return Err(Error::plan("only one group window per GROUP BY", span_of(g)));
            }
            window = Some(w);
            continue;
        }
        let (x, t) = compile(g, &Scope::new(&in_schema))?;
        let name = match &x {
            ScalarExpr::Column(i) => in_schema.fields[*i].name.clone(),
            _ => format!("KEY${}", keys.len()),
        };
        let qualifier = x.as_column().and_then(|i| in_schema.fields[i].qualifier.clone());
        key_fields.push(Field {
            qualifier,
            name,
            data_type: t,
            rowtime: false,
        });
        keys.push(x);
        key_asts.push(g.clone());
    }
    if let Some(t) = &tvf {
        // Sessions are merged per group key in the operator, which is Flink's session per
        // PARTITION BY key only when the two are the same columns.
        if matches!(t.kind, WindowKind::Session { .. }) {
            let mut grouped: Vec<Option<usize>> = keys.iter().map(ScalarExpr::as_column).collect();
            grouped.sort_unstable();
            let mut partition: Vec<Option<usize>> = t.partition.iter().copied().map(Some).collect();
            partition.sort_unstable();
            if grouped != partition {
                return Err(Error::plan(
                    "SESSION window table-valued function: newsflow needs the GROUP BY keys (besides \
                     window_start, window_end, window_time) to be exactly the PARTITION BY columns",
                    span,
                ));
            }
        }
        if !(tvf_grouped[0] && tvf_grouped[1]) {
            return Err(Error::plan(
                format!(
                    "a query over the window table-valued function {} must aggregate per window: GROUP BY \
                     window_start, window_end[, window_time], keys…",
                    t.name
                ),
                span,
            ));
        }
    }
    let Some(window) = window else {
        return Err(Error::plan(
            "a GROUP BY without a group window (TUMBLE, HOP or SESSION) produces updating results, which newsflow's \
             append-only sinks cannot take yet; add e.g. TUMBLE(ts, INTERVAL '1' MINUTE) to GROUP BY",
            span,
        ));
    };
    // Collect aggregate calls from SELECT and HAVING.
    let mut aggs: Vec<(String, AggregateCall)> = Vec::new();
    let mut collect = |e: &ast::Expr| -> Result<()> {
        let calls = function_calls(e);
        if let Some(nested) = calls.iter().find(|c| c.inside_aggregate && c.is_aggregate()) {
            return Err(Error::plan(
                format!(
                    "aggregate calls cannot be nested: {} is inside another aggregate's arguments",
                    nested.func
                ),
                nested.span(),
            ));
        }
        for call in calls {
            let Some(kind) = AggKind::from_name(&call.func.name.to_string()) else {
                continue;
            };
            let key = ast::Expr::Function(call.func.clone()).to_string();
            if !aggs.iter().any(|(k, _)| *k == key) {
                aggs.push((key, aggregate_call(&call.func, kind, &in_schema)?));
            }
        }
        Ok(())
    };
    for item in &select.projection {
        if let ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } = item {
            collect(e)?;
        }
    }
    if let Some(h) = &select.having {
        collect(h)?;
    }
    let nk = keys.len();
    let na = aggs.len();
    let mut fields = key_fields;
    for (k, a) in &aggs {
        fields.push(Field {
            qualifier: None,
            name: k.clone(),
            data_type: a.output_type.clone(),
            rowtime: false,
        });
    }
    let ts_type = in_schema.fields[window.time_col].data_type.clone();
    let ts_type = match ts_type {
        DataType::TimestampLtz(_) => DataType::TimestampLtz(3),
        _ => DataType::Timestamp(3),
    };
    fields.push(Field {
        qualifier: None,
        name: "window_start".into(),
        data_type: ts_type.clone(),
        rowtime: false,
    });
    fields.push(Field {
        qualifier: None,
        name: "window_end".into(),
        data_type: ts_type.clone(),
        rowtime: false,
    });
    let agg_schema = Schema::new(fields);
    let spec = WindowSpec {
        kind: window.kind,
        time_col: window.time_col,
    };
    let agg_plan = Plan::WindowAggregate {
        input: Box::new(input),
        window: spec,
        keys: keys.clone(),
        aggs: aggs.iter().map(|(_, a)| a.clone()).collect(),
        schema: agg_schema.clone(),
    };
    // Substitute group keys, aggregates and window properties in SELECT/HAVING.
    let prefix = window.prefix;
    let in_schema_ref = &in_schema;
    let window_time = ScalarExpr::Binary {
        op: BinOp::Minus,
        left: Box::new(ScalarExpr::Column(nk + na + 1)),
        right: Box::new(ScalarExpr::Literal(Value::Interval(1))),
    };
    let sub = move |e: &ast::Expr| -> Result<Option<(ScalarExpr, DataType)>> {
        if from_tvf {
            // window_start, window_end, window_time (= window_end - 1 ms, a time attribute)
            match window_column(e) {
                Some(0) => return Ok(Some((ScalarExpr::Column(nk + na), ts_type.clone()))),
                Some(1) => return Ok(Some((ScalarExpr::Column(nk + na + 1), ts_type.clone()))),
                Some(_) => return Ok(Some((window_time.clone(), ts_type.clone()))),
                None => {}
            }
        }
        if let ast::Expr::Function(f) = e {
            let name = f.name.to_string().to_ascii_uppercase();
            let property = if prefix.is_empty() {
                None
            } else {
                name.strip_prefix(prefix).and_then(|r| r.strip_prefix('_'))
            };
            if let Some(prop) = property {
                let col = match prop {
                    "START" => nk + na,
                    "END" => nk + na + 1,
                    "ROWTIME" => {
                        let x = ScalarExpr::Binary {
                            op: BinOp::Minus,
                            left: Box::new(ScalarExpr::Column(nk + na + 1)),
                            right: Box::new(ScalarExpr::Literal(Value::Interval(1))),
                        };
                        return Ok(Some((x, ts_type.clone())));
                    }
                    "PROCTIME" => return Err(Error::plan(format!("{name} is not supported"), span_of(e))),
                    _ => return Ok(None),
                };
                return Ok(Some((ScalarExpr::Column(col), ts_type.clone())));
            }
            if AggKind::from_name(&name).is_some() {
                let key = e.to_string();
                if let Some(i) = aggs.iter().position(|(k, _)| *k == key) {
                    return Ok(Some((ScalarExpr::Column(nk + i), aggs[i].1.output_type.clone())));
                }
            }
        }
        if let Some(i) = key_asts.iter().position(|k| k == e) {
            return Ok(Some((ScalarExpr::Column(i), agg_schema.fields[i].data_type.clone())));
        }
        if matches!(e, ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_)) {
            // Same column written differently (n.symbol vs symbol)?
            if let Ok((ScalarExpr::Column(c), t)) = compile(e, &Scope::new(in_schema_ref)) {
                if let Some(i) = keys.iter().position(|k| k.as_column() == Some(c)) {
                    return Ok(Some((ScalarExpr::Column(i), t)));
                }
                return Err(Error::plan(
                    format!("column `{e}` must appear in GROUP BY or be used in an aggregate function"),
                    span_of(e),
                ));
            }
        }
        Ok(None)
    };
    let mut plan = agg_plan;
    if let Some(h) = &select.having {
        let schema = plan.schema().clone();
        let (x, _) = compile(
            h,
            &Scope {
                schema: &schema,
                substitute: Some(&sub),
            },
        )?;
        let exprs = (0..schema.len()).map(ScalarExpr::Column).collect();
        plan = Plan::Calc {
            input: Box::new(plan),
            filter: Some(x),
            exprs,
            schema,
        };
    }
    let mut out = project(plan, &select.projection, Some(&sub), None)?;
    // TUMBLE_ROWTIME / HOP_ROWTIME outputs are time attributes for a downstream window.
    if let Plan::Calc { exprs, schema, .. } = &mut out {
        for (x, f) in exprs.iter().zip(schema.fields.iter_mut()) {
            if let ScalarExpr::Binary {
                op: BinOp::Minus,
                left,
                right,
            } = x
            {
                if left.as_column() == Some(nk + na + 1)
                    && matches!(right.as_ref(), ScalarExpr::Literal(Value::Interval(1)))
                {
                    f.rowtime = true;
                }
            }
        }
    }
    Ok(out)
}

/// One aggregate call of SELECT or HAVING. `AGG(x) FILTER (WHERE c)` aggregates `CASE WHEN
/// c THEN x END` (`COUNT(*) FILTER …` counts `CASE WHEN c THEN 1 END`): every aggregate
/// skips NULLs, so a row whose condition is not TRUE is left out, as in Flink.
fn aggregate_call(f: &ast::Function, kind: AggKind, schema: &Schema) -> Result<AggregateCall> {
    let span = span_of(&ast::Expr::Function(f.clone()));
    refuse_unsupported_clauses(f, span)?;
    // The call itself (arguments, DISTINCT, FILTER (WHERE …), result types) is the
    // expression layer's: newsflow_expr::aggregate.
    newsflow_expr::aggregate::aggregate_call(f, kind, schema)
}

/// The parts of an aggregate call sqlparser reads that newsflow does not compute: refused,
/// never ignored.
fn refuse_unsupported_clauses(f: &ast::Function, span: Span) -> Result<()> {
    let name = &f.name;
    if f.over.is_some() {
        return Err(Error::plan(
            format!("{name}(…) OVER (…): OVER windows are not supported yet"),
            span,
        ));
    }
    if !f.within_group.is_empty() {
        return Err(Error::plan(
            format!("{name}(…) WITHIN GROUP (…) is not supported"),
            span,
        ));
    }
    if f.null_treatment.is_some() {
        return Err(Error::plan(
            format!("{name}(…) IGNORE/RESPECT NULLS is not supported"),
            span,
        ));
    }
    if !matches!(f.parameters, ast::FunctionArguments::None) {
        return Err(Error::plan(
            format!("{name}: parameterised aggregates are not supported"),
            span,
        ));
    }
    if let ast::FunctionArguments::List(l) = &f.args {
        // ARRAY_AGG(x IGNORE NULLS | RESPECT NULLS) is the expression layer's to read
        let array_agg = name.to_string().eq_ignore_ascii_case("ARRAY_AGG");
        if let Some(c) = l
            .clauses
            .iter()
            .find(|c| !(array_agg && matches!(c, ast::FunctionArgumentClause::IgnoreOrRespectNulls(_))))
        {
            return Err(Error::plan(
                format!("{name}: `{c}` inside an aggregate's arguments is not supported"),
                span,
            ));
        }
    }
    Ok(())
}
