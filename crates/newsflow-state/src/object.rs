//! Checkpoints on an object store (S3 and S3-compatible servers), through `object_store`.
//! Calls are blocking for the caller: a small current-thread tokio runtime drives them.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::TryStreamExt;
use newsflow_common::{Error, Result};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::backend::S3Options;
use crate::checkpoint::{self, Snapshot};

pub struct ObjectBackend {
    store: Arc<dyn ObjectStore>,
    /// `s3://bucket/prefix` as given, for messages.
    url: String,
    prefix: ObjPath,
    rt: tokio::runtime::Runtime,
}

fn err(what: String, e: impl std::fmt::Display) -> Error {
    Error::runtime(format!("{what}: {e}"))
}

/// An S3 client for `s3://bucket/prefix` and the prefix inside the bucket. Credentials and
/// region come from the AWS environment (`AmazonS3Builder::from_env`); the endpoint from
/// `s3.endpoint`, else `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` (S3-compatible servers:
/// path-style requests unless told otherwise, `http://` allowed).
pub fn s3_client(url: &str, opts: &S3Options) -> Result<(AmazonS3, ObjPath)> {
    let rest = url.strip_prefix("s3://").unwrap_or(url);
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(Error::config(format!("'{url}' names no bucket")));
    }
    let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
    let endpoint = opts
        .endpoint
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_S3").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
    if let Some(ep) = &endpoint {
        b = b.with_endpoint(ep).with_allow_http(ep.starts_with("http://"));
    }
    if let Ok(region) = std::env::var("AWS_REGION") {
        b = b.with_region(region);
    }
    // S3-compatible servers mostly want path-style requests; AWS itself takes both.
    let path_style = opts.path_style.unwrap_or(endpoint.is_some());
    b = b.with_virtual_hosted_style_request(!path_style);
    let store = b.build().map_err(|e| err(format!("'{url}'"), e))?;
    Ok((store, ObjPath::from(prefix.trim_matches('/'))))
}

impl ObjectBackend {
    pub fn s3(url: &str, opts: &S3Options) -> Result<Self> {
        let (store, prefix) = s3_client(url, opts)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::io(format!("starting the object store client for '{url}'"), e))?;
        Ok(ObjectBackend {
            store: Arc::new(store),
            url: url.trim_end_matches('/').to_string(),
            prefix,
            rt,
        })
    }

    pub fn describe(&self, name: &str) -> String {
        if name.is_empty() {
            self.url.clone()
        } else {
            format!("{}/{name}", self.url)
        }
    }

    fn entry(&self, name: &str) -> ObjPath {
        self.prefix.clone().join(name)
    }

    pub fn entries(&self) -> Result<Vec<(String, bool)>> {
        let listing = self
            .rt
            .block_on(self.store.list_with_delimiter(Some(&self.prefix)))
            .map_err(|e| err(format!("listing {}", self.url), e))?;
        let mut out = Vec::new();
        for dir in listing.common_prefixes {
            let Some(name) = dir.filename().map(str::to_string) else {
                continue;
            };
            let meta = dir.clone().join(checkpoint::METADATA);
            let complete = match self.rt.block_on(self.store.head(&meta)) {
                Ok(_) => true,
                Err(object_store::Error::NotFound { .. }) => false,
                Err(e) => return Err(err(format!("reading {}", self.describe(&name)), e)),
            };
            out.push((name, complete));
        }
        Ok(out)
    }

    pub fn write(&self, name: &str, snap: &Snapshot) -> Result<String> {
        let dir = self.entry(name);
        // A torn entry of the same name (a crash while writing it) goes first, so its
        // stale blobs cannot mix with the new ones.
        if self.entries()?.iter().any(|(n, _)| n == name) {
            self.remove(name)?;
        }
        let put = |file: &str, bytes: Vec<u8>| -> Result<()> {
            let path = dir.clone().join(file);
            self.rt
                .block_on(self.store.put(&path, PutPayload::from(bytes)))
                .map(|_| ())
                .map_err(|e| err(format!("writing {}/{file}", self.describe(name)), e))
        };
        for (file, bytes) in &snap.blobs {
            put(file, bytes.clone())?;
        }
        put(checkpoint::METADATA, checkpoint::encode_metadata(&snap.meta)?)?;
        Ok(self.describe(name))
    }

    pub fn read(&self, name: &str) -> Result<Snapshot> {
        let dir = self.entry(name);
        let get = |file: &str| -> Result<Vec<u8>> {
            let path = dir.clone().join(file);
            self.rt
                .block_on(async { self.store.get(&path).await?.bytes().await })
                .map(|b| b.to_vec())
                .map_err(|e| err(format!("reading {}/{file}", self.describe(name)), e))
        };
        let where_ = self.describe(name);
        let meta = checkpoint::decode_metadata(&get(checkpoint::METADATA)?, &where_)?;
        let mut blobs = BTreeMap::new();
        for entry in meta.operators.values() {
            if let Some(file) = &entry.file {
                let bytes = get(file)?;
                checkpoint::check_blob(&where_, file, &bytes, entry.bytes)?;
                blobs.insert(file.clone(), bytes);
            }
        }
        Ok(Snapshot {
            meta,
            blobs,
            location: Some(where_),
        })
    }

    pub fn remove(&self, name: &str) -> Result<()> {
        let dir = self.entry(name);
        let what = self.describe(name);
        self.rt
            .block_on(async {
                let files: Vec<ObjPath> = self.store.list(Some(&dir)).map_ok(|m| m.location).try_collect().await?;
                for f in files {
                    self.store.delete(&f).await?;
                }
                Ok::<_, object_store::Error>(())
            })
            .map_err(|e| err(format!("removing {what}"), e))
    }
}
