//! Model and LLM planning: `ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(col) [, MAP[…]])` over a
//! `CREATE MODEL`, and `analyze_news(…)` bound to a network provider, both as a
//! [`Plan::Analyze`] node.

use newsflow_common::{DataType, Error, Field, Result, Schema, Span};
use newsflow_expr::compile::{function_args, span_of};
use newsflow_expr::{compile, ScalarExpr, Scope};
use sqlparser::ast;

use super::function_calls;
use super::projection::project;
use super::relation::plan_named_table;
use crate::catalog::Catalog;
use crate::plan::Plan;

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
pub(super) fn plan_ml_predict(
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
pub(super) fn analyze_calls(e: &ast::Expr, out: &mut Vec<ast::Function>) {
    out.extend(
        function_calls(e)
            .into_iter()
            .filter(|c| is_analyze_news(&c.func))
            .map(|c| c.func),
    );
}

pub(super) fn analyze_news_span(f: &ast::Function) -> Span {
    span_of(&ast::Expr::Function(f.clone()))
}

/// The provider `analyze_news` is bound to (`None`: offline, inline), with a config error
/// placed at the call.
pub(super) fn analyze_binding(catalog: &Catalog, call: &ast::Function) -> Result<Option<newsflow_llm::ProviderConfig>> {
    catalog
        .analyze_news_config()
        .map_err(|m| Error::plan(format!("analyze_news: {m}"), analyze_news_span(call)))
}

/// Project `items` over `input`, running every `analyze_news(…)` call in an
/// [`Plan::Analyze`] node (bound to `config`) below the projection.
pub(super) fn project_analyzed(
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
