//! Log templates: entries grouped by the shape of their message, Drain-style.
//!
//! A message is split into tokens; tokens that vary between entries of one kind — numbers,
//! ids, hex, IP addresses, paths, quoted values, the value of a `key=value` pair that holds
//! any of those — are masked as `<*>`. The masked tokens find their group through a tree of
//! fixed depth: the number of tokens, then the first two tokens (a masked token goes down the
//! `<*>` branch). In the leaf, the group whose template shares the most tokens position by
//! position takes the entry if it shares more than half of them; the positions that
//! differ become `<*>` in the template. Otherwise the entry starts a new group.
//!
//! An exact-shape cache in front of the tree makes the common case (a message whose masked
//! shape was seen before) one hash and one lookup, so grouping costs little more than reading.
//! In front of that, a cache of recent lines finds a line that repeats one seen lately but for
//! its numbers by a hash of its bytes alone, without working out its shape.
//! This follows the Drain parser (He et al., "Drain: An Online Log Parsing Approach with
//! Fixed Depth Tree", ICWS 2017); the code is written here from that description.
//!
//! Once every entry is in, templates that differ only in the word value of a key that takes
//! many values (`user=root`, `user=git`, …) become one: that key names a variable.
//!
//! Rooms, each importing only those above it: `mask` (tokens, masking and the shape hash),
//! `recent` (the cache of recent lines), `group` (a group while it is gathered), `variables`
//! (keys that turn out to be variables), `miner` (the tree, similarity and templates) and
//! `feed` (the miner on its own thread).

mod feed;
mod group;
mod mask;
mod miner;
mod recent;
mod variables;

pub use feed::{Batch, Feed};
pub use mask::{WILDCARD, masked};
pub use miner::{Miner, Template, TemplateLine};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::format::Level;
    use feed::BATCH_ENTRIES;
    use jiff::Timestamp;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_793_710_931 + s).unwrap()
    }

    /// Lines found in the cache of recent lines join the groups their shapes would: with lines
    /// that repeat but for their numbers, keys with digits (`p1=`), more lines than the cache
    /// has slots, and a stretch of lines that never repeat (where the cache rests).
    #[test]
    fn lines_found_by_their_bytes_join_the_templates_their_shapes_would() {
        let word = |mut i: usize| {
            let mut w = String::new();
            loop {
                w.push(char::from(b'a' + (i % 26) as u8));
                i /= 26;
                if i == 0 {
                    return w;
                }
            }
        };
        let mut cached = Miner::new();
        let mut shaped = Miner::without_recent();
        let stretches = [(6_000, 20_000), (1_000_000, 20_000), (5, 20_000)];
        let mut n = 0;
        for (distinct, lines) in stretches {
            for i in 0..lines {
                n += 1;
                // Numbers of one length and of several, and keys with digits.
                let text = match i % 3 {
                    0 => format!("job {} {} done", word(i % distinct), n % 7),
                    1 => format!("job {} took {} ms", word(i % distinct), n % 1000),
                    _ => format!("job {} p{}={}", word(i % distinct), n % 4, n % 10),
                };
                let level = (i % 11 == 0).then_some(Level::Warn);
                for m in [&mut cached, &mut shaped] {
                    m.add(at(n), level, &text, &format!("a.log:{n}"));
                }
            }
        }
        assert_eq!(cached.finish("a"), shaped.finish("a"));
    }

    /// Two lines whose hashes were made to agree, for a hash that started from a known state:
    /// the second would join the first's template. The state starts from a key drawn per
    /// process, so they do not.
    #[test]
    fn a_line_written_to_hash_like_another_keeps_its_own_template() {
        let mut m = Miner::new();
        m.add(
            at(0),
            None,
            "job 1234 took 5678 ms on worker 42 ok!..",
            "a.log:1",
        );
        m.add(
            at(1),
            None,
            "pQBphyqYYYpytnbefftSYonDQMcRAamxcFYHvyBi",
            "a.log:2",
        );
        assert_eq!(m.finish("a").len(), 2);
    }

    #[test]
    fn entries_of_one_kind_form_one_template_and_others_their_own() {
        let mut m = Miner::new();
        for i in 0..50 {
            m.add(
                at(i * 10),
                Some(Level::Error),
                &format!(
                    "connection pool exhausted pool=p{} waited={}ms",
                    i % 3,
                    100 + i
                ),
                &format!("app.log:{}", i + 1),
            );
            m.add(
                at(i * 10 + 5),
                Some(Level::Info),
                &format!("order {} placed by customer {}", 1000 + i, i * 7),
                &format!("app.log:{}", i + 100),
            );
        }
        // A word that differs in one place of four is a variable too.
        m.add(
            at(3),
            Some(Level::Warn),
            "cache miss for carts",
            "app.log:500",
        );
        m.add(
            at(4),
            Some(Level::Warn),
            "cache miss for sessions",
            "app.log:501",
        );
        let t = m.finish("app");
        let texts: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "connection pool exhausted pool=<*> waited=<*>",
                "cache miss for <*>",
                "order <*> placed by customer <*>"
            ]
        );
        assert_eq!(t[0].count, 50);
        assert_eq!(t[0].level, Some(Level::Error));
        assert_eq!(t[0].source, "app.log:1");
        assert_eq!(
            t[0].example,
            "connection pool exhausted pool=p0 waited=100ms"
        );
        assert_eq!(t[0].minutes.iter().map(|(_, n)| n).sum::<u32>(), 50);
        assert_eq!(t[1].count, 2);
        assert_eq!(t[1].level, Some(Level::Warn));
    }

    #[test]
    fn the_first_words_keep_templates_apart() {
        let mut m = Miner::new();
        m.add(at(0), None, "GET /a 200", "x:1");
        m.add(at(1), None, "POST /a 200", "x:2");
        m.add(at(2), None, "GET /b 500", "x:3");
        let t = m.finish("x");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].text, "GET <*> <*>");
        assert_eq!(t[0].count, 2);
    }

    #[test]
    fn minutes_count_entries_that_come_out_of_time_order() {
        let mut m = Miner::new();
        for (i, s) in [61, 125, 70, 200, 50, 130, 62].into_iter().enumerate() {
            m.add(at(s), None, "retrying job 7", &format!("a.log:{}", i + 1));
        }
        let t = m.finish("x");
        let base = at(0).as_second().div_euclid(60);
        let minutes: Vec<(i64, u32)> = t[0].minutes.iter().map(|&(m, n)| (m - base, n)).collect();
        let first_second = at(0).as_second() % 60;
        // Seconds 50, 61, 62, 70 … fall in minutes by the clock, not by the first entry.
        let expected: Vec<(i64, u32)> = {
            let mut counts = std::collections::BTreeMap::new();
            for s in [61, 125, 70, 200, 50, 130, 62] {
                *counts.entry((first_second + s).div_euclid(60)).or_insert(0) += 1;
            }
            counts.into_iter().collect()
        };
        assert_eq!(minutes, expected);
        assert_eq!(t[0].count, 7);
        // Each minute's place is its earliest entry.
        let earliest = t[0]
            .minutes
            .iter()
            .position(|&(m, _)| m - base == (first_second + 50) / 60);
        assert_eq!(t[0].minute_sources[earliest.unwrap()], "a.log:5");
    }

    #[test]
    fn a_feed_on_its_own_thread_gives_the_templates_of_a_miner_fed_directly() {
        let mut direct = Miner::new();
        let mut feed = Feed::start(false);
        assert!(matches!(feed, Feed::Thread { .. }));
        // Where no thread can be had, entries are grouped as they come: the same again.
        let mut inline = Feed::Direct(Miner::new());
        // Enough entries for several batches, from two files, out of time order, with
        // continuation lines that are not grouped.
        for i in 0..(3 * BATCH_ENTRIES as i64 + 17) {
            let path = if i < 5_000 { "a.log" } else { "b.log" };
            let place = crate::evidence::line::Place {
                path,
                line: i as u64 + 1,
            };
            let text = match i % 5 {
                0 => format!("retrying job {i}\n  at Worker.run"),
                1 => format!("pool exhausted pool=p{} waited={i}ms", i % 3),
                2 => format!(
                    "cache miss for {}",
                    ["carts", "users", "tokens"][i as usize % 3]
                ),
                3 => format!("GET /api/{i} 200"),
                _ => format!("worker {} stopped\r", i % 7),
            };
            let level = [None, Some(Level::Error), Some(Level::Warn)][i as usize % 3];
            let when = at((i * 7919) % 86_400);
            direct.add(when, level, &text, &place.to_string());
            feed.add(when, level, text.as_bytes(), &place, false);
            inline.add(when, level, text.as_bytes(), &place, false);
        }
        let direct = direct.finish("x");
        assert!(direct.len() > 5);
        assert_eq!(feed.finish().finish("x"), direct);
        assert_eq!(inline.finish().finish("x"), direct);
    }

    /// Bytes that are not UTF-8 are grouped as they are shown: as U+FFFD, whichever they are.
    #[test]
    fn lines_that_are_not_utf8_are_grouped_as_shown() {
        let mut feed = Feed::start(false);
        for (i, line) in [&b"\xff worker 7 stopped"[..], b"\xfe\xfe worker 9 stopped"]
            .into_iter()
            .enumerate()
        {
            let place = crate::evidence::line::Place {
                path: "a.log",
                line: i as u64 + 1,
            };
            feed.add(at(i as i64), None, line, &place, false);
        }
        let mut direct = Miner::new();
        direct.add(at(0), None, "\u{fffd} worker 7 stopped", "a.log:1");
        direct.add(at(1), None, "\u{fffd}\u{fffd} worker 9 stopped", "a.log:2");
        let templates = feed.finish().finish("x");
        assert_eq!(templates, direct.finish("x"));
        assert_eq!(templates.len(), 2, "one U+FFFD or two are different shapes");
        assert_eq!(templates[0].example, "\u{fffd} worker 7 stopped");
    }

    #[test]
    fn an_earlier_entry_read_later_becomes_the_example() {
        let mut m = Miner::new();
        m.add(at(10), None, "retrying job 7", "b.log:1");
        m.add(at(5), None, "retrying job 8", "a.log:9");
        let t = m.finish("x");
        assert_eq!((t[0].first, t[0].last), (at(5), at(10)));
        assert_eq!(t[0].source, "a.log:9");
    }
}
