//! The `--llm*` flags that choose who analyses the news (`newsflow demo`,
//! `newsflow eval-analyser`): a provider, its endpoint and model, and any other provider
//! option as KEY=VALUE — the same keys as `SET 'newsflow.llm.<key>'` in SQL.

/// `--llm PROVIDER [--llm-endpoint URL] [--llm-model M] [--llm-option KEY=VALUE]…`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LlmArgs {
    /// Analyse the news with this LLM provider (openai, anthropic, bedrock) instead of the
    /// offline analyser; the same as SET 'newsflow.llm.provider' in the SQL.
    #[arg(long, value_name = "PROVIDER")]
    pub llm: Option<String>,
    /// The provider's base URL, e.g. an OpenAI-compatible server (vLLM, Ollama, llama.cpp,
    /// LM Studio): http://127.0.0.1:8000.
    #[arg(long, value_name = "URL", requires = "llm")]
    pub llm_endpoint: Option<String>,
    /// The model id (default: the provider's, e.g. gpt-4o-mini).
    #[arg(long, value_name = "MODEL", requires = "llm")]
    pub llm_model: Option<String>,
    /// Another provider option, KEY=VALUE (max-in-flight=32, timeout=10s, max-retries=1,
    /// cache=off, structured-output=off, concurrency=fixed, …); repeatable. API keys are
    /// read from the environment only.
    #[arg(
        long = "llm-option",
        visible_alias = "option",
        value_name = "KEY=VALUE",
        requires = "llm"
    )]
    pub llm_options: Vec<String>,
}

impl LlmArgs {
    /// The provider options the flags give, in order (`provider`, `endpoint`, `model`,
    /// then each `--llm-option`).
    pub fn options(&self) -> anyhow::Result<Vec<(String, String)>> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Some(p) = &self.llm {
            pairs.push(("provider".into(), p.clone()));
        }
        if let Some(e) = &self.llm_endpoint {
            pairs.push(("endpoint".into(), e.clone()));
        }
        if let Some(m) = &self.llm_model {
            pairs.push(("model".into(), m.clone()));
        }
        for o in &self.llm_options {
            let (k, v) = o
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--llm-option expects KEY=VALUE, got '{o}'"))?;
            pairs.push((k.trim().to_string(), v.trim().to_string()));
        }
        Ok(pairs)
    }

    /// `SET 'newsflow.llm.<key>' = '<value>';` lines for the flags.
    pub fn set_statements(&self) -> anyhow::Result<String> {
        Ok(self
            .options()?
            .iter()
            .map(|(k, v)| format!("SET {} = {};\n", quote(&format!("newsflow.llm.{k}")), quote(v)))
            .collect())
    }

    /// Who analyses the news, for a banner line.
    pub fn describe(&self) -> String {
        match (&self.llm, &self.llm_endpoint) {
            (Some(p), Some(e)) => format!("LLM provider {p} at {e}"),
            (Some(p), None) => format!("LLM provider {p}"),
            (None, _) => "the offline analyser (--llm openai --llm-endpoint URL for an LLM)".to_string(),
        }
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_set_statements() {
        let args = LlmArgs {
            llm: Some("openai".into()),
            llm_endpoint: Some("http://127.0.0.1:8000".into()),
            llm_model: Some("it's".into()),
            llm_options: vec!["max-in-flight=32".into()],
        };
        assert_eq!(
            args.set_statements().unwrap(),
            "SET 'newsflow.llm.provider' = 'openai';\nSET 'newsflow.llm.endpoint' = 'http://127.0.0.1:8000';\n\
             SET 'newsflow.llm.model' = 'it''s';\nSET 'newsflow.llm.max-in-flight' = '32';\n"
        );
        let bad = LlmArgs {
            llm: Some("openai".into()),
            llm_options: vec!["timeout".into()],
            ..Default::default()
        };
        assert!(bad.options().is_err());
    }
}
