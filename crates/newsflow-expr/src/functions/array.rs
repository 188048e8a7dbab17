//! ARRAY functions, with Flink 2.3's answers: `CARDINALITY`, `ARRAY_JOIN`, `ARRAY_CONTAINS`,
//! `ARRAY_DISTINCT`, the `ARRAY[…]` constructor and `arr[i]` (1-based, NULL out of range).
//! Elements keep their order; NULL elements are kept unless a function says otherwise.

use std::sync::Arc;

use newsflow_common::{DataType, Value};

use super::Builtin;

pub const FUNCS: &[Builtin] = &[
    Builtin::strict("CARDINALITY", 1, 1, ret_cardinality, cardinality),
    Builtin::strict("ARRAY_JOIN", 2, 3, ret_array_join, array_join),
    Builtin::nullable("ARRAY_CONTAINS", 2, 2, ret_array_contains, array_contains),
    Builtin::strict("ARRAY_DISTINCT", 1, 1, ret_array_distinct, array_distinct),
];

/// `ARRAY[a, b, …]` (typed by the compiler, which casts the elements to their common type).
pub const MAKE_ARRAY: Builtin = Builtin::nullable("ARRAY", 1, usize::MAX, ret_none, make_array);

/// `arr[i]`: the i-th element, counting from 1; NULL when i is out of range.
pub const ELEMENT_AT: Builtin = Builtin::strict("ARRAY_ELEMENT", 2, 2, ret_none, element_at);

fn ret_none(_: &[DataType]) -> Result<DataType, String> {
    Err("typed by the compiler".into())
}

fn array_arg(t: &DataType) -> Result<&DataType, String> {
    match t {
        DataType::Array(e) => Ok(e),
        t => Err(format!("expects an ARRAY, got {t}")),
    }
}

fn ret_cardinality(args: &[DataType]) -> Result<DataType, String> {
    array_arg(&args[0])?;
    Ok(DataType::Int)
}

fn ret_array_join(args: &[DataType]) -> Result<DataType, String> {
    let e = array_arg(&args[0])?;
    if !e.is_string() {
        return Err(format!("takes an ARRAY of strings (as in Flink), got {}", args[0]));
    }
    for t in &args[1..] {
        if !t.is_string() && *t != DataType::Null {
            return Err(format!(
                "the delimiter and the NULL replacement must be STRING, got {t}"
            ));
        }
    }
    Ok(DataType::STRING)
}

fn ret_array_contains(args: &[DataType]) -> Result<DataType, String> {
    let e = array_arg(&args[0])?;
    let n = &args[1];
    let same = *n == DataType::Null
        || n == e
        || matches!(
            (e, n),
            (DataType::Varchar(_), DataType::Varchar(_))
                | (DataType::Timestamp(_), DataType::Timestamp(_))
                | (DataType::Time(_), DataType::Time(_))
                | (DataType::Bytes(_), DataType::Bytes(_))
        );
    if !same {
        return Err(format!(
            "the element to look for must have the array's element type {e}, got {n}"
        ));
    }
    Ok(DataType::Boolean)
}

fn ret_array_distinct(args: &[DataType]) -> Result<DataType, String> {
    array_arg(&args[0])?;
    Ok(args[0].clone())
}

fn items(v: &Value) -> Option<&Arc<[Value]>> {
    match v {
        Value::Array(a) => Some(a),
        _ => None,
    }
}

fn make_array(a: &[Value]) -> Value {
    Value::Array(Arc::from(a))
}

fn element_at(a: &[Value]) -> Value {
    let (Some(xs), Some(i)) = (items(&a[0]), a[1].as_i64()) else {
        return Value::Null;
    };
    if i < 1 {
        return Value::Null;
    }
    xs.get((i - 1) as usize).cloned().unwrap_or(Value::Null)
}

fn cardinality(a: &[Value]) -> Value {
    items(&a[0]).map_or(Value::Null, |xs| Value::Int(xs.len() as i32))
}

/// ARRAY_JOIN(arr, delimiter[, null_replacement]): NULL elements are left out unless a
/// replacement is given; a NULL argument (the replacement too) gives NULL.
fn array_join(a: &[Value]) -> Value {
    let (Some(xs), Some(sep)) = (items(&a[0]), a[1].as_str()) else {
        return Value::Null;
    };
    let replacement = a.get(2).and_then(Value::as_str);
    let mut out = String::new();
    let mut first = true;
    for x in xs.iter() {
        let text = match x {
            Value::Null => match replacement {
                Some(r) => r,
                None => continue,
            },
            Value::Str(s) => s,
            _ => continue,
        };
        if !first {
            out.push_str(sep);
        }
        first = false;
        out.push_str(text);
    }
    Value::str(&out)
}

/// ARRAY_CONTAINS(arr, x): NULL for a NULL array; a NULL `x` is found when the array holds a
/// NULL.
fn array_contains(a: &[Value]) -> Value {
    let Some(xs) = items(&a[0]) else { return Value::Null };
    let needle = &a[1];
    let found = xs.iter().any(|x| {
        if needle.is_null() {
            x.is_null()
        } else {
            !x.is_null() && crate::expr::compare_eq(x, needle)
        }
    });
    Value::Bool(found)
}

/// ARRAY_DISTINCT(arr): the first of each value, in order (one NULL at most).
fn array_distinct(a: &[Value]) -> Value {
    let Some(xs) = items(&a[0]) else { return Value::Null };
    let mut out: Vec<Value> = Vec::with_capacity(xs.len());
    for x in xs.iter() {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    Value::Array(Arc::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(v: Vec<Value>) -> Value {
        Value::Array(Arc::from(v))
    }

    #[test]
    fn as_flink() {
        // Flink 2.3's answers
        let abn = arr(vec![Value::str("a"), Value::str("b"), Value::Null]);
        assert_eq!(array_join(&[abn.clone(), Value::str("|")]), Value::str("a|b"));
        assert_eq!(
            array_join(&[abn.clone(), Value::str("|"), Value::str("N")]),
            Value::str("a|b|N")
        );
        assert_eq!(array_join(&[arr(vec![Value::Null]), Value::str("|")]), Value::str(""));
        assert_eq!(array_contains(&[abn.clone(), Value::Null]), Value::Bool(true));
        assert_eq!(array_contains(&[arr(vec![]), Value::Null]), Value::Bool(false));
        assert_eq!(array_contains(&[Value::Null, Value::str("a")]), Value::Null);
        let ints = arr(vec![
            Value::Int(2),
            Value::Int(1),
            Value::Int(2),
            Value::Null,
            Value::Null,
        ]);
        assert_eq!(
            array_distinct(std::slice::from_ref(&ints)),
            arr(vec![Value::Int(2), Value::Int(1), Value::Null])
        );
        assert_eq!(element_at(&[ints.clone(), Value::Int(2)]), Value::Int(1));
        assert_eq!(element_at(&[ints.clone(), Value::Int(0)]), Value::Null);
        assert_eq!(element_at(&[ints.clone(), Value::Int(9)]), Value::Null);
        assert_eq!(cardinality(&[ints]), Value::Int(5));
    }
}
