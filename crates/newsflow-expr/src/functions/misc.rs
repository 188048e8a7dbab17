//! Hashes, URLs and IP addresses, with Flink 2.3's answers (checked on the `functions_misc`
//! golden case).

use newsflow_common::{DataType, Value};

use super::string::digest_hex;
use super::{ret_bigint, ret_string, Builtin};

pub const FUNCS: &[Builtin] = &[
    Builtin::strict("MD5", 1, 1, ret_string, |a| digest(a, "MD5")),
    Builtin::strict("SHA1", 1, 1, ret_string, |a| digest(a, "SHA1")),
    Builtin::strict("SHA224", 1, 1, ret_string, |a| digest(a, "SHA224")),
    Builtin::strict("SHA256", 1, 1, ret_string, |a| digest(a, "SHA256")),
    Builtin::strict("SHA384", 1, 1, ret_string, |a| digest(a, "SHA384")),
    Builtin::strict("SHA512", 1, 1, ret_string, |a| digest(a, "SHA512")),
    Builtin::strict("SHA2", 2, 2, ret_string, sha2),
    Builtin::strict("PARSE_URL", 2, 3, ret_string, parse_url),
    Builtin::strict("INET_ATON", 1, 1, ret_bigint, inet_aton),
    Builtin::strict("INET_NTOA", 1, 1, ret_string, inet_ntoa),
    Builtin::strict("CURRENT_DATABASE", 0, 0, ret_string_not_null, |_| {
        Value::str("default_database")
    }),
    Builtin::strict("CURRENT_CATALOG", 0, 0, ret_string_not_null, |_| {
        Value::str("default_catalog")
    }),
];

fn ret_string_not_null(_: &[DataType]) -> Result<DataType, String> {
    Ok(DataType::STRING)
}

/// A digest of a STRING (its UTF-8 bytes) or of BYTES.
fn digest(a: &[Value], algorithm: &str) -> Value {
    super::string::bytes_of(&a[0])
        .and_then(|x| digest_hex(algorithm, x))
        .map(|h| Value::str(&h))
        .unwrap_or(Value::Null)
}

/// SHA2(s, bits): bits 224, 256, 384 or 512 (else NULL).
fn sha2(a: &[Value]) -> Value {
    let alg = match a[1].as_i64() {
        Some(224) => "SHA224",
        Some(256) => "SHA256",
        Some(384) => "SHA384",
        Some(512) => "SHA512",
        _ => return Value::Null,
    };
    digest(a, alg)
}

/// The parts of a URL as Java's `java.net.URL` gives them.
#[derive(Debug, Default, PartialEq)]
struct Url<'a> {
    protocol: &'a str,
    authority: Option<&'a str>,
    userinfo: Option<&'a str>,
    host: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    reference: Option<&'a str>,
}

/// Protocols a stock JVM has handlers for; any other makes `new URL(…)` fail.
const PROTOCOLS: &[&str] = &["http", "https", "ftp", "file", "jar", "mailto"];

fn parse_java_url(s: &str) -> Option<Url<'_>> {
    let colon = s.find(':')?;
    let protocol = &s[..colon];
    if !PROTOCOLS.contains(&protocol.to_ascii_lowercase().as_str()) {
        return None;
    }
    let mut rest = &s[colon + 1..];
    let mut u = Url {
        protocol,
        ..Default::default()
    };
    if let Some(i) = rest.find('#') {
        u.reference = Some(&rest[i + 1..]);
        rest = &rest[..i];
    }
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?']).unwrap_or(after.len());
        let authority = &after[..end];
        u.authority = Some(authority);
        let hostport = match authority.rfind('@') {
            Some(i) => {
                u.userinfo = Some(&authority[..i]);
                &authority[i + 1..]
            }
            None => authority,
        };
        u.host = if hostport.starts_with('[') {
            hostport
        } else {
            hostport.split(':').next().unwrap_or("")
        };
        rest = &after[end..];
    }
    if let Some(i) = rest.find('?') {
        u.query = Some(&rest[i + 1..]);
        rest = &rest[..i];
    }
    u.path = rest;
    Some(u)
}

/// PARSE_URL(url, part [, key]).
fn parse_url(a: &[Value]) -> Value {
    let (Some(url), Some(part)) = (a[0].as_str(), a[1].as_str()) else {
        return Value::Null;
    };
    let Some(u) = parse_java_url(url) else {
        return Value::Null;
    };
    let text = |x: Option<&str>| x.map(Value::str).unwrap_or(Value::Null);
    if let Some(key) = a.get(2) {
        let Some(key) = key.as_str() else { return Value::Null };
        if part != "QUERY" {
            return Value::Null;
        }
        // (&|^)key=([^&]*): the first pair with exactly this key
        return text(u.query.and_then(|q| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        }));
    }
    match part {
        "HOST" => Value::str(u.host),
        "PATH" => Value::str(u.path),
        "QUERY" => text(u.query),
        "REF" => text(u.reference),
        "PROTOCOL" => Value::str(u.protocol),
        "FILE" => match u.query {
            Some(q) => Value::str(&format!("{}?{q}", u.path)),
            None => Value::str(u.path),
        },
        "AUTHORITY" => text(u.authority),
        "USERINFO" => text(u.userinfo),
        _ => Value::Null,
    }
}

/// INET_ATON('a.b.c.d'): the address as a number. Like MySQL, fewer parts are allowed (the
/// last part fills the remaining bytes: '1.2.3' is 1.2.0.3); anything else is NULL.
fn inet_aton(a: &[Value]) -> Value {
    let Some(x) = a[0].as_str() else { return Value::Null };
    let parts: Vec<&str> = x.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return Value::Null;
    }
    let mut nums = Vec::with_capacity(4);
    for p in &parts {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 10 {
            return Value::Null;
        }
        match p.parse::<u64>() {
            Ok(n) => nums.push(n),
            Err(_) => return Value::Null,
        }
    }
    let last = nums.len() - 1;
    let mut v: u64 = 0;
    for (i, n) in nums.iter().enumerate() {
        if i < last {
            if *n > 255 {
                return Value::Null;
            }
            v |= n << (8 * (3 - i));
        } else {
            let bits = 8 * (4 - i as u32);
            if *n >= 1u64 << bits {
                return Value::Null;
            }
            v |= n;
        }
    }
    Value::BigInt(v as i64)
}

/// INET_NTOA(n): 'a.b.c.d' for 0 ≤ n < 2^32, else NULL.
fn inet_ntoa(a: &[Value]) -> Value {
    match a[0].as_i64() {
        Some(n) if (0..1i64 << 32).contains(&n) => Value::str(&format!(
            "{}.{}.{}.{}",
            n >> 24 & 255,
            n >> 16 & 255,
            n >> 8 & 255,
            n & 255
        )),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn urls_as_java_reads_them() {
        let u = "http://user@news.example.org:8080/path/p.php?k1=v1&id=9";
        assert_eq!(parse_url(&[v(u), v("HOST")]), v("news.example.org"));
        assert_eq!(parse_url(&[v(u), v("AUTHORITY")]), v("user@news.example.org:8080"));
        assert_eq!(parse_url(&[v(u), v("QUERY"), v("id")]), v("9"));
        assert_eq!(parse_url(&[v("mailto:a@b.c"), v("PATH")]), v("a@b.c"));
        assert_eq!(parse_url(&[v("mailto:a@b.c"), v("AUTHORITY")]), Value::Null);
        assert_eq!(parse_url(&[v("not a url"), v("HOST")]), Value::Null);
        assert_eq!(parse_url(&[v("https://example.com"), v("PATH")]), v(""));
    }

    #[test]
    fn ip_addresses() {
        assert_eq!(inet_aton(&[v("1.2.3")]), Value::BigInt(16908291));
        assert_eq!(inet_aton(&[v("01.02.03.04")]), Value::BigInt(16909060));
        assert_eq!(inet_aton(&[v("256.1.1.1")]), Value::Null);
        assert_eq!(inet_aton(&[v(" 1.1.1.1")]), Value::Null);
        assert_eq!(inet_ntoa(&[Value::BigInt(4294967295)]), v("255.255.255.255"));
        assert_eq!(inet_ntoa(&[Value::BigInt(-1)]), Value::Null);
    }
}
