//! Acronyms an article defines: `Network Security Group (NSG)`, `virtual machine (VM)`.
//!
//! The rule is Schwartz and Hearst's ("A simple algorithm for identifying abbreviation
//! definitions in biomedical text", 2003): a short form in parentheses, and before it the
//! shortest run of words in which the short form's letters appear in order, its first letter
//! starting a word. It needs no dictionary and finds the definitions authors write. The
//! search reads the pairs as synonyms at query time (`crate::search`), so that `NSG` finds
//! `network security group` in the articles that never abbreviate it.

/// A short form and the long form it stands for, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub short: String,
    pub long: String,
}

/// Longest short form looked at, in characters.
const MAX_SHORT: usize = 10;

/// Every definition in `text`, in order (repeats kept).
pub fn definitions(text: &str) -> Vec<Definition> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text.get(from..).and_then(|t| t.find('(')) {
        let open = from + open;
        from = open + 1;
        let Some(close) = text[open + 1..].find(')').map(|i| open + 1 + i) else {
            break;
        };
        let short = text[open + 1..close].trim();
        if !is_short_form(short) {
            continue;
        }
        // The words before the parenthesis, on the same line and sentence.
        let before = &text[..open];
        let start = before
            .rfind(['\n', '.', ';', ':', '(', ')', '[', ']', '"'])
            .map_or(0, |i| i + 1);
        let window: Vec<&str> = before[start..].split_whitespace().collect();
        let letters = short.chars().filter(|c| c.is_alphanumeric()).count();
        let max_words = (letters + 5).min(letters * 2);
        let take = window.len().min(max_words);
        let candidate = window[window.len() - take..].join(" ");
        if let Some(long) = long_form(short, &candidate) {
            out.push(Definition {
                short: short.to_owned(),
                long,
            });
        }
    }
    out
}

/// Two to ten characters, letters and digits (a hyphen inside allowed), starting with a letter
/// and holding at least two capitals: `VM`, `NSG`, `VNet`, `AKS`; not `s`, `UTC+1` or `see
/// above`.
fn is_short_form(s: &str) -> bool {
    let n = s.chars().count();
    (2..=MAX_SHORT).contains(&n)
        && s.chars().next().is_some_and(char::is_alphabetic)
        && s.chars().all(|c| c.is_alphanumeric() || c == '-')
        && s.chars().filter(|c| c.is_uppercase()).count() >= 2
}

/// The shortest end of `candidate` that `short` abbreviates, or `None`. Beyond Schwartz and
/// Hearst, the short form's last letter must fall in the long form's last word (so that
/// `Network Security Group Rules (NSGs)` is no definition of `NSGs`), and a plural `s`
/// (`VMs`) stands for the last word's own.
fn long_form(short: &str, candidate: &str) -> Option<String> {
    let singular = short
        .strip_suffix('s')
        .filter(|s| s.len() >= 2 && !s.ends_with('s'));
    let plural = singular.is_some();
    let short = singular.unwrap_or(short);
    let s: Vec<char> = short.chars().flat_map(char::to_lowercase).collect();
    let l: Vec<char> = candidate.chars().flat_map(char::to_lowercase).collect();
    if l.len() <= s.len() {
        return None;
    }
    let last_word = l
        .iter()
        .rposition(|c| c.is_whitespace())
        .map_or(0, |i| i + 1);
    let (mut si, mut li) = (s.len() as isize - 1, l.len() as isize - 1);
    if plural && l.last() != Some(&'s') {
        return None;
    }
    let mut first_match = true;
    while si >= 0 {
        let c = s[si as usize];
        if !c.is_alphanumeric() {
            si -= 1;
            continue;
        }
        // The short form's first letter must start a word of the long form.
        while li >= 0
            && (l[li as usize] != c || (si == 0 && li > 0 && l[li as usize - 1].is_alphanumeric()))
        {
            li -= 1;
        }
        if li < 0 || (first_match && (li as usize) < last_word) {
            return None;
        }
        first_match = false;
        li -= 1;
        si -= 1;
    }
    // From the start of the word the first letter was found in.
    let start = (li + 1) as usize;
    let long: String = candidate.chars().skip(start).collect();
    let long = long.trim().to_owned();
    let words = long.split_whitespace().count();
    // A long form is words, more than one unless the short form is cut out of one word
    // (`VNet` from `virtual network` is two; `Kubernetes (K8s)` is not a definition).
    (words >= 2 && long.chars().count() > short.chars().count()).then_some(long)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        definitions(text)
            .into_iter()
            .map(|d| (d.short, d.long))
            .collect()
    }

    #[test]
    fn finds_the_shortest_long_form() {
        assert_eq!(
            pairs("We determined that your virtual machine (VM) stopped."),
            [("VM".to_owned(), "virtual machine".to_owned())]
        );
        assert_eq!(
            pairs(
                "Troubleshoot my Network Security Group (NSG) rules and Azure Kubernetes Service (AKS)."
            ),
            [
                ("NSG".to_owned(), "Network Security Group".to_owned()),
                ("AKS".to_owned(), "Azure Kubernetes Service".to_owned())
            ]
        );
        assert_eq!(
            pairs("connect to your own virtual network (VNet) first"),
            [("VNet".to_owned(), "virtual network".to_owned())]
        );
        assert_eq!(
            pairs("When using Multi Factor Authentication (MFA)"),
            [("MFA".to_owned(), "Multi Factor Authentication".to_owned())]
        );
        assert_eq!(
            pairs("Start your virtual machines (VMs) again"),
            [("VMs".to_owned(), "virtual machines".to_owned())]
        );
    }

    #[test]
    fn refuses_what_is_no_definition() {
        assert!(pairs("Restart it (see above) and wait (UTC).").is_empty());
        assert!(pairs("the time (UTC)").is_empty());
        assert!(pairs("Open the blade (NSG)").is_empty());
        assert!(pairs("(VM) alone").is_empty());
        assert!(pairs("unclosed (VM").is_empty());
        assert!(pairs("Check the Network Security Group Rules (NSGs)").is_empty());
    }
}
