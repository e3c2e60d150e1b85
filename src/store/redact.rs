//! Personal data out of what is stored: before a query, its filters or a feedback comment
//! is written, each piece of recognisable personal data becomes a typed placeholder.
//! [`redact`] is called in one place, the store's write path ([`super::Store`]), so nothing
//! unredacted reaches the database, `/insights` or an export.
//!
//! What is recognised, in this order (a later rule never sees what an earlier one replaced):
//!
//! | placeholder | what |
//! | --- | --- |
//! | `‹url-with-query›` | an `http://` or `https://` URL with a `?` query (tokens, SAS signatures and e-mail addresses travel in them) |
//! | `‹email›` | `local@domain.tld`, also with `+tags`, dots and sub-domains, in any case |
//! | `‹guid›` | a GUID (`8-4-4-4-12` hex digits, with or without braces): subscription, tenant and object IDs |
//! | `‹ip›` | an IPv4 address (with an optional `/prefix` or `:port`) or an IPv6 address (as `std::net` reads it, `::1`, `fe80::1%eth0`, with an optional `/prefix`) |
//! | `‹phone›` | 9 to 15 digits written as a phone number: with a leading `+`, or in groups separated by spaces, `-` or parentheses (`(425) 555-0100`, `+44 20 7946 0958`), or dotted as `425.555.0100`, or 10 to 15 digits in a row |
//!
//! Not recognised: names of people or companies (nothing tells them from product names),
//! postal addresses, and numbers of other shapes. Short numbers (event IDs, error numbers,
//! support topic IDs of 8 digits), hex codes (`0x80070005`) and codes inside words
//! (`AADSTS50076`) are left alone, as is a negative decimal HRESULT (`-2147024891`).

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

/// The placeholders, as stored.
pub const EMAIL: &str = "‹email›";
pub const IP: &str = "‹ip›";
pub const PHONE: &str = "‹phone›";
pub const GUID: &str = "‹guid›";
pub const URL_WITH_QUERY: &str = "‹url-with-query›";

static URL: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bhttps?://[^\s?#]*\?[^\s]*"));
static MAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)[a-z0-9.!#$%&'*+/=^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+",
    )
});
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\{?\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b\}?")
});
/// Runs that may be an IP address: hex digits, dots, colons, a zone and a prefix.
static IP_CANDIDATE: LazyLock<Regex> =
    LazyLock::new(|| re(r"[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*(?:%[0-9A-Za-z]+)?(?:/\d{1,3})?"));
/// Runs that may be a phone number: an optional `+`, digits, and separators between them.
static PHONE_CANDIDATE: LazyLock<Regex> = LazyLock::new(|| re(r"\+?\(?\d[\d\s().-]*\d"));

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, tested below; one that does not compile is a
    // bug found by the first test run.
    Regex::new(pattern).unwrap_or_else(|e| panic!("redaction pattern {pattern}: {e}"))
}

/// `text` with its personal data replaced by placeholders; borrowed when there was none.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for step in [urls, emails, guids, ips, phones] {
        if let Cow::Owned(s) = step(&out) {
            out = Cow::Owned(s);
        }
    }
    out
}

fn urls(text: &str) -> Cow<'_, str> {
    URL.replace_all(text, URL_WITH_QUERY)
}

fn emails(text: &str) -> Cow<'_, str> {
    MAIL.replace_all(text, EMAIL)
}

fn guids(text: &str) -> Cow<'_, str> {
    UUID.replace_all(text, GUID)
}

/// Whether the characters either side of a match leave it a word of its own.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text.get(..start).and_then(|s| s.chars().next_back());
    let after = text.get(end..).and_then(|s| s.chars().next());
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    !joins(before) && !joins(after)
}

fn ips(text: &str) -> Cow<'_, str> {
    replace_where(text, &IP_CANDIDATE, IP, |text, start, end| {
        let found = text.get(start..end)?;
        // A sentence's full stop or a list's colon after an address is not part of it.
        let trimmed = found.trim_end_matches(['.', ':']);
        let end = start + trimmed.len();
        if !stands_alone(text, start, end) {
            return None;
        }
        let address = trimmed.split('/').next().unwrap_or(trimmed);
        let prefix_ok = trimmed
            .split_once('/')
            .is_none_or(|(_, p)| p.parse::<u8>().is_ok_and(|p| p <= 128));
        let v4 = |s: &str| s.parse::<Ipv4Addr>().is_ok();
        let v4_port = |s: &str| {
            s.rsplit_once(':')
                .is_some_and(|(a, port)| v4(a) && port.parse::<u16>().is_ok())
        };
        let v6 = |s: &str| {
            let bare = s.split('%').next().unwrap_or(s);
            bare.contains("::") || bare.matches(':').count() >= 2
        } && s.split('%').next().unwrap_or(s).parse::<Ipv6Addr>().is_ok();
        (prefix_ok && (v4(address) || v4_port(address) || v6(address))).then_some(end)
    })
}

fn phones(text: &str) -> Cow<'_, str> {
    replace_where(text, &PHONE_CANDIDATE, PHONE, |text, start, end| {
        // A negative decimal number (`-2147024891`, an HRESULT) is not a phone number.
        if text.get(..start).is_some_and(|s| s.ends_with('-')) {
            return None;
        }
        // The run of digits may go on into a word (`… 1000 0x80070005`): the longest
        // prefix of it that ends at a group and stands alone is the number.
        let mut found = text.get(start..end)?.trim_end();
        loop {
            let end = start + found.len();
            if stands_alone(text, start, end) && is_phone(found) {
                return Some(end);
            }
            let cut = found.rfind(|c: char| !c.is_ascii_digit())?;
            found = found.get(..cut)?.trim_end_matches([' ', '-', '.', '(']);
            if found.is_empty() {
                return None;
            }
        }
    })
}

/// Whether a run of digits and separators reads as a phone number.
fn is_phone(found: &str) -> bool {
    let digits = found.chars().filter(char::is_ascii_digit).count();
    let grouped = found.chars().any(|c| " -.()".contains(c));
    let plus = found.starts_with('+');
    let ok = match digits {
        9 => plus || grouped,
        10..=15 => true,
        _ => false,
    };
    // A date or a version (`2024-05-01`, `10.0.17763.1`) has groups but is no number to
    // call: its groups are short and few.
    let groups: Vec<usize> = found
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(str::len)
        .collect();
    // Dots alone make a version more often than a number, except in the North American
    // `425.555.0100`.
    let dotted = found.contains('.') && !found.contains(' ') && !plus;
    let nanp = groups == [3, 3, 4];
    ok && (!dotted || nanp) && groups.iter().filter(|&&g| g >= 3).count() >= 2.min(groups.len())
}

/// Replaces each match of `pattern` that `accept` takes (it returns where the match ends,
/// perhaps earlier than the regex said) with `placeholder`. A match it refuses is tried
/// again from its next character, so that a refused run (`0x80070005 4255550100` read as
/// one run of digits) does not hide the number that follows it.
fn replace_where<'t>(
    text: &'t str,
    pattern: &Regex,
    placeholder: &str,
    accept: impl Fn(&str, usize, usize) -> Option<usize>,
) -> Cow<'t, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(m) = pattern.find_at(text, at) {
        match accept(text, m.start(), m.end()) {
            Some(end) => {
                out.push_str(text.get(copied..m.start()).unwrap_or_default());
                out.push_str(placeholder);
                copied = end;
                at = end;
            }
            None => {
                let next = text
                    .get(m.start()..)
                    .and_then(|rest| rest.chars().next())
                    .map_or(text.len(), |c| m.start() + c.len_utf8());
                at = next;
            }
        }
        if at >= text.len() {
            break;
        }
    }
    if copied == 0 && out.is_empty() {
        return Cow::Borrowed(text);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issues_example_keeps_nothing_personal() {
        assert_eq!(
            redact("jane.doe@contoso.com cannot login from 10.1.2.3"),
            "‹email› cannot login from ‹ip›"
        );
    }

    #[test]
    fn each_kind_in_its_forms() {
        let cases = [
            (
                "mail JANE.DOE+azure@Sub.Contoso.co.uk now",
                "mail ‹email› now",
            ),
            ("from 192.168.0.1.", "from ‹ip›."),
            ("range 10.0.0.0/16 and 10.0.0.4:3389", "range ‹ip› and ‹ip›"),
            (
                "v6 2001:db8::8a2e:370:7334 and ::1 and fe80::1%eth0",
                "v6 ‹ip› and ‹ip› and ‹ip›",
            ),
            (
                "call +1 425 555 0100 or (425) 555-0100",
                "call ‹phone› or ‹phone›",
            ),
            (
                "uk +44 20 7946 0958, bare 4255550100",
                "uk ‹phone›, bare ‹phone›",
            ),
            ("0x80070005 4255550100 again", "0x80070005 ‹phone› again"),
            ("dotted 425.555.0100", "dotted ‹phone›"),
            ("+1 425 555 0100 0x80070005", "‹phone› 0x80070005"),
            ("sub 0b5b2f9e-3c1d-4e8a-9f7b-1a2b3c4d5e6f", "sub ‹guid›"),
            (
                "tenant {0B5B2F9E-3C1D-4E8A-9F7B-1A2B3C4D5E6F}",
                "tenant ‹guid›",
            ),
            (
                "see https://contoso.blob.core.windows.net/c/f?sv=2022&sig=abc x",
                "see ‹url-with-query› x",
            ),
            (
                "https://portal.azure.com/#blade stays",
                "https://portal.azure.com/#blade stays",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(redact(text), want, "{text}");
        }
    }

    #[test]
    fn codes_versions_and_dates_are_not_personal() {
        for text in [
            "AADSTS50076 after MFA",
            "error 0x80070005 access denied",
            "HRESULT -2147024891",
            "event 4625 and 7031",
            "Windows 10.0.17763.1 on 2024-05-01",
            "RDP port 3389 and topic 32599835",
            "VNet peering UserErrorSkuNotAvailable",
            "time 10:30 to 11:45",
        ] {
            assert_eq!(redact(text), text, "{text}");
            assert!(matches!(redact(text), Cow::Borrowed(_)));
        }
    }
}
