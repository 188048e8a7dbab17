//! LLM bindings in the catalog: models (`CREATE MODEL`, used by `ML_PREDICT`) and the
//! provider behind `analyze_news` (`CREATE FUNCTION analyze_news WITH (...)`, or
//! `SET 'newsflow.llm.<key>' = '…'`).
//!
//! Options are the keys of [`ProviderConfig::from_options`] and are checked where they
//! are written: an unknown provider or key, or anything that looks like a secret
//! (`'api-key'`), is an error pointing at that option's line and column. API keys are
//! only ever read from the environment.

use newsflow_common::{DataType, Error, Field, Result, Span};
use newsflow_llm::config::OPTION_KEYS;
use newsflow_llm::{ProviderConfig, ProviderKind};

use crate::catalog::Catalog;
use crate::parser::{CreateFunction, CreateModel, ModelColumn};
use crate::plan::AnalyzeColumn;

/// `SET 'newsflow.llm.<key>' = 'value'` configures the provider of `analyze_news`.
pub const LLM_SETTING_PREFIX: &str = "newsflow.llm.";

/// The one built-in function whose implementation a script can bind to a provider.
pub const ANALYZE_NEWS: &str = "analyze_news";

/// The keyword topic of a news item (`newsflow_llm::news_topic`), for impact breakdowns.
pub const NEWS_TOPIC: &str = "news_topic";

/// Register the functions this layer brings to expressions: `news_topic`, and `analyze_news` as the offline
/// analyser (a network provider bound to it is planned as an `Analyze` operator instead).
/// Idempotent; every entry point that compiles SQL calls it first.
pub fn register_functions() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        newsflow_expr::registry::register(newsflow_expr::registry::ScalarUdf {
            name: ANALYZE_NEWS.to_string(),
            min_args: 1,
            max_args: 1,
            return_type: newsflow_common::DataType::STRING,
            body: std::sync::Arc::new(|args| match args.first().and_then(newsflow_common::Value::as_str) {
                Some(text) => newsflow_common::Value::str(&newsflow_llm::analyze(text).to_json()),
                None => newsflow_common::Value::Null,
            }),
        });
        newsflow_expr::registry::register(newsflow_expr::registry::ScalarUdf {
            name: NEWS_TOPIC.to_string(),
            min_args: 1,
            max_args: 1,
            return_type: newsflow_common::DataType::STRING,
            body: std::sync::Arc::new(|args| match args.first().and_then(newsflow_common::Value::as_str) {
                Some(text) => newsflow_common::Value::str(newsflow_llm::news_topic(text)),
                None => newsflow_common::Value::Null,
            }),
        });
    });
}

/// A model registered with `CREATE MODEL`.
#[derive(Debug, Clone)]
pub struct ModelDef {
    pub name: String,
    /// The single STRING input column.
    pub input: Field,
    /// The OUTPUT columns and what each holds.
    pub outputs: Vec<(Field, AnalyzeColumn)>,
    pub config: ProviderConfig,
    pub span: Span,
}

/// `analyze_news` as bound by `CREATE FUNCTION`.
#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub name: String,
    /// `Some`: the provider its `WITH (...)` names; `None` (`AS '…' LANGUAGE PYTHON`):
    /// the `SET 'newsflow.llm.*'` provider, else the offline analyser.
    pub config: Option<ProviderConfig>,
    pub span: Span,
}

/// The names an OUTPUT column of a model may have, with the types it must have.
const OUTPUT_NAMES: &str = "label STRING, score DOUBLE, summary STRING, error STRING, \
and response / content STRING (the whole answer as JSON text)";

fn output_kind(c: &ModelColumn, t: &DataType) -> Result<AnalyzeColumn> {
    let name = c.name.to_ascii_lowercase();
    let (kind, ok) = match name.as_str() {
        "label" => (AnalyzeColumn::Label, t.is_string()),
        "summary" => (AnalyzeColumn::Summary, t.is_string()),
        "error" => (AnalyzeColumn::Error, t.is_string()),
        "response" | "content" => (AnalyzeColumn::Json, t.is_string()),
        "score" => (AnalyzeColumn::Score, matches!(t, DataType::Double | DataType::Float)),
        _ => {
            return Err(Error::sql(
                format!(
                    "OUTPUT column `{}`: a newsflow model answers with {OUTPUT_NAMES}",
                    c.name
                ),
                c.span,
            ))
        }
    };
    if !ok {
        let want = if kind == AnalyzeColumn::Score {
            "DOUBLE"
        } else {
            "STRING"
        };
        return Err(Error::sql(
            format!("OUTPUT column `{}` must be {want}, not {t}", c.name),
            c.span,
        ));
    }
    Ok(kind)
}

/// A [`ProviderConfig`] from `WITH` options; an error points at the option it is about.
///
/// An OpenAI-compatible `endpoint` may be given as the full chat-completions URL, as
/// Flink's and Confluent's `openai` models take it (`…/v1/chat/completions`); it is
/// reduced to the base URL the provider expects.
pub fn provider_config(options: &[(String, String, Span)], span: Span) -> Result<ProviderConfig> {
    let normalised: Vec<(&str, String)> = options
        .iter()
        .map(|(k, v, _)| {
            let v = if k.eq_ignore_ascii_case("endpoint") {
                v.trim_end_matches('/')
                    .trim_end_matches("/chat/completions")
                    .to_string()
            } else {
                v.clone()
            };
            (k.as_str(), v)
        })
        .collect();
    ProviderConfig::from_options(normalised.iter().map(|(k, v)| (*k, v.as_str()))).map_err(|e| {
        let key = offending_key(&e.0);
        let at = key
            .and_then(|k| options.iter().find(|(o, _, _)| o.eq_ignore_ascii_case(k)).map(|o| o.2))
            .unwrap_or(span);
        Error::sql(e.0, at)
    })
}

/// The option a [`newsflow_llm::ConfigError`] message is about.
fn offending_key(msg: &str) -> Option<&str> {
    if msg.starts_with("unknown provider") {
        return Some("provider");
    }
    let rest = &msg[msg.find("option '")? + "option '".len()..];
    rest.split('\'').next()
}

/// Checks one `SET 'newsflow.llm.<key>'`: the key must be a provider option (never a
/// secret). Values are checked together when `analyze_news` is planned, since they
/// depend on the provider (which may be set later).
pub fn check_llm_setting(key: &str, value: &str) -> std::result::Result<(), String> {
    let Some(option) = key.strip_prefix(LLM_SETTING_PREFIX) else {
        return Ok(());
    };
    let lower = option.to_ascii_lowercase();
    if OPTION_KEYS.contains(&lower.as_str()) {
        if lower == "provider" && ProviderKind::parse(value).is_none() {
            return ProviderConfig::from_options([("provider", value)])
                .map(|_| ())
                .map_err(|e| e.0);
        }
        return Ok(());
    }
    ProviderConfig::from_options([(option, value)])
        .map(|_| ())
        .map_err(|e| e.0)
}

impl Catalog {
    /// Registers `CREATE MODEL`. Without INPUT the model takes one `text STRING`; without
    /// OUTPUT it answers `label STRING, score DOUBLE, summary STRING`.
    pub fn add_model(&mut self, cm: &CreateModel) -> Result<()> {
        if self.models.contains_key(&cm.name) {
            if cm.if_not_exists {
                return Ok(());
            }
            return Err(Error::sql(format!("model `{}` already exists", cm.name), cm.span));
        }
        let config = provider_config(&cm.options, cm.span)?;
        let input = match cm.input.as_slice() {
            [] => Field::new("text", DataType::STRING),
            [c] => {
                let t = newsflow_expr::compile::sql_type(&c.data_type, c.span)?;
                if !t.is_string() {
                    return Err(Error::sql(
                        format!("INPUT column `{}` must be STRING (the news text), not {t}", c.name),
                        c.span,
                    ));
                }
                Field::new(c.name.clone(), t)
            }
            [_, second, ..] => {
                return Err(Error::sql(
                    "a newsflow model takes exactly one INPUT column (the text to analyse, STRING)",
                    second.span,
                ))
            }
        };
        let mut outputs = Vec::new();
        if cm.output.is_empty() {
            for (name, t, kind) in [
                ("label", DataType::STRING, AnalyzeColumn::Label),
                ("score", DataType::Double, AnalyzeColumn::Score),
                ("summary", DataType::STRING, AnalyzeColumn::Summary),
            ] {
                outputs.push((Field::new(name, t), kind));
            }
        }
        for c in &cm.output {
            let t = newsflow_expr::compile::sql_type(&c.data_type, c.span)?;
            let kind = output_kind(c, &t)?;
            outputs.push((Field::new(c.name.clone(), t), kind));
        }
        self.models.insert(
            cm.name.clone(),
            ModelDef {
                name: cm.name.clone(),
                input,
                outputs,
                config,
                span: cm.span,
            },
        );
        Ok(())
    }

    /// Registers `CREATE FUNCTION`. Only `analyze_news` can be (re)bound; the returned
    /// note says what a Python or Java declaration of it maps to.
    pub fn add_function(&mut self, cf: &CreateFunction) -> Result<Option<String>> {
        let name = cf.name.to_ascii_lowercase();
        if name != ANALYZE_NEWS {
            let what = match (&cf.identifier, &cf.language) {
                (Some(id), lang) => format!(" (AS '{id}' LANGUAGE {})", lang.as_deref().unwrap_or("JAVA")),
                (None, _) => String::new(),
            };
            return Err(Error::sql(
                format!(
                    "cannot create function `{}`{what}: newsflow runs no JVM or Python code; the function a \
                     script can bind is analyze_news (CREATE FUNCTION analyze_news WITH ('provider' = …)); \
                     see the README for the built-in functions",
                    cf.name
                ),
                cf.span,
            ));
        }
        // Options are checked even when IF NOT EXISTS makes the statement a no-op.
        let config = if cf.options.is_empty() {
            None
        } else {
            Some(provider_config(&cf.options, cf.span)?)
        };
        if self.functions.contains_key(&name) {
            if cf.if_not_exists {
                return Ok(None);
            }
            return Err(Error::sql(format!("function `{}` already exists", cf.name), cf.span));
        }
        let note = if config.is_none() {
            let note = format!(
                "CREATE FUNCTION {} AS '{}'{}: newsflow runs no {} code; analyze_news is built in and uses \
                 the provider of SET 'newsflow.llm.provider' (default: the offline analyser). Bind another \
                 with CREATE FUNCTION analyze_news WITH ('provider' = …)",
                cf.name,
                cf.identifier.as_deref().unwrap_or(""),
                cf.language
                    .as_ref()
                    .map(|l| format!(" LANGUAGE {l}"))
                    .unwrap_or_default(),
                match cf.language.as_deref() {
                    Some("PYTHON") => "Python",
                    Some("SCALA") => "Scala",
                    Some("SQL") => "SQL",
                    _ => "Java",
                },
            );
            Some(note)
        } else {
            None
        };
        self.functions.insert(
            name.clone(),
            FunctionDef {
                name,
                config,
                span: cf.span,
            },
        );
        Ok(note)
    }

    /// The provider `analyze_news` calls: `None` for the offline analyser (which runs
    /// inline, as a scalar function), else the configuration of `CREATE FUNCTION
    /// analyze_news WITH (...)` or of the `SET 'newsflow.llm.*'` options so far.
    pub fn analyze_news_config(&self) -> std::result::Result<Option<ProviderConfig>, String> {
        let config = match self.functions.get(ANALYZE_NEWS).and_then(|f| f.config.clone()) {
            Some(c) => c,
            None => {
                let options: Vec<(&str, &str)> = self
                    .settings
                    .iter()
                    .filter_map(|(k, v)| k.strip_prefix(LLM_SETTING_PREFIX).map(|k| (k, v.as_str())))
                    .collect();
                if options.is_empty() {
                    return Ok(None);
                }
                ProviderConfig::from_options(options)
                    .map_err(|e| format!("the SET 'newsflow.llm.*' options are invalid: {e}"))?
            }
        };
        Ok((config.provider != ProviderKind::Offline).then_some(config))
    }

    pub fn model(&self, name: &str, span: Span) -> Result<&ModelDef> {
        self.models.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.models.keys().map(String::as_str).collect();
            Error::sql(
                format!(
                    "unknown model `{name}`; {}",
                    if known.is_empty() {
                        "no models are defined (CREATE MODEL m INPUT (text STRING) OUTPUT (label STRING, \
                         score DOUBLE, summary STRING) WITH ('provider' = …))"
                            .to_string()
                    } else {
                        format!("known models: {}", known.join(", "))
                    }
                ),
                span,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_option_they_are_about() {
        assert_eq!(
            offending_key("unknown provider 'x'; valid providers: …"),
            Some("provider")
        );
        assert_eq!(offending_key("option 'api-key' is not accepted: …"), Some("api-key"));
        assert_eq!(offending_key("unknown option 'modle'; valid options: …"), Some("modle"));
        let opts = vec![
            ("provider".to_string(), "openai".to_string(), Span::new(2, 3)),
            ("api-key".to_string(), "sk-1".to_string(), Span::new(3, 3)),
        ];
        let e = provider_config(&opts, Span::new(1, 1)).unwrap_err().to_string();
        assert!(e.starts_with("line 3, column 3") && !e.contains("sk-1"), "{e}");
    }

    #[test]
    fn a_full_chat_completions_url_is_reduced_to_the_base() {
        let opts = vec![
            ("provider".to_string(), "openai".to_string(), Span::new(1, 1)),
            (
                "endpoint".to_string(),
                "http://127.0.0.1:9/v1/chat/completions".to_string(),
                Span::new(1, 1),
            ),
        ];
        let c = provider_config(&opts, Span::new(1, 1)).unwrap();
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:9/v1"));
    }

    #[test]
    fn llm_settings_refuse_secrets_and_unknown_keys() {
        assert!(check_llm_setting("newsflow.llm.model", "m").is_ok());
        assert!(check_llm_setting("table.exec.source.idle-timeout", "1 s").is_ok());
        let e = check_llm_setting("newsflow.llm.api-key", "sk-1").unwrap_err();
        assert!(e.contains("environment variable") && !e.contains("sk-1"), "{e}");
        let e = check_llm_setting("newsflow.llm.provider", "gemini").unwrap_err();
        assert!(e.contains("unknown provider 'gemini'"), "{e}");
    }
}
