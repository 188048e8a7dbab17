//! JSON functions as Flink 2.3 runs them: JSON_VALUE, JSON_QUERY, JSON_EXISTS, `IS [NOT]
//! JSON [kind]`, JSON_OBJECT, JSON_ARRAY and JSON_STRING.
//!
//! Flink reads JSON with Jackson (fractions as `BigDecimal`, so `1e3` is written `1E+3` and
//! `1.50` stays `1.50`) and evaluates paths with Jayway JsonPath; it writes objects with
//! their keys sorted. The documents are parsed here by hand rather than through
//! `serde_json::Value`, which keeps neither a number's text nor (without a workspace-wide
//! feature) what Flink needs of key order; strings are escaped as Jackson does.
//!
//! Paths: `$`, `.key`, `['key']`, `[n]`, `[*]` and `.*`, with an optional `lax` / `strict`
//! mode. Anything else (filters, deep scan `..`, slices, negative indexes, functions) is
//! refused when the path is a constant, and gives NULL (FALSE for JSON_EXISTS) when it is
//! computed per row. Only Flink's default behaviours are implemented (`NULL ON EMPTY`,
//! `NULL ON ERROR`, `FALSE ON ERROR`, `WITHOUT ARRAY WRAPPER`): sqlparser does not parse
//! the `ON EMPTY` / `ON ERROR` / `WRAPPER` clauses, so a query using them is refused.

use std::fmt::Write as _;

use newsflow_common::value::java_double;
use newsflow_common::{DataType, Value};

/// A parsed JSON document.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// A number as Flink writes it back (see [`number_text`]).
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    /// Members in document order; a repeated key keeps its first place and its last value
    /// (Jackson's `ObjectNode`). Written with the keys sorted.
    Obj(Vec<(String, Json)>),
}

/// Parse strict JSON (RFC 8259, as Jackson's defaults: no comments, trailing commas,
/// single quotes, NaN or leading zeros). `None` if `text` is not one JSON value.
pub fn parse(text: &str) -> Option<Json> {
    let mut p = Parser {
        s: text,
        i: 0,
        depth: 0,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    (p.i == text.len()).then_some(v)
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
    depth: u32,
}

/// Deeper documents are refused rather than risk the stack.
const MAX_DEPTH: u32 = 1000;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self, w: &str, v: Json) -> Option<Json> {
        if self.s[self.i..].starts_with(w) {
            self.i += w.len();
            Some(v)
        } else {
            None
        }
    }

    fn value(&mut self) -> Option<Json> {
        match self.peek()? {
            b'{' => {
                self.nest()?;
                let mut members: Vec<(String, Json)> = Vec::new();
                self.ws();
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        let k = self.string()?;
                        self.ws();
                        if !self.eat(b':') {
                            return None;
                        }
                        self.ws();
                        let v = self.value()?;
                        match members.iter_mut().find(|(key, _)| *key == k) {
                            Some(slot) => slot.1 = v,
                            None => members.push((k, v)),
                        }
                        self.ws();
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        return None;
                    }
                }
                self.depth -= 1;
                Some(Json::Obj(members))
            }
            b'[' => {
                self.nest()?;
                let mut items = Vec::new();
                self.ws();
                if !self.eat(b']') {
                    loop {
                        self.ws();
                        items.push(self.value()?);
                        self.ws();
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b']') {
                            break;
                        }
                        return None;
                    }
                }
                self.depth -= 1;
                Some(Json::Arr(items))
            }
            b'"' => self.string().map(Json::Str),
            b't' => self.word("true", Json::Bool(true)),
            b'f' => self.word("false", Json::Bool(false)),
            b'n' => self.word("null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn nest(&mut self) -> Option<()> {
        self.i += 1;
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.i;
        self.eat(b'-');
        if self.eat(b'0') {
            if matches!(self.peek(), Some(b'0'..=b'9')) {
                return None;
            }
        } else if self.digits() == 0 {
            return None;
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return None;
            }
        }
        number_text(&self.s[start..self.i]).map(Json::Num)
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.i..self.i + 4)?;
        let v = u32::from_str_radix(h, 16).ok()?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.i += 4;
        Some(v)
    }

    fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let mut out = String::new();
        let mut run = self.i;
        loop {
            let b = self.peek()?;
            match b {
                b'"' => {
                    out.push_str(&self.s[run..self.i]);
                    self.i += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(&self.s[run..self.i]);
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with("\\u") {
                                let save = self.i;
                                self.i += 2;
                                match self.hex4() {
                                    Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                    }
                                    _ => {
                                        self.i = save;
                                        None
                                    }
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            out.push(c.unwrap_or('\u{FFFD}'));
                        }
                        _ => return None,
                    }
                    run = self.i;
                }
                0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
    }
}

/// A JSON number as Flink writes it back: an integer as written (`-0` is `0`), a fraction
/// or exponent as Java's `BigDecimal.toString` of it (`1e3` → `1E+3`, `1.50` → `1.50`,
/// `0.00000012` → `1.2E-7`). `None` for an exponent out of range.
pub fn number_text(text: &str) -> Option<String> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text),
    };
    if !body.contains(['.', 'e', 'E']) {
        let digits = body.trim_start_matches('0');
        return Some(match (digits.is_empty(), neg) {
            (true, _) => "0".to_string(),
            (false, true) => format!("-{digits}"),
            (false, false) => digits.to_string(),
        });
    }
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(k) => (&body[..k], body[k + 1..].parse::<i64>().ok()?),
        None => (body, 0),
    };
    if exp.unsigned_abs() > 999_999_999 {
        return None;
    }
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let all = format!("{int}{frac}");
    let unscaled = match all.trim_start_matches('0') {
        "" => "0",
        d => d,
    };
    Some(big_decimal_text(
        neg && unscaled != "0",
        unscaled,
        frac.len() as i64 - exp,
    ))
}

/// Java's `BigDecimal.toString` for `±unscaled × 10^-scale` (`unscaled`: digits, no leading
/// zeros): plain when the scale is not negative and the exponent is at least -6, else
/// scientific (`1.0E+20`).
pub fn big_decimal_text(neg: bool, unscaled: &str, scale: i64) -> String {
    let mut out = String::from(if neg { "-" } else { "" });
    let n = unscaled.len() as i64;
    let adjusted = n - 1 - scale;
    if scale == 0 {
        out.push_str(unscaled);
    } else if scale > 0 && adjusted >= -6 {
        if n > scale {
            let (i, f) = unscaled.split_at((n - scale) as usize);
            let _ = write!(out, "{i}.{f}");
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (scale - n) as usize));
            out.push_str(unscaled);
        }
    } else {
        out.push_str(&unscaled[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&unscaled[1..]);
        }
        let _ = write!(
            out,
            "E{}{}",
            if adjusted >= 0 { "+" } else { "-" },
            adjusted.unsigned_abs()
        );
    }
    out
}

impl Json {
    /// Compact JSON text, object keys sorted (as Flink writes JSON).
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(t) => out.push_str(t),
            Json::Str(s) => quote(s, out),
            Json::Arr(items) => {
                out.push('[');
                for (k, v) in items.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Json::Obj(members) => {
                let mut sorted: Vec<&(String, Json)> = members.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                out.push('{');
                for (k, (key, v)) in sorted.into_iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    quote(key, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }
}

/// A JSON string literal as Jackson escapes it: `"` and `\`, the short escapes for
/// backspace, tab, newline, form feed and carriage return, `\u00XX` for other control
/// characters; everything else as is.
pub fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A parsed JSON path.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    /// `[n]`; `[-n]` counts from the end (Jayway)
    Index(i64),
    Wild,
}

const PATH_HELP: &str = "supported: $, .key, ['key'], [n], [*], .* with an optional lax/strict";

/// Parse a path; `Err` says why it is not supported.
pub fn parse_path(path: &str) -> Result<JsonPath, String> {
    let t = path.trim();
    let lower = t.to_ascii_lowercase();
    let t = if lower.starts_with("lax ") || lower.starts_with("strict ") {
        t.split_once(' ').map(|(_, r)| r.trim_start()).unwrap_or(t)
    } else {
        t
    };
    let unsupported = || format!("JSON path '{path}' is not supported yet ({PATH_HELP})");
    let mut rest = t.strip_prefix('$').ok_or_else(unsupported)?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            if let Some(r) = r.strip_prefix('*') {
                steps.push(Step::Wild);
                rest = r;
                continue;
            }
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '-')
            {
                return Err(unsupported());
            }
            steps.push(Step::Key(name.to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(unsupported)?;
            let inner = r[..end].trim();
            let step = if inner == "*" {
                Step::Wild
            } else if inner.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit())
                && !inner.trim_start_matches('-').is_empty()
            {
                Step::Index(inner.parse().map_err(|_| unsupported())?)
            } else if inner.len() >= 2
                && ((inner.starts_with('\'') && inner.ends_with('\''))
                    || (inner.starts_with('"') && inner.ends_with('"')))
                && !inner[1..inner.len() - 1].contains(['\'', '"'])
            {
                Step::Key(inner[1..inner.len() - 1].to_string())
            } else {
                return Err(unsupported());
            };
            steps.push(step);
            rest = &r[end + 1..];
        } else {
            return Err(unsupported());
        }
    }
    Ok(JsonPath { steps })
}

/// What a path selects in a document.
#[derive(Debug)]
enum Found<'a> {
    /// A definite path (no wildcard) led to this value (`Json::Null` for a JSON null).
    One(&'a Json),
    /// A path with a wildcard: the values it reached (maybe none).
    Many(Vec<&'a Json>),
    /// The path does not lead anywhere (Jayway's "path not found").
    Missing,
}

impl JsonPath {
    fn find<'a>(&self, root: &'a Json) -> Found<'a> {
        let step = |v: &'a Json, s: &Step| -> Option<&'a Json> {
            match (v, s) {
                (Json::Obj(m), Step::Key(k)) => m.iter().find(|(key, _)| key == k).map(|(_, v)| v),
                (Json::Arr(a), Step::Index(i)) => {
                    let at = if *i < 0 { a.len() as i64 + i } else { *i };
                    usize::try_from(at).ok().and_then(|at| a.get(at))
                }
                _ => None,
            }
        };
        let Some(w) = self.steps.iter().position(|s| *s == Step::Wild) else {
            let mut cur = root;
            for s in &self.steps {
                match step(cur, s) {
                    Some(v) => cur = v,
                    None => return Found::Missing,
                }
            }
            return Found::One(cur);
        };
        // the definite prefix must exist; past the first wildcard, branches that do not
        // match are dropped
        let mut cur = root;
        for s in &self.steps[..w] {
            match step(cur, s) {
                Some(v) => cur = v,
                None => return Found::Missing,
            }
        }
        if *cur == Json::Null {
            // Flink: `$.*` of `null` is NULL (of `42` it is `[]`)
            return Found::Missing;
        }
        let mut set = vec![cur];
        for s in &self.steps[w..] {
            let mut next = Vec::new();
            for v in set {
                match (s, v) {
                    (Step::Wild, Json::Arr(a)) => next.extend(a.iter()),
                    (Step::Wild, Json::Obj(m)) => next.extend(m.iter().map(|(_, v)| v)),
                    // a wildcard on a scalar: nothing (Flink: `$.*` of `42` is `[]`)
                    (Step::Wild, _) => {}
                    _ => next.extend(step(v, s)),
                }
            }
            set = next;
        }
        Found::Many(set)
    }
}

/// A path given as a constant (parsed once) or per row.
#[derive(Debug, Clone, PartialEq)]
pub enum PathArg {
    Const(JsonPath),
    PerRow,
}

/// The JSON functions, with what the compiler fixed for them.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonOp {
    /// JSON_VALUE(doc, path [RETURNING type])
    Value { path: PathArg, returning: DataType },
    /// JSON_QUERY(doc, path)
    Query { path: PathArg },
    /// JSON_EXISTS(doc, path)
    Exists { path: PathArg },
    /// `doc IS [NOT] JSON [VALUE|SCALAR|ARRAY|OBJECT]`
    IsJson { kind: JsonKind, negated: bool },
    /// JSON_OBJECT(k1 VALUE v1, …): args are k1, v1, k2, v2, …; `raw[i]`: value i is JSON
    /// text from JSON_OBJECT / JSON_ARRAY, inserted as JSON rather than as a string.
    Object { raw: Vec<bool>, absent_on_null: bool },
    /// JSON_ARRAY(v1, …)
    Array { raw: Vec<bool>, absent_on_null: bool },
    /// JSON_STRING(v)
    String,
}

impl JsonOp {
    /// Can it fail a row? (JSON_VALUE … RETURNING a type other than STRING.)
    pub fn can_fail(&self) -> bool {
        matches!(self, JsonOp::Value { returning, .. } if !returning.is_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Value,
    Scalar,
    Array,
    Object,
}

/// Can a value of this type go into JSON_OBJECT / JSON_ARRAY / JSON_STRING? (Flink: "is not
/// scalar or cannot be converted into JSON" for the others.)
pub fn convertible(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Boolean
            | DataType::Int
            | DataType::BigInt
            | DataType::Float
            | DataType::Double
            | DataType::Decimal(..)
            | DataType::Varchar(_)
            | DataType::Null
    )
}

/// A SQL value as JSON: numbers as Flink writes them (a DOUBLE as `BigDecimal.valueOf`:
/// `1.0E+20`), strings as JSON strings unless `raw`.
fn to_json(v: &Value, raw: bool) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Num(i.to_string()),
        Value::BigInt(i) => Json::Num(i.to_string()),
        Value::Double(d) => double(*d),
        Value::Float(f) => double(*f as f64),
        Value::Decimal(d) => Json::Num(d.to_string()),
        Value::Str(s) if raw => parse(s).unwrap_or_else(|| Json::Str(s.to_string())),
        other => Json::Str(other.to_string()),
    }
}

fn double(d: f64) -> Json {
    if d.is_finite() {
        Json::Num(number_text(&java_double(d)).unwrap_or_else(|| java_double(d)))
    } else {
        Json::Str(java_double(d))
    }
}

/// JSON_VALUE's scalar as the RETURNING type. Flink casts the Java object Jackson made, so
/// only a matching one converts: an INT from an integer that fits 32 bits, a DOUBLE from a
/// number with a fraction or exponent, a BOOLEAN from true/false; any other is a
/// ClassCastException that fails Flink's job, and `Err` here (the row goes to the dead
/// letters).
fn returned(v: &Json, returning: &DataType) -> Result<Value, String> {
    let text = match v {
        Json::Str(s) => s.clone(),
        Json::Num(n) => n.clone(),
        Json::Bool(b) => b.to_string(),
        _ => return Ok(Value::Null),
    };
    let fraction = |n: &str| n.contains(['.', 'E', 'e']);
    Ok(match (returning, v) {
        (DataType::Varchar(_), _) => Value::str(&text),
        (DataType::Int, Json::Num(n)) if !fraction(n) && n.parse::<i32>().is_ok() => {
            Value::Int(n.parse().unwrap_or_default())
        }
        (DataType::Double, Json::Num(n)) if fraction(n) => match n.parse::<f64>() {
            Ok(x) => Value::Double(x),
            Err(_) => return Err(format!("cannot read {n} as a DOUBLE")),
        },
        (DataType::Boolean, Json::Bool(b)) => Value::Bool(*b),
        _ => {
            let what = match v {
                Json::Str(_) => format!("the string {}", Json::Str(text).text()),
                _ => format!("the value {text}"),
            };
            return Err(format!(
                "{what} is not a JSON {returning} (Flink fails with a ClassCastException)"
            ));
        }
    })
}

/// Evaluate a JSON function on its argument values; `Err` for a JSON_VALUE whose value does
/// not convert to its RETURNING type.
pub fn eval(op: &JsonOp, args: &[Value]) -> Result<Value, String> {
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
    let doc_and_path = |path: &PathArg| -> Option<(Option<Json>, Option<JsonPath>)> {
        let Value::Str(doc) = arg(0) else { return None };
        let p = match path {
            PathArg::Const(p) => Some(p.clone()),
            PathArg::PerRow => match arg(1) {
                Value::Str(p) => parse_path(p).ok(),
                _ => return None,
            },
        };
        Some((parse(doc), p))
    };
    Ok(match op {
        JsonOp::Value { path, returning } => {
            let Some((Some(doc), Some(p))) = doc_and_path(path) else {
                return Ok(Value::Null);
            };
            match p.find(&doc) {
                Found::One(v @ (Json::Str(_) | Json::Num(_) | Json::Bool(_))) => returned(v, returning)?,
                _ => Value::Null,
            }
        }
        JsonOp::Query { path } => {
            let Some((Some(doc), Some(p))) = doc_and_path(path) else {
                return Ok(Value::Null);
            };
            match p.find(&doc) {
                Found::One(v @ (Json::Arr(_) | Json::Obj(_))) => Value::str(&v.text()),
                Found::Many(vs) => Value::str(&Json::Arr(vs.into_iter().cloned().collect()).text()),
                _ => Value::Null,
            }
        }
        JsonOp::Exists { path } => match doc_and_path(path) {
            None => Value::Null,
            Some((Some(doc), Some(p))) => Value::Bool(match p.find(&doc) {
                Found::One(Json::Null) | Found::Missing => false,
                Found::One(_) | Found::Many(_) => true,
            }),
            Some(_) => Value::Bool(false),
        },
        JsonOp::IsJson { kind, negated } => {
            let ok = match arg(0) {
                Value::Str(s) => match (parse(s), kind) {
                    (None, _) => false,
                    (Some(_), JsonKind::Value) => true,
                    (Some(Json::Arr(_)), JsonKind::Array) | (Some(Json::Obj(_)), JsonKind::Object) => true,
                    (Some(Json::Arr(_) | Json::Obj(_)), JsonKind::Scalar) => false,
                    (Some(_), JsonKind::Scalar) => true,
                    _ => false,
                },
                _ => false,
            };
            Value::Bool(ok != *negated)
        }
        JsonOp::Object { raw, absent_on_null } => {
            let mut members: Vec<(String, Json)> = Vec::new();
            for (k, pair) in args.chunks(2).enumerate() {
                let key = match &pair[0] {
                    Value::Str(s) => s.to_string(),
                    Value::Null => return Ok(Value::Null),
                    other => other.to_string(),
                };
                let v = pair.get(1).unwrap_or(&Value::Null);
                if v.is_null() && *absent_on_null {
                    continue;
                }
                let j = to_json(v, raw.get(k).copied().unwrap_or(false));
                match members.iter_mut().find(|(existing, _)| *existing == key) {
                    Some(slot) => slot.1 = j,
                    None => members.push((key, j)),
                }
            }
            Value::str(&Json::Obj(members).text())
        }
        JsonOp::Array { raw, absent_on_null } => {
            let items = args
                .iter()
                .enumerate()
                .filter(|(_, v)| !(v.is_null() && *absent_on_null))
                .map(|(k, v)| to_json(v, raw.get(k).copied().unwrap_or(false)))
                .collect();
            Value::str(&Json::Arr(items).text())
        }
        JsonOp::String => match arg(0) {
            Value::Null => Value::Null,
            v => Value::str(&to_json(v, false).text()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_ok(op: &JsonOp, args: &[Value]) -> Value {
        eval(op, args).unwrap()
    }

    #[test]
    fn returning_as_flink() {
        let r = |j: &str, t: DataType| returned(&parse(j).unwrap(), &t);
        assert_eq!(r("1", DataType::Int), Ok(Value::Int(1)));
        assert!(r("1.5", DataType::Int).is_err());
        assert!(r("\"12\"", DataType::Int).is_err());
        assert!(r("12345678901234", DataType::Int).is_err());
        assert_eq!(r("1e3", DataType::Double), Ok(Value::Double(1000.0)));
        assert!(r("1", DataType::Double).is_err());
        assert_eq!(r("true", DataType::Boolean), Ok(Value::Bool(true)));
        assert!(r("\"x\"", DataType::Boolean).is_err());
        assert_eq!(r("1e3", DataType::STRING), Ok(Value::str("1E+3")));
    }

    fn num(t: &str) -> String {
        number_text(t).unwrap()
    }

    #[test]
    fn numbers_as_java_big_decimal() {
        assert_eq!(num("1e3"), "1E+3");
        assert_eq!(num("1.5"), "1.5");
        assert_eq!(num("1.50"), "1.50");
        assert_eq!(num("-0"), "0");
        assert_eq!(num("12345678901234"), "12345678901234");
        assert_eq!(num("0.0001"), "0.0001");
        assert_eq!(num("0.00000012"), "1.2E-7");
        assert_eq!(num("1.0E20"), "1.0E+20");
        assert_eq!(num("1.0E-4"), "0.00010");
        assert_eq!(num("-2.5e-3"), "-0.0025");
        assert_eq!(num("0e5"), "0E+5");
    }

    #[test]
    fn parses_strict_json() {
        assert!(parse("{\"a\":1,}").is_none());
        assert!(parse("").is_none());
        assert!(parse("not json").is_none());
        assert!(parse("01").is_none());
        assert!(parse("[1, 2] x").is_none());
        assert_eq!(parse(" \"plain\" "), Some(Json::Str("plain".into())));
        let doc = parse(r#"{"b":1,"a":{"y":[1,2.50,"x\u00e9\n"],"x":null},"b":2}"#).unwrap();
        assert_eq!(doc.text(), r#"{"a":{"x":null,"y":[1,2.50,"xé\n"]},"b":2}"#);
    }

    #[test]
    fn paths() {
        let doc = parse(r#"{"a":1,"c":[1,2,{"d":true}],"e":null,"g":{"h":"y"},"n":[]}"#).unwrap();
        let value = |p: &str| {
            eval_ok(
                &JsonOp::Value {
                    path: PathArg::Const(parse_path(p).unwrap()),
                    returning: DataType::STRING,
                },
                &[Value::str(&doc.text())],
            )
        };
        let query = |p: &str| {
            eval_ok(
                &JsonOp::Query {
                    path: PathArg::Const(parse_path(p).unwrap()),
                },
                &[Value::str(&doc.text())],
            )
        };
        let exists = |p: &str| {
            eval_ok(
                &JsonOp::Exists {
                    path: PathArg::Const(parse_path(p).unwrap()),
                },
                &[Value::str(&doc.text())],
            )
        };
        assert_eq!(value("$.a"), Value::str("1"));
        assert_eq!(value("lax $.c[2].d"), Value::str("true"));
        assert_eq!(value("$['g'].h"), Value::str("y"));
        assert_eq!(value("$.c"), Value::Null);
        assert_eq!(value("$.c[*]"), Value::Null);
        assert_eq!(query("$.c"), Value::str(r#"[1,2,{"d":true}]"#));
        assert_eq!(query("$.c[*]"), Value::str(r#"[1,2,{"d":true}]"#));
        assert_eq!(query("$.n[*]"), Value::str("[]"));
        assert_eq!(query("$.zz[*]"), Value::Null);
        assert_eq!(query("$.a"), Value::Null);
        assert_eq!(exists("$.e"), Value::Bool(false));
        assert_eq!(exists("$.n[*]"), Value::Bool(true));
        assert_eq!(exists("strict $.zz"), Value::Bool(false));
        assert!(parse_path("$..a").is_err());
        assert_eq!(value("$.c[-2]"), Value::str("2"));
        assert!(parse_path("$.c.length()").is_err());
        assert!(parse_path("$.c[0,1]").is_err());
    }

    #[test]
    fn escapes_as_jackson() {
        let mut s = String::new();
        quote("he said \"hi\"\n\u{1}é/", &mut s);
        assert_eq!(s, r#""he said \"hi\"\n\u0001é/""#);
    }
}
