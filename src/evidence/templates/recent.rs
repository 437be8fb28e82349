//! Lines seen lately, found by a hash that leaves their digits out: most lines of a log repeat
//! one seen a moment ago but for their numbers, and their group is found without working out
//! their shape byte by byte.

use super::super::format::Level;
use super::mask::{ShapeHash, key_byte};

/// A 64-bit hash of a line and its level that leaves out which digits it holds: equal for lines
/// that are the same but for their digits (`cart 7973 priced in 240 ms`, `cart 5909 priced in
/// 163 ms`), and different otherwise (but by chance). Such lines have one shape, as every digit
/// is of one class and a token holding one is a wildcard; the exception is a key of
/// `key=value`, which is kept with its digits (`p99=`), so a line where a digit stands among
/// the key bytes right before an `=` is hashed with its digits. Reading eight bytes at a time,
/// it costs a fraction of [`shape_hash`](super::mask::shape_hash), which looks at every byte.
pub(super) fn digits_hash(bytes: &[u8], level: Option<Level>) -> u64 {
    // Each digit with its low four bits cleared, so that every digit reads as `0`.
    #[inline(always)]
    fn zeroed(x: u64) -> u64 {
        x & !((crate::evidence::swar::digits(x) >> 7) * 0x0f)
    }
    let mut h = ShapeHash::new();
    h.word(level.map_or(0, |l| l as u64 + 1));
    if key_with_digit(bytes) {
        h.bytes(bytes, 1);
        return h.0;
    }
    // Whole words, then the word that ends the line (overlapping the one before), as
    // `ShapeHash::bytes` reads them.
    let n = bytes.len();
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
    if n >= 8 {
        let mut i = 0;
        while i + 8 <= n {
            h.word(zeroed(word(i)));
            i += 8;
        }
        if i < n {
            h.word(zeroed(word(n - 8)));
        }
    } else if n >= 4 {
        let half = |i: usize| u64::from(u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()));
        h.word(zeroed(half(0) | half(n - 4) << 32));
    } else if n > 0 {
        let b = |i: usize| u64::from(bytes[i]);
        h.word(zeroed(b(0) | b(n / 2) << 8 | b(n - 1) << 16));
    }
    h.word(n as u64);
    h.0
}

/// Whether a digit stands in the run of key bytes right before some `=`: the only place where
/// which digit it is can change a line's shape (`p99=5` and `p95=5` are two keys). A value's
/// digits (`took=250`) do not.
fn key_with_digit(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'=', bytes).any(|eq| {
        bytes[..eq]
            .iter()
            .rev()
            .take_while(|&&b| key_byte(b))
            .any(u8::is_ascii_digit)
    })
}

/// A cache of lines seen lately: hash of the bytes (digits aside) → group, in a table of fixed
/// size where a new line takes the slot of an old one with the same low bits. It holds only what
/// the miner's shape map holds, so a hit gives the group the shape would give.
///
/// In a log whose lines hardly ever repeat (each carries an id), looking costs more than it
/// finds: when fewer than one in eight of a stretch's lines are found, the cache is left alone
/// for a longer stretch, and then tried again. This changes only the speed, never a group.
#[derive(Debug, Default)]
pub(super) struct Recent {
    slots: Vec<(u64, usize)>,
    /// Lines looked up and found in the current stretch.
    tried: u32,
    found: u32,
    /// Lines still to pass without looking.
    pub(super) resting: u32,
}

impl Recent {
    const SLOTS: usize = 4096;
    const STRETCH: u32 = 4096;
    const REST: u32 = 16 * Self::STRETCH;

    /// Whether to look the next line up.
    pub(super) fn worth_it(&mut self) -> bool {
        if self.resting > 0 {
            self.resting -= 1;
            return false;
        }
        true
    }

    fn slot(hash: u64) -> usize {
        // The low bits: the hash's last step rotates a product's high bits, its best mixed,
        // down to them.
        hash as usize % Self::SLOTS
    }

    pub(super) fn get(&mut self, hash: u64) -> Option<usize> {
        self.tried += 1;
        let found = self
            .slots
            .get(Self::slot(hash))
            .filter(|&&(h, i)| h == hash && i != usize::MAX)
            .map(|&(_, i)| i);
        self.found += u32::from(found.is_some());
        if self.tried == Self::STRETCH {
            if self.found < Self::STRETCH / 8 {
                self.resting = Self::REST;
            }
            (self.tried, self.found) = (0, 0);
        }
        found
    }

    pub(super) fn put(&mut self, hash: u64, group: usize) {
        if self.slots.is_empty() {
            self.slots = vec![(0, usize::MAX); Self::SLOTS];
        }
        self.slots[Self::slot(hash)] = (hash, group);
    }
}

#[cfg(test)]
mod tests {
    use super::super::mask::shape_hash;
    use super::*;

    #[test]
    fn the_digits_hash_leaves_out_digits_but_nothing_else() {
        let h = |line: &str| digits_hash(line.as_bytes(), None);
        assert_eq!(
            h("cart 7973 priced in 240 ms"),
            h("cart 5909 priced in 163 ms")
        );
        assert_eq!(
            h("a long line of more than eight bytes 1"),
            h("a long line of more than eight bytes 2")
        );
        assert_ne!(
            h("cart 7973 priced in 240 ms"),
            h("cart 7973 priced in 24 ms")
        );
        assert_ne!(h("cart 7973 priced"), h("cart 7973 prices"));
        assert_ne!(h("p99=5 ms"), h("p95=5 ms"), "a key keeps its digits");
        assert_ne!(h("a x.p99=5"), h("a x.p95=5"), "a key keeps its digits");
        assert_eq!(h("took=250 ms"), h("took=317 ms"), "a value does not");
        assert_eq!(h("msg=\"a 1\" n=2"), h("msg=\"a 7\" n=9"));
        assert_ne!(h("a"), h("a\0"));
        assert_ne!(h("x 1"), digits_hash(b"x 1", Some(Level::Error)));
        // `:` and `/` are one bit away from digits.
        assert_ne!(h("a:b"), h("a0b"));
        assert_ne!(h("a/b"), h("a0b"));
    }

    proptest::proptest! {
        /// Lines whose hashes agree when digits are left out have one shape: the cache of
        /// recent lines finds a line by that hash in place of its shape.
        #[test]
        fn lines_equal_but_for_their_digits_have_one_shape(
            line in r#"([a-zA-Z0-9 ="'/:.\t\[\]_\-]|GET |p9=|é){0,60}"#,
            digits in proptest::collection::vec(0u8..10, 60..61),
        ) {
            let mut other = line.clone().into_bytes();
            let mut next = digits.iter().cycle();
            for b in other.iter_mut().filter(|b| b.is_ascii_digit()) {
                *b = b'0' + next.next().unwrap();
            }
            let (a, b) = (line.as_bytes(), &other[..]);
            let level = Some(Level::Warn);
            if digits_hash(a, level) == digits_hash(b, level) {
                proptest::prop_assert_eq!(shape_hash(a, level), shape_hash(b, level));
            }
        }
    }
}
