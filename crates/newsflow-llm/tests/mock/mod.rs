//! A local HTTP server speaking one provider's wire protocol (OpenAI Chat Completions,
//! Anthropic Messages or Bedrock Converse), bound to 127.0.0.1:0, with scripted
//! behaviour per request (reply text, delay, status with `Retry-After`, echo of the
//! credentials) and a record of what it received. The Bedrock server verifies the
//! SigV4 signature of every request (see `sigv4.rs`).

pub mod sigv4;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    OpenAi,
    Anthropic,
    Bedrock,
}

impl Wire {
    pub const ALL: [Wire; 3] = [Wire::OpenAi, Wire::Anthropic, Wire::Bedrock];

    pub fn name(&self) -> &'static str {
        match self {
            Wire::OpenAi => "openai",
            Wire::Anthropic => "anthropic",
            Wire::Bedrock => "bedrock",
        }
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Step {
    /// 200 with this model text, after an optional delay.
    Reply(Duration, String),
    /// This status (error body in the wire's format) with an optional `Retry-After`.
    Status(u16, Option<&'static str>),
    /// This status, with a body quoting the credential headers it received.
    EchoAuth(u16),
}

pub fn reply(text: impl Into<String>) -> Step {
    Step::Reply(Duration::ZERO, text.into())
}

/// The SigV4 credentials the Bedrock server checks signatures with.
#[derive(Debug, Clone)]
pub struct SigV4Check {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: hyper::HeaderMap,
    pub body: Value,
}

pub struct State {
    wire: Wire,
    script: Mutex<VecDeque<Step>>,
    default: Mutex<Step>,
    received: Mutex<Vec<Received>>,
    concurrent: AtomicUsize,
    max_concurrent: AtomicUsize,
    signature_failures: AtomicUsize,
    sigv4: Option<SigV4Check>,
}

pub struct MockServer {
    pub addr: SocketAddr,
    state: Arc<State>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl MockServer {
    /// A server for `wire`; `default` answers every request the script does not cover.
    pub fn start(wire: Wire, default: Step, sigv4: Option<SigV4Check>) -> MockServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("server runtime");
        let state = Arc::new(State {
            wire,
            script: Mutex::new(VecDeque::new()),
            default: Mutex::new(default),
            received: Mutex::new(Vec::new()),
            concurrent: AtomicUsize::new(0),
            max_concurrent: AtomicUsize::new(0),
            signature_failures: AtomicUsize::new(0),
            sigv4,
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
        MockServer {
            addr,
            state,
            runtime: Some(runtime),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Behaviours for the next requests, in order.
    pub fn script(&self, steps: impl IntoIterator<Item = Step>) {
        self.state.script.lock().expect("lock").extend(steps);
    }

    pub fn requests(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }

    pub fn request_count(&self) -> usize {
        self.state.received.lock().expect("lock").len()
    }

    pub fn max_concurrent(&self) -> usize {
        self.state.max_concurrent.load(Ordering::SeqCst)
    }

    pub fn signature_failures(&self) -> usize {
        self.state.signature_failures.load(Ordering::SeqCst)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let bytes = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(respond(400, &[], json!({"message": "unreadable body"}))),
    };
    let now = state.concurrent.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_concurrent.fetch_max(now, Ordering::SeqCst);
    let response = answer(&state, &parts, &bytes).await;
    state.concurrent.fetch_sub(1, Ordering::SeqCst);
    Ok(response)
}

async fn answer(state: &State, parts: &hyper::http::request::Parts, bytes: &Bytes) -> Response<Full<Bytes>> {
    let path = parts.uri.path().to_string();
    let wire = state.wire;
    let path_ok = parts.method == hyper::Method::POST
        && match wire {
            Wire::OpenAi => path == "/v1/chat/completions",
            Wire::Anthropic => path == "/v1/messages",
            Wire::Bedrock => path.starts_with("/model/") && path.ends_with("/converse"),
        };
    if !path_ok {
        return respond(
            404,
            &[],
            json!({"message": format!("no route {} {path}", parts.method)}),
        );
    }
    if let Some(check) = &state.sigv4 {
        if let Err(why) = sigv4::verify(
            parts.method.as_str(),
            parts.uri.path(),
            parts.uri.query().unwrap_or(""),
            &parts.headers,
            bytes,
            check,
        ) {
            state.signature_failures.fetch_add(1, Ordering::SeqCst);
            return respond(
                403,
                &[("x-amzn-errortype", "InvalidSignatureException")],
                json!({"message": format!("signature does not match: {why}")}),
            );
        }
    }
    let body: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    state.received.lock().expect("lock").push(Received {
        path,
        headers: parts.headers.clone(),
        body,
    });
    let step = {
        let next = state.script.lock().expect("lock").pop_front();
        next.unwrap_or_else(|| state.default.lock().expect("lock").clone())
    };
    match step {
        Step::Reply(delay, text) => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            respond(200, &[], success_body(wire, &text))
        }
        Step::Status(status, retry_after) => {
            let mut headers: Vec<(&str, &str)> = Vec::new();
            if let Some(ra) = retry_after {
                headers.push(("retry-after", ra));
            }
            if wire == Wire::Bedrock {
                headers.push(("x-amzn-errortype", bedrock_error_type(status)));
            }
            respond(status, &headers, error_body(wire, &format!("scripted status {status}")))
        }
        Step::EchoAuth(status) => {
            let seen: Vec<String> = ["authorization", "x-api-key"]
                .iter()
                .filter_map(|h| parts.headers.get(*h))
                .filter_map(|v| v.to_str().ok())
                .map(str::to_string)
                .collect();
            let msg = format!("Incorrect API key provided: {}", seen.join(" / "));
            respond(status, &[], error_body(wire, &msg))
        }
    }
}

fn bedrock_error_type(status: u16) -> &'static str {
    match status {
        429 => "ThrottlingException",
        400 => "ValidationException",
        403 => "AccessDeniedException",
        503 => "ServiceUnavailableException",
        _ => "InternalServerException",
    }
}

fn success_body(wire: Wire, text: &str) -> Value {
    match wire {
        Wire::OpenAi => json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "test",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
        }),
        Wire::Anthropic => json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "test",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 100, "output_tokens": 20}
        }),
        Wire::Bedrock => json!({
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 100, "outputTokens": 20, "totalTokens": 120},
            "metrics": {"latencyMs": 1}
        }),
    }
}

fn error_body(wire: Wire, message: &str) -> Value {
    match wire {
        Wire::OpenAi => json!({"error": {"message": message, "type": "server_error"}}),
        Wire::Anthropic => json!({"type": "error", "error": {"type": "api_error", "message": message}}),
        Wire::Bedrock => json!({"message": message}),
    }
}

fn respond(status: u16, headers: &[(&str, &str)], body: Value) -> Response<Full<Bytes>> {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json");
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("response")
}

/// The system prompt of a received request, in the wire's layout.
pub fn system_of(wire: Wire, body: &Value) -> String {
    match wire {
        Wire::OpenAi => body["messages"][0]["content"].as_str().unwrap_or("").to_string(),
        Wire::Anthropic => body["system"].as_str().unwrap_or("").to_string(),
        Wire::Bedrock => body["system"][0]["text"].as_str().unwrap_or("").to_string(),
    }
}

/// The (role, text) turns after the system prompt of a received request.
pub fn turns_of(wire: Wire, body: &Value) -> Vec<(String, String)> {
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    messages
        .iter()
        .filter(|m| m["role"] != "system")
        .map(|m| {
            let text = match wire {
                Wire::Bedrock => m["content"][0]["text"].as_str(),
                _ => m["content"].as_str(),
            };
            (
                m["role"].as_str().unwrap_or("").to_string(),
                text.unwrap_or("").to_string(),
            )
        })
        .collect()
}
