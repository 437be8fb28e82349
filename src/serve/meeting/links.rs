//! Links between timeline entries, factors and actions, and merging a duplicate factor: the
//! decisions that must keep the `leads_to` graph free of loops.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::json;

use super::*;
use crate::serve::error::{ApiError, not_found};
use crate::serve::limits::{MAX_LEADS, MAX_LINKS_PER_ITEM};
use crate::store::{List, Op};

impl Meeting {
    pub(super) fn merge(&self, from: String, into: String) -> Result<(Vec<Op>, Answer), ApiError> {
        for id in [&from, &into] {
            if !self.exists(List::Factors, id) {
                return Err(not_found("factor", id));
            }
        }
        if from == into {
            return Err(ApiError::new(
                422,
                "same-factor",
                "a factor cannot be merged into itself",
            ));
        }
        if self.merge_makes_loop(&from, &into) {
            return Err(ApiError::new(
                409,
                "cycle",
                format!(
                    "merging `{from}` into `{into}` would make a loop of `leads_to` links; unlink one first"
                ),
            ));
        }
        let incident = self.incident.as_ref().map(|l| &l.incident);
        let factors = incident.map_or(&[][..], |i| &i.factors[..]);
        let find = |id: &str| factors.iter().find(|f| f.id == id);
        let link = |list: List, owner: &str, key: &str, to: &str| Op::Link {
            list,
            from: owner.to_owned(),
            key: key.to_owned(),
            to: to.to_owned(),
        };
        let mut ops = Vec::new();
        if let Some(old) = find(&from) {
            for e in &old.events {
                ops.push(link(List::Factors, &into, "events", e));
            }
            for next in old.leads_to.iter().filter(|n| **n != into) {
                ops.push(link(List::Factors, &into, "leads_to", next));
            }
            // Votes add up, per voter.
            let theirs = |f: &crate::model::Factor, meeting: Option<&BTreeMap<String, u32>>| {
                let mut votes = f.votes.clone();
                if let Some(m) = meeting {
                    votes.extend(m.iter().map(|(k, v)| (k.clone(), *v)));
                }
                votes
            };
            let old_votes = theirs(old, self.votes.get(&from));
            let new_votes = find(&into)
                .map(|f| theirs(f, self.votes.get(&into)))
                .unwrap_or_default();
            for (voter, n) in old_votes {
                ops.push(Op::Vote {
                    factor: into.clone(),
                    participant: voter.clone(),
                    count: n + new_votes.get(&voter).copied().unwrap_or(0),
                });
            }
        }
        for f in factors
            .iter()
            .filter(|f| f.leads_to.contains(&from) && f.id != into)
        {
            ops.push(link(List::Factors, &f.id, "leads_to", &into));
        }
        for a in incident.map_or(&[][..], |i| &i.actions[..]) {
            if a.factors.contains(&from) {
                ops.push(link(List::Actions, &a.id, "factors", &into));
            }
        }
        ops.push(Op::Delete {
            list: List::Factors,
            id: from.clone(),
        });
        Ok((
            ops,
            Answer {
                status: 200,
                body: json!({ "merged": from, "into": into }),
            },
        ))
    }

    /// Whether `caller` may change the element `id` of `list`: its author, or the facilitator.
    /// Whether `caller` may change item `id` of `list`: the facilitator may change anything;
    /// a participant what they added in this meeting, and an action they claimed.
    pub(super) fn may_change(&self, caller: &Caller, list: List, id: &str) -> bool {
        *caller == Caller::Facilitator
            || self.authors.get(&(list, id.to_owned())).map(String::as_str) == Some(caller.id())
            || (list == List::Actions
                && self.claimed_by.get(id).map(String::as_str) == Some(caller.id()))
    }

    /// How many links `from` (of `list`) has under `key`, in the file.
    fn links_of(&self, list: List, from: &str, key: &str) -> usize {
        let Some(loaded) = &self.incident else {
            return 0;
        };
        let i = &loaded.incident;
        match (list, key) {
            (List::Factors, "events") => i
                .factors
                .iter()
                .find(|f| f.id == from)
                .map_or(0, |f| f.events.len()),
            (List::Factors, _) => i
                .factors
                .iter()
                .find(|f| f.id == from)
                .map_or(0, |f| f.leads_to.len()),
            _ => i
                .actions
                .iter()
                .find(|a| a.id == from)
                .map_or(0, |a| a.factors.len()),
        }
    }

    /// A link from a factor to an event or a factor, or from an action to a factor. Anyone may
    /// link; taking a link away is for the author of `from` or the facilitator, so curated
    /// links stay.
    pub(super) fn link(
        &self,
        caller: &Caller,
        from: String,
        to: String,
        remove: bool,
    ) -> Result<(Vec<Op>, Answer), ApiError> {
        let (list, key) = if self.exists(List::Factors, &from) {
            if self.exists(List::Timeline, &to) {
                (List::Factors, "events")
            } else if self.exists(List::Factors, &to) {
                (List::Factors, "leads_to")
            } else {
                return Err(not_found("timeline entry or factor", &to));
            }
        } else if self.exists(List::Actions, &from) {
            if !self.exists(List::Factors, &to) {
                return Err(not_found("factor", &to));
            }
            (List::Actions, "factors")
        } else {
            return Err(not_found("factor or action", &from));
        };
        if remove && !self.may_change(caller, list, &from) {
            return Err(ApiError::new(
                403,
                "not-yours",
                "only the author of this link's source or the facilitator can take the link away",
            ));
        }
        if !remove {
            if self.links_of(list, &from, key) >= MAX_LINKS_PER_ITEM {
                return Err(ApiError::new(
                    409,
                    "too-many-links",
                    format!("`{from}` already has {MAX_LINKS_PER_ITEM} links of this kind"),
                ));
            }
            if key == "leads_to"
                && self
                    .leads_graph()
                    .values()
                    .map(BTreeSet::len)
                    .sum::<usize>()
                    >= MAX_LEADS
            {
                return Err(ApiError::new(
                    409,
                    "too-many-links",
                    format!(
                        "the factors already have {MAX_LEADS} `leads_to` links, the most a meeting adds to"
                    ),
                ));
            }
        }
        if key == "leads_to" && !remove && self.leads_to_path(&to, &from) {
            return Err(ApiError::new(
                409,
                "cycle",
                format!("`{to}` already leads to `{from}`; this link would make a loop"),
            ));
        }
        let (list, from, key, to) = (list, from, key.to_owned(), to);
        let body = json!({ "from": from, "to": to, "linked": !remove });
        let op = if remove {
            Op::Unlink {
                list,
                from,
                key,
                to,
            }
        } else {
            Op::Link {
                list,
                from,
                key,
                to,
            }
        };
        Ok((vec![op], Answer { status: 200, body }))
    }

    /// The `leads_to` links between factors: in the file as last written, with the links made
    /// and taken away since.
    fn leads_graph(&self) -> HashMap<&str, BTreeSet<&str>> {
        let mut next: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for f in self.incident.iter().flat_map(|l| &l.incident.factors) {
            next.entry(&f.id)
                .or_default()
                .extend(f.leads_to.iter().map(String::as_str));
        }
        for ((from, to), linked) in &self.leads {
            let set = next.entry(from).or_default();
            if *linked {
                set.insert(to);
            } else {
                set.remove(to.as_str());
            }
        }
        next
    }

    /// Whether factor `a` leads to factor `b`, directly or not.
    fn leads_to_path(&self, a: &str, b: &str) -> bool {
        reaches(&self.leads_graph(), a, b)
    }

    /// Whether merging factor `from` into `into` would close a loop of `leads_to` links:
    /// `into` takes over every link of `from`, in both directions.
    fn merge_makes_loop(&self, from: &str, into: &str) -> bool {
        let rename = |id: &'_ str| {
            if id == from {
                into.to_owned()
            } else {
                id.to_owned()
            }
        };
        let mut merged: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (a, nexts) in self.leads_graph() {
            let a = rename(a);
            let set = merged.entry(a.clone()).or_default();
            set.extend(nexts.into_iter().map(rename).filter(|b| *b != a));
        }
        let graph: HashMap<&str, BTreeSet<&str>> = merged
            .iter()
            .map(|(a, set)| (a.as_str(), set.iter().map(String::as_str).collect()))
            .collect();
        graph
            .get(into)
            .into_iter()
            .flatten()
            .any(|next| reaches(&graph, next, into))
    }
}

/// Whether `a` reaches `b` along the links of `next`.
fn reaches(next: &HashMap<&str, BTreeSet<&str>>, a: &str, b: &str) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![a];
    while let Some(id) = stack.pop() {
        if id == b {
            return true;
        }
        if seen.insert(id) {
            stack.extend(next.get(id).into_iter().flatten().copied());
        }
    }
    false
}
