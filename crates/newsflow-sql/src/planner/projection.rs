//! The SELECT list as a [`Plan::Calc`].

use newsflow_common::{Error, Field, Result, Schema, Span};
use newsflow_expr::{compile, ScalarExpr, Scope};
use sqlparser::ast;

use crate::plan::Plan;

/// Compile the SELECT list into a Calc on top of `input`. `*` expands to the first
/// `wildcard` columns of the input (`None`: `*` is not allowed, as with GROUP BY).
pub(super) fn project(
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
            ast::SelectItem::Wildcard(options) | ast::SelectItem::QualifiedWildcard(_, options)
                if options.opt_ilike.is_some()
                    || options.opt_exclude.is_some()
                    || options.opt_except.is_some()
                    || options.opt_replace.is_some()
                    || options.opt_rename.is_some() =>
            {
                let s = options.wildcard_token.0.span.start;
                return Err(Error::plan(
                    format!("`{item}`: ILIKE / EXCLUDE / EXCEPT / REPLACE / RENAME after * are not supported"),
                    Span::new(s.line, s.column),
                ));
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
