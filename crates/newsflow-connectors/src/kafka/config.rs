//! WITH options of a `kafka` table → librdkafka configuration and the source's modes.

use std::collections::BTreeMap;
use std::time::Duration;

use newsflow_common::{Error, Result};
use rdkafka::config::ClientConfig;

use crate::format;
use crate::options::parse_duration_ms;
use crate::Options;

pub const SOURCE_OPTIONS: &[&str] = &[
    "connector",
    "topic",
    "topic-pattern",
    "format",
    "value.format",
    "key.format",
    "key.fields",
    "key.fields-prefix",
    "value.fields-include",
    "scan.startup.mode",
    "scan.startup.timestamp-millis",
    "scan.startup.specific-offsets",
    "scan.bounded.mode",
    "scan.bounded.timestamp-millis",
    "scan.bounded.specific-offsets",
    "scan.topic-partition-discovery.interval",
    "scan.group.settle-time",
    "dead-letter.topic",
    // Flink's, not implemented yet: accepted by the key check so that
    // `refuse_unread` refuses them as not supported yet.
    "scan.parallelism",
    "scan.watermark.emit.strategy",
    "scan.watermark.alignment.group",
    "scan.watermark.alignment.max-drift",
    "scan.watermark.alignment.update-interval",
];

pub const SINK_OPTIONS: &[&str] = &[
    "connector",
    "topic",
    "format",
    "value.format",
    "key.format",
    "key.fields",
    "key.fields-prefix",
    "value.fields-include",
    "sink.partitioner",
    "sink.delivery-guarantee",
    // Flink's, not implemented yet (refused by `refuse_unread`).
    "sink.transactional-id-prefix",
    "sink.parallelism",
];

/// Java client settings with no librdkafka counterpart; MSK IAM replaces them.
const JAVA_ONLY: &[&str] = &["sasl.jaas.config", "sasl.client.callback.handler.class"];

/// Properties of Flink's Kafka source or of the Java client that newsflow does not
/// implement, and why (librdkafka has no such property, or would act differently).
const FLINK_ONLY: &[(&str, &str)] = &[
    (
        "partition.discovery.interval.ms",
        "partition discovery is not supported yet (see 'scan.topic-partition-discovery.interval')",
    ),
    ("client.id.prefix", "use 'properties.client.id'"),
    (
        "commit.offsets.on.checkpoint",
        "offsets are committed as rows reach the job and on every rebalance, not on checkpoints",
    ),
    ("register.consumer.metrics", "newsflow has no Kafka metrics yet"),
    (
        "key.deserializer",
        "messages are read as bytes and decoded by 'key.format'",
    ),
    (
        "value.deserializer",
        "messages are read as bytes and decoded by 'format' / 'value.format'",
    ),
    ("key.serializer", "messages are encoded by 'key.format'"),
    ("value.serializer", "messages are encoded by 'format' / 'value.format'"),
];

/// What a table's client is for: the properties newsflow sets itself differ.
#[derive(Debug, Clone, Copy)]
pub enum Role<'a> {
    /// A source; `group` when `properties.group.id` is set.
    Source {
        group: bool,
        startup: &'a Startup,
    },
    Sink,
}

/// Refuse the `properties.*` newsflow sets itself (so a value given would be overridden)
/// or that would silently change what the source or sink does.
pub fn check_properties(table: &str, opts: &Options, role: Role) -> Result<()> {
    let refuse = |k: &str, why: &str| -> Result<()> {
        Err(cfg_err(
            table,
            format!("option 'properties.{k}' is not supported by newsflow's 'kafka' connector yet: {why}; remove it"),
        ))
    };
    for (k, v) in opts.iter() {
        let Some(p) = k.strip_prefix("properties.") else {
            continue;
        };
        if let Some((_, why)) = FLINK_ONLY.iter().find(|(f, _)| *f == p) {
            refuse(p, why)?;
        }
        match (p, role) {
            ("enable.auto.offset.store", Role::Source { .. }) => refuse(
                p,
                "the source stores each offset itself once its message has reached the job",
            )?,
            ("enable.auto.commit", Role::Source { group: false, .. }) => refuse(
                p,
                "without 'properties.group.id' nothing is committed (the source sets it to false)",
            )?,
            ("partition.assignment.strategy", Role::Source { .. }) if !v.trim().eq_ignore_ascii_case("range") => refuse(
                p,
                "the source relies on the range assignor (co-partitioned topics are read by the same process); only 'range' is accepted",
            )?,
            ("group.protocol", Role::Source { .. }) if !v.trim().eq_ignore_ascii_case("classic") => {
                refuse(p, "only the 'classic' consumer group protocol is supported")?
            }
            ("auto.offset.reset", Role::Source { startup, .. }) => {
                if !matches!(startup, Startup::GroupOffsets | Startup::Specific(_)) {
                    refuse(
                        p,
                        "it only applies with 'scan.startup.mode' = 'group-offsets' or 'specific-offsets' \
                         (as in Flink, the other modes set where reading starts themselves)",
                    )?
                }
                if v.trim().eq_ignore_ascii_case("none") {
                    refuse(p, "the value 'none' (fail when the group has no committed offset) is not supported yet; use 'earliest' or 'latest'")?
                }
            }
            ("transactional.id", Role::Sink) => refuse(
                p,
                "Kafka transactions ('sink.delivery-guarantee' = 'exactly-once') are not supported yet",
            )?,
            _ => {}
        }
    }
    Ok(())
}

#[derive(Debug)]
pub struct KafkaConfigError(pub String);

/// Where a source starts reading a partition it is assigned for the first time.
#[derive(Debug, Clone, PartialEq)]
pub enum Startup {
    Earliest,
    Latest,
    GroupOffsets,
    Timestamp(i64),
    Specific(BTreeMap<i32, i64>),
}

/// Where a bounded source stops (exclusive offsets, resolved when the source starts).
#[derive(Debug, Clone, PartialEq)]
pub enum Bounded {
    Unbounded,
    Latest,
    GroupOffsets,
    Timestamp(i64),
    Specific(BTreeMap<i32, i64>),
}

/// MSK IAM: sign OAUTHBEARER tokens for this region.
#[derive(Debug, Clone)]
pub struct MskIam {
    pub region: String,
}

#[derive(Debug)]
pub struct SourceSettings {
    pub topics: Vec<String>,
    pub pattern: Option<String>,
    pub startup: Startup,
    pub bounded: Bounded,
    pub dead_letter_topic: Option<String>,
    pub settle: Duration,
}

fn cfg_err(table: &str, msg: impl std::fmt::Display) -> Error {
    Error::config(format!("table `{table}`: {msg}"))
}

/// librdkafka properties from `properties.*`, with MSK IAM mapped to OAUTHBEARER.
pub fn client_config(table: &str, opts: &Options) -> Result<(ClientConfig, Option<MskIam>)> {
    let mut cfg = ClientConfig::new();
    let props: BTreeMap<&str, &str> = opts
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("properties.").map(|k| (k, v.as_str())))
        .collect();
    if !props.contains_key("bootstrap.servers") {
        return Err(cfg_err(table, "option 'properties.bootstrap.servers' is required"));
    }
    let msk = props
        .get("sasl.mechanism")
        .is_some_and(|m| m.eq_ignore_ascii_case("AWS_MSK_IAM"));
    for (k, v) in &props {
        if JAVA_ONLY.contains(k) {
            if msk {
                continue;
            }
            return Err(cfg_err(
                table,
                format!("'properties.{k}' is a Java client setting; librdkafka has no such property (MSK IAM is supported with 'properties.sasl.mechanism' = 'AWS_MSK_IAM')"),
            ));
        }
        if *k == "sasl.mechanism" && msk {
            cfg.set("sasl.mechanism", "OAUTHBEARER");
            continue;
        }
        cfg.set(*k, *v);
    }
    let msk = if msk {
        let region = std::env::var("AWS_REGION")
            .ok()
            .or_else(|| props.get("bootstrap.servers").and_then(|b| super::msk_iam::region_from_bootstrap(b)))
            .ok_or_else(|| {
                cfg_err(
                    table,
                    "MSK IAM needs a region: set AWS_REGION or use the cluster's *.kafka.<region>.amazonaws.com bootstrap address",
                )
            })?;
        if !props.contains_key("security.protocol") {
            cfg.set("security.protocol", "SASL_SSL");
        }
        Some(MskIam { region })
    } else {
        None
    };
    // Every property is checked by librdkafka now (unknown names, bad values), before
    // any connection is made.
    if let Err(e) = cfg.create_native_config() {
        return Err(match e {
            rdkafka::error::KafkaError::ClientConfig(_, desc, key, value) => cfg_err(
                table,
                format!("option 'properties.{key}' = '{value}' is refused by librdkafka: {desc}"),
            ),
            other => cfg_err(table, format!("kafka client settings: {other}")),
        });
    }
    opts.mark_prefix("properties.");
    Ok((cfg, msk))
}

fn offsets_list(table: &str, key: &str, v: &str) -> Result<BTreeMap<i32, i64>> {
    // Flink's form: 'partition:0,offset:42;partition:1,offset:300'
    let mut out = BTreeMap::new();
    for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let mut partition = None;
        let mut offset = None;
        for kv in part.split(',') {
            match kv.trim().split_once(':') {
                Some(("partition", p)) => partition = p.trim().parse::<i32>().ok(),
                Some(("offset", o)) => offset = o.trim().parse::<i64>().ok(),
                _ => {}
            }
        }
        match (partition, offset) {
            (Some(p), Some(o)) => {
                out.insert(p, o);
            }
            _ => {
                return Err(cfg_err(
                    table,
                    format!("'{key}' must look like 'partition:0,offset:42;partition:1,offset:300', got '{v}'"),
                ))
            }
        }
    }
    Ok(out)
}

fn millis(table: &str, opts: &Options, key: &str, mode: &str) -> Result<i64> {
    opts.parse::<i64>(table, key)?
        .ok_or_else(|| cfg_err(table, format!("mode '{mode}' needs option '{key}'")))
}

/// A `scan.startup.mode` or `scan.bounded.mode` value; `First` is the mode only one of
/// them has (`earliest-offset`, `unbounded`).
enum Mode {
    First,
    Latest,
    Group,
    Timestamp(i64),
    Specific(BTreeMap<i32, i64>),
}

/// Parse `scan.<scope>.mode` with its `timestamp-millis` / `specific-offsets` companion.
fn offsets_mode(table: &str, opts: &Options, scope: &str, first: &str, default: &str) -> Result<Mode> {
    let key = format!("scan.{scope}.mode");
    let value = opts.get(&key).unwrap_or(default);
    for (companion, mode) in [
        ("timestamp-millis", "timestamp"),
        ("specific-offsets", "specific-offsets"),
    ] {
        let k = format!("scan.{scope}.{companion}");
        if value != mode && opts.get(&k).is_some() {
            return Err(cfg_err(
                table,
                format!("option '{k}' is only used with '{key}' = '{mode}' (here '{value}'); remove it"),
            ));
        }
    }
    Ok(match value {
        v if v == first => Mode::First,
        "latest-offset" => Mode::Latest,
        "group-offsets" => Mode::Group,
        "timestamp" => Mode::Timestamp(millis(
            table,
            opts,
            &format!("scan.{scope}.timestamp-millis"),
            "timestamp",
        )?),
        "specific-offsets" => {
            let k = format!("scan.{scope}.specific-offsets");
            Mode::Specific(offsets_list(table, &k, opts.require(table, &k)?)?)
        }
        other => {
            return Err(cfg_err(
                table,
                format!(
                "unknown '{key}' '{other}'; valid: {first}, latest-offset, group-offsets, timestamp, specific-offsets"
            ),
            ))
        }
    })
}

pub fn source_settings(table: &str, opts: &Options) -> Result<SourceSettings> {
    let mut valid: Vec<&str> = SOURCE_OPTIONS.to_vec();
    valid.extend(format_keys(opts));
    opts.check(table, "kafka", &valid, &["properties."])?;
    let topics: Vec<String> = opts
        .get("topic")
        .map(|t| {
            t.split(';')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let pattern = opts.get("topic-pattern").map(str::to_string);
    if topics.is_empty() == pattern.is_none() {
        return Err(cfg_err(
            table,
            "set exactly one of 'topic' (a name or a ';'-separated list) and 'topic-pattern'",
        ));
    }
    let startup = match offsets_mode(table, opts, "startup", "earliest-offset", "group-offsets")? {
        Mode::First => Startup::Earliest,
        Mode::Latest => Startup::Latest,
        Mode::Group => Startup::GroupOffsets,
        Mode::Timestamp(ts) => Startup::Timestamp(ts),
        Mode::Specific(map) => Startup::Specific(map),
    };
    let bounded = match offsets_mode(table, opts, "bounded", "unbounded", "unbounded")? {
        Mode::First => Bounded::Unbounded,
        Mode::Latest => Bounded::Latest,
        Mode::Group => Bounded::GroupOffsets,
        Mode::Timestamp(ts) => Bounded::Timestamp(ts),
        Mode::Specific(map) => Bounded::Specific(map),
    };
    if (matches!(startup, Startup::GroupOffsets) || matches!(bounded, Bounded::GroupOffsets))
        && opts.get("properties.group.id").is_none()
    {
        return Err(cfg_err(table, "'group-offsets' needs 'properties.group.id'"));
    }
    if (matches!(startup, Startup::Specific(_)) || matches!(bounded, Bounded::Specific(_)))
        && (topics.len() != 1 || pattern.is_some())
    {
        return Err(cfg_err(
            table,
            "'specific-offsets' names partitions of one topic: it needs a single 'topic' (as in Flink)",
        ));
    }
    // Partitions are resolved once, when the source starts: that is Flink's discovery
    // switched off (a zero or negative interval). Flink's default, and a positive
    // interval, discover new partitions while running, which newsflow does not do yet.
    if let Some(v) = opts.get("scan.topic-partition-discovery.interval") {
        let ms = parse_duration_ms(v.trim_start_matches('-')).ok_or_else(|| {
            cfg_err(
                table,
                format!("'scan.topic-partition-discovery.interval' must be a duration, got '{v}'"),
            )
        })?;
        if ms > 0 && !v.trim().starts_with('-') {
            return Err(cfg_err(
                table,
                "option 'scan.topic-partition-discovery.interval' is not supported by newsflow's 'kafka' connector yet \
                 (partitions are found once, when the source starts); only '0' (discovery off) is accepted",
            ));
        }
    }
    let settle = match opts.get("scan.group.settle-time") {
        None => Duration::ZERO,
        Some(v) => Duration::from_millis(
            parse_duration_ms(v)
                .and_then(|ms| u64::try_from(ms).ok())
                .ok_or_else(|| cfg_err(table, format!("'scan.group.settle-time' must be a duration, got '{v}'")))?,
        ),
    };
    Ok(SourceSettings {
        topics,
        pattern,
        startup,
        bounded,
        dead_letter_topic: opts.get("dead-letter.topic").map(str::to_string),
        settle,
    })
}

/// The format keys this table may use: `format`/`value.format` and the format's own.
pub fn format_keys(opts: &Options) -> Vec<&'static str> {
    let mut keys = Vec::new();
    for k in ["format", "value.format", "key.format"] {
        if let Some(f) = opts.get(k) {
            keys.extend_from_slice(format::format_options(f));
        }
    }
    keys
}

/// Options as seen by a format: `value.format` becomes `format`.
pub fn value_format_options(opts: &Options) -> Options {
    let mut map: BTreeMap<String, String> = opts.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(v) = map.remove("value.format") {
        opts.mark_read("value.format");
        map.insert("format".into(), v);
    }
    opts.derive(map)
}

/// Options for the key's format (`key.format`), if the table has one.
pub fn key_format_options(opts: &Options) -> Option<Options> {
    let f = opts.get("key.format")?;
    let mut map: BTreeMap<String, String> = opts.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    map.insert("format".into(), f.to_string());
    Some(opts.derive(map))
}

/// The `key.fields` of a table: their positions and the key's schema (names without
/// `key.fields-prefix`), or `None` when the table has no key fields.
pub fn key_columns(t: &crate::TableSpec) -> Result<Option<(Vec<usize>, newsflow_common::Schema)>> {
    let Some(fields) = t.options.get("key.fields") else {
        if t.options.get("key.format").is_some() {
            return Err(cfg_err(
                t.name,
                "'key.format' needs 'key.fields' (the columns the message key carries), as in Flink",
            ));
        }
        if t.options.get("key.fields-prefix").is_some() {
            return Err(cfg_err(t.name, "'key.fields-prefix' needs 'key.fields'"));
        }
        return Ok(None);
    };
    if t.options.get("key.format").is_none() {
        return Err(cfg_err(t.name, "'key.fields' needs 'key.format'"));
    }
    let prefix = t.options.get("key.fields-prefix").unwrap_or("");
    let mut cols = Vec::new();
    let mut key_fields = Vec::new();
    for f in fields.split(';').map(str::trim) {
        let i = t.schema.fields.iter().position(|c| c.name == f).ok_or_else(|| {
            cfg_err(
                t.name,
                format!(
                    "'key.fields' names '{f}', which is not a column; columns: {}",
                    t.schema.names().join(", ")
                ),
            )
        })?;
        cols.push(i);
        let c = &t.schema.fields[i];
        key_fields.push(newsflow_common::Field::new(
            c.name.strip_prefix(prefix).unwrap_or(&c.name),
            c.data_type.clone(),
        ));
    }
    Ok(Some((cols, newsflow_common::Schema::new(key_fields))))
}

/// Whether the message value leaves out the key fields (`'value.fields-include'`).
pub fn value_excludes_key(t: &crate::TableSpec) -> Result<bool> {
    match t.options.get("value.fields-include").unwrap_or("ALL") {
        v if v.eq_ignore_ascii_case("ALL") => Ok(false),
        v if v.eq_ignore_ascii_case("EXCEPT_KEY") => {
            if t.options.get("key.fields").is_none() {
                return Err(cfg_err(
                    t.name,
                    "'value.fields-include' = 'EXCEPT_KEY' needs 'key.fields' and 'key.format'",
                ));
            }
            Ok(true)
        }
        other => Err(cfg_err(
            t.name,
            format!("unknown 'value.fields-include' '{other}'; valid: ALL, EXCEPT_KEY"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(kv: &[(&str, &str)]) -> Options {
        Options::new(kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn the_source_documents_msk_options_map_to_oauthbearer() {
        let o = opts(&[
            ("connector", "kafka"),
            ("topic", "news"),
            (
                "properties.bootstrap.servers",
                "b-1.c.x.c2.kafka.ap-northeast-2.amazonaws.com:9098",
            ),
            ("properties.security.protocol", "SASL_SSL"),
            ("properties.sasl.mechanism", "AWS_MSK_IAM"),
            (
                "properties.sasl.jaas.config",
                "software.amazon.msk.auth.iam.IAMLoginModule required;",
            ),
            (
                "properties.sasl.client.callback.handler.class",
                "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
            ),
            ("properties.group.id", "flink-news-stream-consumer"),
            ("scan.startup.mode", "earliest-offset"),
            ("format", "json"),
        ]);
        let (cfg, msk) = client_config("news", &o).unwrap();
        assert_eq!(cfg.get("sasl.mechanism"), Some("OAUTHBEARER"));
        assert_eq!(cfg.get("security.protocol"), Some("SASL_SSL"));
        assert_eq!(cfg.get("sasl.jaas.config"), None);
        assert_eq!(msk.unwrap().region, "ap-northeast-2");
        let s = source_settings("news", &o).unwrap();
        assert_eq!(s.startup, Startup::Earliest);
        assert_eq!(s.bounded, Bounded::Unbounded);
    }

    #[test]
    fn bad_options_are_explained() {
        let e = source_settings(
            "t",
            &opts(&[("connector", "kafka"), ("topic", "a"), ("scan.startup.mode", "first")]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("valid: earliest-offset"), "{e}");
        let e = source_settings("t", &opts(&[("connector", "kafka")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'topic'"), "{e}");
        let e = client_config(
            "t",
            &opts(&[
                ("properties.sasl.jaas.config", "x"),
                ("properties.bootstrap.servers", "h:1"),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("Java client setting"), "{e}");
        let o = opts(&[
            ("topic", "a"),
            ("scan.startup.mode", "specific-offsets"),
            (
                "scan.startup.specific-offsets",
                "partition:0,offset:42;partition:1,offset:300",
            ),
        ]);
        let s = source_settings("t", &o).unwrap();
        assert_eq!(s.startup, Startup::Specific([(0, 42), (1, 300)].into_iter().collect()));
    }
}
