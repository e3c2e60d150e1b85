//! The `<properties .../>` metadata block: where it stands and what it says.
//!
//! The block is meant to be one empty XML element, and quick-xml reads it when it is. Real
//! authors write raw `&`, non-breaking spaces between attributes and other things XML forbids,
//! so a lenient, quote-aware scanner takes over for those blocks: it loses no attribute that a
//! human reader would see, and the caller reports the fallback as a warning.

use quick_xml::events::Event;

/// One `key="value"` pair of the properties block, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawProperty {
    /// The key exactly as the author spelled it.
    pub key: String,
    /// The value with XML entities resolved.
    pub value: String,
    /// Byte offset of the key in the text the block was found in.
    pub offset: usize,
}

/// The located block and its attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertiesBlock {
    /// Byte range of the whole block, `<properties` to `/>` inclusive.
    pub start: usize,
    pub end: usize,
    pub properties: Vec<RawProperty>,
    /// How the attributes were read.
    pub mode: BlockMode,
}

/// Whether quick-xml accepted the block or the lenient scanner had to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockMode {
    WellFormed,
    /// Not well-formed XML; the message is quick-xml's reason.
    Lenient(String),
    /// No closing `>` before the end of the file: everything after `<properties` was scanned.
    Unterminated,
}

/// Finds the first `<properties` element (case-insensitive) and reads its attributes.
pub fn find_block(text: &str) -> Option<PropertiesBlock> {
    let start = find_open_tag(text)?;
    let attrs_start = start + "<properties".len();
    let scan = scan_attributes(text, attrs_start);
    let Some(end) = scan.end else {
        // Without a closing `>` the block ends after its last `key="value"` line: what
        // follows is the body, not a run of bare attributes.
        let mut properties = scan.properties;
        properties.truncate(scan.quoted);
        let end = text[scan.quoted_end..]
            .find('\n')
            .map_or(text.len(), |i| scan.quoted_end + i + 1);
        return Some(PropertiesBlock {
            start,
            end: if properties.is_empty() {
                attrs_start
            } else {
                end
            },
            properties,
            mode: BlockMode::Unterminated,
        });
    };
    let (properties, mode) = match parse_xml(&text[start..end]) {
        Ok(mut props) => {
            // quick-xml gives no positions; the scanner read the same keys in the same order.
            for (p, scanned) in props.iter_mut().zip(&scan.properties) {
                if p.key == scanned.key {
                    p.offset = scanned.offset;
                }
            }
            (props, BlockMode::WellFormed)
        }
        Err(reason) => (scan.properties, BlockMode::Lenient(reason)),
    };
    Some(PropertiesBlock {
        start,
        end,
        properties,
        mode,
    })
}

fn find_open_tag(text: &str) -> Option<usize> {
    const TAG: &[u8] = b"<properties";
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = memchr_lt(bytes, from) {
        let rest = &bytes[pos..];
        if rest.len() >= TAG.len() && rest[..TAG.len()].eq_ignore_ascii_case(TAG) {
            // `<propertiesfoo` is another element; the name must end here.
            match rest.get(TAG.len()) {
                None => return Some(pos),
                Some(&c) if c == b'/' || c == b'>' || c.is_ascii_whitespace() || c >= 0x80 => {
                    return Some(pos);
                }
                _ => {}
            }
        }
        from = pos + 1;
    }
    None
}

fn memchr_lt(bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == b'<')
        .map(|i| i + from)
}

fn parse_xml(block: &str) -> Result<Vec<RawProperty>, String> {
    let mut reader = quick_xml::Reader::from_str(block);
    let event = reader.read_event().map_err(|e| e.to_string())?;
    let element = match event {
        Event::Empty(e) | Event::Start(e) => e,
        other => return Err(format!("expected an element, found {other:?}")),
    };
    let mut out = Vec::new();
    let mut attributes = element.attributes();
    attributes.with_checks(true);
    for attr in attributes {
        let attr = attr.map_err(|e| e.to_string())?;
        let key: &str = attr.key.as_ref();
        // quick-xml takes a non-breaking space for part of a name; XML does not.
        if let Some(c) = key.chars().find(|c| c.is_whitespace()) {
            return Err(format!("U+{:04X} space before `{}`", c as u32, key.trim()));
        }
        let key = key.to_owned();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?
            .into_owned();
        out.push(RawProperty {
            key,
            value,
            offset: 0,
        });
    }
    Ok(out)
}

struct Scan {
    properties: Vec<RawProperty>,
    /// How many leading properties had a quoted value, and where the last of them ended.
    quoted: usize,
    quoted_end: usize,
    /// Byte offset just past the closing `/>` or `>`, if one was found.
    end: Option<usize>,
}

/// Reads `key = "value"` pairs until a `>` outside quotes. Whitespace includes every Unicode
/// space (authors paste non-breaking spaces), values may use either quote, and a value without
/// quotes runs to the next whitespace.
fn scan_attributes(text: &str, from: usize) -> Scan {
    let mut properties = Vec::new();
    let (mut quoted, mut quoted_end) = (0, from);
    let mut chars = text[from..]
        .char_indices()
        .map(|(i, c)| (i + from, c))
        .peekable();
    loop {
        // Skip separators.
        while chars.next_if(|&(_, c)| c.is_whitespace()).is_some() {}
        let Some((pos, c)) = chars.next() else {
            return Scan {
                properties,
                quoted,
                quoted_end,
                end: None,
            };
        };
        match c {
            '/' if chars.peek().is_some_and(|&(_, n)| n == '>') => {
                return Scan {
                    properties,
                    quoted,
                    quoted_end,
                    end: Some(pos + 2),
                };
            }
            '>' => {
                return Scan {
                    properties,
                    quoted,
                    quoted_end,
                    end: Some(pos + 1),
                };
            }
            '/' => continue,
            _ => {}
        }
        // A key runs to whitespace, `=`, or the end of the tag.
        let key_start = pos;
        let mut key_end = pos + c.len_utf8();
        while let Some(&(i, k)) = chars.peek() {
            if k.is_whitespace() || k == '=' || k == '>' || k == '/' {
                break;
            }
            key_end = i + k.len_utf8();
            chars.next();
        }
        let key = &text[key_start..key_end];
        while chars.next_if(|&(_, c)| c.is_whitespace()).is_some() {}
        if chars.next_if(|&(_, c)| c == '=').is_none() {
            // A bare word: an attribute without a value.
            properties.push(RawProperty {
                key: key.to_owned(),
                value: String::new(),
                offset: key_start,
            });
            continue;
        }
        while chars.next_if(|&(_, c)| c.is_whitespace()).is_some() {}
        let value = match chars.peek().copied() {
            Some((q_pos, q)) if q == '"' || q == '\'' => {
                chars.next();
                let value_start = q_pos + 1;
                let mut value_end = text.len();
                for (i, v) in chars.by_ref() {
                    if v == q {
                        value_end = i;
                        break;
                    }
                }
                if quoted == properties.len() && value_end < text.len() {
                    quoted += 1;
                    quoted_end = value_end + 1;
                }
                &text[value_start..value_end.max(value_start)]
            }
            Some((v_pos, _)) => {
                let mut v_end = v_pos;
                while let Some(&(i, v)) = chars.peek() {
                    if v.is_whitespace() || v == '>' || (v == '/' && text[i..].starts_with("/>")) {
                        break;
                    }
                    v_end = i + v.len_utf8();
                    chars.next();
                }
                &text[v_pos..v_end]
            }
            None => "",
        };
        properties.push(RawProperty {
            key: key.to_owned(),
            value: unescape_lenient(value),
            offset: key_start,
        });
    }
}

/// Resolves the five XML entities and numeric references; anything else (a raw `&`) stays.
pub fn unescape_lenient(value: &str) -> String {
    if !value.contains('&') {
        return value.to_owned();
    }
    super::html::decode_references(value, |rest| {
        let semi = rest.find(';').filter(|&semi| semi <= 10)?;
        let entity = &rest[1..semi];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        ch.map(|c| (c, semi + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(block: &PropertiesBlock) -> Vec<(&str, &str)> {
        block
            .properties
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str()))
            .collect()
    }

    #[test]
    fn well_formed_block_is_read_by_quick_xml() {
        let text = "<properties\n\tpageTitle=\"A &amp; B\"\n\tservice='microsoft.compute'\n/>\n# H";
        let block = find_block(text).expect("block");
        assert_eq!(block.mode, BlockMode::WellFormed);
        assert_eq!(
            keys(&block),
            [("pageTitle", "A & B"), ("service", "microsoft.compute")]
        );
        assert_eq!(
            &text[block.start..block.end],
            &text[..text.find("/>").unwrap() + 2]
        );
        assert_eq!(&text[block.properties[1].offset..][..7], "service");
    }

    #[test]
    fn raw_ampersand_falls_back_to_the_scanner_and_keeps_every_attribute() {
        let text = "<properties pageTitle=\"Alerts & Metrics\" description='x &amp; y' a = \"1\"/>";
        let block = find_block(text).expect("block");
        assert!(matches!(block.mode, BlockMode::Lenient(_)));
        assert_eq!(
            keys(&block),
            [
                ("pageTitle", "Alerts & Metrics"),
                ("description", "x & y"),
                ("a", "1")
            ]
        );
    }

    #[test]
    fn non_breaking_spaces_between_attributes_are_separators() {
        let text = "<properties\n\u{a0}\u{a0}pageTitle=\"T\"\n\u{a0}service=\"s\"\n/>";
        let block = find_block(text).expect("block");
        assert_eq!(keys(&block), [("pageTitle", "T"), ("service", "s")]);
    }

    #[test]
    fn unterminated_block_keeps_what_it_read() {
        let block = find_block("<properties pageTitle=\"T\" service=\"s\"\n# no end").expect("b");
        assert_eq!(block.mode, BlockMode::Unterminated);
        assert_eq!(block.properties[0].value, "T");
    }

    #[test]
    fn block_after_leading_text_is_found_and_similar_names_are_not() {
        let text = "<propertiesx a=\"1\"/>\n<!-- c -->\n<PROPERTIES a=\"2\" />";
        let block = find_block(text).expect("block");
        assert_eq!(keys(&block), [("a", "2")]);
        assert!(find_block("no block here").is_none());
    }

    #[test]
    fn lenient_unescape() {
        assert_eq!(
            unescape_lenient("a &amp; b & c &#65;&#x42; &bogus;"),
            "a & b & c AB &bogus;"
        );
    }
}
