//! Where a file sink's part files go, and how a finished file becomes visible.
//!
//! * A local directory: a file is written as `.<name>.inprogress` beside its final name
//!   and renamed at commit (a rename is atomic: a reader sees all of it or nothing).
//! * `s3://bucket/prefix`: a file is a multipart upload, its parts sent as the file grows
//!   (8 MiB each); closing it sends the last part, and the commit completes the upload.
//!   Until then S3 shows nothing under the key. This is Flink's S3 recoverable writer.
//!
//! Closing a file makes it durable but invisible; what makes it visible is a [`Pending`],
//! which a checkpoint stores, so a restarted job can complete the commit. Committing
//! twice is harmless (the second finds the work done).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use newsflow_common::{Error, Result};
use serde::{Deserialize, Serialize};

/// A finished file waiting for its commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Pending {
    /// `tmp` is renamed to `path` (both relative to the sink's directory).
    Local { tmp: String, path: String },
    /// The multipart upload `upload` of `path` (relative to the sink's prefix) is completed
    /// with `parts` (the part ids S3 gave, in order).
    S3 {
        path: String,
        upload: String,
        parts: Vec<String>,
    },
}

impl Pending {
    /// The file's final path relative to the sink's root.
    pub fn path(&self) -> &str {
        match self {
            Pending::Local { path, .. } | Pending::S3 { path, .. } => path,
        }
    }
}

/// A file being written.
pub trait PartOutput: Write + Send {
    /// Make everything written durable and return what commits it.
    fn close(self: Box<Self>) -> Result<Pending>;
}

/// A local directory or an S3 prefix.
pub enum Store {
    Local(PathBuf),
    #[cfg(feature = "s3")]
    S3(s3::S3Store),
}

impl Store {
    /// `s3://…` or a local directory.
    pub fn open(location: &Location, s3_opts: &newsflow_state::S3Options) -> Result<Store> {
        match location {
            Location::Local(dir) => {
                let _ = s3_opts;
                Ok(Store::Local(dir.clone()))
            }
            #[cfg(feature = "s3")]
            Location::S3(url) => Ok(Store::S3(s3::S3Store::open(url, s3_opts)?)),
            #[cfg(not(feature = "s3"))]
            Location::S3(url) => Err(Error::config(format!(
                "'{url}': this build of newsflow has no S3 support (cargo feature 's3')"
            ))),
        }
    }

    /// For messages: the root, or a path under it.
    pub fn describe(&self, rel: &str) -> String {
        let root = match self {
            Store::Local(d) => d.display().to_string(),
            #[cfg(feature = "s3")]
            Store::S3(s) => s.url.clone(),
        };
        if rel.is_empty() {
            root
        } else {
            format!("{}/{rel}", root.trim_end_matches('/'))
        }
    }

    /// Start the file `rel` (a path under the root: `dir/name`), invisible until committed.
    pub fn create(&self, rel: &str) -> Result<Box<dyn PartOutput>> {
        match self {
            Store::Local(root) => {
                let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
                let tmp = if dir.is_empty() {
                    format!(".{name}.inprogress")
                } else {
                    format!("{dir}/.{name}.inprogress")
                };
                let full_dir = root.join(dir);
                std::fs::create_dir_all(&full_dir)
                    .map_err(|e| Error::io(format!("creating {}", full_dir.display()), e))?;
                let full = root.join(&tmp);
                let f = File::create(&full).map_err(|e| Error::io(format!("creating {}", full.display()), e))?;
                Ok(Box::new(LocalOutput {
                    w: BufWriter::with_capacity(1 << 16, f),
                    full,
                    tmp,
                    path: rel.to_string(),
                }))
            }
            #[cfg(feature = "s3")]
            Store::S3(s) => s.create(rel),
        }
    }

    /// Make a closed file visible. Idempotent.
    pub fn commit(&self, p: &Pending) -> Result<()> {
        match (self, p) {
            (Store::Local(root), Pending::Local { tmp, path }) => {
                let (from, to) = (root.join(tmp), root.join(path));
                if from.exists() {
                    std::fs::rename(&from, &to).map_err(|e| Error::io(format!("committing {}", to.display()), e))?;
                } else if !to.exists() {
                    return Err(Error::runtime(format!(
                        "committing {}: neither it nor its in-progress file {} exists \
                         (were files removed from the sink directory?)",
                        to.display(),
                        from.display()
                    )));
                }
                Ok(())
            }
            #[cfg(feature = "s3")]
            (Store::S3(s), Pending::S3 { path, upload, parts }) => s.complete(path, upload, parts),
            _ => Err(Error::runtime(format!(
                "{}: a checkpoint's pending file {} was written to another kind of storage",
                self.describe(""),
                p.path()
            ))),
        }
    }

    /// Write a small file whole and visibly (`_SUCCESS` files).
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        match self {
            Store::Local(root) => {
                let full = root.join(rel);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
                }
                std::fs::write(&full, bytes).map_err(|e| Error::io(format!("writing {}", full.display()), e))
            }
            #[cfg(feature = "s3")]
            Store::S3(s) => s.put(rel, bytes),
        }
    }

    /// After a restore: remove in-progress files whose names start with `prefix` (what a
    /// crashed run wrote after its last checkpoint). On S3 those are multipart uploads that
    /// were never completed: invisible, and S3's lifecycle rule for incomplete uploads (or
    /// the server) removes them; newsflow does not list them.
    pub fn discard_in_progress(&self, prefix: &str) -> Result<()> {
        match self {
            Store::Local(root) => discard_local(root, &format!(".{prefix}")),
            #[cfg(feature = "s3")]
            Store::S3(_) => Ok(()),
        }
    }
}

fn discard_local(dir: &std::path::Path, prefix: &str) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        if path.is_dir() {
            discard_local(&path, prefix)?;
        } else if name.starts_with(prefix) && name.ends_with(".inprogress") {
            tracing::info!("removing {} (written after the restored checkpoint)", path.display());
            std::fs::remove_file(&path).map_err(|err| Error::io(format!("removing {}", path.display()), err))?;
        }
    }
    Ok(())
}

/// Where a sink writes, as given in `'path'`.
#[derive(Debug, Clone)]
pub enum Location {
    Local(PathBuf),
    S3(String),
}

struct LocalOutput {
    w: BufWriter<File>,
    full: PathBuf,
    tmp: String,
    path: String,
}

impl Write for LocalOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.w.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.w.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

impl PartOutput for LocalOutput {
    fn close(self: Box<Self>) -> Result<Pending> {
        let LocalOutput { w, full, tmp, path } = *self;
        let f = w
            .into_inner()
            .map_err(|e| Error::io(format!("writing {}", full.display()), e.into_error()))?;
        f.sync_all()
            .map_err(|e| Error::io(format!("syncing {}", full.display()), e))?;
        Ok(Pending::Local { tmp, path })
    }
}

#[cfg(feature = "s3")]
pub mod s3 {
    //! Part files as S3 multipart uploads.

    use std::sync::Arc;

    use newsflow_common::{Error, Result};
    use object_store::aws::AmazonS3;
    use object_store::multipart::{MultipartStore, PartId};
    use object_store::path::Path as ObjPath;
    use object_store::{ObjectStoreExt, PutPayload};

    use super::{PartOutput, Pending};

    /// Parts of a multipart upload (S3 wants ≥ 5 MiB for all but the last).
    pub const PART_SIZE: usize = 8 << 20;

    pub struct S3Store {
        pub url: String,
        client: Arc<AmazonS3>,
        prefix: ObjPath,
        rt: Arc<tokio::runtime::Runtime>,
    }

    fn err(what: String, e: impl std::fmt::Display) -> Error {
        Error::runtime(format!("{what}: {e}"))
    }

    impl S3Store {
        pub fn open(url: &str, opts: &newsflow_state::S3Options) -> Result<S3Store> {
            let (client, prefix) = newsflow_state::object::s3_client(url, opts)?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::io(format!("starting the S3 client for '{url}'"), e))?;
            Ok(S3Store {
                url: url.trim_end_matches('/').to_string(),
                client: Arc::new(client),
                prefix,
                rt: Arc::new(rt),
            })
        }

        fn key(&self, rel: &str) -> ObjPath {
            let mut p = self.prefix.clone();
            for part in rel.split('/').filter(|s| !s.is_empty()) {
                // Segments are already escaped (partition values); keep them as written.
                p = p.join(object_store::path::PathPart::from(part));
            }
            p
        }

        pub fn create(&self, rel: &str) -> Result<Box<dyn PartOutput>> {
            Ok(Box::new(S3Output {
                client: self.client.clone(),
                rt: self.rt.clone(),
                key: self.key(rel),
                url: format!("{}/{rel}", self.url),
                path: rel.to_string(),
                upload: None,
                parts: Vec::new(),
                buf: Vec::with_capacity(1 << 16),
            }))
        }

        pub fn complete(&self, rel: &str, upload: &str, parts: &[String]) -> Result<()> {
            let key = self.key(rel);
            let ids = parts.iter().map(|p| PartId { content_id: p.clone() }).collect();
            let upload_id = upload.to_string();
            match self.rt.block_on(self.client.complete_multipart(&key, &upload_id, ids)) {
                Ok(_) => Ok(()),
                Err(e) => {
                    // Completed before (a commit repeated after a restore): the upload is
                    // gone and the object is there.
                    if self.rt.block_on(self.client.head(&key)).is_ok() {
                        Ok(())
                    } else {
                        Err(err(format!("committing {}/{rel}", self.url), e))
                    }
                }
            }
        }

        pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<()> {
            let key = self.key(rel);
            self.rt
                .block_on(self.client.put(&key, PutPayload::from(bytes.to_vec())))
                .map(|_| ())
                .map_err(|e| err(format!("writing {}/{rel}", self.url), e))
        }
    }

    struct S3Output {
        client: Arc<AmazonS3>,
        rt: Arc<tokio::runtime::Runtime>,
        key: ObjPath,
        url: String,
        path: String,
        upload: Option<String>,
        parts: Vec<String>,
        buf: Vec<u8>,
    }

    impl S3Output {
        fn send_part(&mut self) -> Result<()> {
            let upload = match &self.upload {
                Some(u) => u.clone(),
                None => {
                    let u = self
                        .rt
                        .block_on(self.client.create_multipart(&self.key))
                        .map_err(|e| err(format!("starting the upload of {}", self.url), e))?;
                    self.upload = Some(u.clone());
                    u
                }
            };
            let data = PutPayload::from(std::mem::take(&mut self.buf));
            let idx = self.parts.len();
            let id = self
                .rt
                .block_on(self.client.put_part(&self.key, &upload, idx, data))
                .map_err(|e| err(format!("uploading part {} of {}", idx + 1, self.url), e))?;
            self.parts.push(id.content_id);
            self.buf = Vec::with_capacity(1 << 16);
            Ok(())
        }
    }

    impl std::io::Write for S3Output {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.buf.extend_from_slice(data);
            if self.buf.len() >= PART_SIZE {
                self.send_part().map_err(std::io::Error::other)?;
            }
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl PartOutput for S3Output {
        fn close(mut self: Box<Self>) -> Result<Pending> {
            if !self.buf.is_empty() || self.parts.is_empty() {
                self.send_part()?;
            }
            Ok(Pending::S3 {
                path: self.path.clone(),
                upload: self.upload.clone().unwrap_or_default(),
                parts: std::mem::take(&mut self.parts),
            })
        }
    }
}
