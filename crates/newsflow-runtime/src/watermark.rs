//! Watermark bookkeeping.

/// "No watermark yet" (Flink's Long.MIN_VALUE).
pub const MIN_WATERMARK: i64 = i64::MIN;
/// End of input: every timer fires.
pub const MAX_WATERMARK: i64 = i64::MAX;

/// The watermarks of an operator's inputs (or a source's partitions) and which are idle;
/// the combined watermark is the minimum over the active ones and never decreases.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WatermarkTracker {
    inputs: Vec<i64>,
    idle: Vec<bool>,
    current: i64,
}

impl WatermarkTracker {
    pub fn new(n: usize) -> Self {
        WatermarkTracker {
            inputs: vec![MIN_WATERMARK; n.max(1)],
            idle: vec![false; n.max(1)],
            current: MIN_WATERMARK,
        }
    }

    pub fn current(&self) -> i64 {
        self.current
    }

    /// How many inputs it combines.
    pub fn input_count(&self) -> usize {
        self.inputs.len()
    }

    /// All inputs idle: nothing holds time back, but nothing moves it either.
    pub fn all_idle(&self) -> bool {
        self.idle.iter().all(|i| *i)
    }

    /// Update one input; returns the new combined watermark if it advanced.
    pub fn update(&mut self, input: usize, wm: i64, idle: bool) -> Option<i64> {
        if let Some(w) = self.inputs.get_mut(input) {
            *w = (*w).max(wm);
        }
        if let Some(i) = self.idle.get_mut(input) {
            *i = idle;
        }
        let combined = self
            .inputs
            .iter()
            .zip(&self.idle)
            .filter(|(_, idle)| !**idle)
            .map(|(w, _)| *w)
            .min()?;
        if combined > self.current {
            self.current = combined;
            Some(combined)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_over_active_inputs() {
        let mut t = WatermarkTracker::new(2);
        assert_eq!(t.update(0, 100, false), None);
        assert_eq!(t.update(1, 50, false), Some(50));
        assert_eq!(t.update(1, 200, false), Some(100));
        // input 0 goes idle: input 1 alone drives time
        assert_eq!(t.update(0, 100, true), Some(200));
        // never backwards
        assert_eq!(t.update(0, 150, false), None);
        assert_eq!(t.current(), 200);
    }
}
