//! How much the server takes: request and text sizes, what one meeting holds, and the rate
//! limiter that every request from a network passes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use super::error::ApiError;

/// The largest request body.
pub const MAX_BODY: usize = 16 * 1024;
/// The longest text of an observation, factor or action, in characters.
pub const MAX_TEXT: usize = 2000;
/// The longest name, owner or lane.
pub const MAX_NAME: usize = 80;
/// The longest summary or impact, in characters (the request's size bounds them too).
pub const MAX_SUMMARY: usize = 8000;
/// The most services, tags or people the Details view sets.
pub const MAX_DETAIL_ITEMS: usize = 200;
/// The longest ticket link: tracker links (Jira filters, Linear issues with titles) run well
/// past a name's 80 characters.
pub const MAX_TICKET: usize = 2048;

/// The most people one meeting takes with one join code (the removed do not count).
pub const MAX_PARTICIPANTS: usize = 2000;
/// The most timeline entries, factors and actions an incident takes from the meeting. Far
/// more than any review writes; they keep every state, page and diagram small enough to send
/// to hundreds of screens on every change.
pub const MAX_ENTRIES: usize = 5000;
pub const MAX_FACTORS: usize = 1000;
pub const MAX_ACTIONS: usize = 1000;
/// The most `leads_to` links between factors in all, and links of one kind on one element.
pub const MAX_LEADS: usize = 2000;
pub const MAX_LINKS_PER_ITEM: usize = 50;

/// The most lessons of one kind a meeting adds to.
pub const MAX_LESSONS: usize = 500;

/// A token bucket per key (a participant, or a client's address): a burst of `capacity`,
/// refilled at `rate` per second.
#[derive(Debug)]
pub struct Limiter {
    capacity: f64,
    rate: f64,
    buckets: Mutex<Buckets>,
}

/// Tokens left, and when they were counted, per key.
type Buckets = HashMap<String, (f64, Instant)>;

impl Default for Limiter {
    /// The limit on a participant's changes: a burst of 40, then 10 a second.
    fn default() -> Limiter {
        Limiter::new(40.0, 10.0)
    }
}

impl Limiter {
    pub fn new(capacity: f64, rate: f64) -> Limiter {
        Limiter {
            capacity,
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The tokens `who` has now, after the refill.
    fn refill(&self, who: &str) -> (std::sync::MutexGuard<'_, Buckets>, f64) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Forget full buckets now and then, so a flood of addresses does not grow the map.
        if buckets.len() > 10_000 {
            let (capacity, rate) = (self.capacity, self.rate);
            buckets.retain(|_, (tokens, last)| {
                *tokens + now.duration_since(*last).as_secs_f64() * rate < capacity
            });
        }
        let (tokens, last) = buckets
            .entry(who.to_owned())
            .or_insert((self.capacity, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.capacity);
        *last = now;
        let left = *tokens;
        (buckets, left)
    }

    /// Takes a token from `who`'s bucket, or refuses with 429 when it is empty.
    pub fn allow(&self, who: &str) -> Result<(), ApiError> {
        let (mut buckets, left) = self.refill(who);
        if left < 1.0 {
            return Err(slow_down());
        }
        if let Some((tokens, _)) = buckets.get_mut(who) {
            *tokens -= 1.0;
        }
        Ok(())
    }

    /// Refuses with 429 while `who`'s bucket is empty, without taking a token.
    pub fn check(&self, who: &str) -> Result<(), ApiError> {
        if self.refill(who).1 < 1.0 {
            return Err(slow_down());
        }
        Ok(())
    }
}

fn slow_down() -> ApiError {
    ApiError::new(
        429,
        "rate-limited",
        "too many requests at once; wait a moment and try again",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_allows_a_burst_then_refuses() {
        let l = Limiter::default();
        let allowed = (0..100).filter(|_| l.allow("p").is_ok()).count();
        assert!((40..=45).contains(&allowed), "{allowed}");
        assert!(l.allow("q").is_ok(), "buckets are per caller");
    }
}
