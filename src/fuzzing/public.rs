//! The public build's promise, fuzzed: text with names, secrets, host names and addresses
//! planted in disguises (line breaks, markup, entities, case, look-alike letters, inside URLs and
//! assignments) goes through a public build of the whole site, in memory; no plant may
//! survive in any file or file name. The check here is independent of the redactor: it looks
//! for each plant's secret part as written, and for names however they are spelled.

use std::path::Path;

use crate::model::config::PublicRules;
use crate::model::{Config, Incident, LoadedIncident};

/// A person in `[[people]]`, a name typed in the meeting, a customer.
const PERSON: (&str, &str) = ("Samantha", "Quillfeather");
const TYPED: (&str, &str) = ("Dorotea", "Whitfield");
const CUSTOMER: (&str, &str) = ("Globex", "Industries");

/// The secret part of each secret plant: what must not survive.
const VALUE: &str = "Zq8vR2mK9xL4";
const TOKEN: &str = "Zq8vR2mK9xL4bT7nW3pY5sD6";

/// One plant: what (`kind`), how it is disguised (`disguise`) and in which text (`field`).
#[derive(Debug, Clone, Copy)]
pub struct Plant {
    pub kind: u8,
    pub disguise: u8,
    pub field: u8,
}

/// A two-word name written the way people write it.
fn disguised_name((first, last): (&str, &str), disguise: u8) -> String {
    let sep = ["\n", "&nbsp;", "  ", " ", "\u{a0}", "\t"][usize::from(disguise % 6)];
    let (first, last) = match (disguise / 6) % 5 {
        0 => (first.to_owned(), last.to_owned()),
        1 => (first.to_uppercase(), last.to_uppercase()),
        2 => (first.replace('a', "\u{430}"), last.replace('e', "\u{435}")),
        3 => (format!("**{first}**"), format!("_{last}_")),
        _ => (format!("<b>{first}</b>"), format!("<i>{last}</i>")),
    };
    if disguise / 30 % 3 == 1 {
        // The first name alone.
        return first;
    }
    if disguise / 30 % 3 == 2 {
        return last;
    }
    format!("{first}{sep}{last}")
}

fn plant_text(p: Plant) -> String {
    let d = p.disguise;
    match p.kind % 11 {
        0 => disguised_name(PERSON, d),
        1 => disguised_name(TYPED, d),
        2 => disguised_name(CUSTOMER, d % 30),
        3 => {
            let prefix = ["", "PG", "DB_", "MYSQL_ROOT_", "x-", "app."][usize::from(d % 6)];
            let key =
                ["PASSWORD", "password", "Secret", "TOKEN", "api_key"][usize::from(d / 6 % 5)];
            let sep = ["=", ": ", " = ", "=\"", ":'"][usize::from(d / 30 % 5)];
            format!("{prefix}{key}{sep}{VALUE}")
        }
        4 => {
            let scheme = ["postgres", "mysql", "https", "redis", "amqp"][usize::from(d % 5)];
            format!("{scheme}://app:{VALUE}@db.example.net/shop")
        }
        5 => {
            ["Authorization: Bearer ", "authorization: basic ", "Bearer "][usize::from(d % 3)]
                .to_owned()
                + VALUE
        }
        6 => TOKEN.to_owned(),
        7 => [
            "SQLPROD01.corp.local",
            "sqlprod01.CORP.LOCAL",
            "https://SqlProd01.corp.local/x",
        ][usize::from(d % 3)]
        .to_owned(),
        8 => {
            ["ip:2001:db8::42", "[2001:db8::42]:443", "2001:DB8::42"][usize::from(d % 3)].to_owned()
        }
        9 => [
            "010.020.030.040",
            "ip=10.20.30.40",
            "http://10.20.30.40:8080/",
        ][usize::from(d % 3)]
        .to_owned(),
        _ => ["ops-lead@corp.internal", "OPS-LEAD@CORP.INTERNAL"][usize::from(d % 2)].to_owned(),
    }
}

/// What a public file must not hold, as written (secrets, hosts, addresses), and names to be
/// looked for however they are spelled.
const NOT_AS_WRITTEN: &[&str] = &[
    VALUE,
    "sqlprod01",
    "2001:db8::42",
    "10.20.30.40",
    "010.020.030.040",
    "ops-lead@",
    "globex-outage",
];
const NAMES: &[&str] = &[
    "Samantha",
    "Quillfeather",
    "Dorotea",
    "Whitfield",
    "Globex Industries",
];

/// Builds a public site of one incident whose texts hold `filler` around the `plants`, and
/// checks that no plant reaches any file.
pub fn public_build(filler: &str, plants: &[Plant]) {
    let filler: String = filler
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(400)
        .collect();
    let mut texts: [String; 6] = Default::default();
    for (i, p) in plants.iter().take(24).enumerate() {
        let piece = &filler[..filler
            .char_indices()
            .nth(i * 7 % 40)
            .map_or(filler.len(), |(at, _)| at)];
        let text = &mut texts[usize::from(p.field % 6)];
        text.push_str(piece);
        text.push(' ');
        text.push_str(&plant_text(*p));
        text.push(' ');
    }
    let toml_text = format!(
        "title = \"t\"\ntimezone = \"UTC\"\n[times]\nstarted = 2026-11-05T10:00:00Z\n\
         [[people]]\nhandle = \"squill\"\nname = \"{} {}\"\nrole = \"incident commander\"\n\
         [[timeline]]\nid = \"t-1\"\nat = 2026-11-05T10:01:00Z\ntext = \"x\"\nby = \"{} {}\"\n\
         [[factors]]\nid = \"f-1\"\ntext = \"x\"\nevents = [\"t-1\"]\n\
         [[actions]]\nid = \"a-1\"\ntext = \"x\"\nfactors = [\"f-1\"]\n",
        PERSON.0, PERSON.1, TYPED.0, TYPED.1
    );
    let mut incident: Incident = toml::from_str(&toml_text).expect("the fixed incident");
    let [summary, timeline, factor, action, lesson, notes] = texts;
    incident.summary = Some(summary);
    incident.timeline[0].text = format!("x {timeline}");
    incident.factors[0].text = format!("x {factor}");
    incident.actions[0].text = format!("x {action}");
    incident.lessons.went_wrong.push(format!("x {lesson}"));
    incident.fix_times();
    let config = Config {
        public: Some(PublicRules {
            redact: Some(
                ["ip", "email", "hostname", "secret"]
                    .map(str::to_owned)
                    .to_vec(),
            ),
            names: vec![format!("{} {}", CUSTOMER.0, CUSTOMER.1)],
            ..PublicRules::default()
        }),
        ..Config::default()
    };
    let loaded = LoadedIncident {
        id: "2026-11-05-globex-outage".into(),
        dir: Path::new("/nonexistent-debrief-fuzz").into(),
        incident,
        notes: Some(notes),
    };
    let files = super::render_site(loaded, config, true).expect("a valid incident renders");
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes)
            .replace("\\u003c", "<")
            .replace("\\/", "/")
            .replace("&#45;", "-")
            .replace("&#95;", "_")
            .replace("&#46;", ".")
            .replace("&#58;", ":");
        let lower = text.to_lowercase();
        for plant in NOT_AS_WRITTEN {
            assert!(
                !lower.contains(&plant.to_lowercase()),
                "{name} holds {plant}:\n{text}"
            );
        }
        let folded = crate::public::folded::Folded::new(&text).text;
        let folded_name = crate::public::folded::Folded::new(name).text;
        for n in NAMES {
            let needle = crate::model::names::fold(n);
            let re = regex::Regex::new(&format!(
                r"\b{}\b",
                regex::escape(&needle).replace(' ', " ?")
            ))
            .expect("an escaped name");
            assert!(!re.is_match(&folded), "{name} holds the name {n}:\n{text}");
            assert!(!re.is_match(&folded_name), "the file name {name} holds {n}");
        }
    }
}
