//! [`Recent`]: a few (key, value) pairs, most recently used first. A tiny cache for values
//! that repeat in runs (the timestamps of one second, a few seconds interleaved), where a
//! short scan costs less than hashing.

pub struct Recent<K, V> {
    items: Vec<(K, V)>,
    capacity: usize,
}

impl<K, V> Recent<K, V> {
    pub fn new(capacity: usize) -> Self {
        Recent {
            items: Vec::with_capacity(capacity),
            capacity: capacity.max(1),
        }
    }

    /// The value of the first entry whose key matches; that entry moves to the front.
    pub fn find(&mut self, mut matches: impl FnMut(&K) -> bool) -> Option<&V> {
        let i = self.items.iter().position(|(k, _)| matches(k))?;
        if i > 0 {
            self.items.swap(0, i);
        }
        Some(&self.items[0].1)
    }

    /// Put an entry in front. When full, the last entry goes, and `key` gets its key to
    /// reuse (a buffer to fill again); otherwise `key` gets `None`.
    pub fn insert_with(&mut self, key: impl FnOnce(Option<K>) -> K, value: V) {
        let evicted = if self.items.len() >= self.capacity {
            self.items.pop().map(|(k, _)| k)
        } else {
            None
        };
        self.items.insert(0, (key(evicted), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recent_entries() {
        let mut r = Recent::new(2);
        r.insert_with(|_| "a", 1);
        r.insert_with(|_| "b", 2);
        assert_eq!(r.find(|k| *k == "a"), Some(&1)); // "a" moves to the front
        let mut reused = None;
        r.insert_with(
            |old| {
                reused = old;
                "c"
            },
            3,
        );
        assert_eq!(reused, Some("b"), "the least recently used entry goes");
        assert_eq!(r.find(|k| *k == "b"), None);
        assert_eq!(r.find(|k| *k == "a"), Some(&1));
        assert_eq!(r.find(|k| *k == "c"), Some(&3));
    }
}
