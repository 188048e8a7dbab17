//! Key groups: the unit in which keyed state is snapshotted and moved.
//!
//! As in Flink, every key belongs to one of [`KEY_GROUPS`] groups (the maximum
//! parallelism); a parallel instance owns a contiguous range of groups. Keyed operators
//! write their state grouped by key group, so restoring at another parallelism means each
//! instance reads only the groups in its range. The hash is FNV-1a over a canonical
//! encoding of the key's values: the same in every process, platform and Rust release
//! (unlike `std`'s hasher or a randomly seeded one).

use newsflow_common::Value;

/// The number of key groups (Flink's default maximum parallelism).
pub const KEY_GROUPS: u16 = 128;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// A stable hash of one value. Numbers of different integer widths that are equal hash
/// alike (as they compare equal).
pub fn stable_hash(h: u64, v: &Value) -> u64 {
    match v {
        Value::Null => fnv(h, &[0]),
        Value::Bool(b) => fnv(h, &[1, *b as u8]),
        Value::Int(i) => fnv(fnv(h, &[2]), &(*i as i64).to_le_bytes()),
        Value::BigInt(i) => fnv(fnv(h, &[2]), &i.to_le_bytes()),
        Value::Float(f) => fnv(fnv(h, &[3]), &(*f as f64).to_bits().to_le_bytes()),
        Value::Double(f) => fnv(fnv(h, &[3]), &f.to_bits().to_le_bytes()),
        Value::Decimal(d) => {
            let n = d.normalized();
            fnv(fnv(fnv(h, &[8]), &n.unscaled().to_le_bytes()), &[n.scale()])
        }
        Value::Str(s) => fnv(fnv(h, &[4]), s.as_bytes()),
        Value::Date(d) => fnv(fnv(h, &[5]), &d.to_le_bytes()),
        Value::Timestamp(t) => fnv(fnv(h, &[6]), &t.to_le_bytes()),
        Value::Interval(t) => fnv(fnv(h, &[7]), &t.to_le_bytes()),
        Value::Bytes(b) => fnv(fnv(fnv(h, &[9]), &(b.len() as u64).to_le_bytes()), b),
        Value::Time(t) => fnv(fnv(h, &[10]), &t.to_le_bytes()),
        Value::Array(items) => items
            .iter()
            .fold(fnv(fnv(h, &[11]), &(items.len() as u64).to_le_bytes()), stable_hash),
    }
}

/// The key group of a key (`0..KEY_GROUPS`).
pub fn key_group(key: &[Value]) -> u16 {
    let h = key.iter().fold(FNV_OFFSET, stable_hash);
    // Mix the high bits in (FNV's low bits are weak), then reduce.
    let h = h ^ (h >> 32);
    (h % KEY_GROUPS as u64) as u16
}

/// Keyed entries laid out as they are checkpointed: grouped by their key's group, groups
/// ascending. `key` gives an entry's key.
pub fn by_key_group<T>(entries: impl IntoIterator<Item = T>, key: impl Fn(&T) -> &[Value]) -> Vec<(u16, Vec<T>)> {
    let mut groups: std::collections::BTreeMap<u16, Vec<T>> = std::collections::BTreeMap::new();
    for e in entries {
        groups.entry(key_group(key(&e))).or_default().push(e);
    }
    groups.into_iter().collect()
}

/// The key groups one parallel instance owns: `[start, end)`. Instance `i` of `n` owns
/// the groups Flink's `KeyGroupRangeAssignment` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyGroupRange {
    pub start: u16,
    pub end: u16,
}

impl KeyGroupRange {
    pub const ALL: KeyGroupRange = KeyGroupRange {
        start: 0,
        end: KEY_GROUPS,
    };

    pub fn for_instance(index: u16, parallelism: u16) -> Self {
        let p = parallelism.max(1) as u32;
        let i = index.min(parallelism.saturating_sub(1)) as u32;
        let g = KEY_GROUPS as u32;
        KeyGroupRange {
            start: ((i * g).div_ceil(p)) as u16,
            end: (((i + 1) * g).div_ceil(p)) as u16,
        }
    }

    pub fn contains(&self, group: u16) -> bool {
        group >= self.start && group < self.end
    }

    /// The entries of checkpointed groups (see [`by_key_group`]) this instance owns.
    pub fn owned<T>(self, groups: Vec<(u16, Vec<T>)>) -> impl Iterator<Item = T> {
        groups
            .into_iter()
            .filter(move |(g, _)| self.contains(*g))
            .flat_map(|(_, entries)| entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_fixed_and_spreads() {
        // Pinned: a change here would strand every checkpoint ever written.
        assert_eq!(key_group(&[Value::str("AAPL")]), 82);
        assert_eq!(key_group(&[Value::str("005930"), Value::Int(7)]), 62);
        assert_eq!(key_group(&[Value::str("005930"), Value::BigInt(7)]), 62);
        let mut seen = std::collections::HashSet::new();
        for i in 0..2000 {
            seen.insert(key_group(&[Value::str(&format!("S{i}"))]));
        }
        assert!(seen.len() > 120, "2000 keys fall in only {} groups", seen.len());
        // equal BYTES, TIME and ARRAY keys hash alike; an array is not its elements' row
        let arr = |v: Vec<Value>| Value::Array(v.into());
        let a = arr(vec![Value::str("x"), Value::Null]);
        assert_eq!(
            key_group(std::slice::from_ref(&a)),
            key_group(&[arr(vec![Value::str("x"), Value::Null])])
        );
        assert_ne!(
            [a].iter().fold(FNV_OFFSET, stable_hash),
            [Value::str("x"), Value::Null].iter().fold(FNV_OFFSET, stable_hash)
        );
        assert_ne!(
            stable_hash(FNV_OFFSET, &Value::Bytes(vec![1u8].into())),
            stable_hash(FNV_OFFSET, &Value::Bytes(vec![1u8, 0].into()))
        );
        assert_ne!(
            stable_hash(FNV_OFFSET, &Value::Time(5)),
            stable_hash(FNV_OFFSET, &Value::Int(5))
        );
    }

    #[test]
    fn ranges_cover_every_group_once() {
        for p in [1u16, 2, 3, 4, 7, 128] {
            let mut next = 0;
            for i in 0..p {
                let r = KeyGroupRange::for_instance(i, p);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, KEY_GROUPS);
        }
        assert_eq!(KeyGroupRange::for_instance(0, 1), KeyGroupRange::ALL);
    }
}
