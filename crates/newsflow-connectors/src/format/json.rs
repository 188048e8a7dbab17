//! The `json` format, as Flink's: one JSON object per record, fields matched by name,
//! missing fields NULL, unknown fields ignored; TIMESTAMP(3) as `yyyy-MM-dd HH:mm:ss[.fff]`
//! (or ISO-8601 with `'json.timestamp-format.standard' = 'ISO-8601'`).
//!
//! The decoder is a hand-written single-pass scanner for flat objects: it parses each value
//! straight into the column's type, with no intermediate JSON tree (this is the hot path of
//! every file or topic source). Nested objects and arrays are kept as their JSON text when
//! the column is a STRING; an ARRAY column reads a JSON array. As Flink's format: BYTES are
//! base64 text, a TIME is `HH:mm:ss[.fff]` (the fraction only when there is one).

use std::sync::Arc;

use base64::Engine;
use newsflow_common::time;
use newsflow_common::value::{java_double, java_float};
use newsflow_common::{DataType, Decimal, Error, Recent, Result, Row, Schema, Value};

use super::{Decoder, Encoder};
use crate::Options;

pub const OPTIONS: &[&str] = &[
    "json.timestamp-format.standard",
    "json.fail-on-missing-field",
    "json.ignore-parse-errors",
    "json.encode.ignore-null-fields",
    "json.map-null-key.mode",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum TsStyle {
    Sql,
    Iso,
}

fn ts_style(opts: &Options) -> Result<TsStyle> {
    match opts.get("json.timestamp-format.standard") {
        None | Some("SQL") => Ok(TsStyle::Sql),
        Some("ISO-8601") => Ok(TsStyle::Iso),
        Some(other) => Err(Error::config(format!(
            "'json.timestamp-format.standard' must be 'SQL' or 'ISO-8601', got '{other}'"
        ))),
    }
}

/// Strings up to this long are interned (shared across the whole input).
const INTERN_MAX: usize = 16;
/// Longer strings: how many recent ones per column are kept for reuse.
const RECENT_STRINGS: usize = 4;

pub struct JsonDecoder {
    /// Column names; looked up linearly starting at the column after the previous one,
    /// since records usually list fields in schema order (no hashing per field).
    names: Vec<Vec<u8>>,
    /// Each name's length and first 8 bytes (zero-padded): most keys are told apart (or
    /// matched outright) without a byte-string comparison.
    name_tags: Vec<(usize, u64)>,
    /// The last few long strings decoded per column (most recent first), reused when a
    /// record repeats one (timestamps of the same second, out of order by a few seconds)
    /// (symbols, timestamps of the same second).
    recent: Vec<Recent<Vec<u8>, Arc<str>>>,
    types: Vec<DataType>,
    style: TsStyle,
    fail_on_missing: bool,
    seen: Vec<bool>,
    /// Recently seen short strings (symbols, statuses) shared instead of re-allocated.
    interned: hashbrown::HashMap<Vec<u8>, Arc<str>>,
    scratch: Vec<u8>,
}

impl JsonDecoder {
    pub fn new(schema: &Schema, opts: &Options) -> Result<Self> {
        Ok(JsonDecoder {
            names: schema.fields.iter().map(|f| f.name.as_bytes().to_vec()).collect(),
            name_tags: schema.fields.iter().map(|f| name_tag(f.name.as_bytes())).collect(),
            recent: (0..schema.len()).map(|_| Recent::new(RECENT_STRINGS)).collect(),
            types: schema.types(),
            style: ts_style(opts)?,
            fail_on_missing: opts.get("json.fail-on-missing-field") == Some("true"),
            seen: vec![false; schema.len()],
            interned: hashbrown::HashMap::new(),
            scratch: Vec::new(),
        })
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn expect(&mut self, c: u8) -> std::result::Result<(), String> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("malformed JSON: expected '{}' at byte {}", c as char, self.i))
        }
    }
    /// Parse a string body after the opening quote; returns raw slice if no escapes, else
    /// decodes into `scratch`.
    fn string<'s>(&mut self, scratch: &'s mut Vec<u8>) -> std::result::Result<StrRef<'a, 's>, String>
    where
        'a: 's,
    {
        let start = self.i;
        let rest = &self.b[start..];
        let found = memchr::memchr2(b'"', b'\\', rest);
        match found {
            Some(p) if rest[p] == b'"' => {
                self.i = start + p + 1;
                return Ok(StrRef::Raw(&self.b[start..start + p]));
            }
            None => return Err("malformed JSON: unterminated string".into()),
            _ => {}
        }
        scratch.clear();
        loop {
            let Some(c) = self.peek() else {
                return Err("malformed JSON: unterminated string".into());
            };
            self.i += 1;
            match c {
                b'"' => return Ok(StrRef::Owned(scratch)),
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err("malformed JSON: bad escape".into());
                    };
                    self.i += 1;
                    match e {
                        b'"' => scratch.push(b'"'),
                        b'\\' => scratch.push(b'\\'),
                        b'/' => scratch.push(b'/'),
                        b'b' => scratch.push(8),
                        b'f' => scratch.push(12),
                        b'n' => scratch.push(b'\n'),
                        b'r' => scratch.push(b'\r'),
                        b't' => scratch.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp) && self.b.get(self.i..self.i + 2) == Some(b"\\u") {
                                self.i += 2;
                                let lo = self.hex4()?;
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF);
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            scratch.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(format!("malformed JSON: bad escape '\\{}'", e as char)),
                    }
                }
                _ => scratch.push(c),
            }
        }
    }
    fn hex4(&mut self) -> std::result::Result<u32, String> {
        let h = self.b.get(self.i..self.i + 4).ok_or("malformed JSON: bad \\u escape")?;
        self.i += 4;
        u32::from_str_radix(std::str::from_utf8(h).map_err(|_| "bad \\u escape")?, 16)
            .map_err(|_| "malformed JSON: bad \\u escape".into())
    }
    /// Skip any JSON value, returning its raw text.
    fn skip_value(&mut self) -> std::result::Result<&'a [u8], String> {
        self.ws();
        let start = self.i;
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                let mut s = Vec::new();
                self.string(&mut s)?;
            }
            Some(b'{') | Some(b'[') => {
                let mut depth = 0i32;
                let mut in_str = false;
                while let Some(c) = self.peek() {
                    self.i += 1;
                    if in_str {
                        if c == b'\\' {
                            self.i += 1;
                        } else if c == b'"' {
                            in_str = false;
                        }
                        continue;
                    }
                    match c {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Ok(&self.b[start..self.i]);
                            }
                        }
                        _ => {}
                    }
                }
                return Err("malformed JSON: unterminated object or array".into());
            }
            Some(_) => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.i += 1;
                }
                if self.i == start {
                    return Err("malformed JSON: expected a value".into());
                }
            }
            None => return Err("malformed JSON: unexpected end of input".into()),
        }
        Ok(&self.b[start..self.i])
    }
}

enum StrRef<'a, 's> {
    Raw(&'a [u8]),
    Owned(&'s [u8]),
}

impl StrRef<'_, '_> {
    fn bytes(&self) -> &[u8] {
        match self {
            StrRef::Raw(b) => b,
            StrRef::Owned(b) => b,
        }
    }
}

#[inline]
fn name_tag(b: &[u8]) -> (usize, u64) {
    let mut head = [0u8; 8];
    let n = b.len().min(8);
    head[..n].copy_from_slice(&b[..n]);
    (b.len(), u64::from_le_bytes(head))
}

/// Plain JSON numbers into INT, BIGINT and DOUBLE without going through `str` parsing
/// (the common case in trade streams); `None` falls back to the general path, which also
/// produces the error messages.
#[inline]
fn fast_number(t: &DataType, raw: &[u8]) -> Option<Value> {
    match t {
        DataType::Int | DataType::BigInt => {
            let (neg, digits) = match raw.split_first() {
                Some((b'-', rest)) => (true, rest),
                _ => (false, raw),
            };
            if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let mut v: i64 = 0;
            for d in digits {
                v = v * 10 + i64::from(d - b'0');
            }
            let v = if neg { -v } else { v };
            if matches!(t, DataType::Int) {
                i32::try_from(v).ok().map(Value::Int)
            } else {
                Some(Value::BigInt(v))
            }
        }
        DataType::Double => fast_double(raw)
            .or_else(|| std::str::from_utf8(raw).ok()?.parse().ok())
            .map(Value::Double),
        _ => None,
    }
}

/// Powers of ten that are exact in an f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// A plain decimal (`-123.4500`, no exponent, at most 15 digits) as an f64, correctly
/// rounded: the digits form an integer below 2^53 and the scale is an exact power of ten,
/// so one IEEE division rounds once (Clinger's fast path). Anything else: `None`.
#[inline]
fn fast_double(raw: &[u8]) -> Option<f64> {
    let (neg, body) = match raw.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, raw),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut scale = None;
    for (i, c) in body.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                digits += 1;
            }
            b'.' if scale.is_none() && i > 0 && i + 1 < body.len() => scale = Some(body.len() - i - 1),
            _ => return None,
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    let v = mantissa as f64 / POW10[scale.unwrap_or(0)];
    Some(if neg { -v } else { v })
}

fn utf8(b: &[u8]) -> std::result::Result<&str, String> {
    std::str::from_utf8(b).map_err(|_| "invalid UTF-8 in string".to_string())
}

impl JsonDecoder {
    fn column_name(&self, col: usize) -> String {
        self.names
            .get(col)
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .unwrap_or_default()
    }

    #[inline]
    fn find(&self, key: &[u8], hint: usize) -> Option<usize> {
        let n = self.names.len();
        let tag = name_tag(key);
        (0..n)
            .map(|i| (hint + i) % n)
            .find(|i| self.name_tags[*i] == tag && (key.len() <= 8 || self.names[*i][8..] == key[8..]))
    }

    fn string_value(&mut self, col: usize, b: &[u8]) -> std::result::Result<Value, String> {
        if b.len() <= INTERN_MAX {
            // Short strings (symbols, statuses) are shared through the intern map.
            return self.intern(b);
        }
        let recent = &mut self.recent[col];
        if let Some(s) = recent.find(|bytes| bytes.as_slice() == b) {
            return Ok(Value::Str(s.clone()));
        }
        let s: Arc<str> = Arc::from(utf8(b)?);
        recent.insert_with(
            |old| {
                // Reuse the evicted entry's buffer.
                let mut bytes = old.unwrap_or_default();
                bytes.clear();
                bytes.extend_from_slice(b);
                bytes
            },
            s.clone(),
        );
        Ok(Value::Str(s))
    }

    fn intern(&mut self, b: &[u8]) -> std::result::Result<Value, String> {
        if b.len() <= INTERN_MAX {
            if let Some(s) = self.interned.get(b) {
                return Ok(Value::Str(s.clone()));
            }
            let s: Arc<str> = Arc::from(utf8(b)?);
            if self.interned.len() < 4096 {
                self.interned.insert(b.to_vec(), s.clone());
            }
            return Ok(Value::Str(s));
        }
        Ok(Value::Str(Arc::from(utf8(b)?)))
    }

    fn typed_from_text(&self, col: usize, text: &str, quoted: bool) -> std::result::Result<Value, String> {
        typed_from_text(&self.types[col], self.style, text, quoted)
    }
}

/// A JSON array read into an ARRAY<e> (the elements as a column of type `e` reads them).
fn array_value(e: &DataType, style: TsStyle, raw: &[u8]) -> std::result::Result<Value, String> {
    let json: serde_json::Value = serde_json::from_slice(raw).map_err(|err| format!("malformed JSON array: {err}"))?;
    let serde_json::Value::Array(items) = json else {
        return Err(format!(
            "cannot read JSON {} as ARRAY<{e}>",
            String::from_utf8_lossy(raw)
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        out.push(match item {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::String(text) if e.is_string() => Value::str(text),
            serde_json::Value::String(text) => typed_from_text(e, style, text, true)?,
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                return Err(format!("cannot read a nested JSON value {item} as {e}"))
            }
            other => typed_from_text(e, style, &other.to_string(), false)?,
        });
    }
    Ok(Value::Array(out.into()))
}

/// A TIME as Flink's JSON format reads it: `HH:mm:ss` with an optional fraction of up to
/// nine digits (kept to the millisecond).
fn parse_json_time(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    let two = |i: usize| -> Option<i32> {
        let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
        (x.is_ascii_digit() && y.is_ascii_digit()).then(|| ((x - b'0') * 10 + (y - b'0')) as i32)
    };
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, sec) = (two(0)?, two(3)?, two(6)?);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let mut ms = 0;
    if b.len() > 8 {
        let frac = &b[9..];
        if b[8] != b'.' || frac.is_empty() || frac.len() > 9 || !frac.iter().all(u8::is_ascii_digit) {
            return None;
        }
        for (i, d) in frac.iter().take(3).enumerate() {
            ms += (d - b'0') as i32 * [100, 10, 1][i];
        }
    }
    Some(h * 3_600_000 + m * 60_000 + sec * 1000 + ms)
}

fn typed_from_text(t: &DataType, style: TsStyle, text: &str, quoted: bool) -> std::result::Result<Value, String> {
    let bad = || {
        format!(
            "cannot read {} value {} as {t}",
            if quoted { "string" } else { "JSON" },
            if quoted {
                format!("\"{text}\"")
            } else {
                text.to_string()
            }
        )
    };
    Ok(match t {
        DataType::Int => Value::Int(text.trim().parse().map_err(|_| bad())?),
        DataType::BigInt => Value::BigInt(text.trim().parse().map_err(|_| bad())?),
        DataType::Double => Value::Double(text.trim().parse().map_err(|_| bad())?),
        DataType::Float => Value::Float(text.trim().parse().map_err(|_| bad())?),
        // Exact, as Flink's reader (a BigDecimal, then DecimalData.fromBigDecimal): rounded
        // HALF_UP to the scale, NULL when it does not fit the precision.
        DataType::Decimal(p, s) => match Decimal::parse(text.trim(), *p, *s).map_err(|_| bad())? {
            Some(d) => Value::Decimal(d),
            None => Value::Null,
        },
        DataType::Boolean => match text.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad()),
        },
        DataType::Timestamp(_) => {
            let sep = if style == TsStyle::Iso { b'T' } else { b' ' };
            Value::Timestamp(time::parse_timestamp(text, Some(sep)).ok_or_else(|| {
                format!(
                    "unparsable timestamp \"{text}\" (expected {})",
                    if style == TsStyle::Iso {
                        "yyyy-MM-ddTHH:mm:ss[.SSS]"
                    } else {
                        "yyyy-MM-dd HH:mm:ss[.SSS]"
                    }
                )
            })?)
        }
        DataType::TimestampLtz(_) => Value::Timestamp(
            time::parse_timestamp(text, None).ok_or_else(|| format!("unparsable timestamp \"{text}\""))?,
        ),
        DataType::Date => Value::Date(time::parse_date(text).ok_or_else(|| format!("unparsable date \"{text}\""))?),
        DataType::Varchar(_) => Value::str(text),
        DataType::Interval | DataType::Null => Value::Null,
        DataType::Bytes(_) if quoted => Value::Bytes(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| format!("cannot read \"{text}\" as base64 BYTES"))?
                .into(),
        ),
        DataType::Time(_) if quoted => Value::Time(
            parse_json_time(text).ok_or_else(|| format!("unparsable time \"{text}\" (expected HH:mm:ss[.SSS])"))?,
        ),
        DataType::Bytes(_) | DataType::Time(_) | DataType::Array(_) => return Err(bad()),
    })
}

impl Decoder for JsonDecoder {
    fn decode(&mut self, record: &[u8]) -> std::result::Result<Row, String> {
        // Filled by writing NULLs (`vec![Value::Null; n]` clones the value n times).
        let mut row: Row = Vec::with_capacity(self.types.len());
        row.resize_with(self.types.len(), || Value::Null);
        self.seen.iter_mut().for_each(|s| *s = false);
        let mut c = Cursor { b: record, i: 0 };
        c.expect(b'{')?;
        c.ws();
        if c.peek() == Some(b'}') {
            c.i += 1;
        } else {
            let mut key_scratch = Vec::new();
            let mut hint = 0;
            loop {
                c.expect(b'"')?;
                let col = {
                    let key = c.string(&mut key_scratch)?;
                    self.find(key.bytes(), hint)
                };
                if let Some(col) = col {
                    hint = col + 1;
                }
                c.expect(b':')?;
                c.ws();
                match col {
                    None => {
                        c.skip_value()?;
                    }
                    Some(col) => {
                        self.seen[col] = true;
                        let v = match c.peek() {
                            Some(b'"') => {
                                c.i += 1;
                                let mut scratch = std::mem::take(&mut self.scratch);
                                let s = c.string(&mut scratch)?;
                                let v = if self.types[col].is_string() {
                                    self.string_value(col, s.bytes())
                                } else {
                                    let text = utf8(s.bytes())?.to_string();
                                    self.typed_from_text(col, &text, true)
                                };
                                self.scratch = scratch;
                                v.map_err(|e| format!("field `{}`: {e}", self.column_name(col)))?
                            }
                            Some(b'n') if record.get(c.i..c.i + 4) == Some(b"null") => {
                                c.i += 4;
                                Value::Null
                            }
                            _ => {
                                let raw = c.skip_value()?;
                                match fast_number(&self.types[col], raw) {
                                    Some(v) => v,
                                    None => {
                                        let text = utf8(raw)?;
                                        let v = if self.types[col].is_string() {
                                            Ok(Value::str(text))
                                        } else if let (DataType::Array(e), Some(b'[')) = (&self.types[col], raw.first())
                                        {
                                            array_value(e, self.style, raw)
                                        } else if matches!(raw.first(), Some(b'{') | Some(b'[')) {
                                            Err(format!(
                                                "cannot read JSON {} as {}",
                                                if raw[0] == b'{' { "object" } else { "array" },
                                                self.types[col]
                                            ))
                                        } else {
                                            self.typed_from_text(col, text, false)
                                        };
                                        v.map_err(|e| format!("field `{}`: {e}", self.column_name(col)))?
                                    }
                                }
                            }
                        };
                        row[col] = v;
                    }
                }
                c.ws();
                match c.peek() {
                    Some(b',') => {
                        c.i += 1;
                        c.ws();
                    }
                    Some(b'}') => {
                        c.i += 1;
                        break;
                    }
                    _ => return Err(format!("malformed JSON: expected ',' or '}}' at byte {}", c.i)),
                }
            }
        }
        c.ws();
        if c.i != record.len() {
            return Err(format!("malformed JSON: trailing characters at byte {}", c.i));
        }
        if self.fail_on_missing {
            if let Some(missing) = self.seen.iter().position(|s| !s) {
                return Err(format!("missing field `{}`", self.column_name(missing)));
            }
        }
        Ok(row)
    }
}

pub struct JsonEncoder {
    keys: Vec<Vec<u8>>,
    types: Vec<DataType>,
    style: TsStyle,
    ignore_nulls: bool,
}

impl JsonEncoder {
    pub fn new(schema: &Schema, opts: &Options) -> Result<Self> {
        Ok(JsonEncoder {
            keys: schema
                .fields
                .iter()
                .map(|f| {
                    let mut k = Vec::new();
                    write_json_string(&mut k, &f.name);
                    k.push(b':');
                    k
                })
                .collect(),
            types: schema.types(),
            style: ts_style(opts)?,
            ignore_nulls: opts.get("json.encode.ignore-null-fields") == Some("true"),
        })
    }
}

/// Write a JSON string literal the way Jackson does (non-ASCII kept as UTF-8).
pub fn write_json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => out.extend_from_slice(format!("\\u{b:04X}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

impl Encoder for JsonEncoder {
    fn encode(&mut self, row: &Row, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        for (i, v) in row.iter().enumerate() {
            if self.ignore_nulls && v.is_null() {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(&self.keys[i]);
            write_value(out, v, &self.types[i], self.style);
        }
        out.push(b'}');
    }
}

/// One value as Flink's JSON format writes it; `t` is the column's type (an ARRAY's elements
/// are written as columns of its element type).
fn write_value(out: &mut Vec<u8>, v: &Value, t: &DataType, style: TsStyle) {
    use std::io::Write;
    let _ = match v {
        Value::Null => write!(out, "null"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Int(x) => write!(out, "{x}"),
        Value::BigInt(x) => write!(out, "{x}"),
        // Jackson (Flink's JSON) quotes NaN and the infinities: bare, they are not JSON.
        Value::Float(x) if !x.is_finite() => write!(out, "\"{}\"", java_float(*x)),
        Value::Double(x) if !x.is_finite() => write!(out, "\"{}\"", java_double(*x)),
        Value::Float(x) => write!(out, "{}", java_float(*x)),
        Value::Double(x) => write!(out, "{}", java_double(*x)),
        Value::Decimal(x) => write!(out, "{}", x.to_json_string()),
        Value::Str(s) => {
            write_json_string(out, s);
            Ok(())
        }
        Value::Date(d) => write!(out, "\"{}\"", time::format_date(*d)),
        Value::Timestamp(ms) => {
            let p = match t {
                DataType::Timestamp(p) | DataType::TimestampLtz(p) => *p,
                _ => 3,
            };
            let text = match (style, t) {
                (TsStyle::Iso, _) => time::format_timestamp_iso(*ms, p),
                (_, DataType::TimestampLtz(_)) => format!("{}Z", time::format_timestamp_sql(*ms, p)),
                _ => time::format_timestamp_sql(*ms, p),
            };
            write!(out, "\"{text}\"")
        }
        Value::Interval(ms) => write!(out, "{ms}"),
        // Jackson writes a byte[] as base64 text
        Value::Bytes(b) => write!(out, "\"{}\"", base64::engine::general_purpose::STANDARD.encode(b)),
        Value::Time(ms) => write!(out, "\"{}\"", time::format_time_json(*ms)),
        Value::Array(items) => {
            let e = t.element().unwrap_or(&DataType::Null);
            out.push(b'[');
            for (k, x) in items.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                write_value(out, x, e, style);
            }
            out.push(b']');
            Ok(())
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_common::Field;

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("symbol", DataType::STRING),
            Field::new("price", DataType::Double),
            Field::new("volume", DataType::Int),
            Field::new("ts", DataType::Timestamp(3)),
        ])
    }

    #[test]
    fn fast_doubles_equal_the_standard_parse() {
        for t in [
            "0",
            "1",
            "-1",
            "230.27",
            "0.1",
            "0.3",
            "123456.789012",
            "-0.5",
            "99999999999999.9",
            "1.000000000000001",
            "437.04",
            "7",
            "1e5",
            "1.5E-3",
            ".5",
            "5.",
            "-",
            "1.2.3",
            "12345678901234567",
        ] {
            let want: Option<f64> = t.parse().ok();
            // `None` leaves the text to the standard parse.
            if let Some(v) = fast_double(t.as_bytes()) {
                assert_eq!(Some(v.to_bits()), want.map(f64::to_bits), "{t}");
            }
        }
        // Many decimals of every length and scale: bit-for-bit the standard parse.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut fast = 0;
        for _ in 0..200_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let digits = 1 + (x >> 60) as usize % 15;
            let m = (x >> 4) % 10u64.pow(digits as u32);
            let scale = (x as usize >> 2) % (digits + 1);
            let text = format!("{m:0digits$}");
            let t = if scale == 0 {
                text
            } else {
                format!(
                    "{}.{}",
                    &text[..digits - scale]
                        .trim_start_matches('0')
                        .to_string()
                        .max("0".into()),
                    &text[digits - scale..]
                )
            };
            let want: f64 = t.parse().unwrap();
            if let Some(v) = fast_double(t.as_bytes()) {
                assert_eq!(v.to_bits(), want.to_bits(), "{t}");
                fast += 1;
            }
        }
        assert!(fast > 150_000, "the fast path takes most plain decimals ({fast})");
        assert_eq!(fast_double(b"230.27"), Some(230.27));
        assert_eq!(fast_double(b"1e5"), None);
    }

    #[test]
    fn decodes_flat_objects() {
        let mut d = JsonDecoder::new(&schema(), &Options::default()).unwrap();
        let row = d.decode(br#"{"symbol": "AMZN", "price": 331.35, "extra": {"a": [1, 2]}, "volume": 8776, "ts": "2025-07-01 09:00:00.5"}"#).unwrap();
        assert_eq!(row[0], Value::str("AMZN"));
        assert_eq!(row[1], Value::Double(331.35));
        assert_eq!(row[2], Value::Int(8776));
        assert_eq!(row[3], Value::Timestamp(1_751_360_400_500));
        let row = d.decode(br#"{"symbol": "A\"\u00e9"}"#).unwrap();
        assert_eq!(row[0], Value::str("A\"é"));
        assert!(row[1].is_null());
    }

    #[test]
    fn reports_bad_records() {
        let mut d = JsonDecoder::new(&schema(), &Options::default()).unwrap();
        assert!(d.decode(b"{\"symbol\": \"A\"").unwrap_err().contains("malformed"));
        assert!(d.decode(b"not json").unwrap_err().contains("malformed"));
        let e = d.decode(br#"{"volume": "lots"}"#).unwrap_err();
        assert!(e.contains("volume") && e.contains("INT"), "{e}");
        let e = d.decode(br#"{"ts": "2025-13-01 00:00:00"}"#).unwrap_err();
        assert!(e.contains("unparsable timestamp"), "{e}");
    }

    #[test]
    fn bytes_time_and_arrays_as_flink() {
        // Flink 2.3's json format: BYTES as base64, TIME as HH:mm:ss with the fraction only
        // when there is one, arrays as JSON arrays of their elements' forms
        let schema = Schema::new(vec![
            Field::new("b", DataType::Bytes(None)),
            Field::new("t", DataType::Time(3)),
            Field::new("a", DataType::Array(Box::new(DataType::STRING))),
            Field::new("ts", DataType::Array(Box::new(DataType::Timestamp(3)))),
            Field::new("ti", DataType::Array(Box::new(DataType::Time(0)))),
        ]);
        let mut d = JsonDecoder::new(&schema, &Options::default()).unwrap();
        let line = br#"{"b":"SGVsbG8=","t":"12:00:00.5","a":["x",null,""],"ts":["2025-07-01 09:01:02.345",null],"ti":["09:01:02.345","00:00:00"]}"#;
        let row = d.decode(line).unwrap();
        assert_eq!(row[0], Value::Bytes(b"Hello".to_vec().into()));
        assert_eq!(row[1], Value::Time(43_200_500));
        assert_eq!(row[2].to_string(), "[x, NULL, ]");
        assert_eq!(
            row[4],
            Value::Array(vec![Value::Time(32_462_345), Value::Time(0)].into())
        );
        let mut e = JsonEncoder::new(&schema, &Options::default()).unwrap();
        let mut out = Vec::new();
        e.encode(&row, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), std::str::from_utf8(line).unwrap());
        let e1 = d.decode(br#"{"t":"9:01:02"}"#).unwrap_err();
        assert!(e1.contains("unparsable time"), "{e1}");
        let e2 = d.decode(br#"{"b":"not base64!"}"#).unwrap_err();
        assert!(e2.contains("base64"), "{e2}");
        let e3 = d.decode(br#"{"a":"x"}"#).unwrap_err();
        assert!(e3.contains("ARRAY<STRING>"), "{e3}");
    }

    #[test]
    fn encodes_like_flink() {
        let mut e = JsonEncoder::new(&schema(), &Options::default()).unwrap();
        let mut out = Vec::new();
        e.encode(
            &vec![
                Value::str("A\"B"),
                Value::Double(2375.0),
                Value::Null,
                Value::Timestamp(1_751_360_400_000),
            ],
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"symbol":"A\"B","price":2375.0,"volume":null,"ts":"2025-07-01 09:00:00"}"#
        );
    }
}
