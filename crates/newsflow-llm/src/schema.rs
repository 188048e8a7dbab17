//! The shape of an analysis as a JSON schema, for the providers' structured output: an
//! OpenAI-compatible `response_format` of type `json_schema` (honoured by OpenAI, vLLM,
//! Ollama and llama.cpp's server, which turn it into a grammar), and the input schema of
//! the one tool Anthropic Messages and Bedrock Converse are made to call.
//!
//! ```json
//! {"type": "object",
//!  "properties": {"label":   {"type": "string", "enum": ["good", "bad", "neutral"]},
//!                 "score":   {"type": "number", "enum": [-1, -0.75, …, 0.75, 1]},
//!                 "summary": {"type": "string", "maxLength": 200}},
//!  "required": ["label", "score", "summary"], "additionalProperties": false}
//! ```
//!
//! The score is one of nine steps from -1 to 1 (an `enum`), not a free number with
//! `minimum`/`maximum`: the grammar converters of local servers ignore those (a small
//! model then answers `"score": 100`), while every server that honours a schema honours
//! `enum`. `maxLength` keeps a small model from writing a summary that the reply's token
//! limit would cut off in the middle of the JSON. The parser still checks everything.

use serde_json::{json, Value};

use crate::parse::MAX_SUMMARY_CHARS;

/// The schema's name in `response_format.json_schema.name`.
pub const SCHEMA_NAME: &str = "news_analysis";

/// The tool Anthropic and Bedrock are made to call; its input is the analysis.
pub const TOOL_NAME: &str = "record_news_analysis";

/// What the tool is for, as the model sees it.
pub const TOOL_DESCRIPTION: &str = "Record the analysis of the news item: its likely effect on \
the company's stock price (label and score) and a one-line summary.";

/// The scores a structured reply may give.
pub const SCORE_STEPS: [f64; 9] = [-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0];

/// The JSON schema of an analysis.
pub fn analysis_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "label": {
                "type": "string",
                "enum": ["good", "bad", "neutral"],
                "description": "The likely effect on the stock price."
            },
            "score": {
                "type": "number",
                "enum": SCORE_STEPS,
                "description": "From -1 (very bad) to 1 (very good); at least 0 for good, at most 0 for bad."
            },
            "summary": {
                "type": "string",
                "maxLength": MAX_SUMMARY_CHARS,
                "description": "A one-line summary of the news, in the language of the news."
            }
        },
        "required": ["label", "score", "summary"],
        "additionalProperties": false
    })
}

/// The OpenAI-compatible `response_format` asking for [`analysis_schema`], strictly:
/// `{"type": "json_schema", "json_schema": {"name", "strict": true, "schema"}}` (OpenAI,
/// vLLM, Ollama, llama.cpp's own server).
pub fn openai_response_format() -> Value {
    json!({
        "type": "json_schema",
        "json_schema": {
            "name": SCHEMA_NAME,
            "strict": true,
            "schema": analysis_schema()
        }
    })
}

/// The older form some OpenAI-compatible servers take instead (llama-cpp-python's server,
/// Anyscale): `{"type": "json_object", "schema": …}`.
pub fn json_object_response_format() -> Value {
    json!({
        "type": "json_object",
        "schema": analysis_schema()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_reply;

    #[test]
    fn the_schema_names_every_field_the_parser_reads() {
        let s = analysis_schema();
        assert_eq!(s["required"], json!(["label", "score", "summary"]));
        assert_eq!(s["properties"]["label"]["enum"], json!(["good", "bad", "neutral"]));
        assert_eq!(s["additionalProperties"], json!(false));
        let f = openai_response_format();
        assert_eq!(f["type"], "json_schema");
        assert_eq!(f["json_schema"]["strict"], true);
        assert_eq!(f["json_schema"]["schema"], s);
        assert_eq!(json_object_response_format()["schema"], s);
        assert_eq!(s["properties"]["score"]["enum"].as_array().map(Vec::len), Some(9));
        // An object of that shape is what the parser accepts.
        let reply = json!({"label": "bad", "score": -0.4, "summary": "Recall"}).to_string();
        assert!(parse_reply(&reply).is_ok());
    }
}
