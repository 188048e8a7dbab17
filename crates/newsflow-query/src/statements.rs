//! Splitting SQL text into statements at `;` (not inside quotes or comments).

/// The complete statements of `sql` (each without its `;`, trimmed, empty ones
/// dropped) and the text after the last `;` (an unfinished statement, trimmed).
pub fn split_statements(sql: &str) -> (Vec<String>, String) {
    #[derive(PartialEq)]
    enum In {
        Code,
        Single,
        Double,
        LineComment,
        BlockComment,
    }
    let mut state = In::Code;
    let mut statements = Vec::new();
    let mut start = 0;
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        match state {
            In::Code => match c {
                b'\'' => state = In::Single,
                b'"' => state = In::Double,
                b'-' if next == Some(b'-') => {
                    state = In::LineComment;
                    i += 1;
                }
                b'/' if next == Some(b'*') => {
                    state = In::BlockComment;
                    i += 1;
                }
                b';' => {
                    let statement = sql[start..i].trim();
                    if !statement.is_empty() {
                        statements.push(statement.to_string());
                    }
                    start = i + 1;
                }
                _ => {}
            },
            // A doubled quote inside a string leaves it and enters it again.
            In::Single if c == b'\'' => state = In::Code,
            In::Double if c == b'"' => state = In::Code,
            In::LineComment if c == b'\n' => state = In::Code,
            In::BlockComment if c == b'*' && next == Some(b'/') => {
                state = In::Code;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    let rest = sql[start..].trim();
    // Only a comment left is nothing left.
    let rest = if is_only_comments(rest) { "" } else { rest };
    (statements, rest.to_string())
}

fn is_only_comments(s: &str) -> bool {
    let mut s = s.trim_start();
    loop {
        if s.is_empty() {
            return true;
        }
        if let Some(r) = s.strip_prefix("--") {
            s = r.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(r) = s.strip_prefix("/*") {
            match r.split_once("*/") {
                Some((_, r)) => s = r.trim_start(),
                None => return true,
            }
        } else {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> (Vec<String>, String) {
        split_statements(s)
    }

    #[test]
    fn statements() {
        assert_eq!(
            split("SELECT 1; SELECT 2;"),
            (vec!["SELECT 1".into(), "SELECT 2".into()], String::new())
        );
        assert_eq!(
            split("SELECT ';' AS a; SELECT 2"),
            (vec!["SELECT ';' AS a".into()], "SELECT 2".into())
        );
        assert_eq!(
            split("SELECT 'it''s;' -- a; comment\n, \"x;y\" FROM t;"),
            (
                vec!["SELECT 'it''s;' -- a; comment\n, \"x;y\" FROM t".into()],
                String::new()
            )
        );
        assert_eq!(split("SELECT /* ; */ 1"), (vec![], "SELECT /* ; */ 1".into()));
        assert_eq!(split(";;  ; "), (vec![], String::new()));
        assert_eq!(split("SELECT 1; -- done"), (vec!["SELECT 1".into()], String::new()));
    }
}
