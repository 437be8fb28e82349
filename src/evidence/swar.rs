//! Looking for a byte eight at a time, in a `u64` (SIMD within a register): for the short runs
//! of a log line (a word, a JSON string), where a vectorised search costs more to set up than
//! it saves, and a byte-by-byte loop spends a branch per byte.

/// `0x01` in every byte.
const ONES: u64 = u64::from_ne_bytes([1; 8]);
/// `0x80` in every byte.
const HIGH: u64 = ONES << 7;

/// The high bit of each byte of `x` that is `b`. Exact for the lowest such byte; bits above it
/// may be set too (a borrow), which is why [`find`] reads only the lowest.
#[inline(always)]
pub fn equal(x: u64, b: u8) -> u64 {
    below(x ^ (ONES * u64::from(b)), 1)
}

/// The high bit of each byte of `x` below `n` (at most 128), exact for the lowest as in
/// [`equal`].
#[inline(always)]
pub fn below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH
}

/// The high bit of each byte of `x` that is an ASCII digit, exactly for every byte (unlike
/// [`equal`] and [`below`]): `b ^ b'0'` is below 10, as its low seven bits plus 118 carry into
/// the high bit from 10 on, and never out of the byte.
#[inline(always)]
pub fn digits(x: u64) -> u64 {
    let y = x ^ (ONES * u64::from(b'0'));
    !(((y & !HIGH) + ONES * (0x80 - 10)) | y) & HIGH
}

/// Where the first byte of `bytes` is that `hits` marks (given eight bytes as a little-endian
/// `u64`, the high bit of each byte wanted, as [`equal`] and [`below`] give) and `wanted` tells
/// one by one, for the last few bytes.
#[inline(always)]
pub fn find(bytes: &[u8], hits: impl Fn(u64) -> u64, wanted: impl Fn(u8) -> bool) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let found = hits(u64::from_le_bytes(word.try_into().expect("eight bytes")));
        if found != 0 {
            return Some(offset + found.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| wanted(b))
        .map(|i| offset + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Every byte of a word is told a digit or not, whatever its neighbours.
        #[test]
        fn digits_are_found_in_every_byte(bytes in proptest::array::uniform8(proptest::num::u8::ANY)) {
            let found = digits(u64::from_le_bytes(bytes)).to_le_bytes();
            for (b, f) in bytes.iter().zip(found) {
                proptest::prop_assert_eq!(f == 0x80, b.is_ascii_digit());
            }
        }

        /// Eight at a time finds what a byte-by-byte search finds, also where a borrow sets
        /// bits above the first hit (a zero byte, then a one).
        #[test]
        fn eight_at_a_time_finds_the_first_byte_wanted(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::num::u8::ANY,
                    proptest::sample::select(vec![b'"', b'\\', 0u8, 1, 0x1f, 0x20, 0x21, 0x80])
                ],
                0..40,
            ),
        ) {
            let wanted = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
            let hits = |x| equal(x, b'"') | equal(x, b'\\') | below(x, 0x20);
            proptest::prop_assert_eq!(
                find(&bytes, hits, wanted),
                bytes.iter().position(|&b| wanted(b))
            );
        }
    }
}
