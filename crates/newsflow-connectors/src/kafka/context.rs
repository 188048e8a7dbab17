//! The librdkafka client context: MSK IAM tokens and the consumer's rebalances.
//!
//! Where an assigned partition starts, first match wins: the offset of a restored
//! checkpoint (the first time the partition is assigned after the restore: the checkpoint
//! is the truth, the group's committed offsets are only for monitoring), the startup mode
//! (the first time this process is assigned the partition), else the group's committed
//! offset (a partition that comes back resumes where the group left it).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use rdkafka::client::{ClientContext, OAuthToken};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{Offset, TopicPartitionList};

use super::config::{MskIam, Startup};
use super::msk_iam;

/// A change of the partitions this process reads.
#[derive(Debug, Clone)]
pub enum AssignEvent {
    Assigned(Vec<(String, i32)>),
    Revoked(Vec<(String, i32)>),
}

#[derive(Default)]
pub struct GroupState {
    pub events: Vec<AssignEvent>,
    /// Partitions this process has been assigned before: the startup mode applies only
    /// the first time; later assignments resume from the group's committed offsets.
    seen: HashSet<(String, i32)>,
    /// Offsets of a restored checkpoint not yet applied: each is used (and removed) when
    /// its partition is next assigned.
    restored: HashMap<(String, i32), i64>,
    pub errors: Vec<String>,
}

pub struct NfContext {
    pub msk: Option<MskIam>,
    /// Each topic's startup mode (tables of one group may differ).
    pub startup: Mutex<HashMap<String, Startup>>,
    /// Pause newly assigned partitions (the sources resume them once the group settles).
    pub pause_on_assign: AtomicBool,
    pub state: Arc<Mutex<GroupState>>,
}

impl NfContext {
    pub fn new(msk: Option<MskIam>) -> Self {
        NfContext {
            msk,
            startup: Mutex::default(),
            pause_on_assign: AtomicBool::new(false),
            state: Arc::default(),
        }
    }

    fn startup_of(&self, topic: &str) -> Startup {
        self.startup
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(topic)
            .cloned()
            .unwrap_or(Startup::GroupOffsets)
    }

    pub fn lock(&self) -> MutexGuard<'_, GroupState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Start these partitions at these offsets when they are next assigned, instead of
    /// the startup mode or the group's committed offsets (a restored checkpoint).
    pub fn restore_offsets(&self, offsets: impl IntoIterator<Item = ((String, i32), i64)>) {
        let mut st = self.lock();
        for (part, o) in offsets {
            st.seen.insert(part.clone());
            st.restored.insert(part, o);
        }
    }
}

pub fn lock(state: &Mutex<GroupState>) -> MutexGuard<'_, GroupState> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl ClientContext for NfContext {
    const ENABLE_REFRESH_OAUTH_TOKEN: bool = true;

    fn generate_oauth_token(&self, _config: Option<&str>) -> Result<OAuthToken, Box<dyn std::error::Error>> {
        let Some(msk) = &self.msk else {
            return Err("an OAUTHBEARER token was requested, but only MSK IAM ('properties.sasl.mechanism' = 'AWS_MSK_IAM') can make one".into());
        };
        let creds = msk_iam::default_credentials()?;
        let t = msk_iam::token(&creds, &msk.region, SystemTime::now())?;
        Ok(OAuthToken {
            token: t.token,
            principal_name: "newsflow".into(),
            lifetime_ms: t.expires_ms,
        })
    }
}

fn partitions(tpl: &TopicPartitionList) -> Vec<(String, i32)> {
    tpl.elements()
        .iter()
        .map(|e| (e.topic().to_string(), e.partition()))
        .collect()
}

/// The offsets the startup mode gives `parts`, for the ones seen for the first time.
pub fn startup_offsets(
    consumer: &BaseConsumer<NfContext>,
    startup: &Startup,
    parts: &[(String, i32)],
) -> Vec<((String, i32), Offset)> {
    let mut out = Vec::new();
    match startup {
        Startup::Earliest => out.extend(parts.iter().map(|p| (p.clone(), Offset::Beginning))),
        Startup::Latest => out.extend(parts.iter().map(|p| (p.clone(), Offset::End))),
        Startup::GroupOffsets => out.extend(parts.iter().map(|p| (p.clone(), Offset::Stored))),
        Startup::Specific(map) => out.extend(
            parts
                .iter()
                .map(|p| (p.clone(), map.get(&p.1).map_or(Offset::Stored, |o| Offset::Offset(*o)))),
        ),
        Startup::Timestamp(ts) => {
            let mut q = TopicPartitionList::new();
            for (t, p) in parts {
                let _ = q.add_partition_offset(t, *p, Offset::Offset(*ts));
            }
            let found = consumer.offsets_for_times(q, Duration::from_secs(10)).ok();
            for (t, p) in parts {
                let o = found
                    .as_ref()
                    .and_then(|f| f.find_partition(t, *p))
                    .map(|e| e.offset())
                    .filter(|o| matches!(o, Offset::Offset(_)))
                    .unwrap_or(Offset::End);
                out.push(((t.clone(), *p), o));
            }
        }
    }
    out
}

impl ConsumerContext for NfContext {
    fn rebalance(&self, consumer: &BaseConsumer<Self>, err: RDKafkaRespErr, tpl: &mut TopicPartitionList) {
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                let parts = partitions(tpl);
                let mut restored: Vec<((String, i32), i64)> = Vec::new();
                let fresh: Vec<(String, i32)> = {
                    let mut st = self.lock();
                    restored.extend(
                        parts
                            .iter()
                            .filter_map(|p| st.restored.remove(p).map(|o| (p.clone(), o))),
                    );
                    parts.iter().filter(|p| st.seen.insert((*p).clone())).cloned().collect()
                };
                for part in &fresh {
                    let startup = self.startup_of(&part.0);
                    for ((t, p), o) in startup_offsets(consumer, &startup, std::slice::from_ref(part)) {
                        let _ = tpl.set_partition_offset(&t, p, o);
                    }
                }
                for ((t, p), o) in &restored {
                    if let Err(e) = tpl.set_partition_offset(t, *p, Offset::Offset(*o)) {
                        self.lock()
                            .errors
                            .push(format!("starting {t}/{p} at the checkpoint's offset {o}: {e}"));
                    }
                }
                let res = consumer.assign(tpl);
                if self.pause_on_assign.load(Ordering::Relaxed) {
                    let _ = consumer.pause(tpl);
                }
                let mut st = self.lock();
                if let Err(e) = res {
                    st.errors.push(format!("assigning partitions: {e}"));
                }
                st.events.push(AssignEvent::Assigned(parts));
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                // Everything handed to the job so far is committed before another member
                // takes these partitions over.
                let _ = consumer.commit_consumer_state(CommitMode::Sync);
                let _ = consumer.unassign();
                self.lock().events.push(AssignEvent::Revoked(partitions(tpl)));
            }
            other => {
                let _ = consumer.unassign();
                self.lock().errors.push(format!("rebalance failed: {other:?}"));
            }
        }
    }
}
