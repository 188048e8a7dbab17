//! `kafka`: Apache Kafka source and sink with Flink's option names, on librdkafka.
//!
//! * `config.rs` — WITH options → librdkafka properties (`properties.*` passed through;
//!   MSK IAM mapped to OAUTHBEARER), startup and bounded modes.
//! * `context.rs` — the client context: OAUTHBEARER tokens for MSK IAM, and the consumer's
//!   rebalance handling (startup offsets on first assignment, commit on revoke).
//! * `source.rs` — a consumer-group member: one watermark partition per topic partition;
//!   partitions held by other members are released (they do not hold the watermark back);
//!   bounded modes end the job; malformed messages go to the dead letters (and to a
//!   dead-letter topic when `'dead-letter.topic'` is set).
//! * `record.rs` — a message (key and value) → a row (`value.fields-include`, `key.fields`).
//! * `sink.rs` — a producer: key fields, partitioner, at-least-once delivery (flush on
//!   finish; a failed delivery fails the job).
//! * `msk_iam.rs` — SigV4-signed MSK IAM tokens.
//! * `tools.rs` — plain topic writing and reading for `newsflow produce` / `consume`.

mod config;
mod context;
pub mod msk_iam;
mod record;
mod sink;
mod source;
pub mod tools;

pub use config::{client_config, KafkaConfigError};
#[cfg(test)]
pub(crate) use config::{SINK_OPTIONS, SOURCE_OPTIONS};
#[cfg(test)]
pub(crate) use sink::check_options as check_sink_options;
pub use sink::create as create_sink;
#[cfg(test)]
pub(crate) use source::check_options as check_source_options;
pub use source::create as create_source;

/// Create a topic if the broker does not have it (brokers such as tansu do not create
/// topics on first use). Used by `newsflow produce` and tests.
pub fn ensure_topic(bootstrap: &str, topic: &str, partitions: i32) -> newsflow_common::Result<()> {
    use newsflow_common::Error;
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use std::time::Duration;

    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", bootstrap);
    let probe: BaseConsumer = cfg
        .create()
        .map_err(|e| Error::config(format!("kafka: cannot create a client for {bootstrap}: {e}")))?;
    let md = probe
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(|e| Error::config(format!("kafka: cannot read metadata from {bootstrap}: {e}")))?;
    if md
        .topics()
        .iter()
        .any(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty())
    {
        return Ok(());
    }
    let admin: AdminClient<DefaultClientContext> = cfg
        .create()
        .map_err(|e| Error::config(format!("kafka: cannot create an admin client for {bootstrap}: {e}")))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting a runtime for the Kafka admin client", e))?;
    let new = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    let res = rt
        .block_on(admin.create_topics(
            [&new],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
        ))
        .map_err(|e| Error::config(format!("kafka: creating topic '{topic}': {e}")))?;
    for r in res {
        if let Err((name, code)) = r {
            if code != rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists {
                return Err(Error::config(format!("kafka: creating topic '{name}': {code}")));
            }
        }
    }
    Ok(())
}
