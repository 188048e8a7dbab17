//! Accuracy of the offline analyser on hand-labelled headlines.
//!
//! * `data/headlines.jsonl` (226 items) was written and labelled before the analyser
//!   existed; the lexicon was then developed alongside it, so its score is in-sample.
//! * `data/headlines_extra.jsonl` (140 items) was written in two later batches, each
//!   measured once as held-out data (first pass: 0.787 and 0.883 accuracy) before
//!   the gaps it exposed were fixed; it is kept as a regression set.
//! * `data/headlines_hard_dev.jsonl` (268 items: 133 English, 135 Korean) is a development
//!   set for the hard cases: 166 `"kind": "hard"` items (negation, actual-vs-expected
//!   numbers, good news in bad words and bad news in good words, index inclusion and
//!   removal, takeover premiums) and 102 plain ones, each with a `"category"`. It was
//!   written before the rules for those cases and measured once first:
//!   accuracy 0.616 overall (en 0.564, ko 0.667), 0.990 on plain items and 0.386 on
//!   hard ones (en 0.313, ko 0.458). The rules were then developed against it, so its
//!   score is in-sample.
//! * `data/headlines_hard_check.jsonl` (289 items: 150 English, 139 Korean; 205 hard, 84
//!   plain) was written in two batches after the rules, each measured once as held-out
//!   data before the gaps it exposed were fixed. First batch (153 items), after the
//!   rules were developed on the dev set: 0.863 (en 0.863, ko 0.863; hard 0.822, plain
//!   0.957). Second batch (136 items), after the first batch's fixes: 0.846 (en 0.829,
//!   ko 0.864; hard 0.857 — en 0.840, ko 0.875 — plain 0.816). These first-pass numbers are
//!   the best estimate of accuracy on unseen headlines of this kind; the set is now a
//!   regression set. (The analyser before these rules scores 0.509 on it, 0.351 on the
//!   hard items.)
//! * `data/headlines_heldout_1.jsonl` (150 items: 75 English, 75 Korean, half hard) was
//!   written by someone who never saw the analyser and measured once: 0.827 (hard 0.65).
//!   It then became development data for the second round of hard-case rules.
//! * `data/headlines_hard_dev2.jsonl` (157 items: 82 English, 75 Korean; 145 hard, 12
//!   plain) was written for the second round before any rule changed: first pass 0.618
//!   (en 0.659, ko 0.573; hard 0.593, plain 0.917). The second-round rules were developed
//!   against it and held-out set 1, so both scores are in-sample.
//! * `data/headlines_hard_fresh.jsonl` (84 items: 42 English, 42 Korean, half hard) was
//!   written after the second round's mechanisms were designed and scored once after
//!   they were in, before any fix for its own misses: 0.905 (en 0.952, ko 0.857; hard
//!   0.833 — en 0.905, ko 0.762 — plain 0.976). That first-pass number is the best
//!   estimate of accuracy on unseen headlines of this kind; the set is now a regression
//!   set.
//! * `data/headlines_hard_fresh2.jsonl` (82 items: 41 English, 41 Korean; 52 hard, 30
//!   plain) was written after the fresh batch's fixes and scored once before any fix of
//!   its own: 0.951 (en 0.902, ko 1.000; hard 0.923 — en 0.846, ko 1.000 — plain 1.000).
//!   Both fresh batches were written by the same hand as the rules, so these first-pass
//!   numbers are likely optimistic, Korean most of all; it is now a regression set.
//! * `data/headlines_hard_probe.jsonl` (345 items: 245 hard, 100 plain) holds variants
//!   written in nine batches to probe how far the second round's mechanisms reach, each
//!   scored once before its fixes: 0.825 (40 items, one then dropped as ambiguous), 0.675
//!   and 0.625 (40 items each, in phrasings further from the development sets:
//!   wire-style abbreviations, double reversals, rumours denied) and 0.850 (40 items,
//!   half plain: hard 0.750, plain 0.950; one ambiguous item then dropped), 0.825 and
//!   0.800 (40 items each, half plain: hard 0.750 and 0.700, plain 0.900 and 0.900; two
//!   product launches of that batch then relabelled neutral, as in the earlier sets) and
//!   1.000 (40 items, half plain), then 0.688 (32 items in wire and broker styles:
//!   `Q3 EPS $1.47 vs. $1.48 est.`, `+19% YoY`, `(QoQ 적자폭 축소)`, quotes; hard 0.625)
//!   and 0.750 (36 items, Korean market-column styles `[특징주]`, `39%↓`; hard 0.652,
//!   plain 0.923; one ambiguous item then dropped). Development
//!   data; these numbers are a warning that hard headlines phrased unlike any set here
//!   score well below the fresh batches.
//! * `data/headlines_heldout_2.jsonl` (150 items: 75 English, 75 Korean, half hard) was
//!   written by someone who never saw the analyser and measured once after the second
//!   round: 0.840 (plain 0.908, hard 0.770; en 0.867, ko 0.813). Its misses then guided
//!   the third round (by category, not by string), so its score is now in-sample.
//! * `data/headlines_hard_dev3.jsonl` (120 items: 60 English, 60 Korean, half hard) was
//!   written for the third round before any of its rules: first pass 0.725 (en 0.700, ko
//!   0.750; hard 0.617, plain 0.833). Trial endpoints, plant fires, joint ventures,
//!   routine corporate events, policies left unchanged, denied rumours, negated launches
//!   and share sales, bare `X. Consensus: Y` and `at X, versus Y a year ago` figures,
//!   index names with a word before their number, burdens enlarged, collapsed deals. The
//!   third-round rules were developed against it, so its score is in-sample.
//! * `data/headlines_hard_fresh3.jsonl` (60 items: 30 English, 30 Korean, half plain) was
//!   written after the third round's mechanisms were designed, before any fix of its own,
//!   and scored once: 0.900 (en 0.867, ko 0.933; hard 0.833 — en 0.733, ko 0.933 — plain
//!   0.967). Written by the same hand as the rules, and several items are close to the
//!   misses of held-out set 2, so that number is likely optimistic; it is now a
//!   regression set.
//! * `data/headlines_heldout_3.jsonl` (150 items: 75 English, 75 Korean, half hard) was
//!   written by someone who never saw the analyser and measured once after the third
//!   round: 0.807 (plain 0.921, hard 0.689; en 0.773, ko 0.840). With held-out sets 1
//!   (0.827 after round one) and 2 (0.840 after round two) it puts the analyser at about
//!   0.81–0.84 on unseen headlines of this kind, short of the 0.90 goal; the analyser
//!   before these rounds scored 0.627 on set 1.
//! * `data/headlines_hard_dev4.jsonl` (144 items: 75 English, 69 Korean; 51 hard, 93 plain)
//!   was written for the fourth round, after held-out set 3's misses were read, for the
//!   categories thin elsewhere: plain news without common sentiment words (supply deals,
//!   orders, approvals, departures, delays, probes, routine corporate events), rumour
//!   denials, double reversals, negations over joined phrases, unusual index and deal
//!   phrasings. The rules scored it once: 0.743 (en 0.680, ko 0.812; hard 0.667, plain
//!   0.785). It is training data for the text model.
//! * `data/headlines_breadth.jsonl` (270 items: 137 English, 133 Korean; 93 hard, 177
//!   plain) was written for the fourth round as broad training data for the text model:
//!   everyday good, bad and neutral news across sectors (results, guidance, orders,
//!   approvals, trials, recalls, suits, fines, strikes, outages, departures, ratings,
//!   capital raises, routine events) and a share of each hard category, not aimed at any
//!   set's misses. The rules scored it once: 0.819 (en 0.788, ko 0.850; hard 0.731, plain
//!   0.864), close to the held-out sets.
//! * `data/headlines_hard_breadth.jsonl` (192 items: 99 English, 93 Korean; 152 hard, 40
//!   plain) was written next, by the same hand, mostly hard cases in new phrasings
//!   (negations, figures against expectations, words of the wrong sign, index and
//!   takeover events, reversals and double reversals, denials). The rules scored it once:
//!   0.682 (hard 0.645). Training the text model on it made the held-out sets' scores
//!   slightly worse, so the model is not trained on it (`NOT_TRAINED` in
//!   `src/offline/train.rs`); it is development data for the rules. Rules and model
//!   together score 0.719 on it; with the record-level rule written after it
//!   (`src/offline/levels.rs`: `cash burn hits a record high`, `재고 사상 최고치` are bad)
//!   and two Korean quantities (`현금 소진`, `손상차손`), then the double-reversal rule
//!   (`src/offline/double_reversal.rs`: `judge denies request to dismiss lawsuit`,
//!   `소송 각하 결정 뒤집어` are bad) with `뒤집어`/`번복`/`파기` as Korean reversals, the
//!   rules score 0.734 and rules plus model 0.776 (in-sample for the rules). The same two
//!   rules lift the fourth development set's rules from 0.743 to 0.764; no other set's
//!   score (rules plus model) changes except the probe set's (0.994 → 0.997: its
//!   documented double-reversal miss). Negators reaching through joined phrases
//!   (`src/offline/scope.rs`: `흑자 전환·배당 재개 어려워`, `no layoffs or plant
//!   closures`) then lift the fourth development set's rules to 0.785 and change no other
//!   set. More index names and verbs (`selected for Nikkei 225`, `demoted from DAX`,
//!   `loses its spot in the FTSE 100`, `falls out of MDAX`; taken from held-out set 3's
//!   misses) change no set's score but set 3's in-sample one. Short interest as a
//!   quantity where more is worse (`short interest falls`, `공매도 잔고 급감`: good; also
//!   from a set 3 miss) lifts the rules on the fourth development set to 0.792, the
//!   breadth set to 0.826 and the hard breadth set to 0.745 (rules plus model 0.781).
//! * `data/headlines_breadth2.jsonl` (168 plain items: 84 English, 84 Korean) is a second
//!   batch of broad training data in wire and Korean market-column styles (`[특징주]`),
//!   again not aimed at any set's misses. The rules scored it once: 0.833 (en 0.810, ko
//!   0.857); the text model trained without it lifts that to 0.863.
//! * `data/headlines_heldout_4.jsonl` (150 items: 75 English, 75 Korean, half hard) was
//!   written by someone who never saw the analyser and measured once after the fourth
//!   round (rules and text model): 0.780 (plain 0.882, hard 0.676; en 0.787, ko 0.773).
//!   The third round's analyser (rules only) scored 0.753 on it (plain 0.882, hard
//!   0.622) and the fourth round's rules alone 0.747, so the text model added +0.027
//!   where the leave-one-set-out runs below had promised about +0.09. Many of its misses
//!   were plain, sentiment-free headlines (`Toyota to supply hydrogen fuel-cell systems
//!   to BMW through 2030`, `셀트리온, 자사주 1000억원 추가 매입 결정`) that the model
//!   filled in as `bad`. It is now development data for the fifth round (and training
//!   data for the model); the rules' scores when it was measured are frozen in
//!   `data/heldout_rule_scores.tsv`.
//! * `data/headlines_heldout_5.jsonl` (150 items: 75 English, 75 Korean, half hard) was
//!   written with set 4, by the same writer, who never saw the analyser, and kept unseen
//!   until the fifth round ended; measured once then: 0.780 (plain 0.961, hard 0.595; en
//!   0.760, ko 0.800). The fourth round's analyser also scored 0.780 on it and the third
//!   round's (rules only) 0.720: the text model adds about six points on unseen sets of
//!   this writer, round five nothing measurable. With sets 1–4 this puts the offline
//!   analyser at 0.78–0.84 on unseen headlines, short of the 0.90 goal; the hard half
//!   (0.60–0.77) is what holds it back. Not trained on; it may not drop below 117.
//!
//! ## Round four: a learned text model
//!
//! Three rounds of hand rules each scored 0.90–0.95 on their own development data but
//! 0.81–0.84 on the next held-out set. The fourth round adds a logistic-regression text
//! model (`src/offline/model.rs`, `ngrams.rs`, `blend.rs`), trained on every file here
//! (`src/offline/train.rs`), which fills in a label where the rules find no cue and
//! overrules weak rule verdicts when it is very sure. Because the model is trained on
//! these files, every score below is now in-sample (most sets read 1.000). The honest
//! figures are the leave-one-set-out ones of `train.rs` (`leave_one_set_out`): a model
//! trained without each held-out set, blended with the rules as they stood when the set
//! was first measured (`data/heldout_rule_scores.tsv` holds those rules' scores, so the
//! fourth round's rule changes, some made after held-out set 3's misses were read, do
//! not flatter these figures):
//!
//! | held-out set | rules then | rules + model | en | ko | plain | hard |
//! |---|---|---|---|---|---|---|
//! | 1 | 0.827 | 0.953 | 0.840 → 0.960 | 0.813 → 0.947 | 1.000 → 1.000 | 0.649 → 0.905 |
//! | 2 | 0.840 | 0.913 | 0.867 → 0.907 | 0.813 → 0.920 | 0.908 → 0.961 | 0.770 → 0.865 |
//! | 3 | 0.807 | 0.873 | 0.773 → 0.880 | 0.840 → 0.867 | 0.921 → 1.000 | 0.689 → 0.743 |
//! | dev4 | 0.743 | 0.833 | 0.680 → 0.800 | 0.812 → 0.870 | 0.785 → 0.903 | 0.667 → 0.706 |
//! | breadth | 0.819 | 0.852 | 0.788 → 0.825 | 0.850 → 0.880 | 0.864 → 0.910 | 0.731 → 0.742 |
//! | hard breadth | 0.682 | 0.734 | 0.697 → 0.737 | 0.667 → 0.731 | 0.825 → 0.925 | 0.645 → 0.684 |
//! | breadth2 | 0.833 | 0.863 | 0.810 → 0.857 | 0.857 → 0.869 | 0.833 → 0.863 | — |
//!
//! Over the three held-out sets: 0.824 → 0.913 (en 0.827 → 0.916, ko 0.822 → 0.911;
//! plain 0.943 → 0.987, hard 0.703 → 0.838). That is optimistic: the blend's three
//! thresholds were chosen on these runs (chosen on two sets and scored on the third they
//! gave 0.887 in the first prototype), and the sets written after a held-out set followed
//! its misses by category, which flatters set 1 most; the fourth round's own sets were
//! written after held-out set 3's misses had been read. The stricter run trains only on
//! the files written before each set (what could have been known when it was measured):
//!
//! | held-out set | rules then | rules + model, earlier files only |
//! |---|---|---|
//! | 1 (923 training items) | 0.827 | 0.867 |
//! | 2 | 0.840 | 0.867 |
//! | 3 | 0.807 | 0.840 |
//!
//! 0.824 → 0.858 over the three sets. Set 3, which today's rules never saw, is the
//! plainest single estimate: 0.840 (earlier files only) to 0.873 (all other files). The
//! model lifts plain news most (set 3: 0.921 → 1.000); hard cases stay the weak spot
//! (0.743), and the gain from more data of the rules' author's own writing is shrinking
//! (the second breadth batch moved the held-out sets by one item, down).
//!
//! ## Round five: names and numbers out of the text model
//!
//! Held-out set 4 (0.780 measured, against the 0.87–0.95 the table above had promised)
//! showed the model filling in plain headlines the rules called neutral with `bad` by
//! the company they named (`Toyota`, `BMW`, `Siemens`, `현대차`, `셀트리온`) and by the
//! shape of a number (`w0000`: Korean `1000억원`, `6000원`, or a year). The trainer now
//! leaves out names (English words the training items never write in lower case;
//! Korean n-grams mostly seen in a headline's short subject) and numbers without `%`
//! (`src/offline/train.rs`), so they weigh nothing. Leave-one-set-out, with set 4 in the
//! training data of the other runs and each set scored with the rules as they stood when
//! it was measured:
//!
//! | held-out set | rules then | before | after | en | ko | plain | hard |
//! |---|---|---|---|---|---|---|---|
//! | 1 | 0.827 | 0.953 | 0.940 | 0.960 → 0.933 | 0.947 → 0.947 | 1.000 → 1.000 | 0.905 → 0.878 |
//! | 2 | 0.840 | 0.927 | 0.933 | 0.907 → 0.933 | 0.947 → 0.933 | 0.987 → 0.987 | 0.865 → 0.878 |
//! | 3 | 0.807 | 0.873 | 0.880 | 0.880 → 0.880 | 0.867 → 0.880 | 1.000 → 0.987 | 0.743 → 0.770 |
//! | 4 | 0.747 | 0.780 | 0.820 | 0.787 → 0.840 | 0.773 → 0.800 | 0.882 → 0.908 | 0.676 → 0.730 |
//! | dev4 | 0.792 | 0.875 | 0.875 | | | | |
//! | breadth | 0.826 | 0.859 | 0.859 | | | | |
//! | hard breadth | 0.745 | 0.760 | 0.781 | | | | |
//! | breadth2 | 0.833 | 0.863 | 0.899 | | | | |
//!
//! 530 → 536 of 600 over the four held-out sets. The change was chosen after reading set
//! 4's misses and its settings (subject length, counts) on these four runs, so set 4's
//! 0.820 is partly in-sample and the four-set gain of one item in a hundred is within
//! what such settings move by; held-out set 5 is the real measure. Trained only on the
//! files written before each set: 0.873, 0.880, 0.853 and 0.820 (before: 0.867, 0.867,
//! 0.840, 0.780). The blend's thresholds are unchanged: raising the fill-in threshold or
//! the overrule threshold, or stronger L2 decay, moved the four sets by at most ±2 items
//! together. Two lexicon entries followed: supply deals written as the supplier's
//! plan (`X to supply fuel-cell systems to Y`, `supply agreement`; not `to deliver`,
//! which also delivers keynotes) and `추가 매입` (`자사주 1000억원 추가 매입`, where the
//! amount splits `자사주 매입`). They lift the rules alone on the fourth development set
//! from 114 to 115, the hard breadth set from 143 to 144, the second breadth set from 140
//! to 142 and held-out set 4 (in-sample) from 112 to 114, and change no other set; the
//! blends' leave-one-set-out counts do not change (the model already filled these in). Still missed in set 4: rumour denials (`Peloton denies report it is exploring
//! a sale`, `한샘, 매각설 부인`), reversals within a day (`gives up post-earnings jump,
//! closes down 6%`), results merely matching forecasts, small recalls, and the model still
//! overruling rule verdicts it is sure of (`현대차, 기말배당 주당 6000원으로 확대`: bad at
//! 0.99 from `배당`-and-`확대` n-grams).
use std::collections::BTreeMap;

use newsflow_llm::{analyze, Label};
use serde::Deserialize;

#[derive(Deserialize)]
struct Item {
    text: String,
    lang: String,
    label: String,
    /// `"plain"` or `"hard"` (hard-case sets only).
    #[serde(default)]
    kind: Option<String>,
    /// What makes the item hard, or its topic (hard-case sets only).
    #[serde(default)]
    category: Option<String>,
}

fn parse_label(s: &str) -> Label {
    match s {
        "good" => Label::Good,
        "bad" => Label::Bad,
        "neutral" => Label::Neutral,
        other => panic!("unknown label {other:?}"),
    }
}

const LABELS: [&str; 3] = ["good", "bad", "neutral"];

#[derive(Default)]
struct Stats {
    n: usize,
    correct: usize,
    /// (gold, predicted) -> count
    confusion: BTreeMap<(&'static str, &'static str), usize>,
}

impl Stats {
    fn add(&mut self, gold: Label, pred: Label) {
        self.n += 1;
        if gold == pred {
            self.correct += 1;
        }
        *self.confusion.entry((gold.as_str(), pred.as_str())).or_default() += 1;
    }

    fn accuracy(&self) -> f64 {
        self.correct as f64 / self.n.max(1) as f64
    }

    fn count(&self, gold: &str, pred: &str) -> f64 {
        self.confusion.get(&(gold, pred)).copied().unwrap_or(0) as f64
    }

    /// Unweighted mean of the per-label F1 scores.
    fn macro_f1(&self) -> f64 {
        let mut sum = 0.0;
        for l in LABELS {
            let tp = self.count(l, l);
            let fp: f64 = LABELS.iter().filter(|o| **o != l).map(|o| self.count(o, l)).sum();
            let fn_: f64 = LABELS.iter().filter(|o| **o != l).map(|o| self.count(l, o)).sum();
            let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
            let r = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
            sum += if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        }
        sum / LABELS.len() as f64
    }
}

fn load(file: &str) -> Vec<Item> {
    let path = format!("{}/tests/data/{file}", manifest_dir());
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    data.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

/// Per-group results of one run over a labelled file.
struct Report {
    all: Stats,
    by_lang: BTreeMap<String, Stats>,
    /// Keyed by `(lang, kind)`; only items with a `kind` are counted.
    by_lang_kind: BTreeMap<(String, String), Stats>,
}

fn print_stats(indent: &str, name: &str, s: &Stats) {
    println!(
        "{indent}{name}: n={} accuracy={:.3} macro-F1={:.3}",
        s.n,
        s.accuracy(),
        s.macro_f1()
    );
}

fn evaluate(name: &str, items: &[Item]) -> Report {
    let mut all = Stats::default();
    let mut by_lang: BTreeMap<String, Stats> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, Stats> = BTreeMap::new();
    let mut by_lang_kind: BTreeMap<(String, String), Stats> = BTreeMap::new();
    let mut by_category: BTreeMap<String, Stats> = BTreeMap::new();
    for item in items {
        let gold = parse_label(&item.label);
        let got = analyze(&item.text);
        all.add(gold, got.label);
        by_lang.entry(item.lang.clone()).or_default().add(gold, got.label);
        if let Some(kind) = &item.kind {
            by_kind.entry(kind.clone()).or_default().add(gold, got.label);
            by_lang_kind
                .entry((item.lang.clone(), kind.clone()))
                .or_default()
                .add(gold, got.label);
        }
        if let Some(category) = &item.category {
            by_category.entry(category.clone()).or_default().add(gold, got.label);
        }
        if gold != got.label {
            println!(
                "MISS [{}{}] gold={} got={} score={:+.3} | {}",
                item.lang,
                item.category.as_deref().map(|c| format!("/{c}")).unwrap_or_default(),
                item.label,
                got.label,
                got.score,
                item.text
            );
        }
    }
    print_stats("", name, &all);
    for (lang, s) in &by_lang {
        print_stats("  ", lang, s);
    }
    for (kind, s) in &by_kind {
        print_stats("  ", kind, s);
    }
    for ((lang, kind), s) in &by_lang_kind {
        print_stats("  ", &format!("{lang}/{kind}"), s);
    }
    for (category, s) in &by_category {
        print_stats("    ", category, s);
    }
    println!("  confusion (gold, predicted): {:?}", all.confusion);
    Report {
        all,
        by_lang,
        by_lang_kind,
    }
}

/// Accuracy of the existing sets before the hard-case rules (branch point); they must not
/// drop below it.
const HEADLINES_BEFORE: f64 = 1.000;
const EXTRA_BEFORE: f64 = 138.0 / 140.0;

/// Correct items of each set at the start of the second round of hard-case rules (branch
/// point); no set may drop below them.
const BRANCH_POINT: &[(&str, usize, usize)] = &[
    ("headlines.jsonl", 226, 226),
    ("headlines_extra.jsonl", 140, 140),
    ("headlines_hard_dev.jsonl", 268, 268),
    ("headlines_hard_check.jsonl", 286, 289),
    ("headlines_heldout_1.jsonl", 124, 150),
    ("headlines_hard_dev2.jsonl", 97, 157),
];

/// Asserts that `name` has not dropped below its branch-point count, printing both.
fn assert_not_below_branch_point(name: &str, stats: &Stats) {
    let Some(&(_, correct, n)) = BRANCH_POINT.iter().find(|(f, _, _)| *f == name) else {
        return;
    };
    println!(
        "{name}: at the branch point {correct}/{n} ({:.3}), now {}/{} ({:.3})",
        correct as f64 / n as f64,
        stats.correct,
        stats.n,
        stats.accuracy()
    );
    assert_eq!(stats.n, n, "{name}: item count changed");
    assert!(
        stats.correct >= correct,
        "{name}: {} correct, below the {correct} at the branch point",
        stats.correct
    );
}

/// Targets on the hard-case sets.
const HARD_SET_MIN_ACCURACY: f64 = 0.90;
const HARD_SET_MIN_HARD_PER_LANGUAGE: f64 = 0.85;

fn assert_not_below(name: &str, stats: &Stats, before: f64) {
    println!(
        "{name}: accuracy before the hard-case rules {before:.3}, now {:.3}",
        stats.accuracy()
    );
    // compare counts, not floats: a set at 1.000 must stay at 1.000
    let needed = (before * stats.n as f64 - 1e-9).ceil() as usize;
    assert!(
        stats.correct >= needed,
        "{name}: {} of {} correct, below the {needed} before the hard-case rules",
        stats.correct,
        stats.n
    );
}

fn assert_hard_set(name: &str, report: &Report) {
    assert_not_below_branch_point(name, &report.all);
    let acc = report.all.accuracy();
    assert!(
        acc >= HARD_SET_MIN_ACCURACY,
        "{name}: accuracy {acc:.3} below {HARD_SET_MIN_ACCURACY}"
    );
    for lang in report.by_lang.keys() {
        let hard = report
            .by_lang_kind
            .get(&(lang.clone(), "hard".to_string()))
            .unwrap_or_else(|| panic!("{name}: no hard {lang} items"));
        assert!(
            hard.accuracy() >= HARD_SET_MIN_HARD_PER_LANGUAGE,
            "{name}: {lang} hard accuracy {:.3} below {HARD_SET_MIN_HARD_PER_LANGUAGE}",
            hard.accuracy()
        );
    }
}

#[test]
fn labelled_set_accuracy() {
    let items = load("headlines.jsonl");
    assert!(items.len() >= 200, "need at least 200 items, have {}", items.len());
    let stats = evaluate("headlines.jsonl", &items).all;
    assert!(stats.accuracy() >= 0.75, "accuracy {:.3} below 0.75", stats.accuracy());
    assert_not_below("headlines.jsonl", &stats, HEADLINES_BEFORE);
    assert_not_below_branch_point("headlines.jsonl", &stats);
}

#[test]
fn extra_set_accuracy() {
    let items = load("headlines_extra.jsonl");
    let stats = evaluate("headlines_extra.jsonl", &items).all;
    assert!(stats.accuracy() >= 0.75, "accuracy {:.3} below 0.75", stats.accuracy());
    assert_not_below("headlines_extra.jsonl", &stats, EXTRA_BEFORE);
    assert_not_below_branch_point("headlines_extra.jsonl", &stats);
}

#[test]
fn hard_dev_set_accuracy() {
    let items = load("headlines_hard_dev.jsonl");
    assert!(items.len() >= 200, "need at least 200 items, have {}", items.len());
    assert!(items.iter().all(|i| i.kind.is_some() && i.category.is_some()));
    let report = evaluate("headlines_hard_dev.jsonl", &items);
    assert_hard_set("headlines_hard_dev.jsonl", &report);
}

#[test]
fn hard_check_set_accuracy() {
    let items = load("headlines_hard_check.jsonl");
    assert!(items.iter().all(|i| i.kind.is_some() && i.category.is_some()));
    let report = evaluate("headlines_hard_check.jsonl", &items);
    assert_hard_set("headlines_hard_check.jsonl", &report);
}

#[test]
fn heldout_1_set_accuracy() {
    let items = load("headlines_heldout_1.jsonl");
    assert!(items.iter().all(|i| i.kind.is_some() && i.category.is_some()));
    let report = evaluate("headlines_heldout_1.jsonl", &items);
    assert_hard_set("headlines_heldout_1.jsonl", &report);
}

#[test]
fn hard_dev2_set_accuracy() {
    let items = load("headlines_hard_dev2.jsonl");
    assert!(items.len() >= 150, "need at least 150 items, have {}", items.len());
    assert!(items.iter().all(|i| i.kind.is_some() && i.category.is_some()));
    let report = evaluate("headlines_hard_dev2.jsonl", &items);
    assert_hard_set("headlines_hard_dev2.jsonl", &report);
}

#[test]
fn hard_fresh_set_accuracy() {
    let items = load("headlines_hard_fresh.jsonl");
    assert!(items.len() >= 80, "need at least 80 items, have {}", items.len());
    assert!(items.iter().all(|i| i.kind.is_some() && i.category.is_some()));
    let report = evaluate("headlines_hard_fresh.jsonl", &items);
    assert_hard_set("headlines_hard_fresh.jsonl", &report);
}

#[test]
fn hard_fresh2_set_accuracy() {
    let items = load("headlines_hard_fresh2.jsonl");
    assert!(items.len() >= 80, "need at least 80 items, have {}", items.len());
    assert!(items.iter().all(|i| i.kind.is_some() && i.category.is_some()));
    let report = evaluate("headlines_hard_fresh2.jsonl", &items);
    assert_hard_set("headlines_hard_fresh2.jsonl", &report);
}

#[test]
fn hard_dev3_set_accuracy() {
    let items = load("headlines_hard_dev3.jsonl");
    assert!(items.len() >= 120, "need at least 120 items, have {}", items.len());
    assert!(items.iter().all(|i| i.kind.is_some() && i.category.is_some()));
    let report = evaluate("headlines_hard_dev3.jsonl", &items);
    assert_hard_set("headlines_hard_dev3.jsonl", &report);
}

#[test]
fn hard_fresh3_set_accuracy() {
    let items = load("headlines_hard_fresh3.jsonl");
    assert!(items.len() >= 60, "need at least 60 items, have {}", items.len());
    assert!(items.iter().all(|i| i.kind.is_some() && i.category.is_some()));
    let report = evaluate("headlines_hard_fresh3.jsonl", &items);
    assert_hard_set("headlines_hard_fresh3.jsonl", &report);
}

/// Correct items of each set at the start of the third round of rules; no set may drop
/// below them.
const ROUND_THREE_START: &[(&str, usize, usize)] = &[
    ("headlines.jsonl", 226, 226),
    ("headlines_extra.jsonl", 140, 140),
    ("headlines_hard_dev.jsonl", 268, 268),
    ("headlines_hard_check.jsonl", 287, 289),
    ("headlines_heldout_1.jsonl", 149, 150),
    ("headlines_hard_dev2.jsonl", 154, 157),
    ("headlines_hard_fresh.jsonl", 84, 84),
    ("headlines_hard_fresh2.jsonl", 82, 82),
    ("headlines_hard_probe.jsonl", 330, 345),
    ("headlines_heldout_2.jsonl", 126, 150),
];

#[test]
fn no_set_below_round_three_start() {
    let mut below = Vec::new();
    for &(name, correct, n) in ROUND_THREE_START {
        let items = load(name);
        let stats = evaluate(name, &items).all;
        println!(
            "{name}: at the start of round three {correct}/{n} ({:.3}), now {}/{} ({:.3})",
            correct as f64 / n as f64,
            stats.correct,
            stats.n,
            stats.accuracy()
        );
        if stats.n != n || stats.correct < correct {
            below.push(format!("{name}: {}/{} against {correct}/{n}", stats.correct, stats.n));
        }
    }
    assert!(below.is_empty(), "below the start of round three: {below:?}");
}

/// Held-out set 3, written by someone who never saw the analyser and measured once after
/// the third round: 121 of 150 (0.807; plain 0.921, hard 0.689; en 0.773, ko 0.840). The
/// best estimate of accuracy on unseen headlines of this kind (half hard); the goal is
/// 0.90. It may not drop below its measured score.
#[test]
fn heldout_3_set_accuracy() {
    let items = load("headlines_heldout_3.jsonl");
    let report = evaluate("headlines_heldout_3.jsonl", &items);
    assert_eq!(report.all.n, 150);
    assert!(
        report.all.correct >= 121,
        "held-out set 3: {}/150, below its measured 121",
        report.all.correct
    );
}

/// Sets measured since round four, each with its size and the floor it may not drop
/// below (all labelled with `kind` and `category`):
///
/// * held-out set 4, written by someone who never saw the analyser and measured once
///   after the fourth round: 117 of 150 (0.780; plain 0.882, hard 0.676; en 0.787, ko
///   0.773); now development data and training data of the text model (in-sample);
/// * held-out set 5, kept unseen until the fifth round ended and measured once then:
///   117 of 150 (0.780; plain 0.961, hard 0.595; en 0.760, ko 0.800); not trained on;
/// * the broad training sets of the text model (in-sample), at their score when the
///   model was trained on them: 261 of 270 (262 since the short-interest rule) and
///   167 of 168;
/// * hard cases in new phrasings, not trained on (see the header): 150 of 192 with the
///   committed model (146 once held-out set 4 joined the training data, 150 again with
///   names and bare numbers left out of training);
/// * the fourth round's development set (training data, in-sample): 139 of 144.
const ROUND_FOUR_FLOORS: &[(&str, usize, usize)] = &[
    ("headlines_heldout_4.jsonl", 150, 117),
    ("headlines_heldout_5.jsonl", 150, 117),
    ("headlines_breadth.jsonl", 270, 262),
    ("headlines_breadth2.jsonl", 168, 167),
    ("headlines_hard_breadth.jsonl", 192, 150),
    ("headlines_hard_dev4.jsonl", 144, 139),
];

#[test]
fn no_set_below_its_round_four_floor() {
    let mut below = Vec::new();
    for &(name, size, floor) in ROUND_FOUR_FLOORS {
        let items = load(name);
        assert_eq!(items.len(), size, "{name}");
        assert!(
            items.iter().all(|i| i.kind.is_some() && i.category.is_some()),
            "{name}: an item without kind or category"
        );
        let report = evaluate(name, &items);
        if report.all.correct < floor {
            below.push(format!("{name}: {}/{size}, below {floor}", report.all.correct));
        }
    }
    assert!(below.is_empty(), "{}", below.join("; "));
}

/// Variants of the second round's hard cases, written to probe how far its mechanisms
/// reach; development data, not an estimate. Its known misses are double reversals
/// (`judge denies request to dismiss suit`), denied rumours without a bad word or behind
/// quotes (`매각설 사실 아니다`, `보류설 "사실 아냐"`) and negations over joined phrases
/// (`유상증자·자산 매각 검토 안 해`).
#[test]
fn hard_probe_set_accuracy() {
    let items = load("headlines_hard_probe.jsonl");
    let report = evaluate("headlines_hard_probe.jsonl", &items);
    let acc = report.all.accuracy();
    assert!(
        acc >= HARD_SET_MIN_ACCURACY,
        "probe accuracy {acc:.3} below {HARD_SET_MIN_ACCURACY}"
    );
}

/// The crate's directory, read when the test runs: a test binary reused from a build in
/// another checkout (CI shares one target directory) must not look in that checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}

/// Speed of the offline analyser (rules and text model) over every labelled headline, five
/// passes: `cargo test -p newsflow-llm --release --test labelled_set -- --ignored
/// --nocapture analyser_speed` (BENCHMARKS.md). Asserts nothing about time.
#[test]
#[ignore]
fn analyser_speed() {
    let dir = format!("{}/tests/data", manifest_dir());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("list {dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".jsonl"))
        .collect();
    names.sort();
    let texts: Vec<String> = names.iter().flat_map(|n| load(n)).map(|i| i.text).collect();
    let start = std::time::Instant::now();
    let mut labels = 0usize;
    for _ in 0..5 {
        for t in &texts {
            labels += usize::from(analyze(t).label != Label::Neutral);
        }
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / (5 * texts.len()) as f64;
    println!(
        "offline analyser: {} headlines x 5 in {:.2?}: {per:.1} µs per headline ({labels} non-neutral labels)",
        texts.len(),
        start.elapsed()
    );
}
