//! Statement parser for the Flink SQL dialect, on top of `sqlparser`.

use std::collections::BTreeMap;

use newsflow_common::{Error, Result, Span};
use sqlparser::ast;
use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

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

/// One column of a model's `INPUT (...)` or `OUTPUT (...)` list.
#[derive(Debug, Clone)]
pub struct ModelColumn {
    pub name: String,
    pub data_type: ast::DataType,
    pub span: Span,
}

/// `CREATE [TEMPORARY] MODEL [IF NOT EXISTS] m INPUT (...) OUTPUT (...) [COMMENT '…'] WITH (...)`
/// (Flink 2.1).
#[derive(Debug, Clone)]
pub struct CreateModel {
    pub name: String,
    pub span: Span,
    pub if_not_exists: bool,
    pub input: Vec<ModelColumn>,
    pub output: Vec<ModelColumn>,
    pub options: Vec<(String, String, Span)>,
}

/// `CREATE [TEMPORARY [SYSTEM]] FUNCTION [IF NOT EXISTS] f [AS 'identifier'
/// [LANGUAGE JAVA|SCALA|PYTHON|SQL] [USING JAR '…', …]] [WITH (...)]`.
#[derive(Debug, Clone)]
pub struct CreateFunction {
    pub name: String,
    pub span: Span,
    pub if_not_exists: bool,
    /// The implementation named by `AS '…'` (a Java class or a Python `module.function`).
    pub identifier: Option<String>,
    /// `LANGUAGE …`, upper-cased; `None` when not given (Flink's default is JAVA).
    pub language: Option<String>,
    pub options: Vec<(String, String, Span)>,
}

#[derive(Debug, Clone)]
pub enum Statement {
    CreateTable(CreateTable),
    CreateModel(CreateModel),
    CreateFunction(CreateFunction),
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
            Statement::CreateModel(c) => c.span,
            Statement::CreateFunction(c) => c.span,
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
    crate::models::register_functions();
    let dialect = GenericDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .with_unescape(true)
        .tokenize_with_location()
        .map_err(|e| convert_error(ParserError::from(e), Span::new(1, 1)))?;
    // Flink's hints (`/*+ OPTIONS('k' = 'v') */`) are comments to sqlparser: refused here, as
    // newsflow would otherwise ignore them.
    if let Some(hint) = tokens.iter().find(|t| {
        matches!(&t.token, Token::Whitespace(sqlparser::tokenizer::Whitespace::MultiLineComment(c)) if c.starts_with('+'))
    }) {
        return Err(Error::sql(
            "SQL hints (/*+ … */) are not supported; newsflow would ignore them",
            Span::new(hint.span.start.line, hint.span.start.column),
        ));
    }
    let mut p =
        Parser::new(&dialect).with_tokens_with_locations(rewrite_flink_operators(rewrite_table_function_args(tokens)));
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
        let temporary = p.parse_keyword(Keyword::TEMPORARY);
        if p.parse_keyword(Keyword::TABLE) {
            return parse_create_table(p).map(Statement::CreateTable);
        }
        if parse_word(p, "MODEL") {
            return parse_create_model(p).map(Statement::CreateModel);
        }
        if temporary && parse_word(p, "SYSTEM") {
            p.expect_keyword_is(Keyword::FUNCTION).map_err(pe)?;
            return parse_create_function(p).map(Statement::CreateFunction);
        }
        if p.parse_keyword(Keyword::FUNCTION) {
            return parse_create_function(p).map(Statement::CreateFunction);
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
                "unsupported CREATE {}; newsflow supports CREATE TABLE, CREATE VIEW, CREATE MODEL and CREATE FUNCTION",
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
            format!("unsupported statement starting with {other}; newsflow runs CREATE TABLE, CREATE VIEW, CREATE MODEL, CREATE FUNCTION, SET, INSERT INTO and SELECT"),
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
    let options = if p.parse_keyword(Keyword::WITH) {
        parse_options(p)?
    } else {
        Vec::new()
    };
    Ok(CreateTable {
        name,
        span: name_span,
        if_not_exists,
        columns,
        partitioned_by,
        options,
    })
}

/// `( 'key' = 'value', … )` after WITH: keys with their spans, in declaration order.
fn parse_options(p: &mut Parser) -> Result<Vec<(String, String, Span)>> {
    let mut options = Vec::new();
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
    Ok(options)
}

fn parse_model_columns(p: &mut Parser, what: &str) -> Result<Vec<ModelColumn>> {
    p.expect_token(&Token::LParen).map_err(pe)?;
    let mut columns = Vec::new();
    loop {
        let span = here(p);
        let name = p.parse_identifier().map_err(pe)?.value;
        let data_type = p.parse_data_type().map_err(pe)?;
        if p.parse_keyword(Keyword::COMMENT) {
            p.parse_literal_string().map_err(pe)?;
        }
        if columns.iter().any(|c: &ModelColumn| c.name == name) {
            return Err(Error::sql(format!("{what} column `{name}` is declared twice"), span));
        }
        columns.push(ModelColumn { name, data_type, span });
        if !p.consume_token(&Token::Comma) {
            break;
        }
    }
    p.expect_token(&Token::RParen).map_err(pe)?;
    Ok(columns)
}

fn parse_create_model(p: &mut Parser) -> Result<CreateModel> {
    let if_not_exists = p.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let span = here(p);
    let name = object_name(p)?;
    let mut input = Vec::new();
    let mut output = Vec::new();
    if p.parse_keyword(Keyword::INPUT) {
        input = parse_model_columns(p, "INPUT")?;
    }
    if p.parse_keyword(Keyword::OUTPUT) {
        output = parse_model_columns(p, "OUTPUT")?;
    }
    if p.parse_keyword(Keyword::COMMENT) {
        p.parse_literal_string().map_err(pe)?;
    }
    if !p.parse_keyword(Keyword::WITH) {
        return Err(Error::sql(
            format!(
                "expected WITH ('provider' = '…', …) after the model's INPUT and OUTPUT, found {}",
                p.peek_token().token
            ),
            here(p),
        ));
    }
    let options = parse_options(p)?;
    if p.parse_keyword(Keyword::AS) {
        return Err(Error::sql(
            "CREATE MODEL … AS SELECT (training a model) is not supported; newsflow models call an LLM provider",
            here(p),
        ));
    }
    Ok(CreateModel {
        name,
        span,
        if_not_exists,
        input,
        output,
        options,
    })
}

fn parse_create_function(p: &mut Parser) -> Result<CreateFunction> {
    let if_not_exists = p.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let span = here(p);
    let name = object_name(p)?;
    let mut identifier = None;
    let mut language = None;
    if p.parse_keyword(Keyword::AS) {
        identifier = Some(p.parse_literal_string().map_err(pe)?);
        if p.parse_keyword(Keyword::LANGUAGE) {
            let lspan = here(p);
            let lang = p.parse_identifier().map_err(pe)?.value.to_ascii_uppercase();
            if !["JAVA", "SCALA", "PYTHON", "SQL"].contains(&lang.as_str()) {
                return Err(Error::sql(
                    format!("unknown LANGUAGE {lang}; Flink accepts JAVA, SCALA, PYTHON and SQL"),
                    lspan,
                ));
            }
            language = Some(lang);
        }
        if p.parse_keyword(Keyword::USING) {
            // USING JAR 'path' [, JAR 'path']*: the resources of a Java function.
            loop {
                if !(p.parse_keyword(Keyword::JAR) || parse_word(p, "ARTIFACT")) {
                    return Err(Error::sql(
                        format!("expected JAR after USING, found {}", p.peek_token().token),
                        here(p),
                    ));
                }
                p.parse_literal_string().map_err(pe)?;
                if !p.consume_token(&Token::Comma) {
                    break;
                }
            }
        }
    }
    let options = if p.parse_keyword(Keyword::WITH) {
        parse_options(p)?
    } else {
        Vec::new()
    };
    if identifier.is_none() && options.is_empty() {
        return Err(Error::sql(
            format!(
                "CREATE FUNCTION {name} needs AS 'implementation' or WITH ('provider' = '…', …), found {}",
                p.peek_token().token
            ),
            here(p),
        ));
    }
    Ok(CreateFunction {
        name,
        span,
        if_not_exists,
        identifier,
        language,
        options,
    })
}

/// The table-function calls of Flink 2.1 that take `TABLE t` / `MODEL m` arguments
/// (`ML_PREDICT(TABLE news, MODEL m, DESCRIPTOR(col) [, MAP['k', 'v']])`), which
/// `sqlparser` cannot read, are rewritten token by token into a plain call it can:
/// `ML_PREDICT(news, m, DESCRIPTOR(col) [, MAP('k', 'v')])`. Only the `TABLE` / `MODEL`
/// words in front of a name and the brackets of `MAP[…]` change, so every other token
/// keeps its line and column and errors still point at the text as written.
/// The window table-valued functions (`TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), …))`) are read
/// the same way: `TUMBLE(t, DESCRIPTOR(ts), …)`.
const TABLE_FUNCTIONS_WITH_TABLE_ARGS: &[&str] = &[
    "ML_PREDICT",
    "ML_EVALUATE",
    "TUMBLE",
    "HOP",
    "CUMULATE",
    "SESSION",
    "NEWS_IMPACT",
];

/// The call `TABLE t PARTITION BY k` is read as: `t, PARTITION_BY(k)`.
pub const PARTITION_BY: &str = "PARTITION_BY";

fn rewrite_table_function_args(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    fn is_word(t: &Token, word: &str) -> bool {
        matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
    }
    fn next_significant(tokens: &[TokenWithSpan], from: usize) -> Option<usize> {
        (from..tokens.len()).find(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
    }
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let is_call = TABLE_FUNCTIONS_WITH_TABLE_ARGS
            .iter()
            .any(|f| is_word(&tokens[i].token, f))
            && next_significant(&tokens, i + 1).is_some_and(|j| tokens[j].token == Token::LParen);
        if !is_call {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        }
        // Copy the name and the call's tokens up to its closing parenthesis.
        out.push(tokens[i].clone());
        i += 1;
        let mut depth = 0usize;
        // Bracket depths of `MAP[` openings, so their `]` become `)`.
        let mut map_brackets: Vec<usize> = Vec::new();
        let mut previous = Token::LParen;
        let mut partition_open = false;
        while i < tokens.len() {
            let mut t = tokens[i].clone();
            i += 1;
            match &t.token {
                Token::Whitespace(_) => {
                    out.push(t);
                    continue;
                }
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                Token::LBracket if is_word(&previous, "MAP") => {
                    map_brackets.push(depth);
                    depth += 1;
                    t.token = Token::LParen;
                }
                Token::LBracket => depth += 1,
                Token::RBracket => {
                    depth = depth.saturating_sub(1);
                    if map_brackets.last() == Some(&depth) {
                        map_brackets.pop();
                        t.token = Token::RParen;
                    }
                }
                _ => {}
            }
            let at_arg_start = depth == 1 && matches!(previous, Token::LParen | Token::Comma | Token::RArrow);
            let keyword_before_name = at_arg_start
                && (is_word(&t.token, "TABLE") || is_word(&t.token, "MODEL"))
                && next_significant(&tokens, i).is_some_and(|j| matches!(tokens[j].token, Token::Word(_)));
            // `TABLE t PARTITION BY k, …` (window TVFs) → `t, PARTITION_BY(k), …`: PARTITION
            // becomes the comma, BY the call's name and its parenthesis; the call closes
            // before the argument's end.
            let partition_by = depth == 1
                && is_word(&t.token, "PARTITION")
                && matches!(previous, Token::Word(_))
                && next_significant(&tokens, i).is_some_and(|j| is_word(&tokens[j].token, "BY"));
            if partition_by {
                let Some(by) = next_significant(&tokens, i) else { break };
                let by_span = tokens[by].span;
                out.push(TokenWithSpan::new(Token::Comma, t.span));
                out.push(TokenWithSpan::new(Token::make_word(PARTITION_BY, None), t.span));
                out.push(TokenWithSpan::new(Token::LParen, by_span));
                partition_open = true;
                previous = Token::LParen;
                i = by + 1;
                continue;
            }
            if partition_open && ((depth == 1 && t.token == Token::Comma) || (depth == 0 && t.token == Token::RParen)) {
                out.push(TokenWithSpan::new(Token::RParen, t.span));
                partition_open = false;
            }
            previous = t.token.clone();
            if keyword_before_name {
                continue;
            }
            let closing = depth == 0 && t.token == Token::RParen;
            out.push(t);
            if closing {
                break;
            }
        }
    }
    out
}

/// Flink forms `sqlparser` cannot read, rewritten token by token into ones it can, with
/// markers the expression compiler understands (other tokens keep their positions):
/// * `x BETWEEN ASYMMETRIC a AND b` → `x BETWEEN a AND b` (the default);
/// * `x BETWEEN SYMMETRIC a AND b` → `x BETWEEN __SYMMETRIC(a) AND b`;
/// * in a simple CASE, `WHEN a, b, c THEN` → `WHEN __ANY_OF(a, b, c) THEN`.
fn rewrite_flink_operators(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    use std::collections::HashMap;
    fn is_word(t: &Token, word: &str) -> bool {
        matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
    }
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    // token index → tokens to put before it / after it; indexes of tokens to drop
    let mut before: HashMap<usize, Vec<Token>> = HashMap::new();
    let mut after: HashMap<usize, Vec<Token>> = HashMap::new();
    let mut drop: Vec<usize> = Vec::new();
    let marker = |name: &str| Token::make_word(name, None);
    for (k, &i) in significant.iter().enumerate() {
        let t = &tokens[i].token;
        if is_word(t, "BETWEEN") {
            let Some(&j) = significant.get(k + 1) else { continue };
            if is_word(&tokens[j].token, "ASYMMETRIC") {
                drop.push(j);
            } else if is_word(&tokens[j].token, "SYMMETRIC") {
                // the AND that ends the lower bound, at the same parenthesis depth
                let mut depth = 0i32;
                let and = significant[k + 2..].iter().copied().find(|&m| {
                    match &tokens[m].token {
                        Token::LParen => depth += 1,
                        Token::RParen => depth -= 1,
                        other => return depth == 0 && is_word(other, "AND"),
                    }
                    false
                });
                if let Some(and) = and {
                    drop.push(j);
                    after
                        .entry(j)
                        .or_default()
                        .extend([marker("__SYMMETRIC"), Token::LParen]);
                    before.entry(and).or_default().push(Token::RParen);
                }
            }
        } else if is_word(t, "IS") {
            // `x IS [NOT] JSON [VALUE|SCALAR|ARRAY|OBJECT]` → `x IS [NOT] DISTINCT FROM
            // __IS_JSON_<KIND>()` (negated: compile reads IS NOT DISTINCT FROM as IS JSON)
            let at = |n: usize| significant.get(k + n).map(|&j| (j, &tokens[j].token));
            let (not, json) = match (at(1), at(2)) {
                (Some((n, a)), Some((j, b))) if is_word(a, "NOT") && is_word(b, "JSON") => (Some(n), j),
                (Some((j, a)), _) if is_word(a, "JSON") => (None, j),
                _ => continue,
            };
            let off = if not.is_some() { 3 } else { 2 };
            let kind = match at(off) {
                Some((j, w)) if ["VALUE", "SCALAR", "ARRAY", "OBJECT"].iter().any(|kw| is_word(w, kw)) => {
                    drop.push(j);
                    match w {
                        Token::Word(w) => w.value.to_ascii_uppercase(),
                        _ => continue,
                    }
                }
                _ => "VALUE".to_string(),
            };
            drop.push(json);
            drop.extend(not);
            let mut extra = Vec::new();
            if not.is_none() {
                extra.push(Token::make_keyword("NOT"));
            }
            extra.extend([
                Token::make_keyword("DISTINCT"),
                Token::make_keyword("FROM"),
                marker(&format!("__IS_JSON_{kind}")),
                Token::LParen,
                Token::RParen,
            ]);
            after.entry(i).or_default().extend(extra);
        } else if is_word(t, "KEY") {
            // JSON_OBJECT(KEY k VALUE v, …): drop KEY (sqlparser reads `k VALUE v`)
            let prev = k.checked_sub(1).map(|p| &tokens[significant[p]].token);
            if !matches!(prev, Some(Token::LParen | Token::Comma)) {
                continue;
            }
            let mut depth = 0i32;
            for (p, &m) in significant[..k].iter().enumerate().rev() {
                match &tokens[m].token {
                    Token::RParen => depth += 1,
                    Token::LParen if depth == 0 => {
                        if p > 0 && is_word(&tokens[significant[p - 1]].token, "JSON_OBJECT") {
                            drop.push(i);
                        }
                        break;
                    }
                    Token::LParen => depth -= 1,
                    _ => {}
                }
            }
        } else if is_word(t, "WHEN") {
            // Is this WHEN in a simple CASE? Walk back to its CASE at the same depth.
            let mut depth = 0i32;
            let mut nested_ends = 0;
            let mut simple = None;
            for &m in significant[..k].iter().rev() {
                match &tokens[m].token {
                    Token::RParen => depth += 1,
                    Token::LParen => {
                        if depth == 0 {
                            break;
                        }
                        depth -= 1;
                    }
                    w if depth == 0 && is_word(w, "END") => nested_ends += 1,
                    w if depth == 0 && is_word(w, "CASE") => {
                        if nested_ends == 0 {
                            let next = significant
                                .iter()
                                .position(|&x| x == m)
                                .and_then(|p| significant.get(p + 1));
                            simple = Some(next.is_some_and(|&n| !is_word(&tokens[n].token, "WHEN")));
                            break;
                        }
                        nested_ends -= 1;
                    }
                    _ => {}
                }
            }
            if simple != Some(true) {
                continue;
            }
            // Commas at depth 0 before the THEN?
            let mut depth = 0i32;
            let mut cases = 0;
            let mut comma = false;
            let mut then = None;
            for &m in &significant[k + 1..] {
                match &tokens[m].token {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    Token::Comma if depth == 0 && cases == 0 => comma = true,
                    w if depth == 0 && is_word(w, "CASE") => cases += 1,
                    w if depth == 0 && is_word(w, "END") => cases -= 1,
                    w if depth == 0 && cases == 0 && is_word(w, "THEN") => {
                        then = Some(m);
                        break;
                    }
                    _ => {}
                }
                if depth < 0 {
                    break;
                }
            }
            if let (true, Some(then)) = (comma, then) {
                after.entry(i).or_default().extend([marker("__ANY_OF"), Token::LParen]);
                before.entry(then).or_default().push(Token::RParen);
            }
        }
    }
    if before.is_empty() && after.is_empty() && drop.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + 8);
    for (i, t) in tokens.into_iter().enumerate() {
        let span = t.span;
        for x in before.remove(&i).unwrap_or_default() {
            out.push(TokenWithSpan::new(x, span));
        }
        let extra = after.remove(&i).unwrap_or_default();
        if !drop.contains(&i) {
            out.push(t);
        }
        for x in extra {
            out.push(TokenWithSpan::new(x, span));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_json_syntax() {
        let sql = "SELECT JSON_OBJECT(KEY 'a' VALUE 1, KEY 'b' VALUE x), s IS JSON, s IS NOT JSON OBJECT FROM t";
        let stmts = parse_statements(sql).unwrap();
        let Statement::Query { query: q, .. } = &stmts[0] else {
            panic!("not a query")
        };
        let text = q.to_string();
        assert!(text.contains("JSON_OBJECT('a' VALUE 1, 'b' VALUE x)"), "{text}");
        assert!(text.contains("s IS NOT DISTINCT FROM __IS_JSON_VALUE()"), "{text}");
        assert!(text.contains("s IS DISTINCT FROM __IS_JSON_OBJECT()"), "{text}");
    }

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

    #[test]
    fn parses_model_and_function_ddl() {
        let sql = "CREATE TEMPORARY MODEL IF NOT EXISTS m\nINPUT (news_content STRING COMMENT 'text')\n\
                   OUTPUT (label STRING, score DOUBLE, summary STRING)\n\
                   WITH ('provider' = 'openai', 'model' = 'gpt-4o-mini');\n\
                   CREATE TEMPORARY FUNCTION analyze_news AS 'udfs.analyze_news' LANGUAGE PYTHON;\n\
                   CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS analyze_news WITH ('provider' = 'offline');";
        let stmts = parse_statements(sql).unwrap();
        let Statement::CreateModel(m) = &stmts[0] else { panic!() };
        assert!(m.if_not_exists);
        assert_eq!((m.input.len(), m.output.len(), m.options.len()), (1, 3, 2));
        assert_eq!(m.output[1].name, "score");
        let Statement::CreateFunction(f) = &stmts[1] else {
            panic!()
        };
        assert_eq!(f.identifier.as_deref(), Some("udfs.analyze_news"));
        assert_eq!(f.language.as_deref(), Some("PYTHON"));
        let Statement::CreateFunction(f) = &stmts[2] else {
            panic!()
        };
        assert_eq!(f.options[0].1, "offline");
        let e = parse_statements("CREATE FUNCTION f;").unwrap_err().to_string();
        assert!(e.contains("needs AS"), "{e}");
        let e = parse_statements("CREATE MODEL m INPUT (a STRING);")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 1, column 32") && e.contains("WITH"), "{e}");
    }

    #[test]
    fn ml_predict_arguments_keep_their_positions() {
        let sql = "SELECT * FROM ML_PREDICT(\n  TABLE news,\n  MODEL m,\n  DESCRIPTOR(news_content),\n  MAP['timeout', '5 s'])";
        let stmts = parse_statements(sql).unwrap();
        let Statement::Query { query, .. } = &stmts[0] else {
            panic!()
        };
        let text = query.to_string();
        assert!(
            text.contains("ML_PREDICT(news, m, DESCRIPTOR(news_content), MAP('timeout', '5 s'))"),
            "{text}"
        );
        let ast::SetExpr::Select(sel) = query.body.as_ref() else {
            panic!()
        };
        let ast::TableFactor::Table { args: Some(args), .. } = &sel.from[0].relation else {
            panic!()
        };
        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Identifier(m))) = &args.args[1] else {
            panic!()
        };
        assert_eq!((m.span.start.line, m.span.start.column), (3, 9));
        // named arguments, and TABLE/MODEL as ordinary words elsewhere
        let sql = "SELECT * FROM ML_PREDICT(INPUT => TABLE news, MODEL => MODEL m, ARGS => DESCRIPTOR(c))";
        let text = match &parse_statements(sql).unwrap()[0] {
            Statement::Query { query, .. } => query.to_string(),
            _ => panic!(),
        };
        assert!(
            text.contains("INPUT => news, MODEL => m, ARGS => DESCRIPTOR(c)"),
            "{text}"
        );
    }
}
