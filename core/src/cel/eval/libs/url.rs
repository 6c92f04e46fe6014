//! Kubernetes' `url(…)` values: Go's `net/url` parsing (`ParseRequestURI` to validate, then
//! `Parse`), so hosts, ports, escaped paths and query maps come out as in the API server.
//! (WHATWG parsers normalise differently: default ports, dot segments, case.)

use std::collections::BTreeMap;

use super::super::error::{Error, R};
use super::super::value::{Opaque, Value};

/// A parsed URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    scheme: String,
    opaque: String,
    host: String,
    path: String,
    raw_path: String,
    raw_query: String,
    fragment: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

impl Url {
    /// `url(s)`.
    pub(crate) fn parse_value(s: &str) -> R {
        let check = parse(s, true);
        let parsed = check.and_then(|_| parse_with_fragment(s));
        match parsed {
            Ok(u) => Ok(Value::opaque(Opaque::Url(u))),
            Err(e) => Err(Error::failed(format!(
                "URL parse error during conversion from string: parse {s:?}: {e}"
            ))),
        }
    }

    /// `isURL(s)`.
    pub(crate) fn is_url(s: &str) -> bool {
        parse(s, true).is_ok()
    }

    /// Calls a method of a URL; `None` when there is no such overload.
    pub(crate) fn call(&self, name: &str, args: &[Value]) -> Option<R> {
        if !args.is_empty() {
            return None;
        }
        let (host, port) = split_host_port(&self.host);
        Some(Ok(match name {
            "getScheme" => Value::string(&self.scheme),
            "getHost" => Value::string(&self.host),
            "getHostname" => Value::string(host),
            "getPort" => Value::string(port),
            "getEscapedPath" => Value::string(&self.escaped_path()),
            "getQuery" => {
                let mut query: BTreeMap<String, Vec<Value>> = BTreeMap::new();
                for (k, v) in parse_query(&self.raw_query) {
                    query.entry(k).or_default().push(Value::string(&v));
                }
                super::string_map(query.into_iter().map(|(k, v)| (k, Value::list(v))))
            }
            _ => return None,
        }))
    }

    fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path)
            && unescape(&self.raw_path, Mode::Path).as_deref() == Ok(self.path.as_str())
        {
            return self.raw_path.clone();
        }
        if self.path == "*" {
            return "*".to_owned();
        }
        escape(&self.path, Mode::Path)
    }
}

fn parse_with_fragment(s: &str) -> Result<Url, String> {
    let (before, fragment) = match s.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (s, None),
    };
    let mut u = parse(before, false)?;
    if let Some(f) = fragment {
        u.fragment = unescape(f, Mode::Fragment)?;
    }
    Ok(u)
}

/// Go's `url.parse(rawURL, viaRequest)`.
fn parse(raw: &str, via_request: bool) -> Result<Url, String> {
    if raw.bytes().any(|b| b < b' ' || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_owned());
    }
    if raw.is_empty() && via_request {
        return Err("empty url".to_owned());
    }
    let mut u = Url {
        scheme: String::new(),
        opaque: String::new(),
        host: String::new(),
        path: String::new(),
        raw_path: String::new(),
        raw_query: String::new(),
        fragment: String::new(),
    };
    if raw == "*" {
        u.path = "*".to_owned();
        return Ok(u);
    }
    let (scheme, mut rest) = scheme(raw)?;
    u.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        rest = r;
        u.raw_query = q.to_owned();
    }
    if !rest.starts_with('/') {
        if !u.scheme.is_empty() {
            u.opaque = rest.to_owned();
            return Ok(u);
        }
        if via_request {
            return Err("invalid URI for request".to_owned());
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".to_owned());
        }
    }
    if (!u.scheme.is_empty() || !via_request && !rest.starts_with("///")) && rest.starts_with("//")
    {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        u.host = parse_authority(authority)?;
        rest = path;
    }
    u.path = unescape(rest, Mode::Path)?;
    if escape(&u.path, Mode::Path) != rest {
        u.raw_path = rest.to_owned();
    }
    Ok(u)
}

fn scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".to_owned());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_authority(authority: &str) -> Result<String, String> {
    let (userinfo, host) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let host = parse_host(host)?;
    if let Some(userinfo) = userinfo {
        let valid = userinfo
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c));
        if !valid {
            return Err("net/url: invalid userinfo".to_owned());
        }
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        unescape(user, Mode::UserPassword)?;
        unescape(password, Mode::UserPassword)?;
    }
    Ok(host)
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".to_owned());
        };
        let colon_port = &host[i + 1..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {colon_port:?} after host"));
        }
        if let Some(zone) = host[..i].find("%25") {
            let a = unescape(&host[..zone], Mode::Host)?;
            let b = unescape(&host[zone..i], Mode::Zone)?;
            let c = unescape(&host[i..], Mode::Host)?;
            return Ok(format!("{a}{b}{c}"));
        }
    } else if let Some(i) = host.rfind(':') {
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {colon_port:?} after host"));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_optional_port(port: &str) -> bool {
    if port.is_empty() {
        return true;
    }
    let Some(digits) = port.strip_prefix(':') else {
        return false;
    };
    digits.bytes().all(|b| b.is_ascii_digit())
}

fn split_host_port(host_port: &str) -> (&str, &str) {
    let mut host = host_port;
    let mut port = "";
    if let Some(colon) = host.rfind(':')
        && valid_optional_port(&host[colon..])
    {
        port = &host[colon + 1..];
        host = &host[..colon];
    }
    if host.starts_with('[') && host.ends_with(']') && host.len() >= 2 {
        host = &host[1..host.len() - 1];
    }
    (host, port)
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone) && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::QueryComponent => true,
                Mode::Fragment => false,
                Mode::Host | Mode::Zone => true,
            };
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Go's `url.unescape`.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let (Some(h), Some(l)) = (
                    b.get(i + 1).and_then(|c| unhex(*c)),
                    b.get(i + 2).and_then(|c| unhex(*c)),
                ) else {
                    let end = (i + 3).min(b.len());
                    return Err(format!(
                        "invalid URL escape {:?}",
                        String::from_utf8_lossy(&b[i..end])
                    ));
                };
                if mode == Mode::Host && h < 8 && &s[i..i + 3] != "%25" {
                    return Err(format!("invalid URL escape {:?}", &s[i..i + 3]));
                }
                if mode == Mode::Zone {
                    let v = h * 16 + l;
                    if &s[i..i + 3] != "%25" && v != b' ' && should_escape(v, Mode::Host) {
                        return Err(format!("invalid URL escape {:?}", &s[i..i + 3]));
                    }
                }
                i += 3;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {:?} in host name",
                        (c as char).to_string()
                    ));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                out.push(unhex(b[i + 1]).unwrap_or(0) * 16 + unhex(b[i + 2]).unwrap_or(0));
                i += 3;
            }
            b'+' if mode == Mode::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `url.escape`.
fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.bytes() {
        if should_escape(c, mode) {
            if c == b' ' && mode == Mode::QueryComponent {
                out.push('+');
            } else {
                out.push_str(&format!("%{c:02X}"));
            }
        } else {
            out.push(c as char);
        }
    }
    out
}

fn valid_encoded(s: &str) -> bool {
    s.bytes()
        .all(|c| b"!$&'()*+,;=:@[]%".contains(&c) || !should_escape(c, Mode::Path))
}

/// Go's `url.ParseQuery`, skipping pairs it rejects.
fn parse_query(query: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for pair in query.split('&') {
        if pair.contains(';') || pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Ok(k), Ok(v)) = (
            unescape(k, Mode::QueryComponent),
            unescape(v, Mode::QueryComponent),
        ) else {
            continue;
        };
        out.push((k, v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        match Url::parse_value(s) {
            Ok(Value::Opaque(o)) => match &*o {
                Opaque::Url(u) => u.clone(),
                _ => panic!("not a URL"),
            },
            other => panic!("{s}: {other:?}"),
        }
    }

    fn get(u: &Url, name: &str) -> String {
        match u.call(name, &[]) {
            Some(Ok(Value::String(s))) => s.to_string(),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn components_as_kubernetes_documents_them() {
        let u = url("https://user:pass@example.com:80/path?query=val#fragment");
        assert_eq!(get(&u, "getScheme"), "https");
        assert_eq!(get(&u, "getHost"), "example.com:80");
        assert_eq!(get(&u, "getHostname"), "example.com");
        assert_eq!(get(&u, "getPort"), "80");
        assert_eq!(get(&u, "getEscapedPath"), "/path");
        let u = url("https://[::1]:80/");
        assert_eq!(get(&u, "getHost"), "[::1]:80");
        assert_eq!(get(&u, "getHostname"), "::1");
        assert_eq!(get(&url("/path"), "getHost"), "");
        assert_eq!(
            get(
                &url("https://example.com/path with spaces/"),
                "getEscapedPath"
            ),
            "/path%20with%20spaces/"
        );
        assert_eq!(get(&url("https://example.com"), "getEscapedPath"), "");
        assert!(Url::is_url("/absolute-path"));
        assert!(!Url::is_url("https://a:b:c/"));
        assert!(!Url::is_url("../relative-path"));
        assert!(!Url::is_url(""));
    }
}
