//! S3 and S3-compatible servers: an object store per bucket, configured like the AWS CLI
//! from the environment.
//!
//! * Credentials: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, else a
//!   web identity token (`AWS_WEB_IDENTITY_TOKEN_FILE`, EKS), the ECS container
//!   credentials, or the EC2 instance metadata service (object_store's chain; shared
//!   profile files under `~/.aws/` are not read).
//! * Region: `AWS_REGION` (else `AWS_DEFAULT_REGION`, else `us-east-1`).
//! * Endpoint: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`; with one, requests are
//!   path-style (what S3-compatible servers want), and an `http://` one is allowed.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use object_store::aws::AmazonS3Builder;
use object_store::ObjectStore;

/// `s3://bucket/some/prefix/` → (`bucket`, `some/prefix`).
pub fn split_url(url: &str) -> Result<(&str, &str)> {
    let rest = url
        .strip_prefix("s3://")
        .or_else(|| url.strip_prefix("s3a://"))
        .with_context(|| format!("'{url}' is not an s3:// URL"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        bail!("'{url}' names no bucket");
    }
    Ok((bucket, prefix.trim_matches('/')))
}

/// The endpoint from the environment, if one is set (and not empty).
pub fn endpoint_from_env() -> Option<String> {
    ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
}

/// An object store for one bucket, configured from the environment.
pub fn store(bucket: &str) -> Result<Arc<dyn ObjectStore>> {
    let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
    if let Some(endpoint) = endpoint_from_env() {
        b = b
            .with_allow_http(endpoint.starts_with("http://"))
            .with_endpoint(endpoint)
            .with_virtual_hosted_style_request(false);
    }
    if let Some(region) = std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()) {
        b = b.with_region(region);
    }
    let store = b
        .build()
        .with_context(|| format!("configuring the S3 client for bucket '{bucket}'"))?;
    Ok(Arc::new(store))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(split_url("s3://b/x/y/").unwrap(), ("b", "x/y"));
        assert_eq!(split_url("s3://b").unwrap(), ("b", ""));
        assert_eq!(split_url("s3a://b/").unwrap(), ("b", ""));
        assert!(split_url("s3:///x").is_err());
        assert!(split_url("gs://b/x").is_err());
    }
}
