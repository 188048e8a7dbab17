//! The AWS SDK's HTTP client, implemented over the crate's `reqwest` client.
//!
//! The SDK's own HTTPS client would bring a second HTTP stack and `aws-lc-rs` (a large
//! C build); routing the SDK through `reqwest` (rustls + ring) keeps one stack. Only
//! in-memory request bodies are sent, which is all Converse and the credential
//! providers use.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Headers, StatusCode};
use aws_smithy_types::body::SdkBody;

use super::http::error_chain;

/// A [`HttpClient`] for the AWS SDK that sends requests with `reqwest`.
#[derive(Debug, Clone)]
pub(crate) struct ReqwestHttpClient {
    client: reqwest::Client,
}

impl ReqwestHttpClient {
    pub(crate) fn new(client: reqwest::Client) -> ReqwestHttpClient {
        ReqwestHttpClient { client }
    }
}

impl HttpClient for ReqwestHttpClient {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for ReqwestHttpClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.client.clone();
        HttpConnectorFuture::new(async move { send(&client, request).await })
    }
}

async fn send(client: &reqwest::Client, request: HttpRequest) -> Result<HttpResponse, ConnectorError> {
    let other = |msg: String| ConnectorError::other(msg.into(), None);
    let method =
        reqwest::Method::from_bytes(request.method().as_bytes()).map_err(|e| other(format!("bad method: {e}")))?;
    let body = request
        .body()
        .bytes()
        .ok_or_else(|| other("streaming request bodies are not supported".to_string()))?
        .to_vec();
    let mut builder = client.request(method, request.uri());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    let response = builder.body(body).send().await.map_err(connector_error)?;
    let status = StatusCode::from(response.status());
    let headers =
        Headers::try_from(response.headers().clone()).map_err(|e| other(format!("bad response header: {e}")))?;
    let bytes = response.bytes().await.map_err(connector_error)?;
    let mut out = HttpResponse::new(status, SdkBody::from(bytes.to_vec()));
    *out.headers_mut() = headers;
    Ok(out)
}

fn connector_error(e: reqwest::Error) -> ConnectorError {
    let msg = error_chain(&e);
    if e.is_timeout() {
        ConnectorError::timeout(msg.into())
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ConnectorError::io(msg.into())
    } else {
        ConnectorError::other(msg.into(), None)
    }
}
