//! A local HTTP server speaking one provider's wire protocol (OpenAI Chat Completions,
//! Anthropic Messages or Bedrock Converse), bound to 127.0.0.1:0, with scripted
//! behaviour per request (reply text, delay, status with `Retry-After`, echo of the
//! credentials) and a record of what it received. The Bedrock server verifies the
//! SigV4 signature of every request (see `sigv4.rs`).
//!
//! Structured output: a request that asks for it (OpenAI `response_format`, Anthropic
//! `tools` + `tool_choice`, Bedrock `toolConfig`) must carry the analysis schema and force
//! its one tool, or it is refused with 400 naming what is wrong. Such a request gets its
//! reply the structured way when the reply is a JSON object: Anthropic and Bedrock as a
//! call of the requested tool with that object as input (OpenAI's content is the JSON
//! either way); [`Step::Text`] answers with a text block regardless. A server started
//! with [`MockServer::refuse_structured`] answers every structured request with 400, as
//! servers that do not know `response_format` do; one told to
//! [`MockServer::speak_llama_cpp_python`] takes only `{"type": "json_object", "schema"}`
//! and answers `json_schema` with llama-cpp-python's 500 validation error.
//!
//! [`MockServer::start_one_slot`] serves one request at a time, like a local model server
//! with one slot: the others wait in line, and a request whose client gave up (timed out)
//! is still worked through, as such servers do.

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
    /// 200 with this model text, after an optional delay (a tool call when the request
    /// forced a tool and the text is a JSON object).
    Reply(Duration, String),
    /// 200 with this text as a plain text block, even when the request forced a tool.
    Text(String),
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
    /// It asked for structured output (with a valid schema and tool choice).
    pub structured: bool,
}

pub struct State {
    wire: Wire,
    script: Mutex<VecDeque<Step>>,
    default: Mutex<Step>,
    received: Mutex<Vec<Received>>,
    concurrent: AtomicUsize,
    max_concurrent: AtomicUsize,
    signature_failures: AtomicUsize,
    /// Structured requests refused for their form (not recorded in `received`).
    refused: AtomicUsize,
    sigv4: Option<SigV4Check>,
    /// One request at a time (a one-slot model server).
    one_slot: Option<Arc<tokio::sync::Mutex<()>>>,
    refuse_structured: std::sync::atomic::AtomicBool,
    llama_cpp_python: std::sync::atomic::AtomicBool,
}

pub struct MockServer {
    pub addr: SocketAddr,
    state: Arc<State>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl MockServer {
    /// A server for `wire`; `default` answers every request the script does not cover.
    pub fn start(wire: Wire, default: Step, sigv4: Option<SigV4Check>) -> MockServer {
        MockServer::start_with(wire, default, sigv4, false)
    }

    /// A server that answers one request at a time; see the module documentation.
    pub fn start_one_slot(wire: Wire, default: Step) -> MockServer {
        MockServer::start_with(wire, default, None, true)
    }

    /// From now on, refuse every structured request with 400.
    pub fn refuse_structured(&self) {
        self.state.refuse_structured.store(true, Ordering::SeqCst);
    }

    /// From now on, take `response_format` the way llama-cpp-python's server does.
    pub fn speak_llama_cpp_python(&self) {
        self.state.llama_cpp_python.store(true, Ordering::SeqCst);
    }

    fn start_with(wire: Wire, default: Step, sigv4: Option<SigV4Check>, one_slot: bool) -> MockServer {
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
            refused: AtomicUsize::new(0),
            sigv4,
            one_slot: one_slot.then(|| Arc::new(tokio::sync::Mutex::new(()))),
            refuse_structured: std::sync::atomic::AtomicBool::new(false),
            llama_cpp_python: std::sync::atomic::AtomicBool::new(false),
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

    /// Structured requests refused because of their form.
    pub fn refused(&self) -> usize {
        self.state.refused.load(Ordering::SeqCst)
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
    let response = match state.one_slot.clone() {
        None => answer(&state, &parts, &bytes).await,
        Some(slot) => {
            // In its own task, so a client that gives up does not stop the work.
            let task_state = Arc::clone(&state);
            let work = tokio::spawn(async move {
                let _serving = slot.lock().await;
                answer(&task_state, &parts, &bytes).await
            });
            work.await
                .unwrap_or_else(|_| respond(500, &[], json!({"message": "handler failed"})))
        }
    };
    state.concurrent.fetch_sub(1, Ordering::SeqCst);
    Ok(response)
}

/// Whether `body` asks for structured output (with the tool to call, if any); `Err` has
/// the status and what is wrong with the schema or the tool choice it carries.
fn structured_request(wire: Wire, body: &Value, llama_cpp_python: bool) -> Result<Option<String>, (u16, String)> {
    let bad = |why: String| Err((400, why));
    let (schema, tool) = match wire {
        Wire::OpenAi if llama_cpp_python => {
            let Some(f) = body.get("response_format") else {
                return Ok(None);
            };
            if f["type"] != "json_object" {
                // llama-cpp-python answers its request validation errors with 500.
                return Err((
                    500,
                    format!(
                        "1 validation error: {{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), \
                         'msg': \"Input should be 'text' or 'json_object'\", 'input': {}}}",
                        f["type"]
                    ),
                ));
            }
            (&f["schema"], None)
        }
        Wire::OpenAi => {
            let Some(f) = body.get("response_format") else {
                return Ok(None);
            };
            if f["type"] != "json_schema" || f["json_schema"]["strict"] != true {
                return bad(format!("response_format must be a strict json_schema: {f}"));
            }
            if f["json_schema"]["name"].as_str().is_none_or(|n| n.is_empty()) {
                return bad("response_format.json_schema has no name".into());
            }
            (&f["json_schema"]["schema"], None)
        }
        Wire::Anthropic => {
            let Some(tools) = body.get("tools") else {
                return Ok(None);
            };
            let name = tools[0]["name"].as_str().unwrap_or("");
            if body["tool_choice"] != json!({"type": "tool", "name": name}) {
                return bad(format!(
                    "tool_choice does not force the tool {name:?}: {}",
                    body["tool_choice"]
                ));
            }
            (&tools[0]["input_schema"], Some(name.to_string()))
        }
        Wire::Bedrock => {
            let Some(config) = body.get("toolConfig") else {
                return Ok(None);
            };
            let spec = &config["tools"][0]["toolSpec"];
            let name = spec["name"].as_str().unwrap_or("");
            if config["toolChoice"] != json!({"tool": {"name": name}}) {
                return bad(format!(
                    "toolChoice does not force the tool {name:?}: {}",
                    config["toolChoice"]
                ));
            }
            (&spec["inputSchema"]["json"], Some(name.to_string()))
        }
    };
    let props = &schema["properties"];
    let ok = schema["type"] == "object"
        && props["label"]["enum"] == json!(["good", "bad", "neutral"])
        && props["score"]["type"] == "number"
        && props["summary"]["type"] == "string"
        && schema["required"] == json!(["label", "score", "summary"]);
    if !ok {
        return bad(format!("not the analysis schema: {schema}"));
    }
    Ok(Some(tool.unwrap_or_default()))
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
    let structured = match structured_request(wire, &body, state.llama_cpp_python.load(Ordering::SeqCst)) {
        Ok(s) => s,
        Err((status, why)) => {
            state.refused.fetch_add(1, Ordering::SeqCst);
            return respond(status, &[], error_body(wire, &why));
        }
    };
    state.received.lock().expect("lock").push(Received {
        path,
        headers: parts.headers.clone(),
        body,
        structured: structured.is_some(),
    });
    if structured.is_some() && state.refuse_structured.load(Ordering::SeqCst) {
        let msg = "Invalid parameter: structured output (response_format / tools) is not supported";
        return respond(400, &[], error_body(wire, msg));
    }
    let step = {
        let next = state.script.lock().expect("lock").pop_front();
        next.unwrap_or_else(|| state.default.lock().expect("lock").clone())
    };
    match step {
        Step::Reply(delay, text) => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let tool_input = match (&structured, serde_json::from_str::<Value>(&text)) {
                (Some(tool), Ok(input)) if input.is_object() && wire != Wire::OpenAi => Some((tool.as_str(), input)),
                _ => None,
            };
            match tool_input {
                Some((tool, input)) => respond(200, &[], tool_body(wire, tool, input)),
                None => respond(200, &[], success_body(wire, &text)),
            }
        }
        Step::Text(text) => respond(200, &[], success_body(wire, &text)),
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

/// A reply calling `tool` with `input` (Anthropic and Bedrock).
fn tool_body(wire: Wire, tool: &str, input: Value) -> Value {
    match wire {
        Wire::Anthropic => json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "test",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": tool, "input": input}],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 100, "output_tokens": 20}
        }),
        Wire::Bedrock => json!({
            "output": {"message": {"role": "assistant",
                "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": tool, "input": input}}]}},
            "stopReason": "tool_use",
            "usage": {"inputTokens": 100, "outputTokens": 20, "totalTokens": 120},
            "metrics": {"latencyMs": 1}
        }),
        Wire::OpenAi => success_body(wire, &input.to_string()),
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
