//! Partition commit: when a partition's data is complete, say so — Flink's
//! `sink.partition-commit.*`.
//!
//! * `sink.partition-commit.trigger` = `process-time` (default): a partition is due once the
//!   machine's clock passes the time its first row arrived plus `sink.partition-commit.delay`.
//!   `partition-time`: once the watermark passes the partition's time (from its values,
//!   [`super::partition::extract_time`]) plus the delay.
//! * `sink.partition-commit.policy.kind` = `success-file`: an empty `_SUCCESS` file
//!   (`sink.partition-commit.success-file.name`) is written in the partition's directory.
//!   Without a policy nothing is written. `metastore` and `custom` are refused (newsflow has
//!   no metastore and no user classes).
//! * A partition is looked at when its files are committed (with checkpoints: when the
//!   checkpoint completes, as Flink's committer does) and at the end of input, where every
//!   partition is due. New rows for a committed partition make it pending again, and it is
//!   committed again (the success file is rewritten).

use std::collections::BTreeMap;

use newsflow_common::{Error, Result};
use serde::{Deserialize, Serialize};

use super::partition;
use crate::options::parse_duration_ms;
use crate::Options;

#[derive(Debug, Clone, PartialEq)]
enum Trigger {
    ProcessTime,
    PartitionTime {
        pattern: Option<String>,
        formatter: Option<String>,
    },
}

pub struct PartitionCommitter {
    trigger: Trigger,
    delay_ms: i64,
    /// `Some(name)`: write this file into each committed partition.
    success_file: Option<String>,
    /// Partitions with rows not yet committed as a partition: directory → the processing
    /// time (epoch ms) its first such row arrived.
    pending: BTreeMap<String, i64>,
}

/// What a checkpoint keeps of the committer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PendingPartitions {
    pub partitions: BTreeMap<String, i64>,
    /// The sink's watermark when the checkpoint was taken.
    pub watermark: i64,
    /// The checkpoint follows the end of input: every partition is due.
    pub end_of_input: bool,
}

pub const OPTIONS: &[&str] = &[
    "sink.partition-commit.trigger",
    "sink.partition-commit.delay",
    "sink.partition-commit.policy.kind",
    "sink.partition-commit.success-file.name",
    "partition.time-extractor.timestamp-pattern",
    "partition.time-extractor.timestamp-formatter",
];

impl PartitionCommitter {
    pub fn new(table: &str, opts: &Options, partitioned: bool) -> Result<PartitionCommitter> {
        let trigger = match opts.get("sink.partition-commit.trigger") {
            None | Some("process-time") => Trigger::ProcessTime,
            Some("partition-time") => {
                if !partitioned {
                    return Err(Error::config(format!(
                        "table `{table}`: 'sink.partition-commit.trigger' = 'partition-time' needs PARTITIONED BY \
                         (the time comes from the partition's values)"
                    )));
                }
                Trigger::PartitionTime {
                    pattern: opts.get("partition.time-extractor.timestamp-pattern").map(str::to_string),
                    formatter: opts.get("partition.time-extractor.timestamp-formatter").map(str::to_string),
                }
            }
            Some(other) => {
                return Err(Error::config(format!(
                    "table `{table}`: 'sink.partition-commit.trigger' must be 'process-time' or 'partition-time', got '{other}'"
                )))
            }
        };
        let delay_ms = match opts.get("sink.partition-commit.delay") {
            None => 0,
            Some(v) => parse_duration_ms(v).filter(|d| *d >= 0).ok_or_else(|| {
                Error::config(format!(
                    "table `{table}`: 'sink.partition-commit.delay' must be a duration like '1 h', got '{v}'"
                ))
            })?,
        };
        let success_name = opts
            .get("sink.partition-commit.success-file.name")
            .unwrap_or("_SUCCESS")
            .to_string();
        let success_file = match opts.get("sink.partition-commit.policy.kind") {
            None => None,
            Some(kinds) => {
                let mut file = None;
                for k in kinds.split(',').map(str::trim) {
                    match k {
                        "success-file" => file = Some(success_name.clone()),
                        "metastore" | "custom" => {
                            return Err(Error::config(format!(
                                "table `{table}`: partition commit policy '{k}' is not supported by newsflow \
                                 (it has no metastore and runs no user classes); use 'success-file'"
                            )))
                        }
                        other => {
                            return Err(Error::config(format!(
                                "table `{table}`: unknown partition commit policy '{other}'; valid: success-file"
                            )))
                        }
                    }
                }
                file
            }
        };
        if let Some(name) = &success_file {
            if name.is_empty() || name.contains('/') {
                return Err(Error::config(format!(
                    "table `{table}`: 'sink.partition-commit.success-file.name' must be a file name, got '{name}'"
                )));
            }
        }
        if trigger == Trigger::ProcessTime {
            for k in [
                "partition.time-extractor.timestamp-pattern",
                "partition.time-extractor.timestamp-formatter",
            ] {
                if opts.get(k).is_some() {
                    return Err(Error::config(format!(
                        "table `{table}`: '{k}' is only used with 'sink.partition-commit.trigger' = 'partition-time' \
                         (it would be ignored here)"
                    )));
                }
            }
        }
        Ok(PartitionCommitter {
            trigger,
            delay_ms,
            success_file,
            pending: BTreeMap::new(),
        })
    }

    /// Rows arrived for partition `dir` at processing time `now_ms`.
    pub fn saw(&mut self, dir: &str, now_ms: i64) {
        if !self.pending.contains_key(dir) {
            self.pending.insert(dir.to_string(), now_ms);
        }
    }

    pub fn snapshot(&self, watermark: i64, end_of_input: bool) -> PendingPartitions {
        PendingPartitions {
            partitions: self.pending.clone(),
            watermark,
            end_of_input,
        }
    }

    /// After a restore: the partitions the checkpoint had pending.
    pub fn restore(&mut self, p: &PendingPartitions) {
        self.pending = p.partitions.clone();
    }

    /// Commit those of `candidates` that are due; returns the success files to write
    /// (paths relative to the sink's root). A committed partition leaves `pending` unless
    /// rows arrived for it after `candidates` was taken (a later first-row time).
    pub fn due(
        &mut self,
        candidates: &BTreeMap<String, i64>,
        watermark: i64,
        end_of_input: bool,
        now_ms: i64,
    ) -> std::result::Result<Vec<String>, String> {
        let mut files = Vec::new();
        for (dir, created) in candidates {
            let ready = end_of_input
                || match &self.trigger {
                    Trigger::ProcessTime => now_ms >= created.saturating_add(self.delay_ms),
                    Trigger::PartitionTime { pattern, formatter } => {
                        let values = partition::parse_directory(dir);
                        let t = partition::extract_time(&values, pattern.as_deref(), formatter.as_deref())
                            .map_err(|e| format!("partition {dir}: {e}"))?;
                        watermark > t.saturating_add(self.delay_ms)
                    }
                };
            if !ready {
                continue;
            }
            if self.pending.get(dir) == Some(created) {
                self.pending.remove(dir);
            }
            if let Some(name) = &self.success_file {
                files.push(if dir.is_empty() {
                    name.clone()
                } else {
                    format!("{dir}/{name}")
                });
            }
        }
        Ok(files)
    }

    pub fn pending(&self) -> &BTreeMap<String, i64> {
        &self.pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committer(opts: &[(&str, &str)]) -> PartitionCommitter {
        let o = Options::new(opts.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
        PartitionCommitter::new("t", &o, true).unwrap()
    }

    #[test]
    fn process_time_waits_for_the_delay() {
        let mut c = committer(&[
            ("sink.partition-commit.policy.kind", "success-file"),
            ("sink.partition-commit.delay", "1 min"),
        ]);
        c.saw("dt=2026-11-30", 1_000);
        let cand = c.pending().clone();
        assert_eq!(c.due(&cand, 0, false, 30_000), Ok(vec![]));
        assert_eq!(
            c.due(&cand, 0, false, 61_000),
            Ok(vec!["dt=2026-11-30/_SUCCESS".to_string()])
        );
        assert!(c.pending().is_empty());
    }

    #[test]
    fn partition_time_waits_for_the_watermark() {
        let mut c = committer(&[
            ("sink.partition-commit.trigger", "partition-time"),
            ("partition.time-extractor.timestamp-pattern", "$dt $hr:00:00"),
            ("sink.partition-commit.delay", "1 h"),
            ("sink.partition-commit.policy.kind", "success-file"),
            ("sink.partition-commit.success-file.name", "_DONE"),
        ]);
        c.saw("dt=2026-11-30/hr=09", 0);
        let cand = c.pending().clone();
        let nine = 1_795_996_800_000 + 9 * 3_600_000;
        assert_eq!(
            c.due(&cand, nine + 3_600_000, false, 0),
            Ok(vec![]),
            "needs more than the delay"
        );
        assert_eq!(
            c.due(&cand, nine + 3_600_001, false, 0),
            Ok(vec!["dt=2026-11-30/hr=09/_DONE".to_string()])
        );
    }

    #[test]
    fn rows_after_the_snapshot_keep_a_partition_pending_and_the_end_commits_all() {
        let mut c = committer(&[("sink.partition-commit.policy.kind", "success-file")]);
        c.saw("a=1", 5);
        let cand = c.pending().clone();
        c.pending.insert("a=1".into(), 9); // committed, then new rows arrived
        assert_eq!(c.due(&cand, 0, false, 10).map(|f| f.len()), Ok(1));
        assert_eq!(c.pending().get("a=1"), Some(&9));
        let mut d = committer(&[
            ("sink.partition-commit.policy.kind", "success-file"),
            ("sink.partition-commit.delay", "1 d"),
        ]);
        d.saw("a=2", 0);
        let cand = d.pending().clone();
        assert_eq!(d.due(&cand, i64::MIN, true, 0).map(|f| f.len()), Ok(1));
    }

    #[test]
    fn refusals() {
        let o = |kv: &[(&str, &str)]| Options::new(kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
        for (opts, partitioned, msg) in [
            (
                o(&[("sink.partition-commit.policy.kind", "metastore")]),
                true,
                "no metastore",
            ),
            (
                o(&[("sink.partition-commit.policy.kind", "email")]),
                true,
                "unknown partition commit policy",
            ),
            (
                o(&[("sink.partition-commit.trigger", "partition-time")]),
                false,
                "needs PARTITIONED BY",
            ),
            (
                o(&[("sink.partition-commit.trigger", "soon")]),
                true,
                "must be 'process-time'",
            ),
            (
                o(&[("sink.partition-commit.delay", "later")]),
                true,
                "must be a duration",
            ),
        ] {
            let e = PartitionCommitter::new("t", &opts, partitioned)
                .err()
                .map(|e| e.to_string());
            assert!(e.as_deref().unwrap_or("").contains(msg), "{e:?} should say {msg}");
        }
    }
}
