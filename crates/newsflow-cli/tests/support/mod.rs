//! A local OpenAI Chat Completions server for the LLM pipeline tests and the LLM
//! benchmark: `POST /v1/chat/completions` on 127.0.0.1, answering every news item with a
//! label chosen by [`label_for`] (so a test knows what the server said, and it differs
//! from the offline analyser), after a fixed or random delay. It records the order in which
//! answers were sent and the most requests it held at once.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

/// How long the server takes to answer.
#[derive(Debug, Clone, Copy)]
pub enum Delay {
    Fixed(Duration),
    /// Uniform in `[min, max]`, a different draw per request.
    Random {
        min: Duration,
        max: Duration,
    },
}

struct State {
    delay: Delay,
    seed: AtomicU64,
    concurrent: AtomicUsize,
    max_concurrent: AtomicUsize,
    requests: AtomicUsize,
    /// News texts in the order their answers were sent.
    answered: Mutex<Vec<String>>,
}

pub struct MockOpenAi {
    pub addr: SocketAddr,
    state: Arc<State>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// The label the server gives a news text: good / bad / neutral by the text's length.
pub fn label_for(text: &str) -> &'static str {
    ["good", "bad", "neutral"][text.chars().count() % 3]
}

/// The summary the server gives a news text.
pub fn summary_for(text: &str) -> String {
    format!("mock: {}", text.chars().take(24).collect::<String>())
}

impl MockOpenAi {
    pub fn start(delay: Delay) -> MockOpenAi {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("server runtime");
        let state = Arc::new(State {
            delay,
            seed: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
            concurrent: AtomicUsize::new(0),
            max_concurrent: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            answered: Mutex::new(Vec::new()),
        });
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let accept_state = Arc::clone(&state);
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                let state = Arc::clone(&accept_state);
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&state), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        MockOpenAi {
            addr,
            state,
            runtime: Some(runtime),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    pub fn max_concurrent(&self) -> usize {
        self.state.max_concurrent.load(Ordering::SeqCst)
    }

    /// News texts in the order the server answered them.
    pub fn answered(&self) -> Vec<String> {
        self.state.answered.lock().expect("lock").clone()
    }
}

impl Drop for MockOpenAi {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A local address nothing listens on (connections are refused).
pub fn dead_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}")
}

fn next_delay(state: &State) -> Duration {
    match state.delay {
        Delay::Fixed(d) => d,
        Delay::Random { min, max } => {
            // splitmix64 over a shared counter: a different draw per request.
            let mut z = state.seed.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::SeqCst);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let span = max.saturating_sub(min).as_micros() as u64;
            min + Duration::from_micros(if span == 0 { 0 } else { z % span })
        }
    }
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path_ok = req.method() == hyper::Method::POST && req.uri().path() == "/v1/chat/completions";
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if !path_ok {
        return Ok(respond(404, json!({"error": {"message": "no such route"}})));
    }
    state.requests.fetch_add(1, Ordering::SeqCst);
    let now = state.concurrent.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_concurrent.fetch_max(now, Ordering::SeqCst);
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let user = request["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string();
    let news = newsflow_llm::prompt::extract_news(&user).unwrap_or(user);
    tokio::time::sleep(next_delay(&state)).await;
    let label = label_for(&news);
    let score = match label {
        "good" => 0.6,
        "bad" => -0.6,
        _ => 0.0,
    };
    let content = json!({"label": label, "score": score, "summary": summary_for(&news)}).to_string();
    state.answered.lock().expect("lock").push(news);
    state.concurrent.fetch_sub(1, Ordering::SeqCst);
    Ok(respond(
        200,
        json!({
            "id": "chatcmpl-mock", "object": "chat.completion", "model": "mock",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
        }),
    ))
}

fn respond(status: u16, body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}
