//! The scalar function registry: functions that live in other crates (the offline news
//! analyser behind `analyze_news`) reach expressions through it, so this crate depends on
//! none of them.
//!
//! A registered function has a name, an argument count range, a fixed result type and a
//! body over evaluated arguments. The SQL layer registers its functions before it compiles
//! anything ([`register`]); compilation resolves a name to the registry's index, and
//! evaluation calls the body. Registering a name again replaces the body (idempotent for
//! the same function).

use std::sync::{Arc, OnceLock, RwLock};

use newsflow_common::{DataType, Value};

/// A function body: evaluated arguments → result.
pub type ScalarBody = Arc<dyn Fn(&[Value]) -> Value + Send + Sync>;

/// A function registered from outside this crate.
#[derive(Clone)]
pub struct ScalarUdf {
    /// Upper-case SQL name.
    pub name: String,
    pub min_args: usize,
    pub max_args: usize,
    pub return_type: DataType,
    pub body: ScalarBody,
}

impl std::fmt::Debug for ScalarUdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name)
    }
}

fn registry() -> &'static RwLock<Vec<Arc<ScalarUdf>>> {
    static REGISTRY: OnceLock<RwLock<Vec<Arc<ScalarUdf>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| RwLock::new(Vec::new()))
}

/// Register (or replace) a function; returns its index.
pub fn register(mut udf: ScalarUdf) -> usize {
    udf.name = udf.name.to_ascii_uppercase();
    let mut reg = registry().write().unwrap_or_else(|p| p.into_inner());
    match reg.iter().position(|u| u.name == udf.name) {
        Some(i) => {
            reg[i] = Arc::new(udf);
            i
        }
        None => {
            reg.push(Arc::new(udf));
            reg.len() - 1
        }
    }
}

/// The index and definition of a registered function.
pub fn lookup(name: &str) -> Option<(usize, Arc<ScalarUdf>)> {
    let upper = name.to_ascii_uppercase();
    let reg = registry().read().unwrap_or_else(|p| p.into_inner());
    reg.iter().position(|u| u.name == upper).map(|i| (i, reg[i].clone()))
}

/// The function at `index`.
pub fn get(index: usize) -> Option<Arc<ScalarUdf>> {
    registry().read().unwrap_or_else(|p| p.into_inner()).get(index).cloned()
}

/// Names of the registered functions.
pub fn names() -> Vec<String> {
    registry()
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|u| u.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_functions_are_found_and_called() {
        let i = register(ScalarUdf {
            name: "twice_len".into(),
            min_args: 1,
            max_args: 1,
            return_type: DataType::Int,
            body: Arc::new(|a| match a.first().and_then(Value::as_str) {
                Some(s) => Value::Int(2 * s.len() as i32),
                None => Value::Null,
            }),
        });
        let (j, udf) = lookup("TWICE_LEN").unwrap();
        assert_eq!(i, j);
        assert_eq!((udf.body)(&[Value::str("abc")]), Value::Int(6));
        assert!(names().contains(&"TWICE_LEN".to_string()));
        assert!(lookup("no_such_function").is_none());
    }
}
