//! Keys whose word values name a variable, found once every entry is mined.
//!
//! While mining, two entries whose `key=value` words differ are kept apart (`state=up` and
//! `state=down` tell different stories). Once every entry is in, a key that has split one shape
//! into many templates shows itself to be a variable: a decision takes a few values, while a
//! user or a host name takes many (`user=root`, `user=git`, `user=ftp`, …). Those templates
//! become one, with `key=<*>`.

use super::super::format::Level;
use super::mask::WILDCARD;

/// A key that splits one shape into more templates than this names a variable.
const MANY_VALUES: usize = 4;

/// The word value of a `key=value` token, when it is one (not masked, not empty).
fn key_value(token: &str) -> Option<(&str, &str)> {
    let (key, value) = token.split_once('=')?;
    (!key.is_empty() && !value.is_empty() && value != WILDCARD).then_some((key, value))
}

/// Finds the groups that differ only in the word value of one key, where that key takes more
/// than [`MANY_VALUES`] values, and joins each such set into its first group. `tokens` and
/// `levels` are the groups' (a group that is not `live` holds no entries and is left alone).
/// Returns the group each group joins (itself when none); the tokens of a group that others
/// join get `key=<*>` at that position.
pub(super) fn join_variable_keys(
    tokens: &mut [Vec<String>],
    levels: &[Option<Level>],
    live: &[bool],
) -> Vec<usize> {
    use std::collections::HashMap;
    let mut into: Vec<usize> = (0..tokens.len()).collect();
    let longest = tokens.iter().map(Vec::len).max().unwrap_or(0);
    for position in 0..longest {
        // The groups with a key's word value at this position, by everything else they hold.
        let mut sets: HashMap<(Option<Level>, Vec<&str>), Vec<usize>> = HashMap::new();
        for (i, t) in tokens.iter().enumerate() {
            if !live[i] || into[i] != i {
                continue;
            }
            let Some((key, _)) = t.get(position).and_then(|t| key_value(t)) else {
                continue;
            };
            let shape = t
                .iter()
                .enumerate()
                .map(|(j, w)| if j == position { key } else { w.as_str() })
                .collect();
            sets.entry((levels[i], shape)).or_default().push(i);
        }
        let mut joined: Vec<Vec<usize>> = sets
            .into_values()
            .filter(|set| set.len() > MANY_VALUES)
            .collect();
        joined.sort();
        for set in joined {
            let first = set[0];
            for &other in &set[1..] {
                into[other] = first;
            }
            let key = tokens[first][position]
                .split_once('=')
                .map_or("", |(k, _)| k)
                .to_owned();
            tokens[first][position] = format!("{key}={WILDCARD}");
        }
    }
    into
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(lines: &[&str]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|l| l.split(' ').map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn a_key_with_many_word_values_is_a_variable() {
        let mut tokens = groups(&[
            "auth failure rhost=<*> user=root",
            "auth failure rhost=<*> user=git",
            "auth failure rhost=<*> user=ftp",
            "auth failure rhost=<*> user=uucp",
            "auth failure rhost=<*> user=mysql",
            "auth failure rhost=<*> user=sshd",
        ]);
        let n = tokens.len();
        let into = join_variable_keys(&mut tokens, &vec![None; n], &vec![true; n]);
        assert_eq!(into, vec![0; 6]);
        assert_eq!(tokens[0].join(" "), "auth failure rhost=<*> user=<*>");
    }

    #[test]
    fn a_key_with_few_word_values_decides() {
        let mut tokens = groups(&[
            "link state=up",
            "link state=down",
            "link state=degraded",
            "other state=a",
            "other state=b",
        ]);
        let n = tokens.len();
        let into = join_variable_keys(&mut tokens, &vec![None; n], &vec![true; n]);
        assert_eq!(into, vec![0, 1, 2, 3, 4]);
        assert_eq!(tokens[1].join(" "), "link state=down");
    }

    #[test]
    fn levels_and_other_words_keep_groups_apart() {
        let mut tokens = groups(&[
            "login user=a",
            "login user=b",
            "login user=c",
            "login user=d",
            "logout user=e",
            "login user=f",
        ]);
        let n = tokens.len();
        let levels = [None, None, None, None, None, Some(Level::Error)];
        let into = join_variable_keys(&mut tokens, &levels, &vec![true; n]);
        // Four of one shape and level: not more than four.
        assert_eq!(into, vec![0, 1, 2, 3, 4, 5]);
    }
}
