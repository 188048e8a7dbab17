//! Change kinds and chunks: what flows between operators.
//!
//! Every row carries a change kind, as in Flink's `RowKind` and RisingWave's `StreamChunk`:
//! `+I` insert, `-U` the row before an update, `+U` the row after it, `-D` delete. An
//! append-only stream (every plan newsflow builds today) is a chunk whose `kinds` is `None`:
//! it costs nothing per row, and an operator that only takes inserts checks one `Option`
//! per chunk ([`Chunk::into_inserts`]) instead of one tag per row.
//!
//! A chunk can also carry the points where the stream's watermark advanced between its
//! rows ([`Chunk::watermarks`]): Flink processes each row under the watermark that stood
//! before it, and late-data decisions (the interval join's cache, a window's lateness)
//! depend on exactly that watermark, not on where a batch happened to end.

use serde::{Deserialize, Serialize};

use crate::{Error, Result, Row};

/// Flink's `RowKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChangeKind {
    /// `+I`
    Insert,
    /// `-U`
    UpdateBefore,
    /// `+U`
    UpdateAfter,
    /// `-D`
    Delete,
}

impl ChangeKind {
    /// Flink's short string: `+I`, `-U`, `+U`, `-D`.
    pub fn short(self) -> &'static str {
        match self {
            ChangeKind::Insert => "+I",
            ChangeKind::UpdateBefore => "-U",
            ChangeKind::UpdateAfter => "+U",
            ChangeKind::Delete => "-D",
        }
    }
}

/// Rows moving together from one operator to the next, each with its change kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chunk {
    pub rows: Vec<Row>,
    /// One kind per row; `None` means every row is an insert (an append-only stream).
    pub kinds: Option<Vec<ChangeKind>>,
    /// Watermark advances between rows, in row order: `(i, wm)` says the stream's
    /// watermark became `wm` before row `i`. Empty when the watermark did not move inside
    /// the chunk (it moves after the chunk, as the executor forwards it).
    pub watermarks: Vec<(usize, i64)>,
}

impl Chunk {
    /// An append-only chunk.
    pub fn inserts(rows: Vec<Row>) -> Self {
        Chunk {
            rows,
            kinds: None,
            watermarks: Vec::new(),
        }
    }

    /// Record that the watermark became `wm` before the next row pushed (two advances with
    /// no row between them are one).
    pub fn mark_watermark(&mut self, wm: i64) {
        match self.watermarks.last_mut() {
            Some((at, w)) if *at == self.rows.len() => *w = (*w).max(wm),
            _ => self.watermarks.push((self.rows.len(), wm)),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Whether every row is an insert.
    pub fn is_append_only(&self) -> bool {
        self.kinds
            .as_ref()
            .is_none_or(|k| k.iter().all(|k| *k == ChangeKind::Insert))
    }

    /// Append an insert.
    #[inline]
    pub fn push(&mut self, row: Row) {
        if let Some(k) = self.kinds.as_mut() {
            k.push(ChangeKind::Insert);
        }
        self.rows.push(row);
    }

    /// Append a row of any kind.
    pub fn push_change(&mut self, kind: ChangeKind, row: Row) {
        if kind != ChangeKind::Insert && self.kinds.is_none() {
            self.kinds = Some(vec![ChangeKind::Insert; self.rows.len()]);
        }
        self.push_kind(kind, row);
    }

    fn push_kind(&mut self, kind: ChangeKind, row: Row) {
        if let Some(k) = self.kinds.as_mut() {
            k.push(kind);
        }
        self.rows.push(row);
    }

    /// Append every row of `other`, keeping kinds and watermark marks.
    pub fn append(&mut self, other: Chunk) {
        let offset = self.rows.len();
        self.watermarks
            .extend(other.watermarks.iter().map(|(i, w)| (i + offset, *w)));
        match other.kinds {
            None => {
                if let Some(k) = self.kinds.as_mut() {
                    k.extend(std::iter::repeat_n(ChangeKind::Insert, other.rows.len()));
                }
                self.rows.extend(other.rows);
            }
            Some(kinds) => {
                for (kind, row) in kinds.into_iter().zip(other.rows) {
                    self.push_change(kind, row);
                }
            }
        }
    }

    /// The kind of row `i`.
    pub fn kind(&self, i: usize) -> ChangeKind {
        self.kinds.as_ref().map_or(ChangeKind::Insert, |k| k[i])
    }

    /// The rows of an append-only chunk. An operator that cannot take updates or deletes
    /// (`operator` names it in the error) refuses a chunk that has them, instead of
    /// treating them as inserts.
    pub fn into_inserts(self, operator: &str) -> Result<Vec<Row>> {
        if !self.is_append_only() {
            return Err(Error::runtime(format!(
                "{operator} takes an append-only stream, but its input carries updates or deletes \
                 (updating inputs are not supported by this operator yet)"
            )));
        }
        Ok(self.rows)
    }
}

impl From<Vec<Row>> for Chunk {
    fn from(rows: Vec<Row>) -> Self {
        Chunk::inserts(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn append_only_until_a_change_arrives() {
        let mut c = Chunk::default();
        c.push(vec![Value::Int(1)]);
        assert!(c.kinds.is_none());
        c.push_change(ChangeKind::UpdateBefore, vec![Value::Int(1)]);
        c.push_change(ChangeKind::UpdateAfter, vec![Value::Int(2)]);
        assert_eq!(c.kind(0), ChangeKind::Insert);
        assert_eq!(c.kind(1).short(), "-U");
        assert!(!c.is_append_only());
        assert!(c.clone().into_inserts("X").is_err());
        let mut d = Chunk::inserts(vec![vec![Value::Int(3)]]);
        d.append(c);
        assert_eq!(d.len(), 4);
        assert_eq!(d.kind(0), ChangeKind::Insert);
        assert_eq!(d.kind(3), ChangeKind::UpdateAfter);
        assert!(Chunk::inserts(vec![vec![]]).into_inserts("X").is_ok());
    }
}
