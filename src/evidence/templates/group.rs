//! A group of entries while it is being gathered: its tokens, counts, times and minutes.

use jiff::Timestamp;

use super::super::format::Level;

/// A group while it is being gathered.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) tokens: Vec<String>,
    pub(super) count: u64,
    pub(super) first: Timestamp,
    pub(super) last: Timestamp,
    pub(super) level: Option<Level>,
    /// Entries per minute, with the earliest entry's time and place, in the order first seen.
    pub(super) minutes: Vec<Minute>,
    /// Minute → its place in `minutes`.
    pub(super) minute_index: rustc_hash::FxHashMap<i64, usize>,
    /// The place in `minutes` of the minute last added to: logs are mostly in time order, so
    /// the next entry is mostly in the same minute.
    pub(super) last_minute: usize,
    pub(super) example: String,
    pub(super) source: String,
}

/// One minute of a group: the minute since the epoch, its entries, and the earliest entry's
/// time and place.
#[derive(Debug, Clone)]
pub(super) struct Minute {
    pub(super) minute: i64,
    pub(super) count: u32,
    pub(super) first: Timestamp,
    pub(super) source: String,
}

impl Group {
    pub(super) fn empty(tokens: Vec<String>) -> Group {
        Group {
            tokens,
            count: 0,
            first: Timestamp::MAX,
            last: Timestamp::MIN,
            level: None,
            minutes: Vec::new(),
            minute_index: Default::default(),
            last_minute: 0,
            example: String::new(),
            source: String::new(),
        }
    }

    /// Takes in the entries of `other`: its counts, minutes and earliest entry.
    pub(super) fn absorb(&mut self, other: Group) {
        self.count += other.count;
        if other.first < self.first {
            self.first = other.first;
            self.example = other.example;
            self.source = other.source;
        }
        self.last = self.last.max(other.last);
        self.level = self.level.max(other.level);
        for m in other.minutes {
            match self.minute_index.get(&m.minute) {
                Some(&k) => {
                    let mine = &mut self.minutes[k];
                    mine.count += m.count;
                    if m.first < mine.first {
                        mine.first = m.first;
                        mine.source = m.source;
                    }
                }
                None => {
                    self.minute_index.insert(m.minute, self.minutes.len());
                    self.minutes.push(m);
                }
            }
        }
    }

    /// The minute `at` falls in, added when it is new.
    pub(super) fn minute(
        &mut self,
        at: Timestamp,
        source: &(impl std::fmt::Display + ?Sized),
    ) -> &mut Minute {
        let minute = at.as_second().div_euclid(60);
        if self
            .minutes
            .get(self.last_minute)
            .is_none_or(|m| m.minute != minute)
        {
            self.last_minute = *self.minute_index.entry(minute).or_insert_with(|| {
                self.minutes.push(Minute {
                    minute,
                    count: 0,
                    first: at,
                    source: source.to_string(),
                });
                self.minutes.len() - 1
            });
        }
        &mut self.minutes[self.last_minute]
    }
}
