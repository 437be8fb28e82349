//! Contributing factors that come back: factors of different incidents grouped into themes.
//!
//! Each factor is a vector of its tokens (see [`words`](super::words)), each weighted by how
//! rare it is across the archive's incidents (inverse document frequency), so that a word
//! every review uses ("deploy" in a deploy-heavy archive) counts little and a rare shared word
//! ("expiry") counts much. Two factors are alike by the cosine of their vectors.
//!
//! Themes grow from the most alike pair down, by the likeness of whole groups (the cosine of
//! their summed vectors), so a factor that touches two themes joins the nearer one instead of
//! chaining them together. Incidents that share a service need less in common: the same words
//! about the same service are more likely the same factor.
//!
//! A theme named on a factor (`theme = "expiring credentials"`) always wins: every factor with
//! that name (ignoring case and spacing) is in that theme, factors named differently never
//! meet, and factors without a name can join a named theme by their words.

use std::collections::HashMap;

use super::words::tokens;

/// Likeness from which two groups are one theme.
const ALIKE: f32 = 0.2;
/// The same, when the incidents share a service.
const ALIKE_SAME_SERVICE: f32 = 0.15;
/// Words in more incidents than this share of the archive (and more than
/// [`COMMON_FLOOR`]) are not used to find pairs: they still weigh in the likeness.
const COMMON_SHARE: usize = 20;
const COMMON_FLOOR: usize = 50;

/// A factor, as the search for themes needs it.
pub struct Factor<'a> {
    /// Which incident it belongs to (an index the caller chooses).
    pub incident: usize,
    pub text: &'a str,
    /// The theme people named, if any.
    pub theme: Option<&'a str>,
    pub services: &'a [String],
}

/// A theme that comes back in two incidents or more.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The name people gave it, or the words its factors share.
    pub name: String,
    /// Whether people named it.
    pub named: bool,
    /// Its factors (indexes into the caller's list), in the caller's order.
    pub factors: Vec<usize>,
    /// How many incidents it comes back in.
    pub incidents: usize,
}

/// The themes of `factors` that come back in two incidents or more, the most widespread first.
pub fn recurring(factors: &[Factor<'_>]) -> Vec<Theme> {
    // Token numbers (each token's text kept once, not once per factor), and in how many
    // incidents each appears. Each factor's tokens go into one list for all factors (a list
    // per factor costs its own allocation, a tenth of a KB, 100,000 times at 10,000
    // incidents).
    let mut numbers: HashMap<String, u32> = HashMap::new();
    let mut incidents_of: Vec<Vec<u32>> = Vec::new();
    let mut lists = Lists::default();
    for f in factors {
        for t in tokens(f.text) {
            let n = match numbers.get(t.as_str()) {
                Some(&n) => n,
                None => {
                    let next = numbers.len() as u32;
                    numbers.insert(t, next);
                    incidents_of.push(Vec::new());
                    next
                }
            };
            let seen = &mut incidents_of[n as usize];
            let incident = f.incident as u32;
            if seen.last() != Some(&incident) {
                seen.push(incident);
            }
            lists.items.push(n);
        }
        lists.end();
    }
    let mut names: Vec<&str> = vec![""; numbers.len()];
    for (t, &n) in &numbers {
        names[n as usize] = t;
    }
    let mut all_incidents: Vec<usize> = factors.iter().map(|f| f.incident).collect();
    all_incidents.sort_unstable();
    all_incidents.dedup();
    let total = all_incidents.len() as f32;
    let df: Vec<usize> = incidents_of
        .into_iter()
        .map(|mut v| {
            v.sort_unstable();
            v.dedup();
            v.len()
        })
        .collect();
    let idf = |t: u32| ((total + 1.0) / (df[t as usize] as f32 + 1.0)).ln() + 1.0;
    // Each factor's vector, its tokens in order: the same tokens as its list, so the lists
    // are not kept.
    let mut vectors = Lists::default();
    for f in 0..lists.len() {
        let from = vectors.items.len();
        vectors
            .items
            .extend(lists.get(f).iter().map(|&t| (t, idf(t))));
        let v = &mut vectors.items[from..];
        v.sort_unstable_by_key(|(t, _)| *t);
        let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        v.iter_mut()
            .for_each(|(_, w)| *w /= norm.max(f32::MIN_POSITIVE));
        vectors.end();
    }
    drop(lists);
    let tokens_of = |f: usize| vectors.get(f).iter().map(|&(t, _)| t);

    // Pairs of factors of different incidents that share a word not too common to tell.
    let common = (all_incidents.len() / COMMON_SHARE).max(COMMON_FLOOR);
    let mut by_token: Vec<Vec<u32>> = vec![Vec::new(); df.len()];
    for f in 0..vectors.len() {
        for t in tokens_of(f) {
            if (2..=common).contains(&df[t as usize]) {
                by_token[t as usize].push(f as u32);
            }
        }
    }
    let shares_service = |a: usize, b: usize| {
        factors[a]
            .services
            .iter()
            .any(|s| factors[b].services.contains(s))
    };
    let threshold = |a: usize, b: usize| {
        if shares_service(a, b) {
            ALIKE_SAME_SERVICE
        } else {
            ALIKE
        }
    };
    // Each factor against the later ones it shares such a word with, keeping only the pairs
    // alike enough: the candidates of one factor at a time are in memory, not every pair of
    // the archive (millions at 10,000 incidents, most of them not alike).
    let mut scored: Vec<(f32, usize, usize)> = Vec::new();
    let mut candidates: Vec<usize> = Vec::new();
    for a in 0..vectors.len() {
        candidates.clear();
        for t in tokens_of(a) {
            if (2..=common).contains(&df[t as usize]) {
                // Each token's factors are in increasing order.
                let members = &by_token[t as usize];
                let later = &members[members.partition_point(|&f| f as usize <= a)..];
                candidates.extend(
                    later
                        .iter()
                        .map(|&b| b as usize)
                        .filter(|&b| factors[a].incident != factors[b].incident),
                );
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        for &b in &candidates {
            let s = dot(vectors.get(a), vectors.get(b));
            if s >= threshold(a, b) {
                scored.push((s, a, b));
            }
        }
    }
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));

    // Groups: named ones first, then grown pair by pair.
    let mut groups = Groups::new(&vectors);
    let mut named: HashMap<String, usize> = HashMap::new();
    for (f, factor) in factors.iter().enumerate() {
        if let Some(name) = factor
            .theme
            .map(crate::model::theme_key)
            .filter(|n| !n.is_empty())
        {
            groups.name.insert(f, name.clone());
            match named.get(&name) {
                Some(&first) => groups.join(first, f),
                None => {
                    named.insert(name, f);
                }
            }
        }
    }
    for (_, a, b) in scored {
        let (ra, rb) = (groups.root(a), groups.root(b));
        if ra == rb {
            continue;
        }
        if let (Some(x), Some(y)) = (groups.name.get(&ra), groups.name.get(&rb))
            && x != y
        {
            continue;
        }
        if groups.likeness(ra, rb) >= threshold(a, b) {
            groups.join(ra, rb);
        }
    }

    // Themes of two incidents or more, named by people or by their shared words.
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for f in 0..factors.len() {
        members.entry(groups.root(f)).or_default().push(f);
    }
    let mut themes: Vec<Theme> = members
        .into_iter()
        .filter_map(|(root, fs)| {
            let mut incidents: Vec<usize> = fs.iter().map(|&f| factors[f].incident).collect();
            incidents.sort_unstable();
            incidents.dedup();
            if incidents.len() < 2 {
                return None;
            }
            let people = fs.iter().find_map(|&f| factors[f].theme.map(str::trim));
            let (name, named) = match (groups.name.get(&root), people) {
                (Some(_), Some(given)) => (given.to_owned(), true),
                _ => (label(&fs, &vectors, &names, &df), false),
            };
            Some(Theme {
                name,
                named,
                factors: fs,
                incidents: incidents.len(),
            })
        })
        .collect();
    themes.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then(b.named.cmp(&a.named))
            .then(a.name.cmp(&b.name))
    });
    themes
}

/// A theme's name from the tokens most of its factors share: ideas by their name, words as
/// written (the most frequent form), at most three, the most shared and rarest first.
fn label(members: &[usize], vectors: &Lists<(u32, f32)>, names: &[&str], df: &[usize]) -> String {
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for &f in members {
        for &(t, _) in vectors.get(f) {
            *counts.entry(t).or_default() += 1;
        }
    }
    let mut shared: Vec<(u32, usize)> = counts.into_iter().filter(|(_, n)| *n >= 2).collect();
    let name = |t: u32| names[t as usize];
    shared.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(name(b.0).starts_with('#').cmp(&name(a.0).starts_with('#')))
            .then(df[a.0 as usize].cmp(&df[b.0 as usize]))
            .then(name(a.0).cmp(name(b.0)))
    });
    let shared: Vec<(&str, usize)> = shared.into_iter().map(|(t, n)| (name(t), n)).collect();
    // A word is left out when the idea it stands for is in the name already.
    let ideas: Vec<&str> = shared
        .iter()
        .filter_map(|(t, _)| t.strip_prefix('#'))
        .collect();
    let words: Vec<&str> = shared
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| {
            t.starts_with('#') || super::words::idea_of(t).is_none_or(|i| !ideas.contains(&i))
        })
        .take(3)
        .map(|t| t.strip_prefix('#').unwrap_or(t))
        .collect();
    words.join(", ")
}

/// The dot product of two sorted sparse vectors.
fn dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// The sum of two sorted sparse vectors.
fn merge(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(u32, f32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// A list per factor, all in one allocation: factor `f`'s items are
/// `items[ends[f - 1]..ends[f]]`.
struct Lists<T> {
    items: Vec<T>,
    ends: Vec<u32>,
}

impl<T> Default for Lists<T> {
    fn default() -> Self {
        Lists {
            items: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl<T> Lists<T> {
    /// Closes the current factor's list.
    fn end(&mut self) {
        self.ends.push(self.items.len() as u32);
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, f: usize) -> &[T] {
        let from = f.checked_sub(1).map_or(0, |p| self.ends[p] as usize);
        &self.items[from..self.ends[f] as usize]
    }
}

/// Union–find over factors, with each group's summed vector and name at its root. A factor
/// alone is its own vector: only groups of two or more keep a sum of their own, and only
/// named groups a name (most factors are neither).
struct Groups<'v> {
    parent: Vec<u32>,
    vectors: &'v Lists<(u32, f32)>,
    sum: HashMap<usize, Vec<(u32, f32)>>,
    name: HashMap<usize, String>,
}

impl<'v> Groups<'v> {
    fn new(vectors: &'v Lists<(u32, f32)>) -> Groups<'v> {
        Groups {
            parent: (0..vectors.len() as u32).collect(),
            vectors,
            sum: HashMap::new(),
            name: HashMap::new(),
        }
    }

    fn root(&mut self, f: usize) -> usize {
        let mut f = f as u32;
        while self.parent[f as usize] != f {
            self.parent[f as usize] = self.parent[self.parent[f as usize] as usize];
            f = self.parent[f as usize];
        }
        f as usize
    }

    /// A root's summed vector, sorted by token.
    fn sum(&self, root: usize) -> &[(u32, f32)] {
        self.sum
            .get(&root)
            .map_or_else(|| self.vectors.get(root), Vec::as_slice)
    }

    /// The cosine of two groups' summed vectors.
    fn likeness(&self, a: usize, b: usize) -> f32 {
        let (x, y) = (self.sum(a), self.sum(b));
        let norm = |v: &[(u32, f32)]| v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        dot(x, y) / (norm(x) * norm(y)).max(f32::MIN_POSITIVE)
    }

    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return;
        }
        let merged = merge(self.sum(ra), self.sum(rb));
        self.sum.insert(ra, merged);
        self.sum.remove(&rb);
        if !self.name.contains_key(&ra)
            && let Some(name) = self.name.remove(&rb)
        {
            self.name.insert(ra, name);
        }
        self.parent[rb] = ra as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f<'a>(incident: usize, text: &'a str, services: &'a [String]) -> Factor<'a> {
        Factor {
            incident,
            text,
            theme: None,
            services,
        }
    }

    #[test]
    fn the_same_factor_in_other_words_is_one_theme() {
        let none: Vec<String> = Vec::new();
        let factors = vec![
            f(
                0,
                "The token signing key was rotated by hand and its expiry was never monitored",
                &none,
            ),
            f(
                1,
                "A TLS certificate was renewed by hand, with no inventory of expiry dates",
                &none,
            ),
            f(
                2,
                "The internal CA certificate expired; nothing alerted before it expires",
                &none,
            ),
            f(
                3,
                "The search index rebuild held a lock that writers needed",
                &none,
            ),
            f(
                4,
                "Dashboards showed averages, which hid the slowest requests",
                &none,
            ),
        ];
        let themes = recurring(&factors);
        assert_eq!(themes.len(), 1, "{themes:?}");
        assert_eq!(themes[0].factors, [0, 1, 2]);
        assert!(!themes[0].named);
        assert!(themes[0].name.contains("expiry"), "{}", themes[0].name);
    }

    #[test]
    fn a_named_theme_wins_and_different_names_never_meet() {
        let none: Vec<String> = Vec::new();
        let mut factors = vec![
            f(0, "Webhook secret for the payment provider lapsed", &none),
            f(1, "A TLS certificate was renewed by hand", &none),
            f(2, "A TLS certificate was renewed by hand", &none),
        ];
        factors[0].theme = Some("Expiring credentials");
        factors[1].theme = Some("expiring  credentials");
        factors[2].theme = Some("certificates");
        let themes = recurring(&factors);
        assert_eq!(themes.len(), 1, "{themes:?}");
        assert_eq!(themes[0].name, "Expiring credentials");
        assert!(themes[0].named);
        assert_eq!(themes[0].factors, [0, 1]);
    }

    #[test]
    fn one_incident_is_not_a_theme() {
        let none: Vec<String> = Vec::new();
        let factors = vec![
            f(0, "Connection pool exhausted", &none),
            f(0, "Connection pool exhausted again", &none),
        ];
        assert!(recurring(&factors).is_empty());
    }
}
