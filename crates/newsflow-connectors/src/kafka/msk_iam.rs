//! MSK IAM authentication: the source documents' tables say
//! `'properties.sasl.mechanism' = 'AWS_MSK_IAM'` with the Java client's JAAS and callback
//! handler classes. librdkafka has no such mechanism; Amazon MSK accepts the same identity
//! as SASL/OAUTHBEARER with a token that is a SigV4-presigned `kafka-cluster:Connect`
//! request, base64url-encoded (what `aws-msk-iam-sasl-signer` produces). Credentials come
//! from the AWS default credential chain (environment, profile, web identity, container
//! and instance roles); the token lives 15 minutes and librdkafka asks for a new one
//! before it expires.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use base64::Engine;

/// How long a token is valid (the signer's default).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(900);
const USER_AGENT: &str = concat!("newsflow/", env!("CARGO_PKG_VERSION"));

/// A signed token and its expiry in milliseconds since the epoch.
#[derive(Debug, Clone)]
pub struct MskToken {
    pub token: String,
    pub expires_ms: i64,
}

/// Sign a `kafka-cluster:Connect` request for `region` at time `now`.
pub fn token(creds: &Credentials, region: &str, now: SystemTime) -> Result<MskToken, String> {
    let host = format!("kafka.{region}.amazonaws.com");
    let url = format!("https://{host}/?Action=kafka-cluster%3AConnect");
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(TOKEN_LIFETIME);
    let identity = creds.clone().into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("kafka-cluster")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| format!("MSK IAM: signing parameters: {e}"))?
        .into();
    let request = SignableRequest::new(
        "GET",
        url.clone(),
        [("host", host.as_str())].into_iter(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| format!("MSK IAM: request to sign: {e}"))?;
    let (instructions, _) = sign(request, &params)
        .map_err(|e| format!("MSK IAM: signing: {e}"))?
        .into_parts();
    let mut signed = url;
    for (k, v) in instructions.params() {
        signed.push('&');
        signed.push_str(k);
        signed.push('=');
        signed.push_str(&encode_query(v));
    }
    signed.push_str("&User-Agent=");
    signed.push_str(&encode_query(USER_AGENT));
    let issued = now
        .duration_since(UNIX_EPOCH)
        .map_err(|e| format!("MSK IAM: clock: {e}"))?;
    Ok(MskToken {
        token: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signed.as_bytes()),
        expires_ms: (issued + TOKEN_LIFETIME).as_millis() as i64,
    })
}

/// Percent-encode a query value (RFC 3986 unreserved characters stay).
fn encode_query(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The region of an MSK bootstrap address (`b-1.c.x.kafka.us-east-1.amazonaws.com:9098`).
pub fn region_from_bootstrap(servers: &str) -> Option<String> {
    servers.split(',').find_map(|s| {
        let host = s.trim().split(':').next()?;
        let parts: Vec<&str> = host.split('.').collect();
        let i = parts.iter().position(|p| *p == "kafka")?;
        let region = parts.get(i + 1)?;
        (parts.get(i + 2) == Some(&"amazonaws")).then(|| region.to_string())
    })
}

/// Credentials from the AWS default chain.
pub fn default_credentials() -> Result<Credentials, String> {
    use aws_credential_types::provider::ProvideCredentials;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("MSK IAM: starting a runtime for the credential chain: {e}"))?;
    rt.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
        let provider = config
            .credentials_provider()
            .ok_or_else(|| "MSK IAM: no AWS credential provider is configured".to_string())?;
        provider
            .provide_credentials()
            .await
            .map_err(|e| format!("MSK IAM: no AWS credentials from the default chain: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(token: &str) -> String {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    fn query(url: &str, key: &str) -> Option<String> {
        url.split(['?', '&'])
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_string))
    }

    #[test]
    fn token_is_a_presigned_connect_request() {
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "test",
        );
        let now = UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 2015-08-30T12:36:00Z
        let t = token(&creds, "us-east-1", now).unwrap();
        assert!(!t.token.contains('=') && !t.token.contains('+') && !t.token.contains('/'));
        let url = decode(&t.token);
        assert!(
            url.starts_with("https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect&"),
            "{url}"
        );
        assert_eq!(query(&url, "X-Amz-Algorithm").as_deref(), Some("AWS4-HMAC-SHA256"));
        assert_eq!(
            query(&url, "X-Amz-Credential").as_deref(),
            Some("AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fkafka-cluster%2Faws4_request")
        );
        assert_eq!(query(&url, "X-Amz-Date").as_deref(), Some("20150830T123600Z"));
        assert_eq!(query(&url, "X-Amz-Expires").as_deref(), Some("900"));
        assert_eq!(query(&url, "X-Amz-SignedHeaders").as_deref(), Some("host"));
        assert!(url.contains("&User-Agent=newsflow%2F"));
        assert_eq!(t.expires_ms, (1_440_938_160 + 900) * 1000);
        // The signature is what an independent SigV4 implementation computes for the
        // canonical request (checked below), and changes with the secret.
        let sig = query(&url, "X-Amz-Signature").unwrap();
        assert_eq!(
            sig,
            expected_signature(&url, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        );
        let other = Credentials::new("AKIDEXAMPLE", "another-secret", None, None, "test");
        let t2 = token(&other, "us-east-1", now).unwrap();
        assert_ne!(query(&decode(&t2.token), "X-Amz-Signature").unwrap(), sig);
    }

    /// SigV4 by hand (the AWS documentation's steps) for a presigned GET with host signed.
    fn expected_signature(url: &str, secret: &str) -> String {
        use hmac::{Hmac, Mac};
        use sha2::{Digest, Sha256};
        fn hmac(key: &[u8], data: &str) -> Vec<u8> {
            let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
            m.update(data.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let q = url.split_once('?').unwrap().1;
        let mut pairs: Vec<&str> = q
            .split('&')
            .filter(|kv| !kv.starts_with("X-Amz-Signature=") && !kv.starts_with("User-Agent="))
            .collect();
        pairs.sort();
        let canonical = format!(
            "GET\n/\n{}\nhost:kafka.us-east-1.amazonaws.com\n\nhost\n{}",
            pairs.join("&"),
            hex(&Sha256::digest(b""))
        );
        let date = query(url, "X-Amz-Date").unwrap();
        let scope = format!("{}/us-east-1/kafka-cluster/aws4_request", &date[..8]);
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let k = hmac(format!("AWS4{secret}").as_bytes(), &date[..8]);
        let k = hmac(&k, "us-east-1");
        let k = hmac(&k, "kafka-cluster");
        let k = hmac(&k, "aws4_request");
        hex(&hmac(&k, &to_sign))
    }

    #[test]
    fn region_comes_from_the_bootstrap_host() {
        assert_eq!(
            region_from_bootstrap("b-1.news.abc123.c2.kafka.ap-northeast-2.amazonaws.com:9098,b-2.x").as_deref(),
            Some("ap-northeast-2")
        );
        assert_eq!(region_from_bootstrap("127.0.0.1:9092"), None);
    }
}
