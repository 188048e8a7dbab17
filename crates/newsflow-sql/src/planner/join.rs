//! Interval joins: the conjuncts of ON and WHERE split into equality keys, time bounds
//! between the two rowtime columns, and a residual condition.

use newsflow_common::{DataType, Error, Result, Schema, Span};
use newsflow_expr::compile::span_of;
use newsflow_expr::{compile, interval_millis, BinOp, ScalarExpr, Scope};
use sqlparser::ast::{self, Spanned};

use super::relation::plan_relation;
use crate::catalog::Catalog;
use crate::plan::{JoinBounds, Plan};

pub(super) fn conjuncts(e: &ast::Expr, out: &mut Vec<ast::Expr>) {
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

pub(super) fn and_all(mut parts: Vec<ScalarExpr>) -> Option<ScalarExpr> {
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

/// `left JOIN relation ON …` (or CROSS JOIN): an interval join whose keys and time bounds
/// come from ON and WHERE.
pub(super) fn plan_join(
    catalog: &Catalog,
    left: Plan,
    join: &ast::Join,
    where_conds: &mut Vec<ast::Expr>,
) -> Result<Plan> {
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
    let mut on = Vec::new();
    match constraint {
        ast::JoinConstraint::On(e) => conjuncts(e, &mut on),
        ast::JoinConstraint::None => {}
        ast::JoinConstraint::Natural => return Err(Error::plan("NATURAL JOIN is not supported; use JOIN … ON", span)),
        ast::JoinConstraint::Using(_) => return Err(Error::plan("JOIN … USING is not supported; use ON", span)),
    }
    plan_interval_join(catalog, left, &join.relation, on, where_conds, JoinForm::On)
}

/// `FROM a, b WHERE …` (a comma join): planned as `a JOIN b`, with the equality keys and
/// time bounds found in WHERE.
pub(super) fn plan_comma_join(
    catalog: &Catalog,
    left: Plan,
    relation: &ast::TableFactor,
    where_conds: &mut Vec<ast::Expr>,
) -> Result<Plan> {
    plan_interval_join(catalog, left, relation, Vec::new(), where_conds, JoinForm::Comma)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JoinForm {
    On,
    Comma,
}

/// Plan an inner interval join of `left` and `relation`. The conjuncts of ON and of WHERE
/// give the equality keys and the time bounds between the two rowtime columns; the other
/// ON conjuncts are evaluated on each joined pair (the residual), and the other WHERE
/// conjuncts are left in `where_conds`, to filter the join's output.
fn plan_interval_join(
    catalog: &Catalog,
    left: Plan,
    relation: &ast::TableFactor,
    on: Vec<ast::Expr>,
    where_conds: &mut Vec<ast::Expr>,
    form: JoinForm,
) -> Result<Plan> {
    let s = relation.span().start;
    let span = Span::new(s.line, s.column);
    let right = plan_relation(catalog, relation)?;
    let schema = left.schema().join(right.schema());
    let nl = left.schema().len();
    // WHERE conditions that mention both sides may carry the keys and time bounds (the
    // flagship has its bounds in WHERE). `true`: from WHERE.
    let conds: Vec<(ast::Expr, bool)> = on
        .into_iter()
        .map(|c| (c, false))
        .chain(std::mem::take(where_conds).into_iter().map(|c| (c, true)))
        .collect();
    let left_rowtimes: Vec<usize> = (0..nl).filter(|i| schema.fields[*i].rowtime).collect();
    let right_rowtimes: Vec<usize> = (nl..schema.len()).filter(|i| schema.fields[*i].rowtime).collect();
    let (mut lkeys, mut rkeys) = (Vec::new(), Vec::new());
    let mut residual = Vec::new();
    let mut bounds: Option<(usize, usize, Option<i64>, Option<i64>)> = None;
    let mut rest = Vec::new();
    for (c, from_where) in conds {
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
            if from_where {
                where_conds.push(c);
            } else {
                rest.push(c);
            }
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
        let example = match form {
            JoinForm::On => "ON a.k = b.k AND b.ts BETWEEN",
            JoinForm::Comma => "FROM a, b WHERE a.k = b.k AND b.ts BETWEEN",
        };
        return Err(Error::plan(
            format!(
                "this join cannot run on unbounded streams: {what}. newsflow runs interval joins: an equality key plus \
                 both bounds, e.g. `{example} a.ts - INTERVAL '5' MINUTE AND a.ts + INTERVAL '10' MINUTE` \
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
        let example = match form {
            JoinForm::On => "ON a.symbol = b.symbol",
            JoinForm::Comma => "WHERE a.symbol = b.symbol",
        };
        return Err(Error::plan(
            format!("an interval join needs at least one equality condition between the two tables (e.g. {example})"),
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
