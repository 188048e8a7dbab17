//! The built-in lexicon + rules analyser ([`crate::analyze`]) as a provider: the
//! default. It answers locally ([`Provider::analyze_locally`]), so the analyser never
//! queues, caches or retries it. Through [`Provider::complete`] it reads the news
//! between the delimiters of the last user message and replies with the JSON a model
//! would give.

use serde_json::json;

use super::{BoxFuture, ChatRequest, Completion, Provider, ProviderError, Role, Usage};
use crate::offline::{analyze, Analysis};
use crate::outcome::ErrorKind;
use crate::prompt::extract_news;

#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineProvider;

impl Provider for OfflineProvider {
    fn name(&self) -> &str {
        "offline"
    }

    fn model(&self) -> &str {
        crate::config::ProviderKind::Offline.default_model()
    }

    fn complete<'a>(&'a self, request: &'a ChatRequest) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        let news = request
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .and_then(|m| extract_news(&m.content));
        let result = match news {
            Some(news) => {
                let a = analyze(&news);
                Ok(Completion {
                    text: json!({"label": a.label, "score": a.score, "summary": a.summary}).to_string(),
                    usage: Usage::default(),
                    structured: request.structured,
                })
            }
            None => Err(ProviderError::new(
                ErrorKind::Client,
                "the request has no <news> item to analyse",
            )),
        };
        Box::pin(std::future::ready(result))
    }

    fn analyze_locally(&self, news: &str) -> Option<Analysis> {
        Some(analyze(news))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_reply;
    use crate::prompt::first_request;

    #[test]
    fn complete_round_trips_through_the_prompt() {
        let news = "Intel to lay off 15% of its workforce";
        let req = first_request("sys", news, 6000, 200, 0.0, false);
        let reply = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(OfflineProvider.complete(&req))
            .expect("answer");
        let parsed = parse_reply(&reply.text).expect("valid json");
        assert_eq!(parsed, analyze(news));
    }
}
