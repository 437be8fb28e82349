//! The one place a public build's rules are applied: [`Redactor`] finds what must not be shown
//! in a text and replaces it. It redacts the incident's copy before rendering, and it reads
//! every rendered file afterwards ([`leaks`]), so the two can never disagree.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use regex::Regex;

use super::detect::{Allow, Detector};
use super::folded::{Folded, Readable};
use super::ip::Network;
use crate::model::config::PublicRules;
use crate::model::names::fold;

/// What was redacted or left out, for `--public --explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    /// The incident's id.
    pub incident: String,
    /// Where: `title`, `timeline t-3`, `notes.md`, `logs`.
    pub place: String,
    /// `ip`, `email`, `hostname`, `secret`, `name`, `pattern`, or `hidden` for an item left
    /// out.
    pub kind: &'static str,
    /// The text found (empty for a hidden item).
    pub found: String,
}

/// An incident and a place in it, for the log.
pub struct Place<'a> {
    pub incident: &'a str,
    pub place: String,
}

impl Place<'_> {
    fn redaction(&self, kind: &'static str, found: &str) -> Redaction {
        Redaction {
            incident: self.incident.to_owned(),
            place: self.place.clone(),
            kind,
            found: found.to_owned(),
        }
    }
}

/// The archive's incident folder names, and what each becomes in a public build: the
/// incident's public id, or "another incident" for one the build leaves out. A folder is often
/// named after a customer or a host (`2026-11-05-acme-corp-outage`), and notes name their
/// neighbours by folder (`../2026-11-04-db-meltdown/`): the public id keeps such a link
/// working.
#[derive(Debug, Default)]
pub struct Folders {
    re: Option<Regex>,
    /// By the folder name in lower case.
    becomes: HashMap<String, String>,
}

/// What an incident the public build leaves out is called where another names it.
pub const ANOTHER_INCIDENT: &str = "another incident";

impl Folders {
    /// From (folder name, what it becomes) pairs; a folder whose public id is its name stays.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Folders {
        let becomes: HashMap<String, String> = pairs
            .into_iter()
            .filter(|(folder, public)| folder != public && !folder.is_empty())
            .map(|(folder, public)| (folder.to_lowercase(), public))
            .collect();
        let mut names: Vec<&String> = becomes.keys().collect();
        // Longest first: `…-db-2` before `…-db`.
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let re = (!names.is_empty()).then(|| {
            let body: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
            Regex::new(&format!(r"(?i)\b(?:{})\b", body.join("|")))
                .expect("escaped folder names make a valid expression")
        });
        Folders { re, becomes }
    }

    fn find<'t>(&'t self, text: &'t str) -> impl Iterator<Item = (Range<usize>, &'t str)> + 't {
        self.re.iter().flat_map(move |re| {
            re.find_iter(text).map(|m| {
                let becomes = self
                    .becomes
                    .get(&m.as_str().to_lowercase())
                    .map_or(ANOTHER_INCIDENT, String::as_str);
                (m.range(), becomes)
            })
        })
    }

    /// `text` with every folder name replaced.
    pub fn replace<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = String::new();
        let mut at = 0;
        for (range, becomes) in self.find(text) {
            out.push_str(&text[at..range.start]);
            out.push_str(becomes);
            at = range.end;
        }
        if at == 0 {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }
}

/// Finds and replaces what a public build must not show.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// The archive's folder names (shared by every incident's redactor).
    folders: Option<std::sync::Arc<Folders>>,
    detectors: Vec<Detector>,
    /// Whether some rules said which detectors to use (`redact = [...]`); when none did, all
    /// are on.
    detectors_named: bool,
    pub(super) allow: Allow,
    /// Words of people's names that stay when they stand alone (folded).
    allow_words: Vec<String>,
    /// Names, folded, and what they become ("a customer", a role, "a responder"). The first
    /// added wins.
    names: Vec<(String, String)>,
    /// Of `names`, the words of people's names alone (`sam` of "Sam Example").
    parts: Vec<String>,
    /// Every name in one expression over folded text, longest first.
    name_re: Option<Regex>,
    /// What a name becomes, by its folded letters without spaces.
    becomes: HashMap<String, String>,
    patterns: Vec<Regex>,
}

/// One thing found: where, of what kind, and what it becomes.
struct Hit {
    range: Range<usize>,
    kind: &'static str,
    replacement: String,
}

impl Redactor {
    /// The redactor of one set of rules alone (debrief.toml's).
    pub fn from_rules(rules: &PublicRules) -> Redactor {
        let mut r = Redactor::default();
        r.add_rules(rules);
        r.finish();
        r
    }

    /// Adds a set of rules. Rules were validated when the files were loaded; an entry that
    /// does not read is skipped here.
    pub fn add_rules(&mut self, rules: &PublicRules) {
        self.detectors_named |= rules.redact.is_some();
        for d in rules
            .redact
            .iter()
            .flatten()
            .filter_map(|n| Detector::parse(n))
        {
            if !self.detectors.contains(&d) {
                self.detectors.push(d);
            }
        }
        self.detectors.sort();
        self.allow
            .hosts
            .domains
            .extend(rules.allow_domains.iter().cloned());
        self.allow
            .ips
            .extend(rules.allow_ips.iter().filter_map(|a| Network::parse(a)));
        self.allow_words
            .extend(rules.allow_words.iter().map(|w| fold(w)));
        for name in &rules.names {
            self.add_name(name, "a customer", false);
        }
        self.patterns
            .extend(rules.patterns.iter().filter_map(|p| Regex::new(p).ok()));
    }

    /// The incident's own files (sources, metrics), whose names are not host names.
    pub fn keep_files(&mut self, files: impl IntoIterator<Item = String>) {
        self.allow.hosts.files.extend(files);
    }

    /// A name that becomes `becomes`. A person's name (`person`) is also found by each of its
    /// words alone (`Sam paged`), except the words `allow_words` lists.
    pub fn add_name(&mut self, name: &str, becomes: &str, person: bool) {
        // German letters are also written out: `Müller` as `Mueller`.
        if name.contains(['ä', 'ö', 'ü', 'Ä', 'Ö', 'Ü', 'ß']) {
            let spelled = name
                .replace('ä', "ae")
                .replace('ö', "oe")
                .replace('ü', "ue")
                .replace('Ä', "Ae")
                .replace('Ö', "Oe")
                .replace('Ü', "Ue")
                .replace('ß', "ss");
            self.add_name(&spelled, becomes, person);
        }
        let folded = fold(name);
        if folded.chars().count() < 2 || folded == fold(becomes) {
            return;
        }
        // Each word of a person's name alone (`O'Brien`, found as `OBrien` too), and each part
        // of a joined one (`Anne-Marie`): `Marie`, `Brien`.
        let mut words: Vec<&str> = folded.split(' ').collect();
        if folded.contains(['-', '\'']) {
            words.extend(folded.split(NAME_JOINS).filter(|w| !w.is_empty()));
        }
        let mut add = |n: String, part: bool| {
            if !self.names.iter().any(|(k, _)| *k == n) {
                if part {
                    self.parts.push(n.clone());
                }
                self.names.push((n, becomes.to_owned()));
            }
        };
        if person && words.len() > 1 {
            for w in &words {
                if w.chars().count() >= 2 && !self.allow_words.iter().any(|a| a == w) {
                    add((*w).to_owned(), true);
                }
            }
        }
        add(folded.clone(), false);
        self.parts.retain(|p| *p != folded);
    }

    /// Compiles the names into one expression. Call after adding names.
    pub fn finish(&mut self) {
        if !self.detectors_named && self.detectors.is_empty() {
            self.detectors = Detector::ALL.to_vec();
            self.detectors.sort();
        }
        self.becomes.clear();
        let mut alternatives: Vec<&str> = Vec::new();
        for (name, becomes) in &self.names {
            if self.allow_words.iter().any(|a| a == name) {
                continue;
            }
            self.becomes
                .entry(
                    name.chars()
                        .filter(|c| !matches!(c, ' ' | '.' | '_' | '-' | '\''))
                        .collect(),
                )
                .or_insert_with(|| becomes.clone());
            alternatives.push(name);
        }
        alternatives.sort_by_key(|n| std::cmp::Reverse(n.len()));
        self.name_re = (!alternatives.is_empty()).then(|| {
            // Words may be run together, split by one space (markup folds to nothing), or
            // joined as user names and ids join them: `priya.raman`, `acme_corp`, `acme-corp`.
            let body: Vec<String> = alternatives
                .iter()
                .map(|n| {
                    n.split(NAME_JOINS)
                        .filter(|w| !w.is_empty())
                        .map(regex::escape)
                        .collect::<Vec<_>>()
                        .join("[ ._'-]?")
                })
                .collect();
            Regex::new(&format!(r"\b(?:{})\b", body.join("|")))
                .expect("escaped names make a valid expression")
        });
    }

    /// Adds another incident's rules and people, for checking the pages every incident
    /// reaches (the archive index, the feeds).
    /// The archive's folder names, to be replaced wherever a text names one.
    pub fn set_folders(&mut self, folders: std::sync::Arc<Folders>) {
        self.folders = Some(folders);
    }

    pub fn merge(&mut self, other: &Redactor) {
        self.detectors_named |= other.detectors_named;
        if self.folders.is_none() {
            self.folders.clone_from(&other.folders);
        }
        for d in &other.detectors {
            if !self.detectors.contains(d) {
                self.detectors.push(*d);
            }
        }
        self.detectors.sort();
        self.allow
            .hosts
            .domains
            .extend(other.allow.hosts.domains.iter().cloned());
        self.allow
            .hosts
            .files
            .extend(other.allow.hosts.files.iter().cloned());
        self.allow.ips.extend(other.allow.ips.iter().copied());
        self.allow_words.extend(other.allow_words.iter().cloned());
        for (n, b) in &other.names {
            if !self.names.iter().any(|(k, _)| k == n) {
                self.names.push((n.clone(), b.clone()));
                if other.parts.contains(n) {
                    self.parts.push(n.clone());
                }
            }
        }
        self.patterns.extend(other.patterns.iter().cloned());
        self.finish();
    }

    /// Everything found in `text`, without overlaps: an earlier start wins, then a longer match.
    fn hits(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        // The detectors read the text as a reader gets it (`&quot;` is a quote); what they
        // find is cut out of the text as written.
        let readable = Readable::new(text, false);
        for d in &self.detectors {
            for range in d.find(&readable.text, &self.allow) {
                hits.push(Hit {
                    range: readable.original(range),
                    kind: d.name(),
                    replacement: format!("[redacted {}]", d.name()),
                });
            }
        }
        for re in &self.patterns {
            for m in re.find_iter(&readable.text).filter(|m| !m.is_empty()) {
                hits.push(Hit {
                    range: readable.original(m.range()),
                    kind: "pattern",
                    replacement: "[redacted]".to_owned(),
                });
            }
        }
        if let Some(folders) = &self.folders {
            for (range, becomes) in folders.find(&readable.text) {
                hits.push(Hit {
                    range: readable.original(range),
                    kind: "incident",
                    replacement: becomes.to_owned(),
                });
            }
        }
        if let Some(re) = &self.name_re {
            let folded = Folded::new(text);
            for m in re.find_iter(&folded.text) {
                if self.parts.iter().any(|p| p == m.as_str()) && glued(&folded.text, m.range()) {
                    continue;
                }
                let key: String = m
                    .as_str()
                    .chars()
                    .filter(|c| !matches!(c, ' ' | '.' | '_' | '-' | '\''))
                    .collect();
                hits.push(Hit {
                    range: folded.original(text, m.start(), m.end()),
                    kind: "name",
                    replacement: self
                        .becomes
                        .get(&key)
                        .cloned()
                        .unwrap_or_else(|| "a responder".to_owned()),
                });
            }
        }
        // Where a name and a detector find the same text (`sam.example` is a person's user name
        // and a host name under a reserved suffix), the person wins: the story keeps a role.
        hits.sort_by_key(|h| {
            (
                h.range.start,
                std::cmp::Reverse(h.range.end),
                h.kind != "name",
            )
        });
        let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
        for h in hits {
            match kept.last_mut() {
                Some(k) if h.range.start < k.range.end => {
                    // Overlapping finds are one: the first, stretched over both.
                    k.range.end = k.range.end.max(h.range.end);
                }
                _ => kept.push(h),
            }
        }
        kept
    }

    /// What the redactor finds in `text`: `(kind, the text found)`.
    pub fn find<'t>(&self, text: &'t str) -> Vec<(&'static str, &'t str)> {
        self.hits(text)
            .into_iter()
            .map(|h| (h.kind, &text[h.range]))
            .collect()
    }

    /// `text` with everything found replaced by its marker, each noted in `log`. The text is
    /// first made plain: invisible characters (a zero-width space inside a key or an address)
    /// are dropped and compatibility forms composed (full-width digits are digits), so that
    /// what a reader sees as one token is one token to the detectors.
    pub fn redact<'t>(
        &self,
        text: &'t str,
        place: &Place,
        log: &mut Vec<Redaction>,
    ) -> Cow<'t, str> {
        let text = plain(text);
        let hits = self.hits(&text);
        if hits.is_empty() {
            return text;
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for h in hits {
            out.push_str(&text[at..h.range.start]);
            out.push_str(&h.replacement);
            log.push(place.redaction(h.kind, &text[h.range.clone()]));
            at = h.range.end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }
}

/// `text` without invisible characters and in Unicode's compatibility composition (NFKC).
fn plain(text: &str) -> Cow<'_, str> {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
    let invisible = text.chars().any(crate::model::names::invisible);
    if !invisible && is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter(|c| !crate::model::names::invisible(*c))
            .nfkc()
            .collect(),
    )
}

/// Whether a word is glued into a host name, a path or an address (`tracker.example/OPS-1`).
/// A word of a person's name there is most often not that person; their whole name, in any
/// joining (`priya.raman`), and their handle are found anywhere, and a word joined by `-`, `_`
/// or `=` (`raman-box`, `user=raman`) is still found.
fn glued(text: &str, range: Range<usize>) -> bool {
    let glue = |c: char| matches!(c, '.' | '/' | '@' | ':' | '\\');
    let before = text[..range.start].chars().next_back();
    let mut after = text[range.end..].chars();
    let next = after.next();
    before.is_some_and(glue)
        || next.is_some_and(|c| glue(c) && after.next().is_some_and(char::is_alphanumeric))
}

/// What joins the words of a name, folded (a curly apostrophe folds to `'`): `Anne-Marie`,
/// `O'Brien`. A name matches with any of them, `.` or `_` between its words, or none.
const NAME_JOINS: [char; 3] = [' ', '-', '\''];

/// What the leak check found: the file, the kind and the text.
#[derive(Debug, Clone)]
pub struct Leak {
    pub file: String,
    pub kind: &'static str,
    pub found: String,
}

/// Whether `text` is a relative link to one of the site's pages (`x/report.md`, `x/index.html`).
fn own_page(text: &str) -> bool {
    (text.ends_with("/report.md") || text.ends_with("/index.html"))
        && text.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'/' | b'.')
        })
}

/// Domains the site's own markup names: the SVG and XHTML namespaces.
const OWN_DOMAINS: &[&str] = &["w3.org"];

/// Runs `redactor` over the text of a rendered file. Embedded `data:` URLs (fonts) are skipped:
/// they are the theme's, not the incidents'.
pub fn leaks(file: &str, bytes: &[u8], redactor: &Redactor) -> Vec<Leak> {
    let text = String::from_utf8_lossy(bytes);
    let mut checker = redactor.clone();
    // The words of people's names alone were redacted in the copy; in the rendered files they
    // are not looked for again, since the theme's own words (page, time, log) may be one.
    let parts = std::mem::take(&mut checker.parts);
    checker.names.retain(|(n, _)| !parts.contains(n));
    checker.finish();
    checker
        .allow
        .hosts
        .domains
        .extend(OWN_DOMAINS.iter().map(|d| (*d).to_owned()));
    let mut text = super::folded::Readable::new(&text, true).text.into_owned();
    while let Some(start) = text.find("data:") {
        let end = text[start..]
            .find(|c: char| c == '"' || c == '\'' || c == ')' || c.is_whitespace())
            .map_or(text.len(), |e| start + e);
        text.replace_range(start..end, " ");
    }
    let mut found: Vec<Leak> = checker
        .find(&text)
        .into_iter()
        // A diagram cuts a long label with an ellipsis: `runbooks/index.ht…` is the start of a
        // file name, not a host in Haiti. The label's whole text was redacted in the copy.
        .filter(|(_, found)| {
            let end = found.as_ptr() as usize - text.as_ptr() as usize + found.len();
            !text[end..].starts_with('…')
        })
        // The site's own link after a title that ends in a secret's word (a docs tool's
        // navigation: `- Stopped issuing tokens: 2026-11-05-3fa1c2d9/report.md`).
        .filter(|(kind, found)| !(*kind == "secret" && own_page(found)))
        .map(|(kind, found)| Leak {
            file: file.to_owned(),
            kind,
            found: found.to_owned(),
        })
        .collect();
    // The file's own name is public too.
    found.extend(checker.find(file).into_iter().map(|(kind, f)| Leak {
        file: file.to_owned(),
        kind,
        found: f.to_owned(),
    }));
    found
}
