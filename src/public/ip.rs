//! IP addresses in text, and the addresses a public build may keep (`allow_ips`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// An address or a network (`1.1.1.1`, `129.134.30.0/23`, `2001:db8::/32`) that stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Option<Network> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (text.trim(), None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Network { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => same_prefix(
                u128::from(u32::from(net)) << 96,
                u128::from(u32::from(ip)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(u128::from(net), u128::from(ip), self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, prefix: u8) -> bool {
    prefix == 0 || (a ^ b) >> (128 - u32::from(prefix)) == 0
}

/// Where IP addresses are in `text`, except those in `allow`: IPv4 (each part at most 255,
/// leading zeros too: `010.020.030.040`) and IPv6 (as the standard library reads them, with
/// two colons or more and a digit), anywhere: after `ip:`, in brackets, inside a URL. A run
/// inside a longer word (`a::b` in prose is a path) is not an address.
pub fn find(text: &str, allow: &[Network]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !(bytes[i].is_ascii_hexdigit() || bytes[i] == b':') {
            i += 1;
            continue;
        }
        let run_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_hexdigit() || matches!(bytes[i], b':' | b'.')) {
            i += 1;
        }
        // The run may start with a label that happens to be hex (`backend:10.1.2.3`,
        // `node:fe80::1`): try again after its first single colon.
        let mut from = run_start;
        let hit = loop {
            if let Some(hit) = address(text, run_start, from, i) {
                break Some(hit);
            }
            let next = text[from..i].find(':').map(|c| from + c);
            match next {
                Some(c) if bytes.get(c + 1) != Some(&b':') && c + 1 < i => from = c + 1,
                _ => break None,
            }
        };
        if let Some((range, ip)) = hit
            && !allow.iter().any(|n| n.contains(ip))
        {
            found.push(range);
        }
    }
    found.extend(
        other_spellings(text)
            .filter(|(_, ip)| !allow.iter().any(|n| n.contains(IpAddr::V4(*ip))))
            .map(|(range, _)| range),
    );
    found
}

/// IPv4 addresses spelled otherwise: in a cloud's host names (`ip-10-1-2-3`, `ip-10-1-2-3.ec2`)
/// and as the one number a browser takes for a URL's host (`http://167838211/`,
/// `http://0x0a010203/`).
fn other_spellings(text: &str) -> impl Iterator<Item = (Range<usize>, Ipv4Addr)> + '_ {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)\bip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\b|://(?:[^\s/@]*@)?(?P<n>\d{8,10}|0x[0-9a-f]{1,8})(?:[:/?#\s]|$)",
        )
        .expect("the address spellings")
    });
    re.captures_iter(text).filter_map(|c| {
        if let Some(n) = c.name("n") {
            let s = n.as_str();
            let value = match s.get(..2) {
                Some("0x" | "0X") => u32::from_str_radix(&s[2..], 16).ok()?,
                _ => s.parse::<u32>().ok()?,
            };
            return Some((n.range(), Ipv4Addr::from(value)));
        }
        let part = |i: usize| c.get(i)?.as_str().parse::<u8>().ok();
        let ip = Ipv4Addr::new(part(1)?, part(2)?, part(3)?, part(4)?);
        Some((c.get(0)?.range(), ip))
    })
}

/// The address in the run of hex digits, colons and dots `from..run_end` (part of the run that
/// starts at `run_start`), when there is one.
fn address(
    text: &str,
    run_start: usize,
    from: usize,
    run_end: usize,
) -> Option<(Range<usize>, IpAddr)> {
    let bytes = text.as_bytes();
    let (mut start, mut end) = (from, run_end);
    // A sentence's full stop, and a label's colon (`ip:`, `addr:`), are not the address's.
    while end > start && bytes[end - 1] == b'.' {
        end -= 1;
    }
    if start < end && bytes[start] == b':' && bytes.get(start + 1) != Some(&b':') {
        start += 1;
    }
    if end > start + 1 && bytes[end - 1] == b':' && bytes[end - 2] != b':' {
        end -= 1;
    }
    if start >= end {
        return None;
    }
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let before = start.checked_sub(1).map(|b| bytes[b]);
    let after = bytes.get(end).copied();
    let candidate = &text[start..end];
    // `ip:2001:db8::1` has its label before the colon: the word before does not count.
    let glued = before.is_some_and(word) && run_start == start;
    if candidate.contains(':')
        && !glued
        && !after.is_some_and(word)
        && candidate.matches(':').count() >= 2
        && candidate.bytes().any(|b| b.is_ascii_digit())
        && let Ok(v6) = candidate.parse::<Ipv6Addr>()
    {
        return Some((start..end, IpAddr::V6(v6)));
    }
    // IPv4, alone or with a port (`10.0.0.7:5432`); after a word joined by `_` or `-` too
    // (`pod_10.1.2.3`), but not after a letter (`v1.2.3.4` is a version).
    let v4 = candidate.split(':').next().unwrap_or(candidate);
    let next = bytes.get(start + v4.len()).copied();
    let port_or_end = v4.len() == candidate.len() || next == Some(b':');
    if port_or_end
        && !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.')
        && (v4.len() < candidate.len() || !after.is_some_and(word))
        && let Some(a) = ipv4(v4)
    {
        return Some((start..start + v4.len(), IpAddr::V4(a)));
    }
    None
}

/// Four dot-separated decimal parts of at most three digits and at most 255 each, leading
/// zeros allowed (they are an address to a reader, and to `inet_aton` in octal).
fn ipv4(text: &str) -> Option<Ipv4Addr> {
    let mut parts = [0u8; 4];
    let mut n = 0;
    for part in text.split('.') {
        if n == 4 || part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        parts[n] = part.parse::<u16>().ok().filter(|&v| v <= 255)? as u8;
        n += 1;
    }
    (n == 4).then(|| Ipv4Addr::from(parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found<'t>(text: &'t str, allow: &[&str]) -> Vec<&'t str> {
        let allow: Vec<Network> = allow.iter().map(|a| Network::parse(a).unwrap()).collect();
        find(text, &allow).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn addresses_anywhere_and_not_times_versions_or_paths() {
        assert_eq!(
            found(
                "from 10.1.2.3, to fe80::1 and 2001:db8::8a2e:370:7334. ip:2001:db8::42 \
                 010.020.030.040 http://[2001:db8::7]:8080/x https://10.9.8.7:443/health addr=192.168.0.1",
                &[]
            ),
            [
                "10.1.2.3",
                "fe80::1",
                "2001:db8::8a2e:370:7334",
                "2001:db8::42",
                "010.020.030.040",
                "2001:db8::7",
                "10.9.8.7",
                "192.168.0.1"
            ]
        );
        assert_eq!(
            found(
                "backend:10.1.2.3 source:10.0.4.17:8080 node:fe80::1 via:10.4.4.4 pod_10.1.2.9",
                &[]
            ),
            ["10.1.2.3", "10.0.4.17", "fe80::1", "10.4.4.4", "10.1.2.9"]
        );
        assert!(
            found(
                "at 14:02:00, v4.1.3, 999.1.1.1, std::io, a::b, 1.2.3.4.5, 00:1a:2b:3c:4d:5e",
                &[]
            )
            .is_empty()
        );
    }

    #[test]
    fn allowed_addresses_and_networks_stay() {
        assert_eq!(
            found(
                "resolver 1.1.1.1, prefix 129.134.31.7 and 129.134.32.1, 2001:db8::1",
                &["1.1.1.1", "129.134.30.0/23", "2001:db8::/32"]
            ),
            ["129.134.32.1"]
        );
        assert!(Network::parse("10.0.0.0/33").is_none());
        assert!(Network::parse("nope").is_none());
    }

    #[test]
    fn cloud_host_names_and_one_number_hosts_are_addresses() {
        assert_eq!(
            found(
                "on ip-10-1-2-3.ec2.internal and IP-172-31-0-9, http://167838211/x, \
                 https://0x0a010203:8443/ and http://u:p@3232235777/. Not ip-10-1-2-300, \
                 build 1234567890 or http://1.1.1.1/ (allowed), ip-1-1-1-1",
                &["1.1.1.1"]
            ),
            [
                "ip-10-1-2-3",
                "IP-172-31-0-9",
                "167838211",
                "0x0a010203",
                "3232235777"
            ]
        );
    }
}
