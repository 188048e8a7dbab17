//! Amazon Bedrock Runtime **Converse** (`POST /model/{modelId}/converse`) through the
//! AWS SDK, signed with SigV4.
//!
//! Credentials and region come from the AWS default chain (environment, shared
//! config/credentials files with profiles and assume-role, web identity, ECS and EC2
//! instance metadata); `region` overrides the chain's region and `endpoint` the
//! endpoint (VPC endpoints, tests). SSO profiles are not compiled in (they would add two
//! more SDK crates); use `aws configure export-credentials` or a role instead.
//! [`BedrockProvider::with_credentials`] takes explicit credentials for embedding and
//! tests. The SDK's own retries are off: the analyser retries every provider alike.
//!
//! A structured request adds a `toolConfig` with one tool, `record_news_analysis`, whose
//! input schema is the analysis's schema (`schema.rs`), forced with `toolChoice: {tool}`;
//! the `toolUse` block's input is the analysis. A reply without it is read as text.

use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_bedrockruntime::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::converse::ConverseError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, InferenceConfiguration, Message as BedrockMessage,
    SpecificToolChoice, SystemContentBlock, Tool, ToolChoice, ToolConfiguration, ToolInputSchema, ToolSpecification,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use super::bedrock_document::{to_document, to_json};
use super::bedrock_http::ReqwestHttpClient;
use super::http::{client, parse_retry_after, status_kind};
use super::{BoxFuture, ChatRequest, Completion, Provider, ProviderError, Role, Usage};
use crate::config::{ConfigError, ProviderConfig};
use crate::outcome::ErrorKind;
use crate::schema::{analysis_schema, TOOL_DESCRIPTION, TOOL_NAME};
use crate::secret::Secret;

/// Explicit AWS credentials (instead of the default chain). `Debug` shows neither key.
#[derive(Clone)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AwsCredentials([redacted])")
    }
}

pub struct BedrockProvider {
    client: aws_sdk_bedrockruntime::Client,
    model: String,
    region: String,
    /// The endpoint override, else `region:<region>` (for cache keys).
    endpoint: String,
}

impl std::fmt::Debug for BedrockProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BedrockProvider")
            .field("model", &self.model)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl BedrockProvider {
    /// Credentials and region from the AWS default chain (`region` option first).
    pub async fn from_environment(config: &ProviderConfig) -> Result<BedrockProvider, ConfigError> {
        let http = ReqwestHttpClient::new(client(config)?);
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
        if let Some(region) = &config.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let sdk = loader.load().await;
        let region = sdk.region().map(|r| r.to_string()).ok_or_else(|| {
            ConfigError("provider 'bedrock' needs an AWS region: set the 'region' option or AWS_REGION".to_string())
        })?;
        let mut builder = aws_sdk_bedrockruntime::config::Builder::from(&sdk).retry_config(RetryConfig::disabled());
        if let Some(endpoint) = &config.endpoint {
            builder = builder.endpoint_url(endpoint.clone());
        }
        Ok(BedrockProvider {
            client: aws_sdk_bedrockruntime::Client::from_conf(builder.build()),
            model: config.model.clone(),
            endpoint: endpoint_key(config, &region),
            region,
        })
    }

    /// With explicit credentials; `region` must be set in the configuration.
    pub fn with_credentials(
        config: &ProviderConfig,
        credentials: AwsCredentials,
    ) -> Result<BedrockProvider, ConfigError> {
        let region = config.region.clone().ok_or_else(|| {
            ConfigError("provider 'bedrock' with explicit credentials needs the 'region' option".to_string())
        })?;
        let creds = Credentials::new(
            credentials.access_key_id,
            credentials.secret_access_key.expose(),
            credentials.session_token.map(|t| t.expose().to_string()),
            None,
            "newsflow-explicit",
        );
        let mut builder = aws_sdk_bedrockruntime::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.clone()))
            .credentials_provider(creds)
            .http_client(ReqwestHttpClient::new(client(config)?))
            .retry_config(RetryConfig::disabled());
        if let Some(endpoint) = &config.endpoint {
            builder = builder.endpoint_url(endpoint.clone());
        }
        Ok(BedrockProvider {
            client: aws_sdk_bedrockruntime::Client::from_conf(builder.build()),
            model: config.model.clone(),
            endpoint: endpoint_key(config, &region),
            region,
        })
    }

    async fn call(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let mut messages = Vec::with_capacity(request.messages.len());
        for m in &request.messages {
            let role = match m.role {
                Role::User => ConversationRole::User,
                Role::Assistant => ConversationRole::Assistant,
            };
            let message = BedrockMessage::builder()
                .role(role)
                .content(ContentBlock::Text(m.content.clone()))
                .build()
                .map_err(|e| ProviderError::new(ErrorKind::Other, format!("cannot build the request: {e}")))?;
            messages.push(message);
        }
        let inference = InferenceConfiguration::builder()
            .max_tokens(i32::try_from(request.max_tokens).unwrap_or(i32::MAX))
            .temperature(request.temperature)
            .build();
        let tools = if request.structured { Some(tool_config()?) } else { None };
        let output = self
            .client
            .converse()
            .model_id(&self.model)
            .system(SystemContentBlock::Text(request.system.clone()))
            .set_messages(Some(messages))
            .inference_config(inference)
            .set_tool_config(tools)
            .send()
            .await
            .map_err(|e| sdk_error(&e))?;
        let (text, structured) = match output.output() {
            Some(ConverseOutput::Message(m)) => {
                let tool_input = m.content().iter().find_map(|b| match b {
                    ContentBlock::ToolUse(t) if t.name() == TOOL_NAME => Some(to_json(t.input())),
                    _ => None,
                });
                match tool_input {
                    Some(input) => (input.to_string(), true),
                    None => (
                        m.content()
                            .iter()
                            .filter_map(|b| match b {
                                ContentBlock::Text(t) => Some(t.as_str()),
                                _ => None,
                            })
                            .collect::<String>(),
                        false,
                    ),
                }
            }
            _ => {
                return Err(ProviderError::new(
                    ErrorKind::Other,
                    "the Converse response has no output message",
                ))
            }
        };
        let usage = output.usage().map_or(Usage::default(), |u| Usage {
            input_tokens: u64::try_from(u.input_tokens()).unwrap_or(0),
            output_tokens: u64::try_from(u.output_tokens()).unwrap_or(0),
        });
        Ok(Completion {
            text,
            usage,
            structured,
        })
    }
}

/// The one tool the model is made to call, with the analysis's schema as its input.
fn tool_config() -> Result<ToolConfiguration, ProviderError> {
    let build = |e: aws_sdk_bedrockruntime::error::BuildError| {
        ProviderError::new(ErrorKind::Other, format!("cannot build the tool configuration: {e}"))
    };
    let spec = ToolSpecification::builder()
        .name(TOOL_NAME)
        .description(TOOL_DESCRIPTION)
        .input_schema(ToolInputSchema::Json(to_document(&analysis_schema())))
        .build()
        .map_err(build)?;
    let choice = SpecificToolChoice::builder().name(TOOL_NAME).build().map_err(build)?;
    ToolConfiguration::builder()
        .tools(Tool::ToolSpec(spec))
        .tool_choice(ToolChoice::Tool(choice))
        .build()
        .map_err(build)
}

/// The endpoint override, else `region:<region>`.
fn endpoint_key(config: &ProviderConfig, region: &str) -> String {
    config.endpoint.clone().unwrap_or_else(|| format!("region:{region}"))
}

impl Provider for BedrockProvider {
    fn name(&self) -> &str {
        "bedrock"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn complete<'a>(&'a self, request: &'a ChatRequest) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.call(request))
    }
}

/// Maps an SDK failure: service errors by HTTP status (429/throttling → rate limited,
/// 5xx → server, other 4xx → client) with `Retry-After`; dispatch failures to timeout or
/// connect.
fn sdk_error(e: &SdkError<ConverseError, HttpResponse>) -> ProviderError {
    match e {
        SdkError::ServiceError(service) => {
            let raw = service.raw();
            let status = raw.status().as_u16();
            let err = service.err();
            let code = err.code().unwrap_or("unknown error");
            let message = err.message().unwrap_or("");
            let mut pe = ProviderError::new(status_kind(status), format!("HTTP {status} {code}: {message}"));
            pe.status = Some(status);
            pe.retry_after = raw.headers().get("retry-after").and_then(parse_retry_after);
            pe
        }
        SdkError::TimeoutError(_) => ProviderError::new(ErrorKind::Timeout, DisplayErrorContext(e).to_string()),
        SdkError::DispatchFailure(d) => {
            let kind = if d.is_timeout() {
                ErrorKind::Timeout
            } else if d.is_io() {
                ErrorKind::Connect
            } else {
                ErrorKind::Other
            };
            ProviderError::new(kind, DisplayErrorContext(e).to_string())
        }
        SdkError::ResponseError(r) => {
            let status = r.raw().status().as_u16();
            let kind = if r.raw().status().is_success() {
                ErrorKind::Other
            } else {
                status_kind(status)
            };
            let mut pe = ProviderError::new(kind, format!("HTTP {status}: {}", DisplayErrorContext(e)));
            pe.status = (!r.raw().status().is_success()).then_some(status);
            pe
        }
        _ => ProviderError::new(ErrorKind::Other, DisplayErrorContext(e).to_string()),
    }
}
