//! `pattern` regular expressions, checked the way the API server checks them (Go's RE2 syntax),
//! using the `regex` crate, which reads nearly the same language.
//!
//! Two differences are bridged: Go accepts `\Q…\E` literal spans (translated to escaped text
//! here) and rejects repetition counts above 1000 (rejected here too).

use regex::Regex;

/// Go's limit on `{n,m}` repetition counts.
const MAX_REPEAT: u32 = 1000;

/// Compiles `pattern` as Go would accept it.
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    let translated = translate_quotes(pattern);
    check_repeats(&translated)?;
    Regex::new(&translated).map_err(|e| describe(&e))
}

/// Replaces `\Q…\E` (to `\E` or the end) by the escaped literal text.
fn translate_quotes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(i) = find_unescaped(rest, "\\Q") {
        out.push_str(&rest[..i]);
        let quoted = &rest[i + 2..];
        let (literal, after) = match quoted.find("\\E") {
            Some(end) => (&quoted[..end], &quoted[end + 2..]),
            None => (quoted, ""),
        };
        out.push_str(&regex::escape(literal));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The byte index of `needle` (which starts with a backslash) where that backslash is not
/// itself escaped.
fn find_unescaped(text: &str, needle: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if text[i..].starts_with(needle) {
                return Some(i);
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

/// Rejects `{n}`, `{n,}` and `{n,m}` with a count above Go's limit.
fn check_repeats(pattern: &str) -> Result<(), String> {
    let bytes = pattern.as_bytes();
    let mut i = 0;
    let mut in_class = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'{' if !in_class => {
                if let Some(end) = pattern[i + 1..].find('}') {
                    let body = &pattern[i + 1..i + 1 + end];
                    let mut parts = body.splitn(2, ',');
                    let first = parts.next().unwrap_or("");
                    let second = parts.next();
                    let is_count = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
                    let valid =
                        is_count(first) && second.is_none_or(|s| s.is_empty() || is_count(s));
                    if valid {
                        let too_big =
                            |s: &str| s.parse::<u64>().map_or(true, |n| n > u64::from(MAX_REPEAT));
                        if too_big(first) || second.is_some_and(|s| !s.is_empty() && too_big(s)) {
                            return Err(format!(
                                "invalid repeat count `{{{body}}}`: at most {MAX_REPEAT} is allowed"
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The last line of the regex crate's error: what is wrong, without the pattern echo.
fn describe(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .map(|l| l.trim_start_matches("error:").trim().to_owned())
        .unwrap_or_else(|| text.lines().last().unwrap_or("").trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::compile;

    #[test]
    fn go_syntax_is_accepted_and_rejected_like_go() {
        for ok in [
            r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
            r"^https?:\/\/",
            r"^[\w\.-]+@[\w\.-]+\.\w+$",
            r"[[:alpha:]]+",
            r"(?i)abc",
            r"\Qa.b*c\E+",
            r"\Qunterminated.",
            r"a{2,1000}",
            r"[{]1001}",
        ] {
            assert!(compile(ok).is_ok(), "{ok}");
        }
        assert!(compile(r"\Qa.b\E").unwrap().is_match("a.b"));
        assert!(!compile(r"^\Qa.b\E$").unwrap().is_match("axb"));
        assert_eq!(
            compile("a{1001}").unwrap_err(),
            "invalid repeat count `{1001}`: at most 1000 is allowed"
        );
        assert_eq!(
            compile("[unclosed").unwrap_err(),
            "unclosed character class"
        );
        assert!(compile(r"(?=lookahead)").is_err());
        assert!(compile(r"(a)\1").is_err());
    }
}
