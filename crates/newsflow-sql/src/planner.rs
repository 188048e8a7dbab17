//! Query → [`Plan`]. Recognises interval joins and group windows; refuses what cannot run
//! on unbounded streams with an error that says why and where.

use newsflow_common::{DataType, Error, Field, Result, Schema, Span, Value};
use newsflow_expr::compile::{function_args, span_of};
use newsflow_expr::{compile, interval_millis, AggKind, AggregateCall, BinOp, ScalarExpr, Scope};
use sqlparser::ast::{self, Spanned};

use crate::catalog::Catalog;
use crate::plan::{JoinBounds, Plan, WindowKind, WindowSpec};

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
    let select = match q.body.as_ref() {
        ast::SetExpr::Select(s) => s,
        ast::SetExpr::Query(inner) => return plan_query(catalog, inner),
        other => return Err(Error::plan(format!("unsupported query form: {other}"), span)),
    };
    plan_select(catalog, select, span).map(|plan| PlannedQuery { plan })
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

fn plan_relation(catalog: &Catalog, rel: &ast::TableFactor) -> Result<Plan> {
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
fn plan_named_table(catalog: &Catalog, tname: &str, qualifier: &str, span: Span) -> Result<Plan> {
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

fn ident_span(i: &ast::Ident) -> Span {
    Span::new(i.span.start.line, i.span.start.column)
}

/// The name in a `TABLE t` / `MODEL m` argument (the parser has dropped the keyword).
fn argument_name(e: &ast::Expr) -> Option<(String, Span)> {
    match e {
        ast::Expr::Identifier(i) => Some((i.value.clone(), ident_span(i))),
        ast::Expr::CompoundIdentifier(parts) => parts.last().map(|i| (i.value.clone(), ident_span(i))),
        _ => None,
    }
}

/// `ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(col) [, MAP['k', 'v', …]])` (Flink 2.1), also
/// with named arguments `INPUT =>`, `MODEL =>`, `ARGS =>`, `CONFIG =>`: the input's
/// columns plus the model's OUTPUT columns (renamed `name0`, `name1`, … when an input
/// column has the same name, as in Flink).
fn plan_ml_predict(
    catalog: &Catalog,
    args: &ast::TableFunctionArgs,
    alias: Option<String>,
    span: Span,
) -> Result<Plan> {
    const USAGE: &str = "ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(column) [, MAP['key', 'value', …]])";
    let mut slots: [Option<&ast::Expr>; 4] = [None; 4];
    for (i, a) in args.args.iter().enumerate() {
        let (slot, e) = match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => (i, e),
            ast::FunctionArg::Named {
                name,
                arg: ast::FunctionArgExpr::Expr(e),
                ..
            } => {
                let slot = match name.value.to_ascii_uppercase().as_str() {
                    "INPUT" => 0,
                    "MODEL" => 1,
                    "ARGS" => 2,
                    "CONFIG" => 3,
                    other => {
                        return Err(Error::plan(
                            format!(
                                "ML_PREDICT has no argument {other}; its arguments are INPUT, MODEL, ARGS and CONFIG"
                            ),
                            ident_span(name),
                        ))
                    }
                };
                (slot, e)
            }
            other => {
                return Err(Error::plan(
                    format!("unsupported ML_PREDICT argument {other}; {USAGE}"),
                    span,
                ))
            }
        };
        match slots.get_mut(slot) {
            Some(s @ None) => *s = Some(e),
            Some(Some(_)) => {
                return Err(Error::plan(
                    format!("ML_PREDICT: argument {} is given twice", slot + 1),
                    span,
                ))
            }
            None => return Err(Error::plan(format!("ML_PREDICT takes 3 or 4 arguments: {USAGE}"), span)),
        }
    }
    let [Some(table), Some(model), Some(descriptor), runtime_config] = slots else {
        return Err(Error::plan(format!("ML_PREDICT takes 3 or 4 arguments: {USAGE}"), span));
    };
    let (tname, tspan) = argument_name(table).ok_or_else(|| {
        Error::plan(
            format!("ML_PREDICT: expected TABLE name, got {table}; {USAGE}"),
            span_of(table),
        )
    })?;
    let (mname, mspan) = argument_name(model).ok_or_else(|| {
        Error::plan(
            format!("ML_PREDICT: expected MODEL name, got {model}; {USAGE}"),
            span_of(model),
        )
    })?;
    let qualifier = alias.unwrap_or_else(|| tname.clone());
    let input = plan_named_table(catalog, &tname, &qualifier, tspan)?;
    let def = catalog.model(&mname, mspan)?;
    // DESCRIPTOR(col, …): the columns fed to the model, one per model INPUT column.
    let columns: Vec<&ast::Expr> = match descriptor {
        ast::Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("DESCRIPTOR") => function_args(f)?,
        other => {
            return Err(Error::plan(
                format!("ML_PREDICT: expected DESCRIPTOR(column), got {other}; {USAGE}"),
                span_of(other),
            ))
        }
    };
    let [column] = columns.as_slice() else {
        return Err(Error::plan(
            format!(
                "ML_PREDICT: model `{mname}` takes 1 input column (`{}`), but DESCRIPTOR names {}",
                def.input.name,
                columns.len()
            ),
            span_of(descriptor),
        ));
    };
    let (text, t) = compile(column, &Scope::new(input.schema()))?;
    if text.as_column().is_none() {
        return Err(Error::plan(
            format!("ML_PREDICT: DESCRIPTOR takes column names, not {column}"),
            span_of(column),
        ));
    }
    if !t.is_string() {
        return Err(Error::plan(
            format!(
                "ML_PREDICT: column `{column}` is {t}, but model `{mname}` input `{}` is {}",
                def.input.name, def.input.data_type
            ),
            span_of(column),
        ));
    }
    let mut config = def.config.clone();
    apply_runtime_config(&mut config, config_map(runtime_config)?)?;
    let mut fields = input.schema().fields.clone();
    let mut kinds = Vec::new();
    for (f, kind) in &def.outputs {
        let mut name = f.name.clone();
        let mut n = 0;
        while fields.iter().any(|x| x.name == name) {
            name = format!("{}{n}", f.name);
            n += 1;
        }
        fields.push(Field {
            qualifier: Some(qualifier.clone()),
            name,
            data_type: f.data_type.clone(),
            rowtime: false,
        });
        kinds.push(*kind);
    }
    Ok(Plan::Analyze {
        input: Box::new(input),
        text,
        config: Box::new(config),
        columns: kinds,
        call: format!("ML_PREDICT(MODEL {mname})"),
        schema: Schema::new(fields),
    })
}

/// The key/value pairs (with the key's position) of a `MAP['k', 'v', …]` argument (read
/// as `MAP('k', 'v', …)`); none without the argument.
fn config_map(config: Option<&ast::Expr>) -> Result<Vec<(String, String, Span)>> {
    let Some(e) = config else { return Ok(Vec::new()) };
    let span = span_of(e);
    let f = match e {
        ast::Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("MAP") => f,
        _ => {
            return Err(Error::plan(
                format!("ML_PREDICT: expected MAP['key', 'value', …], got {e}"),
                span,
            ))
        }
    };
    let mut items = Vec::new();
    for a in function_args(f)? {
        match a {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                    items.push((s.clone(), span_of(a)))
                }
                other => items.push((other.to_string(), span_of(a))),
            },
            other => {
                return Err(Error::plan(
                    format!("ML_PREDICT: MAP entries must be literals, got {other}"),
                    span_of(other),
                ))
            }
        }
    }
    if items.len() % 2 != 0 {
        return Err(Error::plan("ML_PREDICT: MAP needs key/value pairs", span));
    }
    Ok(items
        .chunks(2)
        .map(|kv| (kv[0].0.clone(), kv[1].0.clone(), kv[0].1))
        .collect())
}

/// Flink's ML_PREDICT runtime options: `async` (newsflow always calls network providers
/// asynchronously), `max-concurrent-operations`, `timeout`, `output-mode` (only `ORDERED`).
fn apply_runtime_config(config: &mut newsflow_llm::ProviderConfig, map: Vec<(String, String, Span)>) -> Result<()> {
    for (k, v, span) in map {
        match k.to_ascii_lowercase().as_str() {
            "async" => {
                if !matches!(v.to_ascii_lowercase().as_str(), "true" | "false") {
                    return Err(Error::plan(format!("ML_PREDICT: 'async' must be 'true' or 'false', got '{v}'"), span));
                }
            }
            "max-concurrent-operations" => {
                config.max_in_flight = match v.trim().parse::<usize>() {
                    Ok(n) if (1..=1024).contains(&n) => n,
                    _ => {
                        return Err(Error::plan(
                            format!("ML_PREDICT: 'max-concurrent-operations' must be an integer from 1 to 1024, got '{v}'"),
                            span,
                        ))
                    }
                }
            }
            "timeout" => {
                config.timeout = newsflow_common::time::parse_duration(&v)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| Error::plan(format!("ML_PREDICT: 'timeout' must be a duration like '10 s', got '{v}'"), span))?;
            }
            "output-mode" => {
                if !v.eq_ignore_ascii_case("ordered") {
                    return Err(Error::plan(
                        format!("ML_PREDICT: 'output-mode' = '{v}' is not supported; newsflow always keeps input order (ORDERED)"),
                        span,
                    ));
                }
            }
            other => {
                return Err(Error::plan(
                    format!("ML_PREDICT: unknown config '{other}'; valid: async, max-concurrent-operations, timeout, output-mode"),
                    span,
                ))
            }
        }
    }
    Ok(())
}

fn is_analyze_news(f: &ast::Function) -> bool {
    f.name.to_string().eq_ignore_ascii_case(crate::models::ANALYZE_NEWS)
}

/// The `analyze_news(…)` calls in an expression, outermost first.
fn analyze_calls(e: &ast::Expr, out: &mut Vec<ast::Function>) {
    walk(e, &mut |f| {
        if is_analyze_news(f) {
            out.push(f.clone());
        }
    });
}

fn analyze_news_span(f: &ast::Function) -> Span {
    span_of(&ast::Expr::Function(f.clone()))
}

/// The provider `analyze_news` is bound to (`None`: offline, inline), with a config error
/// placed at the call.
fn analyze_binding(catalog: &Catalog, call: &ast::Function) -> Result<Option<newsflow_llm::ProviderConfig>> {
    catalog
        .analyze_news_config()
        .map_err(|m| Error::plan(format!("analyze_news: {m}"), analyze_news_span(call)))
}

/// Project `items` over `input`, running every `analyze_news(…)` call in an
/// [`Plan::Analyze`] node (bound to `config`) below the projection.
fn project_analyzed(
    input: Plan,
    items: &[ast::SelectItem],
    calls: Vec<ast::Function>,
    config: newsflow_llm::ProviderConfig,
) -> Result<Plan> {
    let width = input.schema().len();
    let mut plan = input;
    let mut keys: Vec<String> = Vec::new();
    // Innermost first, so an argument that itself calls analyze_news reads its column.
    for f in calls.iter().rev() {
        let key = ast::Expr::Function(f.clone()).to_string();
        if keys.contains(&key) {
            continue;
        }
        let span = analyze_news_span(f);
        let args = function_args(f)?;
        let [arg] = args.as_slice() else {
            return Err(Error::sql(
                format!("ANALYZE_NEWS takes 1 arguments, got {}", args.len()),
                span,
            ));
        };
        let schema = plan.schema().clone();
        let (text, t) = {
            let sub = substitute_analyzed(&keys, width);
            compile(
                arg,
                &Scope {
                    schema: &schema,
                    substitute: Some(&sub),
                },
            )?
        };
        if !t.is_string() && t != DataType::Null {
            return Err(Error::sql(format!("ANALYZE_NEWS: expects a STRING, got {t}"), span));
        }
        let mut fields = schema.fields.clone();
        fields.push(Field::new(format!("analyze_news${}", keys.len()), DataType::STRING));
        plan = Plan::Analyze {
            input: Box::new(plan),
            text,
            config: Box::new(config.clone()),
            columns: vec![crate::plan::AnalyzeColumn::Json],
            call: key.clone(),
            schema: Schema::new(fields),
        };
        keys.push(key);
    }
    let sub = substitute_analyzed(&keys, width);
    project(plan, items, Some(&sub), Some(width))
}

/// Replaces each analysed `analyze_news(…)` call (by its text) with its column.
fn substitute_analyzed(
    keys: &[String],
    width: usize,
) -> impl Fn(&ast::Expr) -> Result<Option<(ScalarExpr, DataType)>> + '_ {
    move |e: &ast::Expr| {
        if let ast::Expr::Function(f) = e {
            if is_analyze_news(f) {
                let key = e.to_string();
                if let Some(k) = keys.iter().position(|x| *x == key) {
                    return Ok(Some((ScalarExpr::Column(width + k), DataType::STRING)));
                }
            }
        }
        Ok(None)
    }
}

/// Give a sub-plan's output columns a new qualifier (a view or subquery alias).
fn requalify(plan: Plan, q: &str) -> Plan {
    let schema = plan.schema().clone().with_qualifier(q);
    let exprs = (0..schema.len()).map(ScalarExpr::Column).collect();
    Plan::Calc {
        input: Box::new(plan),
        filter: None,
        exprs,
        schema,
    }
}

fn conjuncts(e: &ast::Expr, out: &mut Vec<ast::Expr>) {
    match e {
        ast::Expr::BinaryOp {
            left,
            op: ast::BinaryOperator::And,
            right,
        } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        ast::Expr::Nested(inner)
            if matches!(
                inner.as_ref(),
                ast::Expr::BinaryOp {
                    op: ast::BinaryOperator::And,
                    ..
                }
            ) =>
        {
            conjuncts(inner, out)
        }
        other => out.push(other.clone()),
    }
}

/// `col`, `col + INTERVAL`, `col - INTERVAL` → (column index, offset ms).
fn time_term(e: &ast::Expr, schema: &Schema) -> Option<(usize, i64)> {
    match e {
        ast::Expr::Nested(inner) => time_term(inner, schema),
        ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) => {
            let (c, _) = compile(e, &Scope::new(schema)).ok()?;
            c.as_column().map(|i| (i, 0))
        }
        ast::Expr::BinaryOp { left, op, right } => {
            let (i, base) = time_term(left, schema)?;
            let iv = interval_millis(right)?;
            match op {
                ast::BinaryOperator::Plus => Some((i, base + iv)),
                ast::BinaryOperator::Minus => Some((i, base - iv)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Bounds of `right.time - left.time` implied by one conjunct, if it is a time condition
/// between the two rowtime columns.
fn time_condition(e: &ast::Expr, schema: &Schema, lt: usize, rt: usize) -> Option<(Option<i64>, Option<i64>)> {
    use ast::BinaryOperator as B;
    match e {
        ast::Expr::Nested(inner) => time_condition(inner, schema, lt, rt),
        ast::Expr::Between {
            expr,
            negated: false,
            low,
            high,
        } => {
            let ge = ast::Expr::BinaryOp {
                left: expr.clone(),
                op: B::GtEq,
                right: low.clone(),
            };
            let le = ast::Expr::BinaryOp {
                left: expr.clone(),
                op: B::LtEq,
                right: high.clone(),
            };
            let a = time_condition(&ge, schema, lt, rt)?;
            let b = time_condition(&le, schema, lt, rt)?;
            Some((a.0.or(b.0), a.1.or(b.1)))
        }
        ast::Expr::BinaryOp { left, op, right } if matches!(op, B::Lt | B::LtEq | B::Gt | B::GtEq | B::Eq) => {
            let (li, loff) = time_term(left, schema)?;
            let (ri, roff) = time_term(right, schema)?;
            // (li + loff) op (ri + roff)  ⇔  li - ri op roff - loff
            let c = roff - loff;
            let (d_sign, bound) = if li == rt && ri == lt {
                (1, c) // right - left op c
            } else if li == lt && ri == rt {
                (-1, c) // left - right op c  ⇔ right - left (flipped op) -c
            } else {
                return None;
            };
            let (op, c) = if d_sign == 1 {
                (op.clone(), bound)
            } else {
                (flip(op), -bound)
            };
            Some(match op {
                B::LtEq => (None, Some(c)),
                B::Lt => (None, Some(c - 1)),
                B::GtEq => (Some(c), None),
                B::Gt => (Some(c + 1), None),
                B::Eq => (Some(c), Some(c)),
                _ => return None,
            })
        }
        _ => None,
    }
}

fn flip(op: &ast::BinaryOperator) -> ast::BinaryOperator {
    use ast::BinaryOperator as B;
    match op {
        B::Lt => B::Gt,
        B::LtEq => B::GtEq,
        B::Gt => B::Lt,
        B::GtEq => B::LtEq,
        other => other.clone(),
    }
}

fn and_all(mut parts: Vec<ScalarExpr>) -> Option<ScalarExpr> {
    let first = parts.pop()?;
    Some(parts.into_iter().rev().fold(first, |acc, p| ScalarExpr::Binary {
        op: BinOp::And,
        left: Box::new(p),
        right: Box::new(acc),
    }))
}

fn join_kind(op: &ast::JoinOperator) -> &'static str {
    use ast::JoinOperator as J;
    match op {
        J::Left(_) | J::LeftOuter(_) => "LEFT JOIN",
        J::Right(_) | J::RightOuter(_) => "RIGHT JOIN",
        J::FullOuter(_) => "FULL OUTER JOIN",
        J::Semi(_) | J::LeftSemi(_) | J::RightSemi(_) => "a semi join",
        J::Anti(_) | J::LeftAnti(_) | J::RightAnti(_) => "an anti join",
        J::AsOf { .. } => "an AS OF join",
        J::CrossApply | J::OuterApply => "APPLY",
        _ => "this join kind",
    }
}

fn plan_join(catalog: &Catalog, left: Plan, join: &ast::Join, where_conds: &mut Vec<ast::Expr>) -> Result<Plan> {
    let s = join.relation.span().start;
    let span = Span::new(s.line, s.column);
    let constraint = match &join.join_operator {
        ast::JoinOperator::Join(c) | ast::JoinOperator::Inner(c) => c,
        ast::JoinOperator::CrossJoin(_) => &ast::JoinConstraint::None,
        other => {
            return Err(Error::plan(
                format!("only inner interval joins are supported, not {}", join_kind(other)),
                span,
            ))
        }
    };
    let right = plan_relation(catalog, &join.relation)?;
    let schema = left.schema().join(right.schema());
    let nl = left.schema().len();
    let mut conds = Vec::new();
    match constraint {
        ast::JoinConstraint::On(e) => conjuncts(e, &mut conds),
        ast::JoinConstraint::None | ast::JoinConstraint::Natural => {}
        ast::JoinConstraint::Using(_) => return Err(Error::plan("JOIN … USING is not supported; use ON", span)),
    }
    // WHERE conditions that mention both sides may carry the time bounds (as in the flagship).
    conds.append(where_conds);
    let left_rowtimes: Vec<usize> = (0..nl).filter(|i| schema.fields[*i].rowtime).collect();
    let right_rowtimes: Vec<usize> = (nl..schema.len()).filter(|i| schema.fields[*i].rowtime).collect();
    let (mut lkeys, mut rkeys) = (Vec::new(), Vec::new());
    let mut residual = Vec::new();
    let mut bounds: Option<(usize, usize, Option<i64>, Option<i64>)> = None;
    let mut rest = Vec::new();
    for c in conds {
        // equality key?
        if let ast::Expr::BinaryOp {
            left: a,
            op: ast::BinaryOperator::Eq,
            right: b,
        } = &c
        {
            let ca = compile(a, &Scope::new(&schema)).ok().and_then(|(x, _)| x.as_column());
            let cb = compile(b, &Scope::new(&schema)).ok().and_then(|(x, _)| x.as_column());
            if let (Some(x), Some(y)) = (ca, cb) {
                let (x, y) = if x < nl { (x, y) } else { (y, x) };
                if x < nl && y >= nl && !schema.fields[x].rowtime && !schema.fields[y].rowtime {
                    lkeys.push(x);
                    rkeys.push(y - nl);
                    continue;
                }
            }
        }
        let mut matched = false;
        for &lt in &left_rowtimes {
            for &rt in &right_rowtimes {
                if let Some((lo, hi)) = time_condition(&c, &schema, lt, rt) {
                    let entry = bounds.get_or_insert((lt, rt, None, None));
                    if entry.0 == lt && entry.1 == rt {
                        entry.2 = match (entry.2, lo) {
                            (Some(a), Some(b)) => Some(a.max(b)),
                            (a, b) => a.or(b),
                        };
                        entry.3 = match (entry.3, hi) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        };
                        matched = true;
                    }
                }
            }
        }
        if !matched {
            rest.push(c);
        }
    }
    for c in rest {
        let (x, t) = compile(&c, &Scope::new(&schema))?;
        if t != DataType::Boolean {
            return Err(Error::plan(
                format!("join condition must be BOOLEAN, got {t}"),
                span_of(&c),
            ));
        }
        residual.push(x);
    }
    let Some((lt, rt, Some(lower), Some(upper))) = bounds else {
        let what = match bounds {
            Some((_, _, None, _)) => "it has no lower time bound",
            Some((_, _, _, None)) => "it has no upper time bound",
            _ => "it has no time bounds between the two tables' rowtime columns",
        };
        return Err(Error::plan(
            format!(
                "this join cannot run on unbounded streams: {what}. newsflow runs interval joins: an equality key plus \
                 both bounds, e.g. `ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '5' MINUTE AND a.ts + INTERVAL '10' MINUTE` \
                 (each side needs a WATERMARK)"
            ),
            span,
        ));
    };
    if lower > upper {
        return Err(Error::plan(
            format!("the join's time bounds are empty: lower {lower} ms > upper {upper} ms"),
            span,
        ));
    }
    if lkeys.is_empty() {
        return Err(Error::plan(
            "an interval join needs at least one equality condition between the two tables (e.g. ON a.symbol = b.symbol)",
            span,
        ));
    }
    Ok(Plan::IntervalJoin {
        left: Box::new(left),
        right: Box::new(right),
        left_keys: lkeys,
        right_keys: rkeys,
        left_time: lt,
        right_time: rt - nl,
        bounds: JoinBounds { lower, upper },
        residual: and_all(residual),
        schema,
    })
}

fn plan_select(catalog: &Catalog, select: &ast::Select, span: Span) -> Result<Plan> {
    if select.distinct.is_some() {
        return Err(Error::plan("SELECT DISTINCT is not supported on streams yet", span));
    }
    let [from] = select.from.as_slice() else {
        return Err(Error::plan(
            if select.from.is_empty() {
                "a query needs FROM"
            } else {
                "use JOIN … ON instead of a comma-separated FROM list"
            },
            span,
        ));
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
    let mut input = plan_relation(catalog, &from.relation)?;
    let mut where_conds = Vec::new();
    if let Some(w) = &select.selection {
        conjuncts(w, &mut where_conds);
    }
    match from.joins.as_slice() {
        [] => {}
        [join] => input = plan_join(catalog, input, join, &mut where_conds)?,
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
        if select.having.is_some() {
            return Err(Error::plan("HAVING needs GROUP BY", span));
        }
        let width = input.schema().len();
        return match binding {
            Some(config) => project_analyzed(input, &select.projection, calls, config),
            None => project(input, &select.projection, None, Some(width)),
        };
    }
    plan_window_aggregate(input, select, &group_exprs, span)
}

fn contains_aggregate(e: &ast::Expr) -> bool {
    let mut found = false;
    walk(e, &mut |f| {
        if AggKind::from_name(&f.name.to_string()).is_some() {
            found = true;
        }
    });
    found
}

/// Visit every function call in an expression, outermost first (aggregate arguments are
/// not descended into: aggregates do not nest).
fn walk(e: &ast::Expr, f: &mut dyn FnMut(&ast::Function)) {
    use ast::Expr as E;
    match e {
        E::Function(func) => {
            f(func);
            if AggKind::from_name(&func.name.to_string()).is_none() {
                if let Ok(args) = function_args(func) {
                    for a in args {
                        walk(a, f);
                    }
                }
            }
        }
        E::BinaryOp { left, right, .. } => {
            walk(left, f);
            walk(right, f);
        }
        E::UnaryOp { expr, .. }
        | E::Nested(expr)
        | E::Cast { expr, .. }
        | E::IsNull(expr)
        | E::IsNotNull(expr)
        | E::IsTrue(expr)
        | E::IsFalse(expr)
        | E::IsNotTrue(expr)
        | E::IsNotFalse(expr)
        | E::Ceil { expr, .. }
        | E::Floor { expr, .. }
        | E::Extract { expr, .. }
        | E::Trim { expr, .. } => walk(expr, f),
        E::Between { expr, low, high, .. } => {
            walk(expr, f);
            walk(low, f);
            walk(high, f);
        }
        E::InList { expr, list, .. } => {
            walk(expr, f);
            list.iter().for_each(|x| walk(x, f));
        }
        E::Like { expr, pattern, .. } => {
            walk(expr, f);
            walk(pattern, f);
        }
        E::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            if let Some(o) = operand {
                walk(o, f);
            }
            for c in conditions {
                walk(&c.condition, f);
                walk(&c.result, f);
            }
            if let Some(x) = else_result {
                walk(x, f);
            }
        }
        E::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            walk(expr, f);
            if let Some(x) = substring_from {
                walk(x, f);
            }
            if let Some(x) = substring_for {
                walk(x, f);
            }
        }
        _ => {}
    }
}

/// Compile the SELECT list into a Calc on top of `input`. `*` expands to the first
/// `wildcard` columns of the input (`None`: `*` is not allowed, as with GROUP BY).
fn project(
    input: Plan,
    items: &[ast::SelectItem],
    scope_sub: Option<&newsflow_expr::compile::Substitute>,
    wildcard: Option<usize>,
) -> Result<Plan> {
    let in_schema = input.schema().clone();
    let scope = Scope {
        schema: &in_schema,
        substitute: scope_sub,
    };
    let mut exprs = Vec::new();
    let mut fields = Vec::new();
    for (n, item) in items.iter().enumerate() {
        match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                let (x, t) = compile(e, &scope)?;
                let name = match item {
                    ast::SelectItem::ExprWithAlias { alias, .. } => alias.value.clone(),
                    _ => match e {
                        ast::Expr::Identifier(i) => i.value.clone(),
                        ast::Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()).unwrap_or_default(),
                        _ => format!("EXPR${n}"),
                    },
                };
                // A plain reference to a rowtime column stays a time attribute.
                let rowtime = x.as_column().is_some_and(|i| in_schema.fields[i].rowtime);
                fields.push(Field {
                    qualifier: None,
                    name,
                    data_type: t,
                    rowtime,
                });
                exprs.push(x);
            }
            ast::SelectItem::Wildcard(_) => {
                let Some(width) = wildcard else {
                    return Err(Error::plan("SELECT * is not allowed with GROUP BY", Span::default()));
                };
                for (i, f) in in_schema.fields.iter().enumerate().take(width) {
                    exprs.push(ScalarExpr::Column(i));
                    fields.push(Field {
                        qualifier: None,
                        ..f.clone()
                    });
                }
            }
            ast::SelectItem::QualifiedWildcard(kind, _) => {
                let q = kind.to_string();
                let q = q.trim_end_matches(".*").to_string();
                let mut any = false;
                for (i, f) in in_schema.fields.iter().enumerate().take(wildcard.unwrap_or(usize::MAX)) {
                    if f.qualifier.as_deref() == Some(q.as_str()) {
                        exprs.push(ScalarExpr::Column(i));
                        fields.push(Field {
                            qualifier: None,
                            ..f.clone()
                        });
                        any = true;
                    }
                }
                if !any {
                    return Err(Error::plan(format!("unknown table `{q}` in {q}.*"), Span::default()));
                }
            }
        }
    }
    // Duplicate output names would be ambiguous in a sink: Flink renames them; we keep
    // them but a later INSERT maps by position anyway.
    Ok(Plan::Calc {
        input: Box::new(input),
        filter: None,
        exprs,
        schema: Schema::new(fields),
    })
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
    let (tc, _) = compile(args[0], &Scope::new(schema))?;
    let Some(time_col) = tc.as_column().filter(|i| schema.fields[*i].rowtime) else {
        return Err(Error::plan(
            format!(
                "{prefix}: `{}` is not a time attribute; use a column that has a WATERMARK (rowtime columns: {})",
                args[0],
                schema
                    .fields
                    .iter()
                    .filter(|f| f.rowtime)
                    .map(|f| f.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            span_of(args[0]),
        ));
    };
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

fn plan_window_aggregate(input: Plan, select: &ast::Select, group_exprs: &[ast::Expr], span: Span) -> Result<Plan> {
    let in_schema = input.schema().clone();
    let mut window: Option<WindowCall> = None;
    let mut keys = Vec::new();
    let mut key_asts = Vec::new();
    let mut key_fields = Vec::new();
    for g in group_exprs {
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
        let mut err = None;
        walk(e, &mut |f| {
            if err.is_some() {
                return;
            }
            if let Some(kind) = AggKind::from_name(&f.name.to_string()) {
                let key = ast::Expr::Function(f.clone()).to_string();
                if !aggs.iter().any(|(k, _)| *k == key) {
                    match aggregate_call(f, kind, &in_schema) {
                        Ok(call) => aggs.push((key, call)),
                        Err(e) => err = Some(e),
                    }
                }
            }
        });
        err.map_or(Ok(()), Err)
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
    let sub = move |e: &ast::Expr| -> Result<Option<(ScalarExpr, DataType)>> {
        if let ast::Expr::Function(f) = e {
            let name = f.name.to_string().to_ascii_uppercase();
            if let Some(prop) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) {
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

fn aggregate_call(f: &ast::Function, kind: AggKind, schema: &Schema) -> Result<AggregateCall> {
    newsflow_expr::aggregate::aggregate_call(f, kind, schema)
}
