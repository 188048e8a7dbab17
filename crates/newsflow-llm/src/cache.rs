//! The response cache: successful analyses keyed by a SHA-256 of (provider, model,
//! endpoint, structured-output mode, system prompt, user message), kept in memory and
//! appended to a JSON-lines file so they survive restarts. The endpoint is part of the
//! key because the same model name on another server is another model (two local
//! servers both calling theirs `default`); the mode because a schema-constrained answer
//! may differ from a free-text one.
//!
//! Where the file is: the `cache` option, else `llm-cache.jsonl` in the job's checkpoint
//! directory, else in the per-user cache directory (see [`crate::CacheSetting`]).
//!
//! Each line is `{"key":"<hex>","label":"good","score":0.5,"summary":"…"}`. The file is
//! loaded when the analyser starts (unreadable lines are skipped and counted) and every
//! new answer is appended with one `write` of one line. Errors are never cached. If the
//! file cannot be appended to, the cache keeps working in memory and logs one warning.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::ConfigError;
use crate::offline::{Analysis, Label};

/// What identifies an answer: who answered, how it was asked, and the messages.
#[derive(Debug, Clone, Copy)]
pub struct CacheKeyParts<'a> {
    pub provider: &'a str,
    pub model: &'a str,
    /// The URL (or Bedrock region/endpoint) the request goes to.
    pub endpoint: &'a str,
    /// The structured-output mode (`auto`, `off`).
    pub structured_output: &'a str,
    pub system_prompt: &'a str,
    pub user_message: &'a str,
}

/// The cache key: hex SHA-256 over the length-prefixed parts.
pub fn cache_key(parts: &CacheKeyParts<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        parts.provider,
        parts.model,
        parts.endpoint,
        parts.structured_output,
        parts.system_prompt,
        parts.user_message,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Serialize, Deserialize)]
struct Line {
    key: String,
    label: String,
    score: f64,
    summary: String,
}

struct State {
    entries: HashMap<String, Analysis>,
    file: Option<File>,
    warned: bool,
}

/// An on-disk cache of analyses.
pub struct Cache {
    path: PathBuf,
    skipped_lines: usize,
    state: Mutex<State>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("path", &self.path)
            .field("entries", &self.len())
            .finish()
    }
}

impl Cache {
    /// Loads `path` (if it exists) and opens it for appending, creating parent
    /// directories as needed.
    pub fn open(path: &Path) -> Result<Cache, ConfigError> {
        let io_err =
            |what: &str, e: std::io::Error| ConfigError(format!("cache file {}: cannot {what}: {e}", path.display()));
        let mut entries = HashMap::new();
        let mut skipped_lines = 0;
        match File::open(path) {
            Ok(f) => {
                for line in BufReader::new(f).lines() {
                    let line = line.map_err(|e| io_err("read", e))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    match parse_line(&line) {
                        Some((key, analysis)) => {
                            entries.insert(key, analysis);
                        }
                        None => skipped_lines += 1,
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("open", e)),
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io_err("create its directory", e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| io_err("open for appending", e))?;
        if skipped_lines > 0 {
            tracing::warn!(path = %path.display(), skipped_lines, "skipped unreadable lines in the LLM cache file");
        }
        Ok(Cache {
            path: path.to_path_buf(),
            skipped_lines,
            state: Mutex::new(State {
                entries,
                file: Some(file),
                warned: false,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines of the file that could not be read at start.
    pub fn skipped_lines(&self) -> usize {
        self.skipped_lines
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, key: &str) -> Option<Analysis> {
        self.lock().entries.get(key).cloned()
    }

    /// Remembers `analysis` and appends it to the file.
    pub fn put(&self, key: &str, analysis: &Analysis) {
        let line = Line {
            key: key.to_string(),
            label: analysis.label.as_str().to_string(),
            score: analysis.score,
            summary: analysis.summary.clone(),
        };
        let text = match serde_json::to_string(&line) {
            Ok(t) => t + "\n",
            Err(_) => return,
        };
        let mut state = self.lock();
        state.entries.insert(key.to_string(), analysis.clone());
        let result = match state.file.as_mut() {
            Some(f) => f.write_all(text.as_bytes()),
            None => return,
        };
        if let Err(e) = result {
            if !state.warned {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot append to the LLM cache file; caching in memory only");
                state.warned = true;
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn parse_line(line: &str) -> Option<(String, Analysis)> {
    let l: Line = serde_json::from_str(line).ok()?;
    let label = match l.label.as_str() {
        "good" => Label::Good,
        "bad" => Label::Bad,
        "neutral" => Label::Neutral,
        _ => return None,
    };
    if !(l.score.is_finite() && (-1.0..=1.0).contains(&l.score)) {
        return None;
    }
    Some((
        l.key,
        Analysis {
            label,
            score: l.score,
            summary: l.summary,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_reopen_and_skips_bad_lines() {
        let dir = std::env::temp_dir().join(format!("newsflow-llm-cache-{}", std::process::id()));
        let path = dir.join("sub/cache.jsonl");
        let _ = std::fs::remove_dir_all(&dir);
        let a = Analysis {
            label: Label::Bad,
            score: -0.6,
            summary: "Recall \"x\"".into(),
        };
        let parts = CacheKeyParts {
            provider: "openai",
            model: "m",
            endpoint: "http://a:8000/v1/chat/completions",
            structured_output: "auto",
            system_prompt: "sys",
            user_message: "news",
        };
        let key = cache_key(&parts);
        {
            let c = Cache::open(&path).expect("open");
            assert!(c.is_empty());
            c.put(&key, &a);
            assert_eq!(c.get(&key), Some(a.clone()));
        }
        let mut f = OpenOptions::new().append(true).open(&path).expect("append");
        f.write_all(b"not json\n{\"key\":\"k\",\"label\":\"error\",\"score\":0,\"summary\":\"\"}\n")
            .expect("write");
        let c = Cache::open(&path).expect("reopen");
        assert_eq!(c.get(&key), Some(a));
        assert_eq!(c.skipped_lines(), 2);
        for other in [
            CacheKeyParts { model: "m2", ..parts },
            CacheKeyParts {
                endpoint: "http://b:8000/v1/chat/completions",
                ..parts
            },
            CacheKeyParts {
                structured_output: "off",
                ..parts
            },
            CacheKeyParts {
                user_message: "news!",
                ..parts
            },
        ] {
            assert_ne!(key, cache_key(&other), "{other:?}");
        }
        let split = |a, b| {
            cache_key(&CacheKeyParts {
                provider: a,
                model: b,
                ..parts
            })
        };
        assert_ne!(split("a", "bc"), split("ab", "c"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
