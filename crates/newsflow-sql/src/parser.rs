//! Statement parser for the Flink SQL dialect, on top of `sqlparser`.

use std::collections::BTreeMap;

use newsflow_common::{Error, Result, Span};
use sqlparser::ast;
use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

/// One column element of a CREATE TABLE.
#[derive(Debug, Clone)]
pub enum ColumnElem {
    Physical {
        name: String,
        data_type: ast::DataType,
        not_null: bool,
        span: Span,
    },
    Computed {
        name: String,
        expr: ast::Expr,
        span: Span,
    },
    Watermark {
        column: String,
        expr: ast::Expr,
        span: Span,
    },
}

#[derive(Debug, Clone)]
pub struct CreateTable {
    pub name: String,
    pub span: Span,
    pub if_not_exists: bool,
    pub columns: Vec<ColumnElem>,
    pub partitioned_by: Vec<String>,
    /// WITH options in declaration order, with the span of each key.
    pub options: Vec<(String, String, Span)>,
}

#[derive(Debug, Clone)]
pub enum Statement {
    CreateTable(CreateTable),
    CreateView {
        name: String,
        query: Box<ast::Query>,
        span: Span,
    },
    Set {
        key: String,
        value: String,
        span: Span,
    },
    Insert {
        table: String,
        columns: Vec<String>,
        query: Box<ast::Query>,
        span: Span,
    },
    Query {
        query: Box<ast::Query>,
        span: Span,
    },
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::CreateTable(c) => c.span,
            Statement::CreateView { span, .. }
            | Statement::Set { span, .. }
            | Statement::Insert { span, .. }
            | Statement::Query { span, .. } => *span,
        }
    }
}

/// Turn a sqlparser error ("… at Line: 3, Column: 5") into ours with a span.
pub fn convert_error(e: ParserError, fallback: Span) -> Error {
    let msg = match e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m,
        ParserError::RecursionLimitExceeded => "statement nests too deeply".to_string(),
    };
    if let Some(at) = msg.rfind(" at Line: ") {
        let loc = &msg[at + " at Line: ".len()..];
        let mut parts = loc.split(", Column: ");
        let line = parts.next().and_then(|l| l.trim().parse().ok());
        let col = parts.next().and_then(|c| c.trim().parse().ok());
        if let (Some(line), Some(col)) = (line, col) {
            return Error::sql(msg[..at].to_string(), Span::new(line, col));
        }
    }
    Error::sql(msg, fallback)
}

fn here(p: &Parser) -> Span {
    let s = p.peek_token_ref().span.start;
    Span::new(s.line, s.column)
}

/// Parse every statement of a script (separated by `;`).
pub fn parse_statements(sql: &str) -> Result<Vec<Statement>> {
    let dialect = GenericDialect {};
    let mut p = Parser::new(&dialect)
        .try_with_sql(sql)
        .map_err(|e| convert_error(e, Span::new(1, 1)))?;
    let mut out = Vec::new();
    loop {
        while p.consume_token(&Token::SemiColon) {}
        if p.peek_token_ref().token == Token::EOF {
            break;
        }
        let start = here(&p);
        let stmt = parse_one(&mut p, start).map_err(|e| match e {
            Error::Sql { msg, span } if !span.is_known() => Error::sql(msg, here(&p)),
            other => other,
        })?;
        out.push(stmt);
        let next = p.peek_token();
        if next.token != Token::SemiColon && next.token != Token::EOF {
            return Err(Error::sql(
                format!("expected ';' or end of input, found {}", next.token),
                here(&p),
            ));
        }
    }
    Ok(out)
}

/// Convert a parser error; its location comes from the message, else the caller's position.
fn pe(e: ParserError) -> Error {
    convert_error(e, Span::default())
}

fn parse_word(p: &mut Parser, word: &str) -> bool {
    match &p.peek_token_ref().token {
        Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word) => {
            p.next_token();
            true
        }
        _ => false,
    }
}

fn parse_one(p: &mut Parser, start: Span) -> Result<Statement> {
    if p.parse_keyword(Keyword::CREATE) {
        let _ = p.parse_keyword(Keyword::TEMPORARY);
        if p.parse_keyword(Keyword::TABLE) {
            return parse_create_table(p).map(Statement::CreateTable);
        }
        if p.parse_keyword(Keyword::VIEW) {
            let _ = p.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
            let name = object_name(p)?;
            p.expect_keyword_is(Keyword::AS).map_err(pe)?;
            let query = p.parse_query().map_err(pe)?;
            return Ok(Statement::CreateView {
                name,
                query,
                span: start,
            });
        }
        return Err(Error::sql(
            format!(
                "unsupported CREATE {}; newsflow supports CREATE TABLE and CREATE VIEW",
                p.peek_token().token
            ),
            here(p),
        ));
    }
    if p.parse_keyword(Keyword::SET) {
        let key = string_or_ident(p)?;
        p.expect_token(&Token::Eq).map_err(pe)?;
        let value = string_or_ident(p)?;
        return Ok(Statement::Set {
            key,
            value,
            span: start,
        });
    }
    if p.parse_keyword(Keyword::INSERT) {
        if !p.parse_keyword(Keyword::INTO) {
            p.expect_keyword_is(Keyword::INTO).map_err(pe)?;
        }
        let table = object_name(p)?;
        let mut columns = Vec::new();
        if p.consume_token(&Token::LParen) {
            loop {
                columns.push(p.parse_identifier().map_err(pe)?.value);
                if !p.consume_token(&Token::Comma) {
                    break;
                }
            }
            p.expect_token(&Token::RParen).map_err(pe)?;
        }
        let query = p.parse_query().map_err(pe)?;
        return Ok(Statement::Insert {
            table,
            columns,
            query,
            span: start,
        });
    }
    match p.peek_token().token {
        Token::Word(w) if matches!(w.keyword, Keyword::SELECT | Keyword::WITH) => {
            let query = p.parse_query().map_err(pe)?;
            Ok(Statement::Query { query, span: start })
        }
        Token::LParen => {
            let query = p.parse_query().map_err(pe)?;
            Ok(Statement::Query { query, span: start })
        }
        other => Err(Error::sql(
            format!("unsupported statement starting with {other}; newsflow runs CREATE TABLE, CREATE VIEW, SET, INSERT INTO and SELECT"),
            start,
        )),
    }
}

fn object_name(p: &mut Parser) -> Result<String> {
    let name = p.parse_object_name(false).map_err(pe)?;
    // catalog.db.table: only the last part names the table here.
    Ok(name
        .0
        .last()
        .map(|part| match part {
            ast::ObjectNamePart::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default())
}

fn string_or_ident(p: &mut Parser) -> Result<String> {
    let t = p.next_token();
    match t.token {
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Ok(s),
        Token::Word(w) => {
            // SET table.exec.source.idle-timeout = 5 s (unquoted, Flink SQL client style)
            let mut s = w.value;
            loop {
                match p.peek_token().token {
                    Token::Period => {
                        p.next_token();
                        s.push('.');
                    }
                    Token::Minus => {
                        p.next_token();
                        s.push('-');
                    }
                    Token::Word(w2) if s.ends_with(['.', '-']) => {
                        p.next_token();
                        s.push_str(&w2.value);
                    }
                    _ => break,
                }
            }
            Ok(s)
        }
        Token::Number(n, _) => Ok(n),
        other => {
            let s = t.span.start;
            Err(Error::sql(
                format!("expected a quoted string, found {other}"),
                Span::new(s.line, s.column),
            ))
        }
    }
}

fn parse_create_table(p: &mut Parser) -> Result<CreateTable> {
    let if_not_exists = p.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name_span = here(p);
    let name = object_name(p)?;
    p.expect_token(&Token::LParen).map_err(pe)?;
    let mut columns = Vec::new();
    loop {
        let span = here(p);
        if parse_word(p, "WATERMARK") {
            p.expect_keyword_is(Keyword::FOR).map_err(pe)?;
            let column = p.parse_identifier().map_err(pe)?.value;
            p.expect_keyword_is(Keyword::AS).map_err(pe)?;
            let expr = p.parse_expr().map_err(pe)?;
            columns.push(ColumnElem::Watermark { column, expr, span });
        } else if p.parse_keyword(Keyword::PRIMARY) {
            p.expect_keyword_is(Keyword::KEY).map_err(pe)?;
            p.expect_token(&Token::LParen).map_err(pe)?;
            while !p.consume_token(&Token::RParen) {
                if p.next_token().token == Token::EOF {
                    return Err(Error::sql("unterminated PRIMARY KEY column list", span));
                }
            }
            let _ = p.parse_keywords(&[Keyword::NOT, Keyword::ENFORCED]);
        } else {
            let name = p.parse_identifier().map_err(pe)?.value;
            if p.parse_keyword(Keyword::AS) {
                let expr = p.parse_expr().map_err(pe)?;
                columns.push(ColumnElem::Computed { name, expr, span });
            } else {
                let data_type = p.parse_data_type().map_err(pe)?;
                let mut not_null = false;
                loop {
                    if p.parse_keywords(&[Keyword::NOT, Keyword::NULL]) {
                        not_null = true;
                    } else if p.parse_keyword(Keyword::NULL) {
                    } else if p.parse_keyword(Keyword::COMMENT) {
                        p.parse_literal_string().map_err(pe)?;
                    } else if p.parse_keyword(Keyword::METADATA) {
                        return Err(Error::sql("METADATA columns are not supported yet", span));
                    } else {
                        break;
                    }
                }
                columns.push(ColumnElem::Physical {
                    name,
                    data_type,
                    not_null,
                    span,
                });
            }
        }
        if p.consume_token(&Token::Comma) {
            // Flink allows no trailing comma; neither do we, but say so clearly.
            if p.peek_token().token == Token::RParen {
                return Err(Error::sql("trailing comma before ')' in CREATE TABLE", here(p)));
            }
            continue;
        }
        p.expect_token(&Token::RParen).map_err(pe)?;
        break;
    }
    if p.parse_keyword(Keyword::COMMENT) {
        p.parse_literal_string().map_err(pe)?;
    }
    let mut partitioned_by = Vec::new();
    if p.parse_keyword(Keyword::PARTITIONED) {
        p.expect_keyword_is(Keyword::BY).map_err(pe)?;
        p.expect_token(&Token::LParen).map_err(pe)?;
        loop {
            partitioned_by.push(p.parse_identifier().map_err(pe)?.value);
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
        p.expect_token(&Token::RParen).map_err(pe)?;
    }
    let mut options = Vec::new();
    if p.parse_keyword(Keyword::WITH) {
        p.expect_token(&Token::LParen).map_err(pe)?;
        let mut seen = BTreeMap::new();
        loop {
            if p.consume_token(&Token::RParen) {
                break;
            }
            let span = here(p);
            let key = match p.next_token().token {
                Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => s,
                other => {
                    return Err(Error::sql(
                        format!("expected a quoted option key like 'connector', found {other}"),
                        span,
                    ))
                }
            };
            p.expect_token(&Token::Eq).map_err(pe)?;
            let vspan = here(p);
            let value = match p.next_token().token {
                Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => s,
                Token::Number(n, _) => n,
                other => {
                    return Err(Error::sql(
                        format!("expected a quoted option value, found {other}"),
                        vspan,
                    ))
                }
            };
            if seen.insert(key.clone(), ()).is_some() {
                return Err(Error::sql(format!("option '{key}' is given twice"), span));
            }
            options.push((key, value, span));
            if !p.consume_token(&Token::Comma) {
                p.expect_token(&Token::RParen).map_err(pe)?;
                break;
            }
        }
    }
    Ok(CreateTable {
        name,
        span: name_span,
        if_not_exists,
        columns,
        partitioned_by,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flink_ddl() {
        let sql = "CREATE TABLE t (\n a STRING,\n ts AS TO_TIMESTAMP(a, 'yyyy-MM-dd HH:mm:ss'),\n WATERMARK FOR ts AS ts - INTERVAL '5' SECOND\n) PARTITIONED BY (a) WITH ('connector' = 'datagen');\nSET 'table.exec.source.idle-timeout' = '5 s';";
        let stmts = parse_statements(sql).unwrap();
        assert_eq!(stmts.len(), 2);
        let Statement::CreateTable(c) = &stmts[0] else { panic!() };
        assert_eq!(c.columns.len(), 3);
        assert_eq!(c.partitioned_by, vec!["a"]);
        assert_eq!(c.options[0].0, "connector");
    }

    #[test]
    fn errors_point_at_line_and_column() {
        let err = parse_statements("CREATE TABLE t (\n  a STRING,\n  b INT NOT FOO\n) WITH ('connector' = 'x');")
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("line 3"), "{text}");
        let err = parse_statements("SELECT a FROM t;\nSELEC b FROM t").unwrap_err();
        assert!(err.to_string().starts_with("line 2, column 1"), "{err}");
    }
}
