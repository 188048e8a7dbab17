//! Text to bytes and back the way Java does it, for Flink's `ENCODE`, `DECODE` and
//! `CAST(bytes AS STRING)`: the six charsets every Java has (UTF-8, US-ASCII, ISO-8859-1,
//! UTF-16, UTF-16BE, UTF-16LE), with Java's replacement rules (a character a charset cannot
//! hold becomes `?`; bytes that are not valid become U+FFFD, as many times as Java writes it).

/// A charset newsflow reads and writes, named as Java names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    UsAscii,
    Latin1,
    /// UTF-16: written big-endian after a byte-order mark; read after a mark if there is one
    /// (big-endian if not).
    Utf16,
    Utf16Be,
    Utf16Le,
}

/// Java's names and aliases of the six charsets (`Charset.forName` ignores case).
const NAMES: &[(&str, Charset)] = &[
    ("UTF-8", Charset::Utf8),
    ("UTF8", Charset::Utf8),
    ("unicode-1-1-utf-8", Charset::Utf8),
    ("US-ASCII", Charset::UsAscii),
    ("ASCII", Charset::UsAscii),
    ("iso-ir-6", Charset::UsAscii),
    ("ANSI_X3.4-1986", Charset::UsAscii),
    ("ISO_646.irv:1991", Charset::UsAscii),
    ("ISO646-US", Charset::UsAscii),
    ("us", Charset::UsAscii),
    ("IBM367", Charset::UsAscii),
    ("cp367", Charset::UsAscii),
    ("csASCII", Charset::UsAscii),
    ("default", Charset::UsAscii),
    ("646", Charset::UsAscii),
    ("iso_646.irv:1983", Charset::UsAscii),
    ("ANSI_X3.4-1968", Charset::UsAscii),
    ("ascii7", Charset::UsAscii),
    ("ISO-8859-1", Charset::Latin1),
    ("iso-ir-100", Charset::Latin1),
    ("ISO_8859-1", Charset::Latin1),
    ("latin1", Charset::Latin1),
    ("l1", Charset::Latin1),
    ("IBM819", Charset::Latin1),
    ("cp819", Charset::Latin1),
    ("csISOLatin1", Charset::Latin1),
    ("819", Charset::Latin1),
    ("IBM-819", Charset::Latin1),
    ("ISO8859_1", Charset::Latin1),
    ("ISO_8859-1:1987", Charset::Latin1),
    ("ISO_8859_1", Charset::Latin1),
    ("8859_1", Charset::Latin1),
    ("ISO8859-1", Charset::Latin1),
    ("UTF-16", Charset::Utf16),
    ("UTF_16", Charset::Utf16),
    ("utf16", Charset::Utf16),
    ("unicode", Charset::Utf16),
    ("UnicodeBig", Charset::Utf16),
    ("UTF-16BE", Charset::Utf16Be),
    ("UTF_16BE", Charset::Utf16Be),
    ("ISO-10646-UCS-2", Charset::Utf16Be),
    ("X-UTF-16BE", Charset::Utf16Be),
    ("UnicodeBigUnmarked", Charset::Utf16Be),
    ("UTF-16LE", Charset::Utf16Le),
    ("UTF_16LE", Charset::Utf16Le),
    ("X-UTF-16LE", Charset::Utf16Le),
    ("UnicodeLittleUnmarked", Charset::Utf16Le),
];

/// The charsets newsflow has, for error messages.
pub const SUPPORTED: &str = "UTF-8, US-ASCII, ISO-8859-1, UTF-16, UTF-16BE, UTF-16LE";

const REPL: char = '\u{FFFD}';

impl Charset {
    /// The charset Java's `Charset.forName(name)` gives, if it is one of the six.
    pub fn by_name(name: &str) -> Option<Charset> {
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, c)| *c)
    }

    /// Java's `s.getBytes(charset)`.
    pub fn encode(self, s: &str) -> Vec<u8> {
        match self {
            Charset::Utf8 => s.as_bytes().to_vec(),
            // a character the charset has no byte for is '?' (a surrogate pair is one '?')
            Charset::UsAscii => s.chars().map(|c| if c.is_ascii() { c as u8 } else { b'?' }).collect(),
            Charset::Latin1 => s.chars().map(|c| u8::try_from(c as u32).unwrap_or(b'?')).collect(),
            Charset::Utf16 | Charset::Utf16Be | Charset::Utf16Le => {
                let mut out = Vec::with_capacity(s.len() * 2 + 2);
                // Java writes the byte-order mark only when there is something to write
                if self == Charset::Utf16 && !s.is_empty() {
                    out.extend_from_slice(&[0xFE, 0xFF]);
                }
                for u in s.encode_utf16() {
                    if self == Charset::Utf16Le {
                        out.extend_from_slice(&u.to_le_bytes());
                    } else {
                        out.extend_from_slice(&u.to_be_bytes());
                    }
                }
                out
            }
        }
    }

    /// Java's `new String(bytes, charset)`.
    pub fn decode(self, b: &[u8]) -> String {
        match self {
            Charset::Utf8 => java_utf8(b),
            Charset::UsAscii => b.iter().map(|&x| if x < 0x80 { x as char } else { REPL }).collect(),
            Charset::Latin1 => b.iter().map(|&x| x as char).collect(),
            Charset::Utf16 => utf16(b, None),
            Charset::Utf16Be => utf16(b, Some(true)),
            Charset::Utf16Le => utf16(b, Some(false)),
        }
    }
}

/// Bytes read as UTF-8 the way Java's `new String(bytes, UTF_8)` reads them (JDK 17's
/// `String.decodeUTF8_UTF16`): malformed input becomes U+FFFD. It differs from Rust's
/// `from_utf8_lossy` on encoded surrogates: `ED A0 80` is one U+FFFD in Java, three in Rust.
pub fn java_utf8(b: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(b) {
        return s.to_string();
    }
    let cont = |x: u8| x & 0xC0 == 0x80;
    let mut out = String::with_capacity(b.len() + 8);
    let (mut sp, sl) = (0usize, b.len());
    while sp < sl {
        let b1 = b[sp];
        sp += 1;
        if b1 < 0x80 {
            out.push(b1 as char);
        } else if b1 >> 5 == 0b110 && b1 & 0x1E != 0 {
            // 2 bytes: [C2..DF] [80..BF]
            if sp < sl {
                let b2 = b[sp];
                if !cont(b2) {
                    out.push(REPL);
                } else {
                    sp += 1;
                    push_code(&mut out, ((b1 as u32 & 0x1F) << 6) | (b2 as u32 & 0x3F));
                }
                continue;
            }
            out.push(REPL);
            break;
        } else if b1 >> 4 == 0b1110 {
            // 3 bytes: [E0] [A0..BF] [80..BF], [E1..EF] [80..BF] [80..BF]
            if sp + 1 < sl {
                let (b2, b3) = (b[sp], b[sp + 1]);
                if (b1 == 0xE0 && b2 & 0xE0 == 0x80) || !cont(b2) || !cont(b3) {
                    out.push(REPL);
                    // Java's malformed3: skip 1 byte, or 2 when the second was fine
                    sp += if (b1 == 0xE0 && b2 & 0xE0 == 0x80) || !cont(b2) {
                        0
                    } else {
                        1
                    };
                } else {
                    sp += 2;
                    let c = ((b1 as u32 & 0x0F) << 12) | ((b2 as u32 & 0x3F) << 6) | (b3 as u32 & 0x3F);
                    // an encoded surrogate: one replacement for its three bytes
                    push_code(&mut out, c);
                }
                continue;
            }
            if sp < sl && ((b1 == 0xE0 && b[sp] & 0xE0 == 0x80) || !cont(b[sp])) {
                out.push(REPL);
                continue;
            }
            out.push(REPL);
            break;
        } else if b1 >> 3 == 0b11110 {
            // 4 bytes
            if sp + 2 < sl {
                let (b2, b3, b4) = (b[sp], b[sp + 1], b[sp + 2]);
                let uc = ((b1 as u32 & 0x07) << 18)
                    | ((b2 as u32 & 0x3F) << 12)
                    | ((b3 as u32 & 0x3F) << 6)
                    | (b4 as u32 & 0x3F);
                if !cont(b2) || !cont(b3) || !cont(b4) || !(0x10000..=0x10FFFF).contains(&uc) {
                    out.push(REPL);
                    // Java's malformed4
                    let skip = if b1 > 0xF4
                        || (b1 == 0xF0 && !(0x90..=0xBF).contains(&b2))
                        || (b1 == 0xF4 && b2 & 0xF0 != 0x80)
                        || !cont(b2)
                    {
                        1
                    } else if !cont(b3) {
                        2
                    } else {
                        3
                    };
                    sp += skip - 1;
                } else {
                    sp += 3;
                    push_code(&mut out, uc);
                }
                continue;
            }
            if b1 > 0xF4 || (sp < sl && malformed4_2(b1, b[sp])) {
                out.push(REPL);
                continue;
            }
            sp += 1;
            out.push(REPL);
            if sp < sl && !cont(b[sp]) {
                continue;
            }
            break;
        } else {
            out.push(REPL);
        }
    }
    out
}

fn malformed4_2(b1: u8, b2: u8) -> bool {
    (b1 == 0xF0 && !(0x90..=0xBF).contains(&b2)) || (b1 == 0xF4 && b2 & 0xF0 != 0x80) || b2 & 0xC0 != 0x80
}

/// A decoded code point; a surrogate (which UTF-8 must not encode) is U+FFFD.
fn push_code(out: &mut String, c: u32) {
    out.push(char::from_u32(c).unwrap_or(REPL));
}

/// Java's UTF-16 decoders: `big` is the byte order, `None` reads a byte-order mark first
/// (big-endian without one; a mark anywhere else is a character). An unpaired low surrogate, or a high
/// surrogate not followed by a low one (both units together) is one U+FFFD; bytes left
/// over at the end (an odd byte, a high surrogate with nothing after it) are one U+FFFD.
fn utf16(b: &[u8], big: Option<bool>) -> String {
    let mut out = String::with_capacity(b.len() / 2 + 1);
    let mut i = 0;
    let mut big_endian = big.unwrap_or(true);
    if big.is_none() && b.len() >= 2 {
        match (b[0], b[1]) {
            (0xFE, 0xFF) => i = 2,
            (0xFF, 0xFE) => {
                big_endian = false;
                i = 2
            }
            _ => {}
        }
    }
    let unit = |at: usize| -> u16 {
        if big_endian {
            u16::from_be_bytes([b[at], b[at + 1]])
        } else {
            u16::from_le_bytes([b[at], b[at + 1]])
        }
    };
    while i + 1 < b.len() {
        let c = unit(i);
        if (0xD800..0xDC00).contains(&c) {
            if i + 3 >= b.len() {
                break; // a high surrogate at the end: the rest is one U+FFFD below
            }
            let c2 = unit(i + 2);
            if (0xDC00..0xE000).contains(&c2) {
                let cp = 0x10000 + (((c as u32) - 0xD800) << 10) + ((c2 as u32) - 0xDC00);
                push_code(&mut out, cp);
            } else {
                out.push(REPL);
            }
            i += 4;
        } else if (0xDC00..0xE000).contains(&c) {
            out.push(REPL);
            i += 2;
        } else {
            push_code(&mut out, c as u32);
            i += 2;
        }
    }
    if i < b.len() {
        out.push(REPL);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_as_java_reads_it() {
        // Flink 2.3 (Java 17): DECODE(UNHEX(h), 'UTF-8')
        let d = |h: &[u8]| java_utf8(h);
        assert_eq!(d(&[0xE2, 0x82]), "\u{FFFD}");
        assert_eq!(d(&[0xFF]), "\u{FFFD}");
        assert_eq!(d(&[0x80, b'a', b'b', b'c', 0xC3]), "\u{FFFD}abc\u{FFFD}");
        assert_eq!(d(b"Hello\0"), "Hello\0");
        assert_eq!(d(&[0xED, 0xA0, 0x80]), "\u{FFFD}");
        assert_eq!(d(&[0xF0, 0x9F, 0x98, 0x80, 0xF0]), "😀\u{FFFD}");
        assert_eq!(d(&[0xF0, 0x9F, 0x41]), "\u{FFFD}A");
    }

    #[test]
    fn encodes_as_java() {
        let s = "emoji 😀 ÄÖ";
        assert_eq!(Charset::UsAscii.encode(s), b"emoji ? ??");
        assert_eq!(Charset::Latin1.encode(s), b"emoji ? \xC4\xD6");
        assert_eq!(Charset::Utf16.encode("A"), [0xFE, 0xFF, 0, 0x41]);
        assert_eq!(Charset::Utf16.encode(""), Vec::<u8>::new());
        assert_eq!(Charset::Utf16Le.encode("A"), [0x41, 0]);
        assert_eq!(Charset::by_name("utf-8"), Some(Charset::Utf8));
        assert_eq!(Charset::by_name("Latin1"), Some(Charset::Latin1));
        assert_eq!(Charset::by_name("Windows-1252"), None);
    }

    #[test]
    fn utf16_as_java_reads_it() {
        assert_eq!(Charset::Utf16.decode(b"Hello"), "䡥汬\u{FFFD}");
        assert_eq!(Charset::Utf16.decode(&[0xE2, 0x82]), "\u{E282}");
        assert_eq!(Charset::Utf16.decode(&[0xFF, 0xFE, 0x41, 0]), "A");
        assert_eq!(Charset::Utf16Be.decode(&[0xD8, 0x3D, 0xDE, 0x00]), "😀");
        assert_eq!(Charset::UsAscii.decode(&[0xE2, 0x82]), "\u{FFFD}\u{FFFD}");
        assert_eq!(Charset::Latin1.decode(&[0xFF]), "ÿ");
    }
}
