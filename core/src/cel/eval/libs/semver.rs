//! Kubernetes' `semver(…)` values: strict Semantic Versioning 2.0 as `blang/semver` parses
//! it (optionally normalising `v1.2` to `1.2.0` first), compared by precedence (build
//! metadata ignored).

use std::cmp::Ordering;

use super::super::error::{Error, R};
use super::super::value::{Opaque, Value};

/// A semantic version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Semver {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Pre>,
    build: Vec<String>,
}

/// A pre-release identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pre {
    Num(u64),
    Text(String),
}

impl Pre {
    fn compare(&self, other: &Pre) -> Ordering {
        match (self, other) {
            (Pre::Num(a), Pre::Num(b)) => a.cmp(b),
            (Pre::Num(_), Pre::Text(_)) => Ordering::Less,
            (Pre::Text(_), Pre::Num(_)) => Ordering::Greater,
            (Pre::Text(a), Pre::Text(b)) => a.cmp(b),
        }
    }
}

fn numeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn alphanumeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn leading_zero(s: &str) -> bool {
    s.len() > 1 && s.starts_with('0')
}

fn number(s: &str, what: &str) -> Result<u64, String> {
    if !numeric(s) {
        return Err(format!("Invalid character(s) found in {what} number {s:?}"));
    }
    if leading_zero(s) {
        let what = format!("{}{}", what[..1].to_uppercase(), &what[1..]);
        return Err(format!(
            "{what} number must not contain leading zeroes {s:?}"
        ));
    }
    s.parse()
        .map_err(|_| format!("strconv.ParseUint: parsing {s:?}: invalid syntax"))
}

impl Semver {
    /// `semver.Parse` (after `normalize` when asked).
    pub(crate) fn parse(s: &str, normalize: bool) -> Result<Semver, String> {
        if normalize {
            return Semver::parse(&normalized(s)?, false);
        }
        if s.is_empty() {
            return Err("Version string empty".to_owned());
        }
        let parts: Vec<&str> = s.splitn(3, '.').collect();
        if parts.len() != 3 {
            return Err("No Major.Minor.Patch elements found".to_owned());
        }
        let major = number(parts[0], "major")?;
        let minor = number(parts[1], "minor")?;
        let mut patch = parts[2];
        let mut build = Vec::new();
        let mut pre = Vec::new();
        if let Some((p, b)) = patch.split_once('+') {
            build = b.split('.').map(str::to_owned).collect();
            patch = p;
        }
        let mut pre_text = None;
        if let Some((p, r)) = patch.split_once('-') {
            pre_text = Some(r);
            patch = p;
        }
        let patch = number(patch, "patch")?;
        if let Some(r) = pre_text {
            for id in r.split('.') {
                if id.is_empty() {
                    return Err("Prerelease is empty".to_owned());
                }
                if numeric(id) {
                    if leading_zero(id) {
                        return Err(format!(
                            "Numeric PreRelease version must not contain leading zeroes {id:?}"
                        ));
                    }
                    pre.push(Pre::Num(id.parse().map_err(|_| {
                        format!("strconv.ParseUint: parsing {id:?}: value out of range")
                    })?));
                } else if alphanumeric(id) {
                    pre.push(Pre::Text(id.to_owned()));
                } else {
                    return Err(format!("Invalid character(s) found in prerelease {id:?}"));
                }
            }
        }
        for b in &build {
            if b.is_empty() {
                return Err("Build meta data is empty".to_owned());
            }
            if !alphanumeric(b) {
                return Err(format!(
                    "Invalid character(s) found in build meta data {b:?}"
                ));
            }
        }
        Ok(Semver {
            major,
            minor,
            patch,
            pre,
            build,
        })
    }

    /// `semver(s)` / `semver(s, normalize)`.
    pub(crate) fn parse_value(s: &str, normalize: bool) -> R {
        Semver::parse(s, normalize)
            .map(|v| Value::opaque(Opaque::Semver(v)))
            .map_err(Error::failed)
    }

    /// Precedence.
    pub(crate) fn compare(&self, other: &Semver) -> Ordering {
        let o = (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch));
        if o != Ordering::Equal {
            return o;
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            _ => {}
        }
        for (a, b) in self.pre.iter().zip(other.pre.iter()) {
            let o = a.compare(b);
            if o != Ordering::Equal {
                return o;
            }
        }
        self.pre.len().cmp(&other.pre.len())
    }

    /// Calls a method of a version; `None` when there is no such overload.
    pub(crate) fn call(&self, name: &str, args: &[Value]) -> Option<R> {
        let other = |v: &Value| match v {
            Value::Opaque(o) => match &**o {
                Opaque::Semver(s) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        };
        Some(Ok(match (name, args) {
            ("major", []) => Value::Int(self.major as i64),
            ("minor", []) => Value::Int(self.minor as i64),
            ("patch", []) => Value::Int(self.patch as i64),
            ("isGreaterThan", [x]) => Value::Bool(self.compare(&other(x)?) == Ordering::Greater),
            ("isLessThan", [x]) => Value::Bool(self.compare(&other(x)?) == Ordering::Less),
            ("compareTo", [x]) => Value::Int(match self.compare(&other(x)?) {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            }),
            _ => return None,
        }))
    }
}

/// Kubernetes' normalisation: strip a leading `v`, leading zeros, and fill in missing minor
/// and patch numbers.
fn normalized(s: &str) -> Result<String, String> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let mut parts: Vec<String> = s.splitn(3, '.').map(str::to_owned).collect();
    for p in &mut parts {
        if p.len() > 1 {
            let trimmed = p.trim_start_matches('0');
            *p = if trimmed.is_empty() || !trimmed.as_bytes()[0].is_ascii_digit() {
                format!("0{trimmed}")
            } else {
                trimmed.to_owned()
            };
        }
    }
    if parts.len() < 3 {
        if parts.last().is_some_and(|p| p.contains(['+', '-'])) {
            return Err("short version cannot contain PreRelease/Build meta data".to_owned());
        }
        while parts.len() < 3 {
            parts.push("0".to_owned());
        }
    }
    Ok(parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Semver {
        Semver::parse(s, false).unwrap()
    }

    #[test]
    fn strict_parsing() {
        assert_eq!(v("1.2.3-rc.1+build.5").patch, 3);
        for bad in [
            "1.2",
            "v1.2.3",
            "01.2.3",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "1.2.3-a_b",
            "",
        ] {
            assert!(Semver::parse(bad, false).is_err(), "{bad}");
        }
        assert_eq!(Semver::parse("v1.2", true).unwrap(), v("1.2.0"));
        assert_eq!(Semver::parse("v01.02.03", true).unwrap(), v("1.2.3"));
        assert!(Semver::parse("v1.2-rc", true).is_err());
    }

    #[test]
    fn precedence() {
        assert_eq!(v("1.0.0-alpha").compare(&v("1.0.0")), Ordering::Less);
        assert_eq!(
            v("1.0.0-alpha.1").compare(&v("1.0.0-alpha.beta")),
            Ordering::Less
        );
        assert_eq!(v("1.0.0-2").compare(&v("1.0.0-10")), Ordering::Less);
        assert_eq!(v("1.0.0+a").compare(&v("1.0.0+b")), Ordering::Equal);
        assert_eq!(v("1.10.0").compare(&v("1.9.0")), Ordering::Greater);
    }
}
