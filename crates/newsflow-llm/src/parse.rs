//! Lenient reading of a model's reply into an [`Analysis`], strict about its meaning.
//!
//! Lenient about the wrapping: the JSON may sit inside prose or a ```` ```json ```` fence;
//! the first balanced `{…}` that parses as a JSON object with a `label` is used. Raw line
//! breaks and tabs inside its strings (invalid JSON, but what small models write even
//! under a grammar) are read as spaces.
//! Strict about the content: the label must be `good`, `bad` or `neutral` (any case);
//! the score must be a number in `[-1, 1]` (tiny overshoots are clamped) that does not
//! contradict the label, and is derived from the label when missing (good 0.5, bad
//! -0.5, neutral 0); the summary must be a string, and is flattened to one line and cut
//! to [`MAX_SUMMARY_CHARS`]. Anything else is an error, never a guess.

use serde_json::{Map, Value};

use crate::offline::summary::{one_line, truncate_chars};
use crate::offline::{Analysis, Label};

/// Upper bound on a provider summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 200;

/// Replies longer than this are not scanned further (bytes).
const MAX_SCANNED_BYTES: usize = 64 * 1024;

/// Reads a reply; the error says what is wrong with it (for the repair request and the
/// final error reason).
pub fn parse_reply(reply: &str) -> Result<Analysis, String> {
    let text = clip(reply, MAX_SCANNED_BYTES);
    let mut first_object: Option<Map<String, Value>> = None;
    let mut from = 0;
    while let Some(rel) = text[from..].find('{') {
        let start = from + rel;
        if let Some(end) = balanced_end(text, start) {
            let candidate = &text[start..=end];
            let parsed =
                serde_json::from_str::<Value>(candidate).or_else(|e| match controls_in_strings_as_spaces(candidate) {
                    Some(fixed) => serde_json::from_str::<Value>(&fixed),
                    None => Err(e),
                });
            if let Ok(Value::Object(map)) = parsed {
                if map.contains_key("label") {
                    return validate(&map);
                }
                if first_object.is_none() {
                    first_object = Some(map);
                }
            }
        }
        from = start + 1;
    }
    match first_object {
        Some(_) => Err("the JSON object has no \"label\"".to_string()),
        None if reply.trim().is_empty() => Err("the reply is empty".to_string()),
        None => Err("the reply contains no JSON object".to_string()),
    }
}

fn validate(map: &Map<String, Value>) -> Result<Analysis, String> {
    let label = match map.get("label") {
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "good" => Label::Good,
            "bad" => Label::Bad,
            "neutral" => Label::Neutral,
            other => return Err(format!("label {other:?} is not good, bad or neutral")),
        },
        _ => return Err("\"label\" is not a string".to_string()),
    };
    let score = match map.get("score") {
        None | Some(Value::Null) => match label {
            Label::Good => 0.5,
            Label::Bad => -0.5,
            Label::Neutral => 0.0,
        },
        Some(v) => {
            let s = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|s| s.is_finite())
            .ok_or_else(|| format!("score {v} is not a number"))?;
            if !(-1.001..=1.001).contains(&s) {
                return Err(format!("score {s} is outside [-1, 1]"));
            }
            let s = s.clamp(-1.0, 1.0);
            if (label == Label::Good && s < 0.0) || (label == Label::Bad && s > 0.0) {
                return Err(format!("label {label} contradicts score {s}"));
            }
            s
        }
    };
    let summary = match map.get("summary") {
        Some(Value::String(s)) => truncate_chars(&one_line(s), MAX_SUMMARY_CHARS),
        Some(_) => return Err("\"summary\" is not a string".to_string()),
        None => return Err("the JSON object has no \"summary\"".to_string()),
    };
    Ok(Analysis { label, score, summary })
}

/// Byte index of the `}` closing the object that opens at `start`, skipping braces
/// inside strings; `None` if it never closes.
fn balanced_end(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate().skip(start) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` with the raw control characters inside its JSON strings replaced by spaces;
/// `None` when there are none.
fn controls_in_strings_as_spaces(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped, mut changed) = (false, false, false);
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            } else if c.is_control() {
                out.push(' ');
                changed = true;
                continue;
            }
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    changed.then_some(out)
}

fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_prose_and_fenced() {
        let a = parse_reply(r#"{"label":"good","score":0.7,"summary":"Beats estimates"}"#).expect("plain");
        assert_eq!(
            (a.label, a.score, a.summary.as_str()),
            (Label::Good, 0.7, "Beats estimates")
        );
        let a = parse_reply(
            "Sure! Here is the analysis:\n```json\n{\n  \"label\": \"Bad\",\n  \"score\": -0.4,\n  \"summary\": \"Recall {of} cars\"\n}\n```\nHope it helps.",
        )
        .expect("fenced");
        assert_eq!((a.label, a.summary.as_str()), (Label::Bad, "Recall {of} cars"));
        let a =
            parse_reply(r#"I think {not json} then {"label":"neutral","summary":"Meeting"}"#).expect("second object");
        assert_eq!((a.label, a.score), (Label::Neutral, 0.0));
    }

    #[test]
    fn score_rules() {
        let a = parse_reply(r#"{"label":"good","summary":"x"}"#).expect("missing score");
        assert_eq!(a.score, 0.5);
        let a = parse_reply(r#"{"label":"bad","score":"-0.3","summary":"x"}"#).expect("string score");
        assert_eq!(a.score, -0.3);
        let a = parse_reply(r#"{"label":"good","score":1.0004,"summary":"x"}"#).expect("clamped");
        assert_eq!(a.score, 1.0);
        for bad in [
            r#"{"label":"good","score":75,"summary":"x"}"#,
            r#"{"label":"good","score":-0.5,"summary":"x"}"#,
            r#"{"label":"bad","score":0.2,"summary":"x"}"#,
            r#"{"label":"good","score":"high","summary":"x"}"#,
        ] {
            assert!(parse_reply(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn invalid_replies_are_errors_not_guesses() {
        for (reply, why) in [
            ("", "empty"),
            ("The news is bad.", "no JSON"),
            (r#"{"sentiment":"bad"}"#, "no \"label\""),
            (r#"{"label":"positive","summary":"x"}"#, "not good, bad or neutral"),
            (r#"{"label":"bad"}"#, "no \"summary\""),
            (r#"{"label":"bad","summary":3}"#, "not a string"),
            (r#"{"label":"bad","summary":"x""#, "no JSON"),
        ] {
            let e = parse_reply(reply).expect_err(reply);
            assert!(e.contains(why), "{reply}: {e}");
        }
    }

    #[test]
    fn raw_line_breaks_inside_strings_are_read_as_spaces() {
        let a = parse_reply("{\"label\": \"good\", \"score\": 1, \"summary\": \"Beats\nestimates\tagain\"}")
            .expect("raw controls");
        assert_eq!(a.summary, "Beats estimates again");
        // Outside strings they are plain whitespace; escaped ones stay escapes.
        let a = parse_reply("{\n\"label\": \"bad\",\n\"summary\": \"a\\\"b\"}").expect("valid");
        assert_eq!(a.summary, "a\"b");
    }

    #[test]
    fn summary_is_one_line_and_capped() {
        let long = "word ".repeat(100);
        let reply = format!(r#"{{"label":"neutral","summary":"line one\nline two {long}"}}"#);
        let a = parse_reply(&reply).expect("valid");
        assert!(!a.summary.contains('\n'));
        assert!(a.summary.starts_with("line one line two"));
        assert!(a.summary.chars().count() <= MAX_SUMMARY_CHARS);
    }
}
