//! Timestamps and durations as cel-go has them: Go's RFC 3339 parsing and formatting, Go's
//! duration syntax (`1h30m`), nanosecond precision, the range 0001-01-01 to 9999-12-31, and the
//! calendar accessors with optional time zones.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDateTime, Offset, TimeZone, Timelike};

use super::error::{Error, R};

/// Unix seconds of 0001-01-01T00:00:00Z, the earliest timestamp.
const MIN_UNIX: i64 = -62_135_596_800;
/// Unix seconds of 9999-12-31T23:59:59Z, the latest timestamp.
const MAX_UNIX: i64 = 253_402_300_799;
const NANOS: i64 = 1_000_000_000;

/// A point in time with the UTC offset it was written with (cel-go keeps it for `string(t)`;
/// the accessors without a time zone use UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timestamp {
    secs: i64,
    nanos: u32,
    /// Seconds east of UTC.
    offset: i32,
}

/// A duration in nanoseconds (Go's `time.Duration`, about ±292 years).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Duration(pub(crate) i64);

fn overflow() -> Error {
    Error::failed("timestamp overflow")
}

impl Timestamp {
    /// From Unix seconds and nanoseconds, in UTC; out of range is an error.
    pub(crate) fn from_unix(secs: i64, nanos: u32) -> R<Timestamp> {
        Timestamp::new(secs, nanos, 0)
    }

    fn new(secs: i64, nanos: u32, offset: i32) -> R<Timestamp> {
        if !(MIN_UNIX..=MAX_UNIX).contains(&secs) {
            return Err(overflow());
        }
        Ok(Timestamp {
            secs,
            nanos,
            offset,
        })
    }

    /// Unix seconds.
    pub(crate) fn unix(&self) -> i64 {
        self.secs
    }

    /// The instant, for equality and ordering (the offset does not matter).
    pub(crate) fn instant(&self) -> (i64, u32) {
        (self.secs, self.nanos)
    }

    /// Whether this is Go's zero time (0001-01-01T00:00:00Z), which Kubernetes writes as null.
    pub(crate) fn is_zero(&self) -> bool {
        self.secs == MIN_UNIX && self.nanos == 0
    }

    fn local(&self, offset: i32) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(self.secs + i64::from(offset), self.nanos)
            .map(|d| d.naive_utc())
            .unwrap_or_default()
    }

    /// `t + d` (keeping the offset).
    pub(crate) fn add(&self, d: Duration) -> R<Timestamp> {
        let total =
            i128::from(self.secs) * i128::from(NANOS) + i128::from(self.nanos) + i128::from(d.0);
        let secs = total.div_euclid(i128::from(NANOS));
        let nanos = total.rem_euclid(i128::from(NANOS)) as u32;
        let secs = i64::try_from(secs).map_err(|_| overflow())?;
        Timestamp::new(secs, nanos, self.offset)
    }

    /// `t - u`.
    pub(crate) fn sub(&self, other: &Timestamp) -> R<Duration> {
        let a = i128::from(self.secs) * i128::from(NANOS) + i128::from(self.nanos);
        let b = i128::from(other.secs) * i128::from(NANOS) + i128::from(other.nanos);
        i64::try_from(a - b)
            .map(Duration)
            .map_err(|_| Error::failed("duration overflow"))
    }

    /// Go's RFC 3339 with nanoseconds (trailing zeros dropped), in the timestamp's offset:
    /// what `string(t)` gives.
    pub(crate) fn rfc3339_nano(&self) -> String {
        let local = self.local(self.offset);
        let mut out = local.format("%Y-%m-%dT%H:%M:%S").to_string();
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        push_offset(&mut out, self.offset);
        out
    }

    /// RFC 3339 in UTC with whole seconds: how Kubernetes writes a time (`metav1.Time`).
    pub(crate) fn rfc3339_utc_seconds(&self) -> String {
        let utc = self.local(0);
        format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S"))
    }

    /// A calendar field, in UTC or the given time zone (an IANA name or `±hh:mm`).
    pub(crate) fn field(&self, field: TimeField, tz: Option<&str>) -> R<i64> {
        let local = match tz {
            None => self.local(0),
            Some(tz) => self.local(zone_offset(tz, self)?),
        };
        Ok(match field {
            TimeField::FullYear => i64::from(local.year()),
            TimeField::Month => i64::from(local.month0()),
            TimeField::DayOfYear => i64::from(local.ordinal0()),
            TimeField::DayOfMonth => i64::from(local.day0()),
            TimeField::Date => i64::from(local.day()),
            TimeField::DayOfWeek => i64::from(local.weekday().num_days_from_sunday()),
            TimeField::Hours => i64::from(local.hour()),
            TimeField::Minutes => i64::from(local.minute()),
            TimeField::Seconds => i64::from(local.second()),
            TimeField::Milliseconds => i64::from(self.nanos / 1_000_000),
        })
    }
}

/// The calendar accessors of timestamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeField {
    FullYear,
    Month,
    DayOfYear,
    DayOfMonth,
    Date,
    DayOfWeek,
    Hours,
    Minutes,
    Seconds,
    Milliseconds,
}

/// The offset (seconds east of UTC) of a time zone argument at the given instant.
fn zone_offset(tz: &str, t: &Timestamp) -> R<i32> {
    match tz.find(':') {
        None => {
            if tz == "UTC" || tz.is_empty() {
                return Ok(0);
            }
            let zone: chrono_tz::Tz = tz
                .parse()
                .map_err(|_| Error::failed(format!("unknown time zone {tz}")))?;
            let utc = chrono::DateTime::from_timestamp(t.secs, t.nanos)
                .ok_or_else(overflow)?
                .naive_utc();
            Ok(zone.offset_from_utc_datetime(&utc).fix().local_minus_utc())
        }
        Some(i) => {
            let bad = || Error::failed(format!("invalid time zone offset {tz}"));
            let hours: i32 = go_atoi(&tz[..i]).ok_or_else(bad)?;
            let minutes: i32 = go_atoi(&tz[i + 1..]).ok_or_else(bad)?;
            if !(0..=59).contains(&minutes) {
                return Err(Error::failed(format!(
                    "timezone offset minutes out of range [0, 59]: {tz}"
                )));
            }
            let offset = if tz.starts_with('-') {
                hours * 60 - minutes
            } else {
                hours * 60 + minutes
            };
            Ok(offset * 60)
        }
    }
}

/// Go's `strconv.Atoi` for small numbers: an optional sign and decimal digits.
fn go_atoi(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn push_offset(out: &mut String, offset: i32) {
    if offset == 0 {
        out.push('Z');
        return;
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    let _ = write!(out, "{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60);
}

/// Parses a timestamp as Go's `time.Parse(time.RFC3339, s)` does (fractional seconds are
/// accepted), then checks CEL's range.
pub(crate) fn parse_timestamp(s: &str) -> R<Timestamp> {
    let bad = || {
        Error::failed(format!(
            "type conversion error from 'string' to 'google.protobuf.Timestamp': cannot parse {s:?} as RFC 3339"
        ))
    };
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0, 4).ok_or_else(bad)?;
    let month = num(5, 2).ok_or_else(bad)?;
    let day = num(8, 2).ok_or_else(bad)?;
    let hour = num(11, 2).ok_or_else(bad)?;
    let minute = num(14, 2).ok_or_else(bad)?;
    let second = num(17, 2).ok_or_else(bad)?;
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return Err(bad());
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = &s[start..i];
        let mut padded: String = digits.chars().take(9).collect();
        while padded.len() < 9 {
            padded.push('0');
        }
        nanos = padded.parse().map_err(|_| bad())?;
    }
    let offset = match b.get(i) {
        Some(b'Z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let h = num(i + 1, 2).ok_or_else(bad)?;
            let m = num(i + 4, 2).ok_or_else(bad)?;
            if h > 23 || m > 59 {
                return Err(bad());
            }
            let o = (h * 3600 + m * 60) as i32;
            if *sign == b'-' { -o } else { o }
        }
        _ => return Err(bad()),
    };
    if hour > 23 || minute > 59 || second > 59 {
        return Err(bad());
    }
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(bad)?;
    let local = date
        .and_hms_opt(hour, minute, second)
        .ok_or_else(bad)?
        .and_utc()
        .timestamp();
    Timestamp::new(local - i64::from(offset), nanos, offset)
}

/// Parses an OpenAPI `date` (`2006-01-02`) as midnight UTC.
pub(crate) fn parse_date(s: &str) -> R<Timestamp> {
    let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::failed(format!("invalid date {s:?}")))?;
    let secs = date
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp())
        .unwrap_or(0);
    Timestamp::from_unix(secs, 0)
}

impl Duration {
    /// What `string(d)` gives in cel-go: seconds with the shortest exact fraction, `"90s"`,
    /// `"1.5s"`.
    pub(crate) fn cel_string(&self) -> String {
        let secs = self.0 / NANOS;
        let nanos = self.0 % NANOS;
        let value = secs as f64 + nanos as f64 / 1e9;
        format!("{value}s")
    }

    /// Go's `time.Duration.String()` (`1h30m0s`, `1.5ms`, `0s`): how kro writes a duration
    /// into an object.
    pub(crate) fn go_string(&self) -> String {
        let neg = self.0 < 0;
        let mut u = self.0.unsigned_abs();
        let mut out = String::new();
        if u < 1_000_000_000 {
            if u == 0 {
                return "0s".to_owned();
            }
            let (prec, unit) = if u < 1_000 {
                (0, "ns")
            } else if u < 1_000_000 {
                (3, "µs")
            } else {
                (6, "ms")
            };
            let (int, frac) = split_frac(u, prec);
            out.push_str(&int.to_string());
            out.push_str(&frac);
            out.push_str(unit);
        } else {
            let (secs, frac) = split_frac(u, 9);
            u = secs;
            let s = u % 60;
            u /= 60;
            let mut tail = format!("{s}{frac}s");
            if u > 0 {
                tail = format!("{}m{tail}", u % 60);
                u /= 60;
                if u > 0 {
                    tail = format!("{u}h{tail}");
                }
            }
            out.push_str(&tail);
        }
        if neg {
            out.insert(0, '-');
        }
        out
    }

    pub(crate) fn hours(&self) -> i64 {
        self.0 / (3600 * NANOS)
    }

    pub(crate) fn minutes(&self) -> i64 {
        self.0 / (60 * NANOS)
    }

    pub(crate) fn seconds(&self) -> i64 {
        self.0 / NANOS
    }

    pub(crate) fn milliseconds(&self) -> i64 {
        self.0 / 1_000_000
    }

    pub(crate) fn checked_add(&self, other: Duration) -> R<Duration> {
        self.0
            .checked_add(other.0)
            .map(Duration)
            .ok_or_else(|| Error::failed("duration overflow"))
    }

    pub(crate) fn checked_sub(&self, other: Duration) -> R<Duration> {
        self.0
            .checked_sub(other.0)
            .map(Duration)
            .ok_or_else(|| Error::failed("duration overflow"))
    }

    pub(crate) fn checked_neg(&self) -> R<Duration> {
        self.0
            .checked_neg()
            .map(Duration)
            .ok_or_else(|| Error::failed("duration overflow"))
    }
}

/// Splits `v / 10^prec` into its integer part and `.fraction` without trailing zeros.
fn split_frac(v: u64, prec: u32) -> (u64, String) {
    if prec == 0 {
        return (v, String::new());
    }
    let scale = 10u64.pow(prec);
    let frac = v % scale;
    if frac == 0 {
        return (v / scale, String::new());
    }
    let digits = format!("{:0width$}", frac, width = prec as usize);
    (v / scale, format!(".{}", digits.trim_end_matches('0')))
}

/// Parses a duration as Go's `time.ParseDuration` does: `300ms`, `-1.5h`, `2h45m`, `0`.
pub(crate) fn parse_duration(s: &str) -> R<Duration> {
    let invalid = || Error::failed(format!("time: invalid duration {s:?}"));
    let mut rest = s;
    let mut neg = false;
    if let Some(c) = rest.chars().next()
        && (c == '-' || c == '+')
    {
        neg = c == '-';
        rest = &rest[1..];
    }
    if rest == "0" {
        return Ok(Duration(0));
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let first = rest.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        // The integer part.
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let pre = digits > 0;
        let mut v: u64 = 0;
        for b in rest[..digits].bytes() {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(b - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
        }
        rest = &rest[digits..];
        // The fraction.
        let mut f: u64 = 0;
        let mut scale = 1f64;
        let mut post = false;
        if let Some(after) = rest.strip_prefix('.') {
            rest = after;
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            post = n > 0;
            let mut overflowed = false;
            for b in rest[..n].bytes() {
                if overflowed {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflowed = true;
                    continue;
                }
                let y = f * 10 + u64::from(b - b'0');
                if y > LIMIT {
                    overflowed = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            rest = &rest[n..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        // The unit.
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(Error::failed(format!(
                "time: missing unit in duration {s:?}"
            )));
        }
        let unit: u64 = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => {
                return Err(Error::failed(format!(
                    "time: unknown unit {other:?} in duration {s:?}"
                )));
            }
        };
        rest = &rest[unit_len..];
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok(Duration((total as i128).wrapping_neg() as i64));
    }
    if total > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(Duration(total as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_and_print_as_go_does() {
        let t = parse_timestamp("2024-03-05T10:20:30.123400Z").unwrap();
        assert_eq!(t.rfc3339_nano(), "2024-03-05T10:20:30.1234Z");
        assert_eq!(t.rfc3339_utc_seconds(), "2024-03-05T10:20:30Z");
        let t = parse_timestamp("2024-03-05T10:20:30+02:00").unwrap();
        assert_eq!(t.rfc3339_nano(), "2024-03-05T10:20:30+02:00");
        assert_eq!(t.rfc3339_utc_seconds(), "2024-03-05T08:20:30Z");
        assert_eq!(t.field(TimeField::Hours, None).unwrap(), 8);
        assert_eq!(t.field(TimeField::Hours, Some("UTC")).unwrap(), 8);
        assert_eq!(t.field(TimeField::Hours, Some("-01:30")).unwrap(), 6);
        assert_eq!(t.field(TimeField::Hours, Some("Asia/Tokyo")).unwrap(), 17);
        for bad in [
            "2024-03-05",
            "2024-03-05 10:20:30Z",
            "2024-02-30T00:00:00Z",
            "2024-03-05T24:00:00Z",
            "2024-03-05T10:20:30",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
        assert!(parse_timestamp("0001-01-01T00:00:00Z").unwrap().is_zero());
    }

    #[test]
    fn durations_parse_and_print_as_go_does() {
        let d = |s: &str| parse_duration(s).unwrap();
        assert_eq!(d("1h30m").0, 5_400_000_000_000);
        assert_eq!(d("-1.5s").0, -1_500_000_000);
        assert_eq!(d("1.5h").go_string(), "1h30m0s");
        assert_eq!(d("300ms").go_string(), "300ms");
        assert_eq!(d("1500us").go_string(), "1.5ms");
        assert_eq!(d("2µs").go_string(), "2µs");
        assert_eq!(d("0").go_string(), "0s");
        assert_eq!(d("-90s").go_string(), "-1m30s");
        assert_eq!(d("1h30m").cel_string(), "5400s");
        assert_eq!(d("100ms").cel_string(), "0.1s");
        assert_eq!(d("1.000000001s").go_string(), "1.000000001s");
        for bad in ["", "1", "1d", ".s", "9999999999h", "1h-1m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
