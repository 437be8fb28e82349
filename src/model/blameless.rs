//! The blameless-language lint.
//!
//! A postmortem that blames people teaches the room to hide things. This lint finds the phrases
//! that do it (counterfactuals, "human error", character judgements, "why didn't", blame and
//! fault, a person next to a blaming verb) and says what to write instead.
//!
//! It is tuned for precision over recall: a lint that fires on "the alert should fire within
//! 5 minutes" or "the pod failed to start" gets switched off, and then it helps nobody. So
//! "failed to" is only flagged with a person as its subject, "should have" only before a past
//! participle, and "blame" not after a negation ("no blame").

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};

/// One rule of the lint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The diagnostic code, such as `blameless/counterfactual`.
    pub code: &'static str,
    /// Completes the sentence `"<phrase>" …`.
    pub what: &'static str,
    /// What to write instead.
    pub help: &'static str,
}

const COUNTERFACTUAL: Rule = Rule {
    code: "blameless/counterfactual",
    what: "is a counterfactual: it judges the past with hindsight",
    help: "describe what happened, and what made that action make sense at the time",
};
const HUMAN_ERROR: Rule = Rule {
    code: "blameless/human-error",
    what: "ends the inquiry where it should begin",
    help: "ask what about the system made the mistake easy to make and hard to notice",
};
const CHARACTER: Rule = Rule {
    code: "blameless/character",
    what: "judges a person, not the system",
    help: "describe the conditions people worked in: workload, tooling, and the information they had",
};
const WHY_DIDNT: Rule = Rule {
    code: "blameless/why-didnt",
    what: "asks a person to justify themselves",
    help: "ask what made it hard to see or to do at the time",
};
const BLAME: Rule = Rule {
    code: "blameless/blame",
    what: "assigns blame",
    help: "name the contributing factors instead of who is at fault",
};
const PERSON: Rule = Rule {
    code: "blameless/person",
    what: "puts a person where a contributing factor belongs",
    help: "describe what the person saw and did, and what made that make sense at the time",
};

/// A phrase the lint flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: Rule,
    /// Byte range of the phrase in the linted text.
    pub range: Range<usize>,
    /// The phrase as written.
    pub phrase: String,
}

impl Hit {
    /// The diagnostic message, such as `"should have caught" is a counterfactual: …`.
    pub fn message(&self) -> String {
        format!("\"{}\" {}", self.phrase, self.rule.what)
    }
}

/// Words that name a person in this incident: handles, full names and first names.
#[derive(Debug, Clone, Default)]
pub struct People {
    names: Vec<String>,
}

impl People {
    pub fn new<'a>(handles_and_names: impl IntoIterator<Item = &'a str>) -> People {
        let mut names = Vec::new();
        for name in handles_and_names {
            let name = name.trim();
            // Very short names ("Al", "QA") collide with ordinary words; leave them out.
            if name.chars().count() >= 3 {
                names.push(name.to_owned());
            }
            if let Some(first) = name
                .split_whitespace()
                .next()
                .filter(|f| f.len() >= 3 && *f != name)
            {
                names.push(first.to_owned());
            }
        }
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names.dedup();
        People { names }
    }
}

/// The compiled lint, for one incident's people.
#[derive(Debug)]
pub struct Lint {
    /// Handles and names of this incident's people, lowercased.
    names: HashSet<String>,
}

/// Subjects that are people whatever the incident: pronouns and roles (lowercase). Not
/// "nobody" or "no one": "nobody forgot anything" clears people rather than blaming them.
const PERSON_WORDS: &[&str] = &[
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "someone",
    "somebody",
    "the team",
    "oncall",
    "on-call",
    "oncaller",
    "the oncall",
    "the on-call",
    "the engineer",
    "the developer",
    "the operator",
    "the reviewer",
    "the author",
    "the sre",
    "the dba",
    "the admin",
    "the intern",
];

/// One or two words, then a blaming verb. Whether those words name a person is decided by
/// looking them up, so the pattern is the same for every incident and compiled once.
fn person_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        insensitive(
            r"\b(?P<subject>[\w.'-]+(?:\s+[\w.'-]+)?)\s+(?:(?:had|has|have|just|simply|clearly|obviously|again|also|then)\s+)?(?:forgot|neglected|ignored|overlooked|missed|messed up|screwed up|botched|broke|failed to|did not bother|didn't bother|was careless|were careless)\b",
        )
    })
}

impl Lint {
    pub fn new(people: &People) -> Lint {
        Lint {
            names: people.names.iter().map(|n| n.to_lowercase()).collect(),
        }
    }

    fn is_person(&self, words: &str) -> bool {
        let words = words.to_lowercase();
        self.names.contains(&words) || PERSON_WORDS.contains(&words.as_str())
    }

    /// Where, in `subject` (one or two words), a person starts: the two words together, or
    /// the last one alone.
    fn person_in(&self, subject: &str) -> Option<usize> {
        if self.is_person(subject) {
            return Some(0);
        }
        let split = subject.rfind(char::is_whitespace)?;
        let (first, last) = (subject[..split].trim_end(), &subject[split + 1..]);
        if self.is_person(last) {
            return Some(split + 1);
        }
        // "Someone had missed": the second word was an auxiliary or an adverb, not a name.
        let filler = [
            "had",
            "has",
            "have",
            "just",
            "simply",
            "clearly",
            "obviously",
            "again",
            "also",
            "then",
        ];
        (filler.contains(&last.to_lowercase().as_str()) && self.is_person(first)).then_some(0)
    }

    /// Every blaming phrase in `text`, in order, without overlaps.
    pub fn check(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (rule, regex) in fixed_rules().iter().map(|(r, re)| (*r, re)) {
            for m in regex.find_iter(text) {
                if rule == BLAME && negated(&text[..m.start()]) {
                    continue;
                }
                hits.push(Hit {
                    rule,
                    range: m.range(),
                    phrase: m.as_str().to_owned(),
                });
            }
        }
        for caps in person_pattern().captures_iter(text) {
            let (Some(all), Some(subject)) = (caps.get(0), caps.name("subject")) else {
                continue;
            };
            let Some(offset) = self.person_in(subject.as_str()) else {
                continue;
            };
            let start = subject.start() + offset;
            if negated(&text[..start]) {
                continue;
            }
            hits.push(Hit {
                rule: PERSON,
                range: start..all.end(),
                phrase: text[start..all.end()].to_owned(),
            });
        }
        hits.sort_by_key(|h| (h.range.start, std::cmp::Reverse(h.range.end)));
        let mut kept: Vec<Hit> = Vec::new();
        for hit in hits {
            if kept
                .last()
                .is_none_or(|last| hit.range.start >= last.range.end)
            {
                kept.push(hit);
            }
        }
        kept
    }
}

fn insensitive(pattern: &str) -> Regex {
    // Every pattern here is a constant or built from escaped names, so it always compiles.
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .expect("lint pattern compiles")
}

fn fixed_rules() -> &'static [(Rule, Regex)] {
    static RULES: OnceLock<Vec<(Rule, Regex)>> = OnceLock::new();
    RULES.get_or_init(|| {
        vec![
            (
                COUNTERFACTUAL,
                // "should have" only before a past participle, so "should have a timeout" passes.
                insensitive(
                    r"\b(?:should(?:n't| not)?|ought(?:n't)? to)\s+(?:have|'ve)\s+(?:\w+ly\s+)?(?:been|had|known|seen|caught|done|run|gone|taken|given|read|spotted|written|thought|kept|sent|set|put|left|got|gotten|\w{3,}ed)\b|\bshould(?:n't)?'ve\b",
                ),
            ),
            (HUMAN_ERROR, insensitive(r"\b(?:human|operator)\s+(?:error|mistake|failure)s?\b")),
            (
                CHARACTER,
                insensitive(
                    r"\b(?:careless(?:ly|ness)?|negligen(?:t|tly|ce)|reckless(?:ly|ness)?|sloppy|sloppiness|incompeten(?:t|ce)|stupid(?:ity)?|idiot(?:ic)?)\b",
                ),
            ),
            (
                WHY_DIDNT,
                insensitive(
                    r"\bwhy\s+(?:didn't|did not|didnt|did no ?one|did nobody|wasn't anyone|hasn't anyone|couldn't (?:he|she|they|you|we)|wouldn't (?:he|she|they|you|we))\b",
                ),
            ),
            (
                BLAME,
                insensitive(
                    r"\bblam(?:e|ed|es|ing|eworthy)\b|\b(?:fault of|at fault|(?:his|her|their|our|my|your) fault)\b|\w's fault\b",
                ),
            ),
        ]
    })
}

/// Whether the words just before a match negate it: "no blame", "not at fault", "nobody forgot".
fn negated(before: &str) -> bool {
    let words: Vec<String> = before
        .split_whitespace()
        .rev()
        .take(3)
        .map(|w| w.to_lowercase())
        .collect();
    words.iter().any(|w| {
        matches!(
            w.as_str(),
            "no" | "not" | "without" | "never" | "nor" | "nobody" | "none"
        ) || w.ends_with("n't")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint() -> Lint {
        Lint::new(&People::new(["oncall-primary", "Sam Example", "priya"]))
    }

    fn codes(text: &str) -> Vec<&'static str> {
        lint()
            .check(text)
            .into_iter()
            .map(|h| h.rule.code)
            .collect()
    }

    #[test]
    fn flags_blaming_sentences() {
        let cases = [
            (
                "We should have caught this in staging.",
                "blameless/counterfactual",
            ),
            (
                "The reviewer should've noticed the pool size.",
                "blameless/counterfactual",
            ),
            (
                "Sam should have rolled back sooner.",
                "blameless/counterfactual",
            ),
            (
                "The deploy shouldn't have been approved.",
                "blameless/counterfactual",
            ),
            ("Root cause: human error.", "blameless/human-error"),
            ("This was an operator mistake.", "blameless/human-error"),
            ("A careless change to the config.", "blameless/character"),
            ("The rollout was negligent.", "blameless/character"),
            (
                "Why didn't anyone check the dashboard?",
                "blameless/why-didnt",
            ),
            ("Why did nobody page the DBA?", "blameless/why-didnt"),
            ("We need to find who to blame.", "blameless/blame"),
            (
                "It was the fault of the release manager.",
                "blameless/blame",
            ),
            ("This was Sam's fault.", "blameless/blame"),
            (
                "oncall-primary forgot to check the pool metrics.",
                "blameless/person",
            ),
            ("Sam ignored the alert.", "blameless/person"),
            ("Priya failed to update the runbook.", "blameless/person"),
            ("The on-call failed to escalate.", "blameless/person"),
            ("Someone had missed the warning.", "blameless/person"),
        ];
        for (text, code) in cases {
            assert_eq!(codes(text), vec![code], "{text}");
        }
    }

    #[test]
    fn leaves_neutral_sentences_alone() {
        let cases = [
            "The alert should fire within 5 minutes.",
            "The pool should have a ceiling of 200 connections.",
            "Each service should have headroom for twice the peak.",
            "The pod failed to start after the deploy.",
            "Health checks failed to reach the new replicas.",
            "This is a blameless review.",
            "We looked for contributing factors, not blame.",
            "Nobody is to blame; the runbook was out of date.",
            "Fault injection in staging would exercise this path.",
            "The kernel logged a page fault.",
            "Connections are created lazily.",
            "It could have been much worse: traffic was low.",
            "A canary would have caught the regression.",
            "Why did the pool exhaust so quickly?",
            "Sam rolled back the deploy at 14:38.",
            "oncall-primary paged the database team.",
            "The dashboard missed the spike because it samples every 5 minutes.",
            "Samples were taken every minute.",
            // Said in real review meetings: context, questions and exculpations.
            "Nobody forgot anything; the step was not in the checklist.",
            "No one ignored the page: it went to a muted channel.",
            "The retry storm failed to back off.",
            "Checkout broke when the pool ran out.",
            "The canary missed the regression because it only checks the health endpoint.",
            "Who owns the fraud-check timeout?",
            "In hindsight, a canary would have caught it.",
            "The runbook didn't say which pool to resize.",
            "The on-call engineer had been paged three times that night.",
            "We rolled back at 14:38 and errors dropped within a minute.",
        ];
        for text in cases {
            assert_eq!(codes(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn reports_the_phrase_and_where_it_is() {
        let text = "At 14:09 we should have paged the DBA.";
        let hits = lint().check(text);
        assert_eq!(hits.len(), 1);
        assert_eq!(&text[hits[0].range.clone()], "should have paged");
        assert_eq!(
            hits[0].message(),
            "\"should have paged\" is a counterfactual: it judges the past with hindsight"
        );
    }

    #[test]
    fn overlapping_rules_report_once() {
        // Both the counterfactual and the person rule could match; one finding is enough.
        assert_eq!(
            codes("Sam should have checked, he neglected it."),
            vec!["blameless/counterfactual", "blameless/person"]
        );
    }

    #[test]
    fn short_names_are_not_treated_as_people() {
        let lint = Lint::new(&People::new(["al"]));
        assert!(lint.check("The canal ignored nothing.").is_empty());
    }
}
