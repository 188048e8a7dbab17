//! How the rules' label and the text model's probabilities (`model.rs`) make the final
//! label.
//!
//! The rules are precise when they find a cue and silent when a headline has no
//! sentiment word (`X to supply batteries to Y through 2030`, `Zalando demoted from DAX
//! to MDAX`); the text model has learned such plain news from the labelled sets but is
//! less precise. So:
//!
//! * the rules said `neutral`: the model's likelier polar class wins when its
//!   probability is above [`FILL_IN`];
//! * the rules said good (bad) with a score below [`FIRM`] in size: the model overrules
//!   them with bad (good) only when it is surer than [`OVERRULE`], and with neutral only
//!   when surer than [`NEUTRALISE`]; a firmer rule score always stands (the model has no
//!   notion of which company a word is about and leans on names: `Nvidia` is mostly
//!   good news in the data).
//!
//! The three thresholds were picked on leave-one-set-out runs of a first prototype of the
//! model (each held-out set scored by a model trained without it, against the rules as
//! they stood when the set was first measured); picking them on two sets and scoring the
//! third gave the same values for sets 2 and 3. [`FIRM`] keeps `Nvidia cut to
//! underperform … price target lowered to $90 from $120` bad. With today's rules (held-out
//! set 3 and the fourth round's sets) overruling changes almost nothing either way; it
//! mattered with the first round's rules.

use super::model::Probs;
use super::Label;

/// Above this, the model's polar class replaces the rules' `neutral`.
pub(crate) const FILL_IN: f64 = 0.55;
/// Above this, the model's opposite polar class replaces the rules' label.
pub(crate) const OVERRULE: f64 = 0.90;
/// Above this, the model's `neutral` replaces the rules' polar label.
pub(crate) const NEUTRALISE: f64 = 0.80;
/// Rule scores at least this far from 0 are never overruled.
pub(crate) const FIRM: f64 = 0.70;

/// The final label from the rules' score (in `[-1, 1]`) and the model's `[good, bad,
/// neutral]` probabilities.
pub(crate) fn blend(rule_score: f64, p: &Probs) -> Label {
    let [good, bad, neutral] = *p;
    match Label::from_score(rule_score) {
        polar if rule_score.abs() >= FIRM => polar,
        Label::Neutral if good >= bad && good > FILL_IN => Label::Good,
        Label::Neutral if bad > good && bad > FILL_IN => Label::Bad,
        Label::Neutral => Label::Neutral,
        Label::Good if bad > OVERRULE => Label::Bad,
        Label::Bad if good > OVERRULE => Label::Good,
        _ if neutral > NEUTRALISE => Label::Neutral,
        polar => polar,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        assert_eq!(blend(0.0, &[0.6, 0.1, 0.3]), Label::Good);
        assert_eq!(blend(0.1, &[0.1, 0.6, 0.3]), Label::Bad);
        assert_eq!(blend(-0.1, &[0.5, 0.2, 0.3]), Label::Neutral);
        assert_eq!(blend(0.5, &[0.05, 0.85, 0.1]), Label::Good);
        assert_eq!(blend(0.5, &[0.02, 0.95, 0.03]), Label::Bad);
        assert_eq!(blend(0.9, &[0.02, 0.95, 0.03]), Label::Good);
        assert_eq!(blend(-0.5, &[0.95, 0.02, 0.03]), Label::Good);
        assert_eq!(blend(-0.5, &[0.05, 0.1, 0.85]), Label::Neutral);
        assert_eq!(blend(-0.5, &[0.1, 0.15, 0.75]), Label::Bad);
        assert_eq!(blend(-0.75, &[0.05, 0.05, 0.9]), Label::Bad);
        assert_eq!(blend(-0.75, &[0.95, 0.02, 0.03]), Label::Bad);
    }
}
