//! The words of a contributing factor that say what it is about.
//!
//! A factor's text becomes a set of tokens: its words with their endings folded (`expiry`,
//! `expires`, `expired` and `expiration` are all `expir`), without the words that say nothing
//! about which factor it is (`the`, `never`, `team`), and for the words of a small vocabulary
//! of what goes wrong in production, the idea they stand for (`#credentials` for a key, a
//! certificate, a token or a secret). People write the same factor in different words from one
//! review to the next; the ideas are what let "the signing key was rotated by hand" and "a
//! webhook secret lapsed" meet.
//!
//! A light suffix-stripper rather than a Snowball stemmer: Porter's English stemmer keeps
//! `expiry` (`expiri`) apart from `expires` (`expir`), which is the very fold this needs.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Ideas and the words that name them. A word may stand for one idea only.
const IDEAS: &[(&str, &str)] = &[
    (
        "credentials",
        "key certificate cert token secret password credential pki ca tls ssl signing keypair",
    ),
    (
        "expiry",
        "expiry expire expiration lapse renew renewal rotate rotation",
    ),
    (
        "alerting",
        "alert alerting page paging pager alarm notify notification threshold fire",
    ),
    (
        "staged rollout",
        "canary rollout staged stage globally simultaneously everywhere",
    ),
    (
        "capacity",
        "pool connection exhausted exhaustion saturated saturation limit maxed capacity",
    ),
    ("manual work", "hand manual manually toil"),
    (
        "monitoring",
        "monitor monitored unmonitored observability dashboard visibility",
    ),
    ("configuration", "config configuration flag setting"),
    (
        "third parties",
        "vendor provider supplier upstream third-party partner",
    ),
    (
        "runbooks",
        "runbook playbook procedure documentation documented",
    ),
    ("ownership", "owner ownership owned unowned"),
    (
        "database",
        "database db postgres postgresql mysql replica primary schema migration",
    ),
    ("deploys", "deploy deployment release rollback"),
    ("dns", "dns resolver nameserver"),
    ("retries", "retry retried backoff"),
    ("queues", "queue queuing backlog"),
    ("caching", "cache caching ttl stale"),
    ("testing", "test testing tested"),
];

/// Words that say nothing about which factor it is: English filler, and words every review
/// uses whatever went wrong.
const FILLER: &str = "the and for with that this was were not but are its had has have into \
    from our all any one when than then they their there which while would could should only \
    also been being each every own nothing anyone anything nobody someone before after during \
    under over about without within once never always still just more most less much many some \
    other another same such what who whom whose where why how can cannot did does done due got \
    get gets make made use used using via per kept keep set way take took time first last next \
    two three four five six hour hours minute minutes day days week weeks year years new old \
    team teams need needs needed change changes changed incident incidents issue issues problem \
    problems service services system systems thing things people person work worked working \
    happened because since until though although able enough too very even ever yet again";

/// A factor's tokens, sorted and without repeats: folded words, and `#idea` for words of the
/// vocabulary.
pub fn tokens(text: &str) -> Vec<String> {
    let (ideas, filler) = tables();
    let mut out = Vec::new();
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-')) {
        let word = raw.trim_matches(|c| c == '\'' || c == '-').to_lowercase();
        let word = word.strip_suffix("'s").unwrap_or(&word);
        if word.is_empty() || word.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let folded = fold(word);
        if let Some(idea) = ideas.get(folded.as_str()) {
            out.push(format!("#{idea}"));
        }
        if word.chars().count() >= 3 && !filler.contains_key(word) {
            out.push(folded);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The idea a token's word stands for, if any (`expir` → `expiry`).
pub fn idea_of(token: &str) -> Option<&'static str> {
    tables().0.get(token).copied()
}

/// The ideas by folded word, and the filler words.
type Tables = (HashMap<String, &'static str>, HashMap<&'static str, ()>);

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let ideas = IDEAS
            .iter()
            .flat_map(|(idea, words)| words.split_whitespace().map(move |w| (fold(w), *idea)))
            .collect();
        let filler = FILLER.split_whitespace().map(|w| (w, ())).collect();
        (ideas, filler)
    })
}

/// A word with its ending taken off, so that forms of one word meet: `expired`, `expires`,
/// `expiry` and `expiration` are `expir`. The stem keeps at least three letters.
pub fn fold(word: &str) -> String {
    const ENDINGS: &[&str] = &[
        "ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "y", "s",
        "e",
    ];
    for ending in ENDINGS {
        if let Some(stem) = word.strip_suffix(ending)
            && stem.chars().count() >= 3
        {
            return stem.to_owned();
        }
    }
    word.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_forms_meet() {
        for w in ["expiry", "expires", "expired", "expiration", "expire"] {
            assert_eq!(fold(w), "expir", "{w}");
        }
        assert_eq!(fold("pools"), fold("pool"));
        assert_eq!(fold("staged"), fold("stage"));
        assert_eq!(fold("alerting"), fold("alerted"));
    }

    #[test]
    fn filler_goes_and_ideas_come() {
        let t = tokens("The token signing key was rotated by hand; its expiry was never monitored");
        for want in [
            "#credentials",
            "#expiry",
            "#manual work",
            "#monitoring",
            "expir",
            "hand",
        ] {
            assert!(t.contains(&want.to_owned()), "{want} in {t:?}");
        }
        for gone in ["the", "was", "never", "its"] {
            assert!(!t.contains(&gone.to_owned()), "{gone} in {t:?}");
        }
        let secret = tokens("Webhook secret for the payment provider lapsed");
        assert!(secret.contains(&"#credentials".to_owned()));
        assert!(secret.contains(&"#expiry".to_owned()));
        assert!(tokens("The alert's threshold").contains(&"#alerting".to_owned()));
        // One word, one idea: no two ideas claim the same folded word.
        let mut seen = HashMap::new();
        for (idea, words) in IDEAS {
            for w in words.split_whitespace() {
                assert_eq!(
                    seen.insert(fold(w), *idea).filter(|i| i != idea),
                    None,
                    "{w}"
                );
            }
        }
    }
}
