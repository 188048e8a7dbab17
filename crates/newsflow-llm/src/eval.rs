//! Measuring an analyser on a labelled set (`newsflow eval-analyser`): read JSON lines
//! `{"text": …, "label": "good"|"bad"|"neutral"[, "lang", "kind", "category"]}`, run
//! every text through an [`Analyzer`] (the offline analyser or any provider), and score
//! the labels it gives against the gold ones.
//!
//! The [`EvalReport`] has accuracy, macro-F1 (the unweighted mean of the three labels'
//! F1), per-label precision and recall, the confusion matrix (gold × predicted, with an
//! `error` column), breakdowns by `lang`, `kind` and `category` (for the fields the file
//! has), the misses, and the analyser's metrics. **An `error` row counts as wrong** (in
//! accuracy and in its gold label's recall; it predicts no label, so it lowers no
//! precision) and is also counted on its own, with the reasons by kind, so that an
//! outage or an unparseable model is not mistaken for a model that reads news badly.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::analyzer::Analyzer;
use crate::metrics::MetricsSnapshot;
use crate::offline::Label;
use crate::outcome::Outcome;

/// The labels, in the order reports list them.
pub const LABELS: [Label; 3] = [Label::Good, Label::Bad, Label::Neutral];

/// One labelled news item.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledItem {
    /// 1-based line in the file.
    pub line: usize,
    pub text: String,
    pub label: Label,
    pub lang: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
}

#[derive(Deserialize)]
struct Line {
    text: String,
    label: String,
    lang: Option<String>,
    kind: Option<String>,
    category: Option<String>,
}

/// A labelled file that cannot be read; the message names the file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError(pub String);

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EvalError {}

/// Reads a labelled JSON-lines file (blank lines are skipped).
pub fn read_labelled(path: &Path) -> Result<Vec<LabelledItem>, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|e| EvalError(format!("cannot read {}: {e}", path.display())))?;
    parse_labelled(&text, &path.display().to_string())
}

/// Parses labelled JSON lines; `source` names them in errors.
pub fn parse_labelled(text: &str, source: &str) -> Result<Vec<LabelledItem>, EvalError> {
    let mut items = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(raw)
            .map_err(|e| EvalError(format!("{source}:{line}: expected {{\"text\": …, \"label\": …}}: {e}")))?;
        let label = parse_label(&l.label).ok_or_else(|| {
            EvalError(format!(
                "{source}:{line}: label {:?} is not good, bad or neutral",
                l.label
            ))
        })?;
        items.push(LabelledItem {
            line,
            text: l.text,
            label,
            lang: l.lang,
            kind: l.kind,
            category: l.category,
        });
    }
    if items.is_empty() {
        return Err(EvalError(format!("{source}: no labelled items")));
    }
    Ok(items)
}

/// `good`, `bad` or `neutral` (any case).
fn parse_label(s: &str) -> Option<Label> {
    match s.trim().to_ascii_lowercase().as_str() {
        "good" => Some(Label::Good),
        "bad" => Some(Label::Bad),
        "neutral" => Some(Label::Neutral),
        _ => None,
    }
}

/// Runs every item through `analyzer` (all submitted at once; the analyser's in-flight
/// limit paces them) and returns the outcomes in item order. `progress` is told how many
/// are done after each batch of results.
pub fn analyse_all(analyzer: &mut Analyzer, items: &[LabelledItem], progress: &mut dyn FnMut(usize)) -> Vec<Outcome> {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; items.len()];
    for (id, item) in items.iter().enumerate() {
        analyzer.submit(id as u64, item.text.clone());
    }
    let mut done = 0;
    while done < items.len() {
        analyzer.wait_any(Duration::from_millis(200));
        let finished = analyzer.poll_completed();
        if finished.is_empty() && analyzer.in_flight() == 0 {
            break; // nothing more will come (cannot happen unless a task was lost)
        }
        for (id, outcome) in finished {
            if let Some(slot) = outcomes.get_mut(id as usize) {
                if slot.replace(outcome).is_none() {
                    done += 1;
                }
            }
        }
        progress(done);
    }
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::error(crate::ErrorKind::Other, "no result came back")))
        .collect()
}

/// Analyses `items` with `analyzer` and scores the result.
pub fn evaluate(analyzer: &mut Analyzer, items: &[LabelledItem], progress: &mut dyn FnMut(usize)) -> EvalReport {
    let started = Instant::now();
    let outcomes = analyse_all(analyzer, items, progress);
    let mut report = score(items, &outcomes);
    report.elapsed_s = started.elapsed().as_secs_f64();
    report.metrics = Some(analyzer.metrics());
    report
}

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScore {
    pub label: &'static str,
    /// Correct among the items predicted with this label (0 when none was).
    pub precision: f64,
    /// Correct among the items with this gold label (error rows count as missed).
    pub recall: f64,
    pub f1: f64,
    /// Items with this gold label.
    pub support: usize,
    /// Items predicted with this label.
    pub predicted: usize,
}

/// One gold label's row of the confusion matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfusionRow {
    pub gold: &'static str,
    pub good: usize,
    pub bad: usize,
    pub neutral: usize,
    pub error: usize,
}

/// The scores of the items sharing one value of a field (`lang`, `kind`, `category`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScore {
    /// The value; `-` for items without the field.
    pub value: String,
    pub items: usize,
    pub correct: usize,
    pub errors: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
}

/// An item the analyser got wrong (or could not analyse).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub line: usize,
    pub text: String,
    pub gold: &'static str,
    /// `good`, `bad`, `neutral` or `error`.
    pub predicted: &'static str,
    pub score: Option<f64>,
    /// `<kind>: <reason>` for an error row.
    pub error: Option<String>,
    pub lang: Option<String>,
    pub kind: Option<String>,
}

/// The result of an evaluation; see the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub items: usize,
    pub correct: usize,
    /// Error rows (also counted as wrong).
    pub errors: usize,
    /// Error rows by kind (`timeout`, `invalid_reply`, …).
    pub error_kinds: BTreeMap<String, usize>,
    /// `correct / items`.
    pub accuracy: f64,
    pub macro_f1: f64,
    pub labels: Vec<LabelScore>,
    pub confusion: Vec<ConfusionRow>,
    /// Present when some item has a `lang`.
    pub by_lang: Option<Vec<GroupScore>>,
    pub by_kind: Option<Vec<GroupScore>>,
    pub by_category: Option<Vec<GroupScore>>,
    /// Items not labelled as their gold label (wrong or error).
    pub missed: usize,
    pub misses: Vec<Miss>,
    pub elapsed_s: f64,
    /// The analyser's counters after the run (provider, model, requests, latency, …).
    pub metrics: Option<MetricsSnapshot>,
}

/// Counts of (gold, predicted): `cells[gold][predicted]` by [`LABELS`] position, the
/// last column for error rows.
#[derive(Default)]
struct Confusion {
    cells: [[usize; 4]; 3],
}

fn index(label: Label) -> usize {
    match label {
        Label::Good => 0,
        Label::Bad => 1,
        Label::Neutral => 2,
    }
}

impl Confusion {
    fn add(&mut self, gold: Label, predicted: Option<Label>) {
        self.cells[index(gold)][predicted.map_or(3, index)] += 1;
    }

    fn get(&self, gold: Label, predicted: Option<Label>) -> usize {
        self.cells[index(gold)][predicted.map_or(3, index)]
    }

    fn items(&self) -> usize {
        self.cells.iter().flatten().sum()
    }

    fn correct(&self) -> usize {
        LABELS.iter().map(|&l| self.get(l, Some(l))).sum()
    }

    fn errors(&self) -> usize {
        LABELS.iter().map(|&l| self.get(l, None)).sum()
    }

    fn label_score(&self, label: Label) -> LabelScore {
        let tp = self.get(label, Some(label));
        let predicted: usize = LABELS.iter().map(|&g| self.get(g, Some(label))).sum();
        let support: usize = LABELS.iter().map(|&p| self.get(label, Some(p))).sum::<usize>() + self.get(label, None);
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        LabelScore {
            label: label.as_str(),
            precision,
            recall,
            f1,
            support,
            predicted,
        }
    }

    fn macro_f1(&self) -> f64 {
        LABELS.iter().map(|&l| self.label_score(l).f1).sum::<f64>() / LABELS.len() as f64
    }

    fn group(&self, value: String) -> GroupScore {
        GroupScore {
            value,
            items: self.items(),
            correct: self.correct(),
            errors: self.errors(),
            accuracy: ratio(self.correct(), self.items()),
            macro_f1: self.macro_f1(),
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores outcomes against the gold labels (`outcomes[i]` is `items[i]`'s).
pub fn score(items: &[LabelledItem], outcomes: &[Outcome]) -> EvalReport {
    let mut all = Confusion::default();
    let mut groups: [BTreeMap<String, Confusion>; 3] = Default::default();
    let mut has_field = [false; 3];
    let mut error_kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut misses = Vec::new();
    for (item, outcome) in items.iter().zip(outcomes) {
        let predicted = outcome.label();
        all.add(item.label, predicted);
        for (i, field) in [&item.lang, &item.kind, &item.category].into_iter().enumerate() {
            has_field[i] |= field.is_some();
            let value = field.clone().unwrap_or_else(|| "-".to_string());
            groups[i].entry(value).or_default().add(item.label, predicted);
        }
        if let Outcome::Error(e) = outcome {
            *error_kinds.entry(e.kind.as_str().to_string()).or_default() += 1;
        }
        if predicted != Some(item.label) {
            misses.push(Miss {
                line: item.line,
                text: item.text.clone(),
                gold: item.label.as_str(),
                predicted: outcome.label_str(),
                score: outcome.analysis().map(|a| a.score),
                error: match outcome {
                    Outcome::Error(e) => Some(format!("{}: {}", e.kind, e.reason)),
                    Outcome::Ok(_) => None,
                },
                lang: item.lang.clone(),
                kind: item.kind.clone(),
            });
        }
    }
    let [by_lang, by_kind, by_category] =
        groups.map(|g| g.into_iter().map(|(value, c)| c.group(value)).collect::<Vec<_>>());
    let keep = |present: bool, g: Vec<GroupScore>| present.then_some(g);
    EvalReport {
        items: all.items(),
        correct: all.correct(),
        errors: all.errors(),
        error_kinds,
        accuracy: ratio(all.correct(), all.items()),
        macro_f1: all.macro_f1(),
        labels: LABELS.iter().map(|&l| all.label_score(l)).collect(),
        confusion: LABELS
            .iter()
            .map(|&g| ConfusionRow {
                gold: g.as_str(),
                good: all.get(g, Some(Label::Good)),
                bad: all.get(g, Some(Label::Bad)),
                neutral: all.get(g, Some(Label::Neutral)),
                error: all.get(g, None),
            })
            .collect(),
        by_lang: keep(has_field[0], by_lang),
        by_kind: keep(has_field[1], by_kind),
        by_category: keep(has_field[2], by_category),
        missed: misses.len(),
        misses,
        elapsed_s: 0.0,
        metrics: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::Analysis;
    use crate::ErrorKind;

    fn ok(label: Label) -> Outcome {
        Outcome::Ok(Analysis {
            label,
            score: 0.0,
            summary: String::new(),
        })
    }

    #[test]
    fn reads_labelled_lines_and_names_bad_ones() {
        let items = parse_labelled(
            "{\"text\":\"a\",\"label\":\"good\",\"lang\":\"en\"}\n\n{\"text\":\"b\",\"label\":\"Bad\",\"kind\":\"earnings\"}\n",
            "f.jsonl",
        )
        .expect("valid");
        assert_eq!(items.len(), 2);
        assert_eq!((items[1].line, items[1].label), (3, Label::Bad));
        assert_eq!(items[1].kind.as_deref(), Some("earnings"));
        let e = parse_labelled("{\"text\":\"a\",\"label\":\"up\"}", "f.jsonl").expect_err("label");
        assert!(e.0.contains("f.jsonl:1") && e.0.contains("\"up\""), "{e}");
        let e = parse_labelled("{\"label\":\"good\"}", "f.jsonl").expect_err("no text");
        assert!(e.0.contains("f.jsonl:1"), "{e}");
        assert!(parse_labelled("\n", "f.jsonl").is_err());
    }

    #[test]
    fn scores_with_errors_counted_as_wrong_and_apart() {
        let item = |label, lang: &str| LabelledItem {
            line: 1,
            text: "t".into(),
            label,
            lang: Some(lang.into()),
            kind: None,
            category: None,
        };
        let items = [
            item(Label::Good, "en"),
            item(Label::Good, "en"),
            item(Label::Bad, "ko"),
            item(Label::Bad, "ko"),
            item(Label::Neutral, "en"),
            item(Label::Neutral, "ko"),
        ];
        let outcomes = [
            ok(Label::Good),
            ok(Label::Neutral),
            ok(Label::Bad),
            Outcome::error(ErrorKind::Timeout, "slow"),
            ok(Label::Neutral),
            ok(Label::Good),
        ];
        let r = score(&items, &outcomes);
        assert_eq!((r.items, r.correct, r.errors), (6, 3, 1));
        assert!((r.accuracy - 0.5).abs() < 1e-12);
        assert_eq!(r.error_kinds.get("timeout"), Some(&1));
        let good = &r.labels[0];
        // good: predicted twice (1 right), 2 gold (1 right).
        assert_eq!((good.predicted, good.support), (2, 2));
        assert!((good.precision - 0.5).abs() < 1e-12 && (good.recall - 0.5).abs() < 1e-12);
        let bad = &r.labels[1];
        // bad: the error row lowers recall, not precision.
        assert!((bad.precision - 1.0).abs() < 1e-12 && (bad.recall - 0.5).abs() < 1e-12);
        let neutral = &r.labels[2];
        let f1 = |p: f64, r: f64| 2.0 * p * r / (p + r);
        let want = (f1(0.5, 0.5) + f1(1.0, 0.5) + f1(neutral.precision, neutral.recall)) / 3.0;
        assert!((r.macro_f1 - want).abs() < 1e-12);
        assert_eq!(
            r.confusion[1],
            ConfusionRow {
                gold: "bad",
                good: 0,
                bad: 1,
                neutral: 0,
                error: 1
            }
        );
        assert_eq!(r.misses.len(), 3);
        assert_eq!(r.misses[1].predicted, "error");
        assert!(r.misses[1].error.as_deref().is_some_and(|e| e.starts_with("timeout: ")));
        let by_lang = r.by_lang.expect("lang breakdown");
        assert_eq!(by_lang.len(), 2);
        assert_eq!(
            (by_lang[1].value.as_str(), by_lang[1].items, by_lang[1].errors),
            ("ko", 3, 1)
        );
        assert!(r.by_kind.is_none() && r.by_category.is_none());
    }

    #[test]
    fn the_offline_analyser_end_to_end() {
        let items = parse_labelled(
            "{\"text\":\"Intel to lay off 15% of its workforce\",\"label\":\"bad\"}\n\
             {\"text\":\"Microsoft beats estimates, raises dividend 10%\",\"label\":\"good\"}\n\
             {\"text\":\"Samsung to hold its shareholder meeting on March 20\",\"label\":\"good\"}\n",
            "t",
        )
        .expect("valid");
        let mut a = Analyzer::new(crate::ProviderConfig::default()).expect("offline");
        let mut seen = Vec::new();
        let r = evaluate(&mut a, &items, &mut |n| seen.push(n));
        assert_eq!((r.items, r.correct, r.errors), (3, 2, 0));
        assert_eq!(seen.last(), Some(&3));
        assert_eq!(r.misses.len(), 1);
        assert_eq!((r.misses[0].line, r.misses[0].predicted), (3, "neutral"));
        assert_eq!(r.metrics.as_ref().map(|m| m.calls), Some(3));
    }
}
