//! String functions, with Flink 2.3's answers (checked against Flink on the
//! `functions_string` golden case).
//!
//! Positions and lengths count Unicode code points, as Flink's `BinaryStringData` does
//! (`CHAR_LENGTH('emoji 😀')` is 7), except `LPAD`/`RPAD`, which Flink runs on Java
//! strings and so count UTF-16 units (`LPAD('😀', 3, '.')` is `'.😀'`). Korean text is in
//! the Basic Multilingual Plane, where the two agree.

use std::cell::RefCell;
use std::collections::HashMap;

use base64::Engine;
use newsflow_common::charset::Charset;
use newsflow_common::{DataType, Value};
use regex::Regex;

use super::{ret_bool, ret_int, ret_string, Builtin};

pub const FUNCS: &[Builtin] = &[
    Builtin::strict("INSTR", 2, 4, ret_int, instr),
    Builtin::strict("LOCATE", 2, 3, ret_int, locate),
    Builtin::strict("STARTSWITH", 2, 2, ret_bool, starts_with),
    Builtin::strict("ENDSWITH", 2, 2, ret_bool, ends_with),
    Builtin::strict("LTRIM", 1, 2, ret_string, ltrim),
    Builtin::strict("RTRIM", 1, 2, ret_string, rtrim),
    Builtin::strict("BTRIM", 1, 2, ret_string, btrim),
    Builtin::strict("LPAD", 3, 3, ret_string, lpad),
    Builtin::strict("RPAD", 3, 3, ret_string, rpad),
    Builtin::strict("INITCAP", 1, 1, ret_string, initcap),
    Builtin::strict("SPLIT_INDEX", 3, 3, ret_string, split_index),
    Builtin::strict("TRANSLATE", 3, 3, ret_string, translate),
    Builtin::strict("REPEAT", 2, 2, ret_string, repeat),
    Builtin::strict("REGEXP_REPLACE", 3, 3, ret_string, regexp_replace),
    Builtin::strict("REGEXP_EXTRACT", 2, 3, ret_string, regexp_extract),
    Builtin::strict("REGEXP", 2, 2, ret_bool, regexp),
    Builtin::strict("REGEXP_COUNT", 2, 2, ret_int, regexp_count),
    Builtin::strict("REGEXP_INSTR", 2, 2, ret_int, regexp_instr),
    Builtin::strict("REGEXP_SUBSTR", 2, 2, ret_string, regexp_substr),
    Builtin::strict("ASCII", 1, 1, ret_int, ascii),
    Builtin::strict("CHR", 1, 1, ret_string, chr),
    Builtin::strict("TO_BASE64", 1, 1, ret_string, to_base64),
    Builtin::strict("FROM_BASE64", 1, 1, ret_string, from_base64),
    Builtin::strict("HEX", 1, 1, ret_string, hex),
    Builtin::strict("UNHEX", 1, 1, ret_unhex, unhex),
    Builtin::strict("ENCODE", 2, 2, ret_encode, encode),
    Builtin::strict("DECODE", 2, 2, ret_decode, decode),
    Builtin::strict("URL_ENCODE", 1, 1, ret_string, url_encode),
    Builtin::strict("URL_DECODE", 1, 1, ret_string, url_decode),
    Builtin::strict("JSON_QUOTE", 1, 1, ret_string, json_quote),
    Builtin::nullable("PRINTF", 1, 64, ret_string, printf),
    Builtin::strict("ELT", 2, 64, ret_elt, elt),
    Builtin::nullable("IS_ALPHA", 1, 1, ret_bool_not_null, is_alpha),
    Builtin::nullable("IS_DIGIT", 1, 1, ret_bool_not_null, is_digit),
    Builtin::nullable("IS_DECIMAL", 1, 1, ret_bool_not_null, is_decimal),
    Builtin::strict("OVERLAY", 3, 4, ret_string, overlay),
];

fn ret_bool_not_null(_: &[DataType]) -> Result<DataType, String> {
    Ok(DataType::Boolean)
}

fn ret_elt(args: &[DataType]) -> Result<DataType, String> {
    let mut t = DataType::Null;
    for a in &args[1..] {
        t = DataType::common(&t, a).ok_or_else(|| format!("arguments of types {t} and {a} have no common type"))?;
    }
    Ok(t)
}

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(_) | Value::BigInt(_) => v.as_i64(),
        _ => None,
    }
}

fn chars(x: &str) -> Vec<char> {
    x.chars().collect()
}

/// 0-based code-point index of `needle` in `hay` at or after code point `from`.
fn index_of(hay: &[char], needle: &[char], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    if needle.len() > hay.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()] == *needle)
}

fn instr_at(hay: &[char], needle: &[char], start: i64, nth: i64) -> i64 {
    if start == 0 {
        return 0;
    }
    if start > 0 {
        let mut from = start;
        let mut index = 0;
        for _ in 0..nth {
            index = match index_of(hay, needle, (from - 1) as usize) {
                Some(i) => i as i64 + 1,
                None => return 0,
            };
            from = index + 1;
        }
        index
    } else {
        let rh: Vec<char> = hay.iter().rev().copied().collect();
        let rn: Vec<char> = needle.iter().rev().copied().collect();
        match instr_at(&rh, &rn, -start, nth) {
            0 => 0,
            pos => hay.len() as i64 + 2 - pos - needle.len() as i64,
        }
    }
}

/// INSTR(str, sub [, start [, nth]]): 1-based position of the nth occurrence from `start`
/// (negative: counted from the end, searching backwards); 0 if none.
fn instr(a: &[Value]) -> Value {
    let (Some(x), Some(sub)) = (s(&a[0]), s(&a[1])) else {
        return Value::Null;
    };
    let start = a.get(2).and_then(int).unwrap_or(1);
    let nth = a.get(3).and_then(int).unwrap_or(1);
    if nth <= 0 {
        return Value::Null;
    }
    Value::Int(instr_at(&chars(x), &chars(sub), start, nth) as i32)
}

/// LOCATE(needle, hay [, from]): 1-based position, 0 if not found; an empty needle is 1.
fn locate(a: &[Value]) -> Value {
    let (Some(needle), Some(hay)) = (s(&a[0]), s(&a[1])) else {
        return Value::Null;
    };
    let from = a.get(2).and_then(int).unwrap_or(1);
    if needle.is_empty() {
        return Value::Int(1);
    }
    if from < 1 {
        return Value::Int(0);
    }
    let hay = chars(hay);
    Value::Int(index_of(&hay, &chars(needle), (from - 1) as usize).map_or(0, |i| i as i32 + 1))
}

fn starts_with(a: &[Value]) -> Value {
    match (s(&a[0]), s(&a[1])) {
        (Some(x), Some(p)) => Value::Bool(x.starts_with(p)),
        _ => Value::Null,
    }
}

fn ends_with(a: &[Value]) -> Value {
    match (s(&a[0]), s(&a[1])) {
        (Some(x), Some(p)) => Value::Bool(x.ends_with(p)),
        _ => Value::Null,
    }
}

/// The characters to trim: the second argument, else a space (Flink trims only ' ').
fn trim_set(a: &[Value]) -> Option<Vec<char>> {
    match a.get(1) {
        Some(v) => s(v).map(chars),
        None => Some(vec![' ']),
    }
}

fn ltrim(a: &[Value]) -> Value {
    match (s(&a[0]), trim_set(a)) {
        (Some(x), Some(set)) => Value::str(x.trim_start_matches(|c| set.contains(&c))),
        _ => Value::Null,
    }
}

fn rtrim(a: &[Value]) -> Value {
    match (s(&a[0]), trim_set(a)) {
        (Some(x), Some(set)) => Value::str(x.trim_end_matches(|c| set.contains(&c))),
        _ => Value::Null,
    }
}

fn btrim(a: &[Value]) -> Value {
    match (s(&a[0]), trim_set(a)) {
        (Some(x), Some(set)) => Value::str(x.trim_matches(|c| set.contains(&c))),
        _ => Value::Null,
    }
}

/// TRIM([BOTH|LEADING|TRAILING] chars FROM x): `side` 0 both, 1 leading, 2 trailing.
pub fn trim_chars(x: &str, set: &str, side: u8) -> String {
    let set = chars(set);
    let f = |c: char| set.contains(&c);
    match side {
        1 => x.trim_start_matches(f),
        2 => x.trim_end_matches(f),
        _ => x.trim_matches(f),
    }
    .to_string()
}

/// LPAD/RPAD on UTF-16 units, as Flink's Java implementation.
fn pad(a: &[Value], left: bool) -> Value {
    let (Some(x), Some(n), Some(p)) = (s(&a[0]), int(&a[1]), s(&a[2])) else {
        return Value::Null;
    };
    if n < 0 || p.is_empty() {
        return Value::Null;
    }
    let n = n as usize;
    let base: Vec<u16> = x.encode_utf16().collect();
    let padding: Vec<u16> = p.encode_utf16().collect();
    let fill = n.saturating_sub(base.len());
    let mut out: Vec<u16> = Vec::with_capacity(n);
    if left {
        out.extend(padding.iter().cycle().take(fill));
        out.extend(base.iter().take(n - fill));
    } else {
        out.extend(base.iter().take(n));
        out.extend(padding.iter().cycle().take(fill));
    }
    Value::str(&String::from_utf16_lossy(&out))
}

fn lpad(a: &[Value]) -> Value {
    pad(a, true)
}

fn rpad(a: &[Value]) -> Value {
    pad(a, false)
}

/// INITCAP as Calcite/Flink: only ASCII letters and digits make up words; the first ASCII
/// letter of a word is upper-cased, later ASCII capitals lower-cased; other characters
/// (also non-ASCII letters) end a word and are kept as they are.
fn initcap(a: &[Value]) -> Value {
    let Some(x) = s(&a[0]) else { return Value::Null };
    let mut out = String::with_capacity(x.len());
    let mut start = true;
    for c in x.chars() {
        if start {
            if c.is_ascii_alphanumeric() {
                start = false;
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
        } else if c.is_ascii_uppercase() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            start = true;
            out.push(c);
        }
    }
    Value::str(&out)
}

/// SPLIT_INDEX(str, sep, i): commons-lang `splitByWholeSeparatorPreserveAllTokens`, so an
/// empty string has no parts and an empty separator splits on whitespace.
fn split_index(a: &[Value]) -> Value {
    let (Some(x), Some(sep), Some(i)) = (s(&a[0]), s(&a[1]), int(&a[2])) else {
        return Value::Null;
    };
    if i < 0 || x.is_empty() {
        return Value::Null;
    }
    let part = if sep.is_empty() {
        x.split(char::is_whitespace).nth(i as usize)
    } else {
        x.split(sep).nth(i as usize)
    };
    part.map(Value::str).unwrap_or(Value::Null)
}

/// TRANSLATE(s, from, to): each character of `from` becomes the character at the same place
/// in `to`, or is removed when `to` is shorter.
fn translate(a: &[Value]) -> Value {
    let (Some(x), Some(from), Some(to)) = (s(&a[0]), s(&a[1]), s(&a[2])) else {
        return Value::Null;
    };
    let from = chars(from);
    let to = chars(to);
    let out: String = x
        .chars()
        .filter_map(|c| match from.iter().position(|f| *f == c) {
            Some(i) => to.get(i).copied(),
            None => Some(c),
        })
        .collect();
    Value::str(&out)
}

fn repeat(a: &[Value]) -> Value {
    match (s(&a[0]), int(&a[1])) {
        (Some(x), Some(n)) => Value::str(&x.repeat(n.clamp(0, 1 << 20) as usize)),
        _ => Value::Null,
    }
}

thread_local! {
    static REGEX_CACHE: RefCell<HashMap<String, Option<Regex>>> = RefCell::new(HashMap::new());
}

/// A compiled pattern (cached per thread); `None` for one Rust's regex cannot take (Flink
/// answers NULL, or FALSE for REGEXP, on a pattern its Java regex rejects).
fn with_regex<T>(pattern: &str, f: impl FnOnce(&Regex) -> T) -> Option<T> {
    REGEX_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 256 {
            c.clear();
        }
        let re = c.entry(pattern.to_string()).or_insert_with(|| Regex::new(pattern).ok());
        re.as_ref().map(f)
    })
}

/// Whether Rust's regex accepts a pattern (the planner refuses one it cannot take).
pub fn regex_ok(pattern: &str) -> Result<(), String> {
    Regex::new(pattern).map(|_| ()).map_err(|e| e.to_string())
}

/// REGEXP_REPLACE: every match replaced by the literal replacement (Flink quotes it, so
/// `$1` is not a group reference).
fn regexp_replace(a: &[Value]) -> Value {
    let (Some(x), Some(p), Some(r)) = (s(&a[0]), s(&a[1]), s(&a[2])) else {
        return Value::Null;
    };
    with_regex(p, |re| Value::str(&re.replace_all(x, regex::NoExpand(r)))).unwrap_or(Value::Null)
}

/// REGEXP_EXTRACT(s, p [, group]): the group (default 0, the whole match) of the first match.
fn regexp_extract(a: &[Value]) -> Value {
    let (Some(x), Some(p)) = (s(&a[0]), s(&a[1])) else {
        return Value::Null;
    };
    let g = a.get(2).and_then(int).unwrap_or(0);
    if g < 0 {
        return Value::Null;
    }
    with_regex(p, |re| {
        re.captures(x)
            .and_then(|c| c.get(g as usize))
            .map(|m| Value::str(m.as_str()))
            .unwrap_or(Value::Null)
    })
    .unwrap_or(Value::Null)
}

fn regexp(a: &[Value]) -> Value {
    let (Some(x), Some(p)) = (s(&a[0]), s(&a[1])) else {
        return Value::Null;
    };
    if p.is_empty() {
        return Value::Bool(false);
    }
    Value::Bool(with_regex(p, |re| re.is_match(x)).unwrap_or(false))
}

fn regexp_count(a: &[Value]) -> Value {
    let (Some(x), Some(p)) = (s(&a[0]), s(&a[1])) else {
        return Value::Null;
    };
    with_regex(p, |re| Value::Int(re.find_iter(x).count() as i32)).unwrap_or(Value::Null)
}

fn regexp_instr(a: &[Value]) -> Value {
    let (Some(x), Some(p)) = (s(&a[0]), s(&a[1])) else {
        return Value::Null;
    };
    with_regex(p, |re| {
        Value::Int(re.find(x).map_or(0, |m| x[..m.start()].chars().count() as i32 + 1))
    })
    .unwrap_or(Value::Null)
}

fn regexp_substr(a: &[Value]) -> Value {
    let (Some(x), Some(p)) = (s(&a[0]), s(&a[1])) else {
        return Value::Null;
    };
    with_regex(p, |re| {
        re.find(x).map(|m| Value::str(m.as_str())).unwrap_or(Value::Null)
    })
    .unwrap_or(Value::Null)
}

/// ASCII: the first UTF-8 byte as a signed byte (Flink reads bytes: '안' is -20); 0 for ''.
fn ascii(a: &[Value]) -> Value {
    match s(&a[0]) {
        Some(x) => Value::Int(x.as_bytes().first().map_or(0, |b| *b as i8 as i32)),
        None => Value::Null,
    }
}

/// CHR(n): the character whose code is `n mod 256` ('' for a negative n).
fn chr(a: &[Value]) -> Value {
    let Some(n) = int(&a[0]) else { return Value::Null };
    if n < 0 {
        return Value::str("");
    }
    let c = char::from((n & 0xFF) as u8);
    Value::str(&c.to_string())
}

/// The bytes of a STRING (UTF-8) or BYTES value.
pub(crate) fn bytes_of(v: &Value) -> Option<&[u8]> {
    match v {
        Value::Str(x) => Some(x.as_bytes()),
        Value::Bytes(b) => Some(b),
        _ => None,
    }
}

fn to_base64(a: &[Value]) -> Value {
    match bytes_of(&a[0]) {
        Some(x) => Value::str(&base64::engine::general_purpose::STANDARD.encode(x)),
        None => Value::Null,
    }
}

fn ret_unhex(args: &[DataType]) -> Result<DataType, String> {
    string_arg(&args[0])?;
    Ok(DataType::Bytes(None))
}

fn string_arg(t: &DataType) -> Result<(), String> {
    if t.is_string() || *t == DataType::Null {
        Ok(())
    } else {
        Err(format!("expects a STRING, got {t}"))
    }
}

/// UNHEX(s), as Flink's (Spark's) `unhex`: pairs of hex digits from the end; an odd first
/// digit is checked but left out (its byte is 0); anything that is not a hex digit gives NULL.
fn unhex(a: &[Value]) -> Value {
    let Some(x) = s(&a[0]) else { return Value::Null };
    let b = x.as_bytes();
    let digit = |c: u8| (c as char).to_digit(16).filter(|_| c.is_ascii());
    let mut out = vec![0u8; b.len().div_ceil(2)];
    let (mut i, mut j) = (b.len() as isize - 2, out.len() as isize - 1);
    while i >= 0 {
        let (Some(l), Some(r)) = (digit(b[i as usize]), digit(b[i as usize + 1])) else {
            return Value::Null;
        };
        out[j as usize] = (l << 4 | r) as u8;
        i -= 2;
        j -= 1;
    }
    if i == -1 && digit(b[0]).is_none() {
        return Value::Null;
    }
    Value::Bytes(out.into())
}

fn ret_encode(args: &[DataType]) -> Result<DataType, String> {
    string_arg(&args[0])?;
    string_arg(&args[1])?;
    Ok(DataType::Bytes(None))
}

fn ret_decode(args: &[DataType]) -> Result<DataType, String> {
    if !args[0].is_bytes() && args[0] != DataType::Null {
        return Err(format!("expects BYTES, got {}", args[0]));
    }
    string_arg(&args[1])?;
    Ok(DataType::STRING)
}

/// ENCODE(s, charset): Java's `s.getBytes(charset)` (the compiler checks the charset).
fn encode(a: &[Value]) -> Value {
    match (s(&a[0]), a[1].as_str().and_then(Charset::by_name)) {
        (Some(x), Some(cs)) => Value::Bytes(cs.encode(x).into()),
        _ => Value::Null,
    }
}

/// DECODE(bytes, charset): Java's `new String(bytes, charset)`.
fn decode(a: &[Value]) -> Value {
    match (&a[0], a[1].as_str().and_then(Charset::by_name)) {
        (Value::Bytes(b), Some(cs)) => Value::str(&cs.decode(b)),
        _ => Value::Null,
    }
}

fn from_base64(a: &[Value]) -> Value {
    let Some(x) = s(&a[0]) else { return Value::Null };
    match base64::engine::general_purpose::STANDARD.decode(x.as_bytes()) {
        Ok(bytes) => Value::str(&String::from_utf8_lossy(&bytes)),
        Err(_) => Value::Null,
    }
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// HEX(x): an integer as Java's `Long.toHexString` (two's complement), a string as the hex
/// of its UTF-8 bytes; upper case.
fn hex(a: &[Value]) -> Value {
    match &a[0] {
        Value::Int(v) => Value::str(&format!("{:X}", *v as i64)),
        Value::BigInt(v) => Value::str(&format!("{v:X}")),
        Value::Str(x) => Value::str(&hex_bytes(x.as_bytes())),
        _ => Value::Null,
    }
}

/// URL_ENCODE as Java's `URLEncoder.encode(s, UTF-8)`: letters, digits and `.-*_` stay,
/// a space is `+`, every other byte `%XX`.
fn url_encode(a: &[Value]) -> Value {
    let Some(x) = s(&a[0]) else { return Value::Null };
    let mut out = String::with_capacity(x.len());
    for b in x.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Value::str(&out)
}

/// URL_DECODE as Java's `URLDecoder.decode(s, UTF-8)`: `+` is a space, `%XX` a byte; a
/// malformed escape gives NULL.
fn url_decode(a: &[Value]) -> Value {
    let Some(x) = s(&a[0]) else { return Value::Null };
    let b = x.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let h = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match h.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => out.push(v),
                    None => return Value::Null,
                }
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Value::str(&String::from_utf8_lossy(&out))
}

/// JSON_QUOTE: a JSON string literal as Flink writes it: `"`, `\`, `/` and control
/// characters escaped, every non-ASCII character as `\uXXXX` (lower-case hex). Flink walks
/// UTF-16 units but writes the code point at each one, so an emoji becomes its code point
/// followed by its low surrogate (`😀` → `\u1f600\ude00`); that is reproduced.
fn json_quote(a: &[Value]) -> Value {
    let Some(x) = s(&a[0]) else { return Value::Null };
    let mut out = String::with_capacity(x.len() + 2);
    out.push('"');
    for c in x.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                out.push_str(&format!("\\u{:04x}", c as u32));
                if (c as u32) > 0xFFFF {
                    let mut units = [0u16; 2];
                    c.encode_utf16(&mut units);
                    out.push_str(&format!("\\u{:04x}", units[1]));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Value::str(&out)
}

/// PRINTF(format, args…) as Java's `String.format` for the conversions `%s`, `%d`, `%f`,
/// `%x`, `%%` and `%n`, with flags `-`, `0` and a width (and a precision for `%f`/`%s`);
/// NULL arguments print as `null`. Other conversions give NULL.
fn printf(a: &[Value]) -> Value {
    let Some(fmt) = s(&a[0]) else { return Value::Null };
    let mut args = a[1..].iter();
    let mut out = String::new();
    let mut it = fmt.chars().peekable();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = it.peek() {
            if "-0+ ,".contains(f) {
                flags.push(f);
                it.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = it.peek() {
            if d.is_ascii_digit() {
                width.push(d);
                it.next();
            } else {
                break;
            }
        }
        let mut precision: Option<usize> = None;
        if it.peek() == Some(&'.') {
            it.next();
            let mut p = String::new();
            while let Some(&d) = it.peek() {
                if d.is_ascii_digit() {
                    p.push(d);
                    it.next();
                } else {
                    break;
                }
            }
            precision = p.parse().ok();
        }
        let Some(conv) = it.next() else { return Value::Null };
        let body = match conv {
            '%' => "%".to_string(),
            'n' => "\n".to_string(),
            's' | 'S' | 'd' | 'f' | 'x' | 'X' => {
                let v = args.next().cloned().unwrap_or(Value::Null);
                let text = match (conv, &v) {
                    (_, Value::Null) => "null".to_string(),
                    ('s' | 'S', v) => {
                        let t = v.to_string();
                        match precision {
                            Some(p) => t.chars().take(p).collect(),
                            None => t,
                        }
                    }
                    ('d', Value::Int(_) | Value::BigInt(_)) => {
                        let n = v.as_i64().unwrap_or(0);
                        if flags.contains('+') && n >= 0 {
                            format!("+{n}")
                        } else {
                            n.to_string()
                        }
                    }
                    ('f', v) => match v.as_f64() {
                        Some(x) => format!("{:.*}", precision.unwrap_or(6), x),
                        None => return Value::Null,
                    },
                    ('x', Value::Int(i)) => format!("{i:x}"),
                    ('x', Value::BigInt(i)) => format!("{i:x}"),
                    ('X', Value::Int(i)) => format!("{i:X}"),
                    ('X', Value::BigInt(i)) => format!("{i:X}"),
                    _ => return Value::Null,
                };
                if conv == 'S' {
                    text.to_uppercase()
                } else {
                    text
                }
            }
            _ => return Value::Null,
        };
        let w: usize = width.parse().unwrap_or(0);
        let len = body.chars().count();
        if len >= w {
            out.push_str(&body);
        } else if flags.contains('-') {
            out.push_str(&body);
            out.push_str(&" ".repeat(w - len));
        } else if flags.contains('0') && conv != 's' && body != "null" {
            let (sign, digits) = match body.strip_prefix('-') {
                Some(d) => ("-", d),
                None => ("", body.as_str()),
            };
            out.push_str(sign);
            out.push_str(&"0".repeat(w - len));
            out.push_str(digits);
        } else {
            out.push_str(&" ".repeat(w - len));
            out.push_str(&body);
        }
    }
    Value::str(&out)
}

/// ELT(n, e1, e2, …): the n-th expression (1-based); NULL when n is out of range.
fn elt(a: &[Value]) -> Value {
    match int(&a[0]) {
        Some(n) if n >= 1 && (n as usize) < a.len() => a[n as usize].clone(),
        _ => Value::Null,
    }
}

/// IS_ALPHA: a non-empty string of letters only (Java's `Character.isLetter`); FALSE for
/// NULL.
fn is_alpha(a: &[Value]) -> Value {
    Value::Bool(matches!(s(&a[0]), Some(x) if !x.is_empty() && x.chars().all(char::is_alphabetic)))
}

/// IS_DIGIT: a non-empty string of digits only (commons-lang `isNumeric`); FALSE for NULL.
fn is_digit(a: &[Value]) -> Value {
    Value::Bool(matches!(s(&a[0]), Some(x) if !x.is_empty() && x.chars().all(|c| c.is_numeric())))
}

/// IS_DECIMAL: a string Java parses as an int, a long or a double; FALSE for NULL.
fn is_decimal(a: &[Value]) -> Value {
    Value::Bool(match &a[0] {
        Value::Str(x) => !x.is_empty() && java_parses_double(x),
        Value::Null => false,
        v => v.as_f64().is_some(),
    })
}

/// What Java's `Double.parseDouble` accepts (after trimming ASCII control and space
/// characters): decimal digits with an optional sign, point and exponent, an optional
/// `d`/`f` suffix, `NaN` and `Infinity`.
fn java_parses_double(x: &str) -> bool {
    let t = x.trim_matches(|c: char| c <= ' ');
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    if t == "NaN" || t == "Infinity" {
        return true;
    }
    let t = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let (int_part, frac) = match mant.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mant, ""),
    };
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    let mant_ok = digits(int_part) && digits(frac) && !(int_part.is_empty() && frac.is_empty());
    let exp_ok = match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
    };
    mant_ok && exp_ok
}

/// OVERLAY(s PLACING r FROM start [FOR len]) on code points, as Flink's `overlay`.
fn overlay(a: &[Value]) -> Value {
    let (Some(x), Some(r), Some(start)) = (s(&a[0]), s(&a[1]), int(&a[2])) else {
        return Value::Null;
    };
    let xs = chars(x);
    let rs = chars(r);
    let len = match a.get(3) {
        Some(v) => match int(v) {
            Some(l) => l,
            None => return Value::Null,
        },
        None => rs.len() as i64,
    };
    if start <= 0 || start > xs.len() as i64 {
        return Value::str(x);
    }
    let start = start as usize;
    let mut out: String = xs[..start - 1].iter().collect();
    out.push_str(r);
    if len > 0 && start as i64 + len <= xs.len() as i64 {
        out.extend(&xs[start - 1 + len as usize..]);
    }
    Value::str(&out)
}

/// Java's `String.hashCode`-free helpers for digests: MD5, SHA-1, SHA-2 as lower-case hex of
/// the UTF-8 bytes.
pub fn digest_hex(algorithm: &str, bytes: &[u8]) -> Option<String> {
    use sha2::Digest;
    let out: Vec<u8> = match algorithm {
        "MD5" => md5::Md5::digest(bytes).to_vec(),
        "SHA1" => sha1::Sha1::digest(bytes).to_vec(),
        "SHA224" => sha2::Sha224::digest(bytes).to_vec(),
        "SHA256" => sha2::Sha256::digest(bytes).to_vec(),
        "SHA384" => sha2::Sha384::digest(bytes).to_vec(),
        "SHA512" => sha2::Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(out.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn pads_count_utf16_units_like_java() {
        assert_eq!(lpad(&[v("emoji 😀 ok"), Value::Int(8), v("*")]), v("emoji 😀"));
        assert_eq!(lpad(&[v("😀"), Value::Int(7), v(".")]), v(".....😀"));
        assert_eq!(rpad(&[v("ab"), Value::Int(5), v("*-")]), v("ab*-*"));
        assert_eq!(lpad(&[v("ab"), Value::Int(-1), v("*")]), Value::Null);
    }

    #[test]
    fn positions_and_searches() {
        assert_eq!(
            instr(&[v("a,b,,c"), v(","), Value::Int(-1), Value::Int(2)]),
            Value::Int(4)
        );
        assert_eq!(locate(&[v(","), v("a,b,,c"), Value::Int(3)]), Value::Int(4));
        assert_eq!(locate(&[v(""), v(""), Value::Int(3)]), Value::Int(1));
        assert_eq!(split_index(&[v(""), v(" "), Value::Int(0)]), Value::Null);
        assert_eq!(split_index(&[v("   "), v(" "), Value::Int(0)]), v(""));
    }

    #[test]
    fn encodings() {
        assert_eq!(ascii(&[v("안녕")]), Value::Int(-20));
        assert_eq!(chr(&[Value::Int(1000)]), v("è"));
        assert_eq!(hex(&[Value::Int(-1)]), v("FFFFFFFFFFFFFFFF"));
        assert_eq!(url_encode(&[v("a b*~")]), v("a+b*%7E"));
        assert_eq!(url_decode(&[v("a%20b+c")]), v("a b c"));
        assert_eq!(json_quote(&[v("é/😀")]), v("\"\\u00e9\\/\\u1f600\\ude00\""));
        assert_eq!(printf(&[v("%s|%5d"), Value::Null, Value::Int(7)]), v("null|    7"));
        assert_eq!(printf(&[v("%-4s|%05d"), v("ab"), Value::Int(-7)]), v("ab  |-0007"));
        assert!(java_parses_double("12.5") && java_parses_double("1e3") && !java_parses_double("1.2.3"));
    }

    #[test]
    fn initcap_touches_ascii_only() {
        assert_eq!(initcap(&[v("ÄÖÜ straße")]), v("ÄÖÜ StraßE"));
        assert_eq!(initcap(&[v("MiXeD cAsE")]), v("Mixed Case"));
    }
}
