//! Training of the text model (`model.rs`), its reproduction check and its
//! leave-one-set-out measurement. Test-only code: the crate ships the weights, not the
//! trainer.
//!
//! The model is trained on the `tests/data/*.jsonl` files (in name order; all but
//! [`NOT_TRAINED`]) by
//! stochastic gradient descent on the softmax loss: [`EPOCHS`] passes in an order fixed
//! by a seeded xorshift shuffle, learning rate `LEARNING_RATE / (1 + epoch)`, L2 decay
//! [`L2`], each item's step scaled by `1 / sqrt(features)`; the weights of [`RUNS`] runs
//! with different shuffles are averaged. Everything is in `f64`, in a fixed order, so
//! training reproduces the committed weights exactly.
//!
//! Two kinds of feature are left out of training, so they have no weight in the table
//! and count for nothing when an item is scored (fifth round, after held-out set 4's
//! plain headlines were filled in as `bad` at −0.16 by names and number shapes):
//!
//! * names: English words that the training items never write in lower case (`Toyota`,
//!   `BMW`, `RWE's`; their unigrams and every pair they are in), and Korean char n-grams
//!   seen at least twice, and more than twice as often, in a headline's short subject
//!   (at most [`SUBJECT_CHARS`] chars before its first `,`, `…` or quote: `현대차, …`) as
//!   anywhere else. The lists come from the training items alone, so a leave-one-set-out
//!   run never learns them from the held-out set;
//! * numbers without `%` (`w0000`, `b0000 </s>`): a number's digit count says nothing
//!   about the news (`w0000` had learned `bad` from Korean `1000억원`-style amounts).
//!
//! Over held-out sets 1–4 (leave-one-set-out) this moved the blend from 530 to 536 of
//! 600 (141, 140, 132, 123 against 143, 139, 131, 117); both filters were chosen after
//! set 4's misses were read (and their settings on these four runs), so set 4's gain
//! is partly in-sample.
//!
//! * Write the weights: `cargo test -p newsflow-llm --lib -- --ignored write_model_weights`.
//! * Leave-one-set-out scores: `cargo test -p newsflow-llm --lib leave_one_set_out --
//!   --nocapture` (trains without each held-out set, scores the blend on it).
//!   With `LOSO_CHANGES=1` set it also prints every item whose label the model changed
//!   (`RIGHT`, `WRONG` or `BOTHWRONG` against the gold label).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::blend;
use super::model::{self, Probs};
use super::ngrams;
use super::text;
use super::Label;

const EPOCHS: usize = 15;
const LEARNING_RATE: f64 = 0.5;
const L2: f64 = 1e-4;

const SHUFFLE_SEED: u64 = 0x9E37_79B9_7F4A_7C15;
/// Runs with different shuffles whose weights are averaged (one run's result moves by a
/// few items of 150 with the order of the data).
const RUNS: usize = 5;

#[derive(Deserialize)]
struct Item {
    text: String,
    lang: String,
    label: String,
    #[serde(default)]
    kind: Option<String>,
}

struct Example {
    features: Vec<String>,
    class: usize,
}

fn class_of(label: &str) -> Option<usize> {
    match label {
        "good" => Some(0),
        "bad" => Some(1),
        "neutral" => Some(2),
        _ => None,
    }
}

fn data_dir() -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    format!("{dir}/tests/data")
}

/// Every labelled file, by name: `(file name, items)`.
fn load_sets() -> Result<Vec<(String, Vec<Item>)>, String> {
    let dir = data_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("read {dir}: {e}"))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jsonl"))
        .collect();
    names.sort();
    let mut sets = Vec::new();
    for name in names {
        let path = format!("{dir}/{name}");
        let data = std::fs::read_to_string(&path).map_err(|e| format!("read {path}: {e}"))?;
        let mut items = Vec::new();
        for line in data.lines().filter(|l| !l.trim().is_empty()) {
            let item: Item = serde_json::from_str(line).map_err(|e| format!("{name}: bad line {line:?}: {e}"))?;
            items.push(item);
        }
        sets.push((name, items));
    }
    Ok(sets)
}

fn examples<'a>(items: impl Iterator<Item = &'a Item>) -> Result<Vec<Example>, String> {
    let items: Vec<&Item> = items.collect();
    let texts: Vec<&str> = items
        .iter()
        .map(|i| text::clip(&i.text, model::MODEL_TEXT_BYTES))
        .collect();
    let names = name_features(&texts);
    items
        .iter()
        .zip(&texts)
        .map(|(i, t)| {
            let class = class_of(&i.label).ok_or_else(|| format!("unknown label {:?}", i.label))?;
            let mut features = ngrams::features(t);
            features.retain(|f| !names.contains(f.as_str()) && !is_bare_number(f));
            Ok(Example { features, class })
        })
        .collect()
}

/// Features that stand for names in `texts` (see the module docs), which the model is
/// not trained on.
fn name_features(texts: &[&str]) -> HashSet<String> {
    let mut out = HashSet::new();
    {
        // words never written in lower case: proper names
        let mut seen: HashMap<String, [usize; 2]> = HashMap::new();
        for t in texts {
            for w in cased_words(t) {
                let lower = w.to_lowercase();
                let capital = w.chars().next().is_some_and(|c| c.is_ascii_uppercase());
                seen.entry(lower).or_default()[usize::from(!capital)] += 1;
            }
        }
        let names: HashSet<String> = seen
            .into_iter()
            .filter(|(_, [_, low])| *low == 0)
            .map(|(w, _)| w)
            .collect();
        for t in texts {
            for f in ngrams::features(t) {
                let name = match f.strip_prefix('w') {
                    Some(w) => names.contains(w),
                    None => f
                        .strip_prefix('b')
                        .is_some_and(|b| b.split(' ').any(|w| names.contains(w))),
                };
                if name {
                    out.insert(f);
                }
            }
        }
    }
    {
        // Korean char n-grams seen at least twice, and more than twice as often, in a
        // headline's short subject (at most SUBJECT_CHARS chars before its first `,`,
        // `…` or quote: `현대차, …`) as anywhere else
        let mut counts: HashMap<String, [usize; 2]> = HashMap::new();
        for t in texts {
            let cut = t.find([',', '…', '"', '“']).unwrap_or(0);
            let cut = if t[..cut].chars().count() > SUBJECT_CHARS {
                0
            } else {
                cut
            };
            let (subject, rest) = t.split_at(cut);
            for (k, part) in [subject, rest].into_iter().enumerate() {
                for f in ngrams::features(part) {
                    if f.starts_with('2') || f.starts_with('3') {
                        counts.entry(f).or_default()[k] += 1;
                    }
                }
            }
        }
        out.extend(
            counts
                .into_iter()
                .filter(|(_, [s, r])| *s >= 2 && *s > 2 * *r)
                .map(|(f, _)| f),
        );
    }
    out
}

/// An English word or pair feature with a number without `%` in it (`w0000`, `b0000
/// </s>`): a number's digit count says nothing about the news.
fn is_bare_number(f: &str) -> bool {
    let words = match (f.strip_prefix('w'), f.strip_prefix('b')) {
        (Some(w), _) => vec![w],
        (_, Some(b)) => b.split(' ').collect(),
        _ => return false,
    };
    words.iter().any(|w| w.starts_with('0') && !w.ends_with('%'))
}

/// Longest Korean headline subject whose n-grams may count as a name's.
const SUBJECT_CHARS: usize = 6;

/// English words with their case (letters with one inner apostrophe).
fn cased_words(t: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = t.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let apostrophe = c == '\''
            && !cur.is_empty()
            && !cur.contains('\'')
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic());
        if c.is_ascii_alphabetic() || apostrophe {
            cur.push(c);
        } else if !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Trains on `data` and renders the weight table (the layout of `model_weights.bin`).
fn train(data: &[Example]) -> Result<Vec<u8>, String> {
    let mut sum: HashMap<&str, [f64; 3]> = HashMap::new();
    for run in 0..RUNS {
        let seed = SHUFFLE_SEED.wrapping_add(run as u64 * 0x2545_F491_4F6C_DD1D);
        for (f, w) in train_once(data, seed) {
            let s = sum.entry(f).or_insert([0.0; 3]);
            for k in 0..3 {
                s[k] += w[k] / RUNS as f64;
            }
        }
    }
    render(&sum)
}

/// One SGD run with the shuffle seeded by `seed`.
fn train_once(data: &[Example], seed: u64) -> HashMap<&str, [f64; 3]> {
    let mut w: HashMap<&str, [f64; 3]> = HashMap::new();
    let mut rng = XorShift(seed);
    let mut order: Vec<usize> = (0..data.len()).collect();
    for epoch in 0..EPOCHS {
        rng.shuffle(&mut order);
        let lr = LEARNING_RATE / (1.0 + epoch as f64);
        for &idx in &order {
            let ex = &data[idx];
            let mut scores = [0.0; 3];
            for f in &ex.features {
                if let Some(fw) = w.get(f.as_str()) {
                    for k in 0..3 {
                        scores[k] += fw[k];
                    }
                }
            }
            let p = model::softmax(scores);
            let scale = 1.0 / (ex.features.len().max(1) as f64).sqrt();
            for f in &ex.features {
                let fw = w.entry(f.as_str()).or_insert([0.0; 3]);
                for k in 0..3 {
                    let gold = if k == ex.class { 1.0 } else { 0.0 };
                    fw[k] -= lr * ((p[k] - gold) * scale + L2 * fw[k]);
                }
            }
        }
    }
    w
}

/// The table in the layout of `model.rs`: features hashed, sorted by hash, weights in
/// thousandths against neutral (clamped to `i16`); weights that round to at most 0.002
/// either way are left out. Two features with one hash would make one ambiguous entry:
/// that is an error (change the features or the hash).
fn render(w: &HashMap<&str, [f64; 3]>) -> Result<Vec<u8>, String> {
    let mut entries: BTreeMap<u32, (&str, i16, i16)> = BTreeMap::new();
    let milli = |v: f64| (v * 1000.0).round().clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16;
    for (f, [g, b, n]) in w {
        let (good, bad) = (milli(g - n), milli(b - n));
        if good.abs() <= 2 && bad.abs() <= 2 {
            continue;
        }
        if let Some((other, _, _)) = entries.insert(model::fnv1a(f), (f, good, bad)) {
            return Err(format!("features {other:?} and {f:?} share a hash"));
        }
    }
    let mut out = model::MAGIC.to_vec();
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for (hash, (_, good, bad)) in entries {
        out.extend_from_slice(&hash.to_le_bytes());
        out.extend_from_slice(&good.to_le_bytes());
        out.extend_from_slice(&bad.to_le_bytes());
    }
    Ok(out)
}

/// Labelled files the model is not trained on. `headlines_hard_breadth.jsonl` (hard
/// cases in new phrasings, written by the rules' author) made the leave-one-set-out
/// scores of the three held-out sets slightly worse when it was added (142, 137 and 130
/// of 150 against 143, 138 and 132 without it): bag-of-n-grams weights do not carry such
/// compositional cases from one author's phrasing to another's. It is development data
/// for the rules. `headlines_heldout_5.jsonl` was measured once after round five and is
/// kept as an untrained regression set (training on it would make its score in-sample).
const NOT_TRAINED: &[&str] = &["headlines_hard_breadth.jsonl", "headlines_heldout_5.jsonl"];

fn is_trained(file: &str) -> bool {
    !NOT_TRAINED.contains(&file)
}

fn train_all() -> Result<Vec<u8>, String> {
    let sets = load_sets()?;
    let data = examples(
        sets.iter()
            .filter(|(n, _)| is_trained(n))
            .flat_map(|(_, items)| items.iter()),
    )?;
    train(&data)
}

/// Scores of the rules as they stood when each held-out set was first measured
/// (`tests/data/heldout_rule_scores.tsv`): `(file, line index) -> score`.
fn rule_scores_at_measurement() -> Result<HashMap<(String, usize), f64>, String> {
    let path = format!("{}/heldout_rule_scores.tsv", data_dir());
    let data = std::fs::read_to_string(&path).map_err(|e| format!("read {path}: {e}"))?;
    let mut out = HashMap::new();
    for line in data.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split('\t').collect();
        let [file, index, score] = parts[..] else {
            return Err(format!("bad line {line:?}"));
        };
        let index: usize = index.parse().map_err(|e| format!("bad index in {line:?}: {e}"))?;
        let score: f64 = score.parse().map_err(|e| format!("bad score in {line:?}: {e}"))?;
        out.insert((file.to_string(), index), score);
    }
    Ok(out)
}

#[derive(Default, Clone, Copy)]
struct Tally {
    n: usize,
    correct: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.n += 1;
        self.correct += usize::from(ok);
    }
}

/// Correct items of one held-out set under the blend, by group.
struct LosoScore {
    rules: BTreeMap<String, Tally>,
    blend: BTreeMap<String, Tally>,
    model: Tally,
}

/// Scores `held` with a model trained on the files `may_train` accepts (and never on
/// `held` itself).
fn score_held_out(
    held: &str,
    rules_then: &HashMap<(String, usize), f64>,
    may_train: impl Fn(&str) -> bool,
) -> Result<LosoScore, String> {
    let sets = load_sets()?;
    let train_items = sets
        .iter()
        .filter(|(n, _)| n != held && is_trained(n) && may_train(n))
        .flat_map(|(_, items)| items.iter());
    let table = train(&examples(train_items)?)?;
    let weights = model::Weights::new(&table).ok_or("trained table is malformed")?;
    let (_, items) = sets
        .iter()
        .find(|(n, _)| n == held)
        .ok_or_else(|| format!("no set {held}"))?;
    let mut score = LosoScore {
        rules: BTreeMap::new(),
        blend: BTreeMap::new(),
        model: Tally::default(),
    };
    for (i, item) in items.iter().enumerate() {
        let gold = match item.label.as_str() {
            "good" => Label::Good,
            "bad" => Label::Bad,
            _ => Label::Neutral,
        };
        let rule_score = match rules_then.get(&(held.to_string(), i)) {
            Some(s) => *s,
            None => super::rule_analysis(&item.text).1,
        };
        let rule = Label::from_score(rule_score);
        let probs: Probs = model::probabilities_with(
            weights,
            &ngrams::features(text::clip(&item.text, model::MODEL_TEXT_BYTES)),
        );
        let blended = blend::blend(rule_score, &probs);
        let best = (0..3).fold(0, |b, k| if probs[k] > probs[b] { k } else { b });
        score.model.add(best == class_of(gold.as_str()).unwrap_or(2));
        if blended != rule && std::env::var("LOSO_CHANGES").is_ok() {
            println!(
                "  CHG {} gold={} rules={} ({:+.2}) blend={} p=[{:.2} {:.2} {:.2}] | {}",
                if blended == gold {
                    "RIGHT"
                } else if rule == gold {
                    "WRONG"
                } else {
                    "BOTHWRONG"
                },
                gold,
                rule,
                rule_score,
                blended,
                probs[0],
                probs[1],
                probs[2],
                item.text
            );
        }
        if blended != gold {
            println!(
                "  MISS gold={} rules={} blend={} p=[{:.2} {:.2} {:.2}] | {}",
                gold, rule, blended, probs[0], probs[1], probs[2], item.text
            );
        }
        let kind = item.kind.clone().unwrap_or_default();
        for group in ["all".to_string(), item.lang.clone(), kind] {
            score.rules.entry(group.clone()).or_default().add(rule == gold);
            score.blend.entry(group).or_default().add(blended == gold);
        }
    }
    Ok(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_reproduces_committed_weights() {
        let trained = train_all().unwrap_or_else(|e| panic!("{e}"));
        if trained == model::WEIGHTS_BIN {
            return;
        }
        // Another platform's `exp` may round differently in the last bit; allow that,
        // not a stale table.
        let (a, b) = (model::Weights::new(&trained), model::Weights::new(model::WEIGHTS_BIN));
        let (Some(a), Some(b)) = (a, b) else {
            panic!("a weight table is malformed");
        };
        let a: BTreeMap<u32, [i16; 2]> = a.entries().collect();
        let b: BTreeMap<u32, [i16; 2]> = b.entries().collect();
        let far = a
            .keys()
            .chain(b.keys())
            .filter(|h| {
                let (x, y) = (a.get(h).copied().unwrap_or([0, 0]), b.get(h).copied().unwrap_or([0, 0]));
                (0..2).any(|k| (i32::from(x[k]) - i32::from(y[k])).abs() > ROUNDING_SLACK)
            })
            .count();
        assert!(
            far == 0,
            "model_weights.bin is stale ({far} weights differ): regenerate it with \
             `cargo test -p newsflow-llm --lib -- --ignored write_model_weights`"
        );
    }

    /// Thousandths a reproduced weight may differ by across platforms.
    const ROUNDING_SLACK: i32 = 3;

    #[test]
    #[ignore = "writes src/offline/model_weights.bin"]
    fn write_model_weights() {
        let trained = train_all().unwrap_or_else(|e| panic!("{e}"));
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
        let path = format!("{dir}/src/offline/model_weights.bin");
        std::fs::write(&path, trained).unwrap_or_else(|e| panic!("write {path}: {e}"));
    }

    /// The labelled files in the order they were written (their first commit).
    const WRITTEN: &[&str] = &[
        "headlines.jsonl",
        "headlines_extra.jsonl",
        "headlines_hard_dev.jsonl",
        "headlines_hard_check.jsonl",
        "headlines_heldout_1.jsonl",
        "headlines_hard_dev2.jsonl",
        "headlines_hard_fresh.jsonl",
        "headlines_hard_fresh2.jsonl",
        "headlines_hard_probe.jsonl",
        "headlines_heldout_2.jsonl",
        "headlines_hard_dev3.jsonl",
        "headlines_hard_fresh3.jsonl",
        "headlines_heldout_3.jsonl",
        "headlines_hard_dev4.jsonl",
        "headlines_breadth.jsonl",
        "headlines_hard_breadth.jsonl",
        "headlines_breadth2.jsonl",
        "headlines_heldout_4.jsonl",
    ];

    /// Scores each `(held-out set, rules then, blend)` of `expected` with a model trained
    /// on the files `may_train(held, file)` accepts; returns the mismatches.
    fn check(title: &str, expected: &[(&str, usize, usize)], may_train: impl Fn(&str, &str) -> bool) -> Vec<String> {
        let rules_then = rule_scores_at_measurement().unwrap_or_else(|e| panic!("{e}"));
        let mut failures = Vec::new();
        println!("== {title}");
        for &(held, rules_correct, blend_correct) in expected {
            let s = score_held_out(held, &rules_then, |file| may_train(held, file)).unwrap_or_else(|e| panic!("{e}"));
            println!("{held}: model alone {}/{}", s.model.correct, s.model.n);
            for (group, r) in &s.rules {
                let b = s.blend[group];
                println!(
                    "  {group}: rules then {}/{} ({:.3}), blend {}/{} ({:.3})",
                    r.correct,
                    r.n,
                    r.correct as f64 / r.n as f64,
                    b.correct,
                    b.n,
                    b.correct as f64 / b.n as f64
                );
            }
            let (r, b) = (s.rules["all"].correct, s.blend["all"].correct);
            if r < rules_correct || b < blend_correct {
                failures.push(format!(
                    "{title}: {held}: rules {r} (want >= {rules_correct}), blend {b} (want >= {blend_correct})"
                ));
            }
        }
        failures
    }

    /// For each held-out set, a model trained without it, blended with the rules as they
    /// stood when the set was first measured (`heldout_rule_scores.tsv`; the fourth
    /// round's own sets with today's rules, whose fourth-round changes — `levels.rs`,
    /// `double_reversal.rs`, negation through joined phrases, more index names and verbs,
    /// short interest as a quantity, and the fifth round's supply deals and `추가 매입` —
    /// were written after those sets had been scored, so their rules' counts have grown
    /// from the first passes, 107 and 131 for the fourth development and hard breadth
    /// sets). Two trainings: on every other file (leave-one-set-out), and only on the
    /// files written before the set (what could have been known when it was measured;
    /// the stricter figure, since later sets followed earlier sets' misses by category).
    /// Held-out set 4 is scored with the rules at the start of the fifth round (112 of
    /// 150). Asserted at the measured counts (correct items for the rules and the blend;
    /// more is fine). Adding set 4 to the training data lowered the breadth set from 233
    /// to 232 and the hard breadth set from 150 to 146; the fifth round's name and number
    /// filters then moved set 1 from 143 to 141, set 2 from 139 to 140, set 3 from 131
    /// to 132, set 4 from 117 to 123, the hard breadth set back to 150 and the second
    /// breadth set from 145 to 151.
    #[test]
    fn leave_one_set_out() {
        let mut failures = check(
            "leave one set out",
            &[
                ("headlines_heldout_1.jsonl", 124, 141),
                ("headlines_heldout_2.jsonl", 126, 140),
                ("headlines_heldout_3.jsonl", 121, 132),
                ("headlines_heldout_4.jsonl", 112, 123),
                ("headlines_hard_dev4.jsonl", 115, 126),
                ("headlines_breadth.jsonl", 223, 232),
                ("headlines_hard_breadth.jsonl", 144, 150),
                ("headlines_breadth2.jsonl", 142, 151),
            ],
            |_, _| true,
        );
        let position = |f: &str| WRITTEN.iter().position(|w| *w == f).unwrap_or(usize::MAX);
        failures.extend(check(
            "only files written before the set",
            &[
                ("headlines_heldout_1.jsonl", 124, 131),
                ("headlines_heldout_2.jsonl", 126, 132),
                ("headlines_heldout_3.jsonl", 121, 128),
                ("headlines_heldout_4.jsonl", 112, 123),
            ],
            |held, file| position(file) < position(held),
        ));
        assert!(failures.is_empty(), "{failures:?}");
    }
}
