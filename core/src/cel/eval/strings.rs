//! Strings: the standard string functions, cel-go's strings extension (with `format`), the
//! Kubernetes regex functions, RE2-compatible regular expressions, and Go's number
//! formatting (`%g`, `%e`), which cel-go's output follows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;

use super::error::{Error, R};
use super::interp::Meter;
use super::value::{Opaque, Value};

/// Calls a method on a string; `None` when there is no such overload.
pub(crate) fn call_method(meter: &mut Meter, name: &str, s: &str, args: &[Value]) -> Option<R> {
    let str_out = |v: String| Ok(Value::String(Arc::from(v)));
    Some(match (name, args) {
        ("contains", [Value::String(x)]) => {
            charge_search(meter, s, x).map(|_| Value::Bool(s.contains(&**x)))
        }
        ("startsWith", [Value::String(x)]) => Ok(Value::Bool(s.starts_with(&**x))),
        ("endsWith", [Value::String(x)]) => Ok(Value::Bool(s.ends_with(&**x))),
        ("matches", [Value::String(re)]) => meter
            .charge_bytes(s.len() + re.len())
            .and_then(|_| matches(s, re)),
        ("charAt", [Value::Int(i)]) => meter.charge_bytes(s.len()).and_then(|_| char_at(s, *i)),
        ("indexOf", [Value::String(x)]) => {
            charge_search(meter, s, x).and_then(|_| index_of(s, x, 0).map(Value::Int))
        }
        ("indexOf", [Value::String(x), Value::Int(off)]) => {
            charge_search(meter, s, x).and_then(|_| index_of(s, x, *off).map(Value::Int))
        }
        ("lastIndexOf", [Value::String(x)]) => charge_search(meter, s, x).and_then(|_| {
            let len = s.chars().count() as i64;
            if x.is_empty() {
                return Ok(Value::Int(len));
            }
            if s.len() < x.len() {
                return Ok(Value::Int(-1));
            }
            last_index_of(s, x, len - 1).map(Value::Int)
        }),
        ("lastIndexOf", [Value::String(x), Value::Int(off)]) => {
            charge_search(meter, s, x).and_then(|_| last_index_of(s, x, *off).map(Value::Int))
        }
        ("lowerAscii", []) => meter
            .charge_bytes(s.len() * 2)
            .and_then(|_| str_out(s.to_ascii_lowercase())),
        ("upperAscii", []) => meter
            .charge_bytes(s.len() * 2)
            .and_then(|_| str_out(s.to_ascii_uppercase())),
        ("replace", [Value::String(old), Value::String(new)]) => {
            replace(meter, s, old, new, -1).and_then(str_out)
        }
        ("replace", [Value::String(old), Value::String(new), Value::Int(n)]) => {
            replace(meter, s, old, new, *n).and_then(str_out)
        }
        ("split", [Value::String(sep)]) => split(meter, s, sep, -1),
        ("split", [Value::String(sep), Value::Int(n)]) => split(meter, s, sep, *n),
        ("substring", [Value::Int(start)]) => meter.charge_bytes(s.len()).and_then(|_| {
            let len = s.chars().count() as i64;
            substring(s, *start, len, true).and_then(str_out)
        }),
        ("substring", [Value::Int(start), Value::Int(end)]) => meter
            .charge_bytes(s.len())
            .and_then(|_| substring(s, *start, *end, false).and_then(str_out)),
        ("trim", []) => meter
            .charge_bytes(s.len())
            .and_then(|_| str_out(s.trim().to_owned())),
        ("reverse", []) => meter
            .charge_bytes(s.len() * 2)
            .and_then(|_| str_out(s.chars().rev().collect())),
        ("format", [Value::List(items)]) => format(meter, s, items).and_then(str_out),
        ("find", [Value::String(re)]) => meter.charge_bytes(s.len() + re.len()).and_then(|_| {
            let re = regex(re)?;
            str_out(
                re.find(s)
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default(),
            )
        }),
        ("findAll", [Value::String(re)]) => find_all(meter, s, re, -1),
        ("findAll", [Value::String(re), Value::Int(n)]) => find_all(meter, s, re, *n),
        _ => return None,
    })
}

fn charge_search(meter: &mut Meter, s: &str, x: &str) -> R<()> {
    meter.charge_bytes(s.len().saturating_mul(x.len().max(1)).min(usize::MAX / 2))
}

fn char_at(s: &str, i: i64) -> R {
    let chars: Vec<char> = s.chars().collect();
    if i < 0 || i as usize > chars.len() {
        return Err(Error::failed(format!("index out of range: {i}")));
    }
    Ok(Value::String(Arc::from(
        chars
            .get(i as usize)
            .map(|c| c.to_string())
            .unwrap_or_default(),
    )))
}

fn index_of(s: &str, sub: &str, offset: i64) -> R<i64> {
    if offset < 0 {
        return Err(Error::failed(format!("index out of range: {offset}")));
    }
    let runes: Vec<char> = s.chars().collect();
    let off = offset as usize;
    if sub.is_empty() {
        return Ok(if off > runes.len() {
            runes.len() as i64
        } else {
            offset
        });
    }
    let sub: Vec<char> = sub.chars().collect();
    if off >= runes.len() || sub.len() > runes.len() {
        return Ok(-1);
    }
    for i in off..=runes.len() - sub.len() {
        if runes[i..i + sub.len()] == sub[..] {
            return Ok(i as i64);
        }
    }
    Ok(-1)
}

fn last_index_of(s: &str, sub: &str, offset: i64) -> R<i64> {
    if offset < 0 {
        return Err(Error::failed(format!("index out of range: {offset}")));
    }
    let runes: Vec<char> = s.chars().collect();
    let mut off = offset as usize;
    if sub.is_empty() {
        return Ok(if off > runes.len() {
            runes.len() as i64
        } else {
            offset
        });
    }
    let sub: Vec<char> = sub.chars().collect();
    if off >= runes.len() {
        return Ok(-1);
    }
    if sub.len() > runes.len() {
        return Ok(-1);
    }
    if off > runes.len() - sub.len() {
        off = runes.len() - sub.len();
    }
    for i in (0..=off).rev() {
        if runes[i..i + sub.len()] == sub[..] {
            return Ok(i as i64);
        }
    }
    Ok(-1)
}

/// Go's `strings.Replace` (all when `n < 0`), charging for the result before building it.
fn replace(meter: &mut Meter, s: &str, old: &str, new: &str, n: i64) -> R<String> {
    let occurrences = if old.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(old).count()
    };
    let count = if n < 0 {
        occurrences
    } else {
        occurrences.min(n as usize)
    };
    let size = s.len() + count.saturating_mul(new.len());
    meter.charge_bytes(s.len().saturating_mul(old.len().max(1)))?;
    meter.charge_bytes(size)?;
    Ok(if n < 0 {
        s.replace(old, new)
    } else {
        s.replacen(old, new, n as usize)
    })
}

/// Go's `strings.SplitN` (all when `n < 0`, nothing when `n == 0`).
fn split(meter: &mut Meter, s: &str, sep: &str, n: i64) -> R {
    meter.charge_bytes(s.len() + 1)?;
    let parts: Vec<String> = if n == 0 {
        Vec::new()
    } else if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let limit = if n < 0 {
            chars.len()
        } else {
            (n as usize).min(chars.len())
        };
        let mut out: Vec<String> = Vec::with_capacity(limit);
        for (i, c) in chars.iter().enumerate() {
            if limit > 0 && i == limit - 1 {
                out.push(chars[i..].iter().collect());
                break;
            }
            out.push(c.to_string());
        }
        out
    } else if n < 0 {
        s.split(sep).map(str::to_owned).collect()
    } else {
        s.splitn(n as usize, sep).map(str::to_owned).collect()
    };
    meter.charge(parts.len() as u64)?;
    Ok(Value::list(
        parts
            .into_iter()
            .map(|p| Value::String(Arc::from(p)))
            .collect(),
    ))
}

fn substring(s: &str, start: i64, end: i64, open: bool) -> R<String> {
    let runes: Vec<char> = s.chars().collect();
    let len = runes.len() as i64;
    if !open && start > end {
        return Err(Error::failed(format!(
            "invalid substring range. start: {start}, end: {end}"
        )));
    }
    if start < 0 || start > len {
        return Err(Error::failed(format!("index out of range: {start}")));
    }
    if end < 0 || end > len {
        return Err(Error::failed(format!("index out of range: {end}")));
    }
    Ok(runes[start as usize..end as usize].iter().collect())
}

/// `strings.quote`: the string as a double-quoted CEL literal.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---- regular expressions ----

/// Compiles an RE2 pattern (cached). Go's `\d`, `\w`, `\s` and `\b` are ASCII-only, so they
/// are rewritten to ASCII classes; the rest of RE2's syntax is the regex crate's.
pub(crate) fn regex(pattern: &str) -> R<Regex> {
    static CACHE: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(cache) = cache.lock()
        && let Some(re) = cache.get(pattern)
    {
        return Ok(re.clone());
    }
    let translated = ascii_classes(pattern);
    let re = regex::RegexBuilder::new(&translated)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .nest_limit(100)
        .build()
        .map_err(|e| Error::failed(format!("Illegal regex: {}", first_line(&e.to_string()))))?;
    if let Ok(mut cache) = cache.lock() {
        if cache.len() >= 512 {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), re.clone());
    }
    Ok(re)
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_owned()
}

fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let replacement = match (in_class, next) {
                    (false, 'd') => Some("[0-9]"),
                    (false, 'D') => Some("[^0-9]"),
                    (false, 'w') => Some("[0-9A-Za-z_]"),
                    (false, 'W') => Some("[^0-9A-Za-z_]"),
                    (false, 's') => Some("[\\t\\n\\f\\r ]"),
                    (false, 'S') => Some("[^\\t\\n\\f\\r ]"),
                    (false, 'b') => Some("(?-u:\\b)"),
                    (false, 'B') => Some("(?-u:\\B)"),
                    (true, 'd') => Some("0-9"),
                    (true, 'w') => Some("0-9A-Za-z_"),
                    (true, 's') => Some("\\t\\n\\f\\r "),
                    _ => None,
                };
                match replacement {
                    Some(r) => out.push_str(r),
                    None => {
                        out.push('\\');
                        out.push(next);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                continue;
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // A POSIX class such as [:alpha:].
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
            }
            ']' if in_class && !class_start => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
        class_start = false;
    }
    out
}

pub(crate) fn matches(s: &str, re: &str) -> R {
    Ok(Value::Bool(regex(re)?.is_match(s)))
}

fn find_all(meter: &mut Meter, s: &str, re: &str, n: i64) -> R {
    meter.charge_bytes(s.len() + re.len())?;
    let re = regex(re)?;
    if n == 0 {
        return Ok(Value::list(Vec::new()));
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let mut out = Vec::new();
    for m in re.find_iter(s).take(limit) {
        meter.charge(1)?;
        out.push(Value::string(m.as_str()));
    }
    Ok(Value::list(out))
}

// ---- number formatting ----

/// Go's `%g` with the shortest precision (what `string(double)` gives in cel-go): `2`,
/// `0.1`, `1e+06`, `1.5e-05`, `NaN`, `+Inf`.
pub(crate) fn go_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let (neg, digits, exp) = shortest(f);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        push_exponent(&mut out, exp);
        return out;
    }
    out.push_str(&format!("{}", f.abs()));
    out
}

/// The shortest round-tripping decimal digits of `f` and its exponent (`d.ddd × 10^exp`).
fn shortest(f: f64) -> (bool, String, i32) {
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    (f.is_sign_negative(), digits, exp.parse().unwrap_or(0))
}

/// Go's exponent suffix: `e+06`, `e-10`, `e+100`.
fn push_exponent(out: &mut String, exp: i32) {
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    out.push_str(&abs.to_string());
}

/// Go's `%.{precision}e`.
fn go_e(f: f64, precision: usize) -> String {
    let s = format!("{:.*e}", precision, f);
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let mut out = mantissa.to_owned();
            push_exponent(&mut out, exp.parse().unwrap_or(0));
            out
        }
        None => s,
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)` (shortest, never an exponent).
fn go_f_shortest(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    format!("{f}")
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms people write.
pub(crate) fn go_parse_float(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains(char::is_whitespace) || s.contains('_') {
        return None;
    }
    s.parse().ok()
}

// ---- format ----

/// cel-go's `string.format` (strings extension, version 4 and later).
fn format(meter: &mut Meter, template: &str, args: &[Value]) -> R<String> {
    let mut out = String::new();
    let bytes = template.as_bytes();
    let mut i = 0;
    let mut arg = 0;
    let mut literal_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        out.push_str(&template[literal_start..i]);
        if bytes.get(i + 1) == Some(&b'%') {
            out.push('%');
            i += 2;
            literal_start = i;
            continue;
        }
        let Some(value) = args.get(arg) else {
            return Err(Error::failed(format!("index {arg} out of range")));
        };
        i += 1;
        if i >= bytes.len() {
            return Err(Error::failed("unexpected end of string"));
        }
        // Precision.
        let mut precision: Option<usize> = None;
        if bytes[i] == b'.' {
            i += 1;
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i >= bytes.len() {
                return Err(Error::failed(
                    "could not parse formatting clause: error while parsing precision: could not find end of precision specifier",
                ));
            }
            let p: usize = template[start..i].parse().map_err(|_| {
                Error::failed("could not parse formatting clause: error while parsing precision")
            })?;
            if p > 100 {
                return Err(Error::failed(format!(
                    "could not parse formatting clause: error while parsing precision: precision {p} exceeds maximum allowed precision 100"
                )));
            }
            precision = Some(p);
        }
        let verb = template[i..].chars().next().unwrap_or('?');
        i += verb.len_utf8();
        let text = format_clause(meter, verb, precision.unwrap_or(6), value)?;
        meter.charge_bytes(text.len())?;
        out.push_str(&text);
        arg += 1;
        literal_start = i;
    }
    out.push_str(&template[literal_start..]);
    meter.charge_bytes(out.len())?;
    Ok(out)
}

fn format_clause(meter: &mut Meter, verb: char, precision: usize, v: &Value) -> R<String> {
    clause(meter, verb, precision, v).map_err(|e| match e {
        Clause::Cost(e) => e,
        Clause::Bad(m) => Error::failed(format!("error during formatting: {m}")),
    })
}

enum Clause {
    Cost(Error),
    Bad(String),
}

impl From<String> for Clause {
    fn from(m: String) -> Clause {
        Clause::Bad(m)
    }
}

fn clause(meter: &mut Meter, verb: char, precision: usize, v: &Value) -> Result<String, Clause> {
    let name = v.type_name();
    match verb {
        's' => format_string(meter, v),
        'd' => match v {
            Value::Int(i) => Ok(i.to_string()),
            Value::Uint(u) => Ok(u.to_string()),
            Value::Double(d) => Ok(go_f_shortest(*d)),
            _ => Err(Clause::Bad(format!(
                "decimal clause can only be used on ints, uints, and doubles, was given {name}"
            ))),
        },
        'f' => {
            let f = number(v).ok_or_else(|| {
                format!("fixed-point clause can only be used on ints, uints, and doubles, was given {name}")
            })?;
            Ok(special(f).unwrap_or_else(|| format!("{f:.precision$}")))
        }
        'e' => {
            let f = number(v).ok_or_else(|| {
                format!("scientific clause can only be used on ints, uints, and doubles, was given {name}")
            })?;
            Ok(special(f).unwrap_or_else(|| go_e(f, precision)))
        }
        'b' => match v {
            Value::Bool(b) => Ok(if *b { "1" } else { "0" }.to_owned()),
            Value::Int(i) => Ok(signed_radix(*i, |u| format!("{u:b}"))),
            Value::Uint(u) => Ok(format!("{u:b}")),
            _ => Err(Clause::Bad(format!(
                "only ints, uints, and bools can be formatted as binary, was given {name}"
            ))),
        },
        'x' | 'X' => {
            let text = match v {
                Value::Int(i) => signed_radix(*i, |u| format!("{u:x}")),
                Value::Uint(u) => format!("{u:x}"),
                Value::String(s) => s.bytes().map(|b| format!("{b:02x}")).collect(),
                Value::Bytes(b) => b.iter().map(|b| format!("{b:02x}")).collect(),
                _ => {
                    return Err(Clause::Bad(format!(
                        "only ints, uints, bytes, and strings can be formatted as hex, was given {name}"
                    )));
                }
            };
            Ok(if verb == 'X' {
                text.to_uppercase()
            } else {
                text
            })
        }
        'o' => match v {
            Value::Int(i) => Ok(signed_radix(*i, |u| format!("{u:o}"))),
            Value::Uint(u) => Ok(format!("{u:o}")),
            _ => Err(Clause::Bad(format!(
                "octal clause can only be used on ints and uints, was given {name}"
            ))),
        },
        other => Err(Clause::Bad(format!(
            "could not parse formatting clause: unrecognized formatting clause \"{other}\""
        ))),
    }
}

fn signed_radix(i: i64, f: impl Fn(u64) -> String) -> String {
    if i < 0 {
        format!("-{}", f(i.unsigned_abs()))
    } else {
        f(i as u64)
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Uint(u) => Some(*u as f64),
        Value::Double(d) => Some(*d),
        _ => None,
    }
}

fn special(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".to_owned())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned())
    } else {
        None
    }
}

/// `%s`: how cel-go's format writes any value.
fn format_string(meter: &mut Meter, v: &Value) -> Result<String, Clause> {
    meter.charge(1).map_err(Clause::Cost)?;
    Ok(match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Double(d) => go_f_shortest(*d),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::String(s) => s.to_string(),
        Value::Duration(d) => d.cel_string(),
        Value::Timestamp(t) => {
            let (secs, nanos) = t.instant();
            super::time::Timestamp::from_unix(secs, nanos)
                .map(|t| t.rfc3339_nano())
                .unwrap_or_default()
        }
        Value::Null => "null".to_owned(),
        Value::Type(t) => (*t).to_owned(),
        Value::List(items) => {
            let parts: Result<Vec<String>, Clause> =
                items.iter().map(|i| format_string(meter, i)).collect();
            format!("[{}]", parts?.join(", "))
        }
        Value::Map(m) => {
            let mut entries: Vec<(String, String)> = Vec::new();
            for (k, v) in m.iter() {
                entries.push((
                    format_string(meter, &k.to_value())?,
                    format_string(meter, v)?,
                ));
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let parts: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Opaque(o) if matches!(**o, Opaque::Ip(_) | Opaque::Cidr(_)) => {
            match super::libs::to_string(v) {
                Ok(Value::String(s)) => s.to_string(),
                _ => String::new(),
            }
        }
        other => {
            return Err(Clause::Bad(format!(
                "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given {}",
                other.type_name()
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_prints_them() {
        for (f, g) in [
            (2.0, "2"),
            (0.1, "0.1"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (-2.5, "-2.5"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
        ] {
            assert_eq!(go_g(f), g, "{f}");
        }
        assert_eq!(go_e(1234.5678, 6), "1.234568e+03");
        assert_eq!(go_e(0.0, 2), "0.00e+00");
    }

    #[test]
    fn patterns_use_ascii_classes_like_re2() {
        let re = regex(r"^\d+\s\w+$").unwrap();
        assert!(re.is_match("12 ab_c"));
        assert!(!re.is_match("١٢ ab"));
        let re = regex(r"[\d.]+").unwrap();
        assert_eq!(re.find("v1.25").unwrap().as_str(), "1.25");
        assert!(regex(r"\bword\b").unwrap().is_match("a word here"));
        assert!(regex("(").is_err());
    }
}
