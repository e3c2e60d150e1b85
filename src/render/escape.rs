//! Escaping and unescaping for the HTML this module writes by hand. Escaping is
//! pulldown-cmark's own (`pulldown-cmark-escape`), so that our markup and the Markdown
//! renderer's escape alike.
//!
//! Everything is sanitized by ammonia at the end, so escaping here is not the security
//! boundary; it keeps the markup we emit well formed, so that the sanitizer's parse agrees
//! with what we meant (a token value `"><b>` stays text instead of closing our tag).

/// Appends `s` escaped for an element's text content: `&`, `<` and `>`.
pub(crate) fn text(out: &mut String, s: &str) {
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html_body_text(out, s);
}

/// Appends `s` escaped for a quoted attribute value: `&`, `<`, `>`, `"` and `'` (as
/// `&#39;`).
pub(crate) fn attr(out: &mut String, s: &str) {
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(out, s);
}

/// Decodes character references in an attribute value the way a browser would before it
/// looks at a URL: numeric references with or without `;`, and the named ones that matter
/// for URLs (`&colon;`, `&Tab;`, `&NewLine;`, ...). An unknown name is left as it is, which
/// can only make a URL look relative, never give it a scheme it does not have.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    crate::article::html::decode_references(s, decode_one)
}

/// Decodes the reference at the start of `s` (which starts with `&`): the character and the
/// length consumed.
fn decode_one(s: &str) -> Option<(char, usize)> {
    let body = &s[1..];
    if let Some(num) = body.strip_prefix('#') {
        let (hex, digits) = match num.strip_prefix(['x', 'X']) {
            Some(h) => (true, h),
            None => (false, num),
        };
        let len = digits
            .bytes()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if len == 0 {
            return None;
        }
        let c = u32::from_str_radix(&digits[..len], if hex { 16 } else { 10 })
            .ok()
            .and_then(char::from_u32)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{FFFD}');
        let semi = usize::from(digits[len..].starts_with(';'));
        // `&#` or `&#x`, the digits, the optional `;`.
        return Some((c, 2 + usize::from(hex) + len + semi));
    }
    let semi = body.find(';').filter(|&i| i <= 10)?;
    let c = match &body[..semi] {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "colon" => ':',
        "Tab" => '\t',
        "NewLine" => '\n',
        "sol" => '/',
        "period" => '.',
        "lpar" => '(',
        "rpar" => ')',
        "num" => '#',
        _ => return None,
    };
    Some((c, semi + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_hides_a_scheme() {
        assert_eq!(
            decode_entities("&#106;ava&#x73;cript&colon;x"),
            "javascript:x"
        );
        assert_eq!(decode_entities("&#106avascript:"), "javascript:");
        assert_eq!(decode_entities("a&amp;b &unknown; &"), "a&b &unknown; &");
        assert_eq!(decode_entities("java&Tab;script:"), "java\tscript:");
    }

    #[test]
    fn escapes_quotes_in_attributes() {
        let mut out = String::new();
        attr(&mut out, r#""><b a='x'>&"#);
        assert_eq!(out, "&quot;&gt;&lt;b a=&#39;x&#39;&gt;&amp;");
    }
}
