//! The function library at run time: operators, the standard functions and conversions,
//! optionals and encoders here; strings in [`super::strings`]; lists, the Kubernetes
//! libraries and kro's own in submodules. Calls are dispatched by name and by the run-time
//! types of the arguments, as cel-go's dynamic dispatch does.

pub(crate) mod kro;
pub(crate) mod lists;
pub(crate) mod net;
pub(crate) mod quantity;
pub(crate) mod semver;
pub(crate) mod url;

use std::cmp::Ordering;
use std::sync::Arc;

use base64::Engine as _;

use super::error::{Error, R};
use super::interp::Meter;
use super::strings;
use super::time::{self, Duration, TimeField, Timestamp};
use super::value::{self, Key, Map, Opaque, Value, map_get};

/// Calls a global or namespaced function.
pub(crate) fn call_function(meter: &mut Meter, name: &str, args: Vec<Value>) -> R {
    let no_overload = |args: &[Value]| {
        let refs: Vec<&Value> = args.iter().collect();
        Err(Error::no_overload(name, &refs))
    };
    match (name, args.as_slice()) {
        ("size", [x]) => size(meter, x),
        ("int", [x]) => to_int(x),
        ("uint", [x]) => to_uint(x),
        ("double", [x]) => to_double(x),
        ("string", [x]) => to_string(x),
        ("bytes", [x]) => match x {
            Value::Bytes(_) => Ok(x.clone()),
            Value::String(s) => Ok(Value::Bytes(Arc::from(s.as_bytes()))),
            _ => no_overload(&args),
        },
        ("bool", [x]) => match x {
            Value::Bool(_) => Ok(x.clone()),
            Value::String(s) => match &**s {
                "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(Value::Bool(true)),
                "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(Value::Bool(false)),
                _ => Err(Error::failed(format!(
                    "type conversion error from 'string' to 'bool': {s:?}"
                ))),
            },
            _ => no_overload(&args),
        },
        ("timestamp", [x]) => match x {
            Value::Timestamp(_) => Ok(x.clone()),
            Value::String(s) => time::parse_timestamp(s).map(Value::Timestamp),
            Value::Int(i) => Timestamp::from_unix(*i, 0).map(Value::Timestamp),
            _ => no_overload(&args),
        },
        ("duration", [x]) => match x {
            Value::Duration(_) => Ok(x.clone()),
            Value::String(s) => time::parse_duration(s).map(Value::Duration),
            _ => no_overload(&args),
        },
        ("dyn", [x]) => Ok(x.clone()),
        ("type", [x]) => Ok(Value::Type(x.type_name())),
        ("matches", [Value::String(s), Value::String(re)]) => {
            meter.charge_bytes(s.len() + re.len())?;
            strings::matches(s, re)
        }
        ("omit", []) => Ok(Value::opaque(Opaque::Omit)),
        ("optional.of", [x]) => Ok(Value::optional(Some(x.clone()))),
        ("optional.ofNonZeroValue", [x]) => {
            Ok(Value::optional((!is_zero_value(x)).then(|| x.clone())))
        }
        ("optional.none", []) => Ok(Value::Optional(None)),
        ("optional.unwrap", [x]) => lists::unwrap_optionals(meter, x),
        ("base64.encode", [Value::Bytes(b)]) => {
            meter.charge_bytes(b.len() * 2)?;
            Ok(Value::string(
                &base64::engine::general_purpose::STANDARD.encode(b),
            ))
        }
        ("base64.decode", [Value::String(s)]) => {
            meter.charge_bytes(s.len() * 2)?;
            base64_decode(s).map(|b| Value::Bytes(Arc::from(b)))
        }
        ("strings.quote", [Value::String(s)]) => {
            meter.charge_bytes(s.len() * 2)?;
            Ok(Value::string(&strings::quote(s)))
        }
        ("lists.range", [Value::Int(n)]) => lists::range(meter, *n),
        ("lists.setAtIndex", [list, Value::Int(i), v]) => lists::set_at(meter, list, *i, v),
        ("lists.insertAtIndex", [list, Value::Int(i), v]) => lists::insert_at(meter, list, *i, v),
        ("lists.removeAtIndex", [list, Value::Int(i)]) => lists::remove_at(meter, list, *i),
        ("url", [Value::String(s)]) => url::Url::parse_value(s),
        ("isURL", [Value::String(s)]) => Ok(Value::Bool(url::Url::is_url(s))),
        ("quantity", [Value::String(s)]) => quantity::Quantity::parse(s)
            .map(|q| Value::opaque(Opaque::Quantity(q)))
            .map_err(Error::failed),
        ("isQuantity", [Value::String(s)]) => Ok(Value::Bool(quantity::Quantity::parse(s).is_ok())),
        ("sign", [Value::Opaque(o)]) => match &**o {
            Opaque::Quantity(q) => Ok(Value::Int(q.sign())),
            _ => no_overload(&args),
        },
        ("ip", [Value::String(s)]) => net::parse_ip(s).map(|ip| Value::opaque(Opaque::Ip(ip))),
        ("isIP", [Value::String(s)]) => Ok(Value::Bool(net::parse_ip(s).is_ok())),
        ("ip.isCanonical", [Value::String(s)]) => net::is_canonical(s).map(Value::Bool),
        ("cidr", [Value::String(s)]) => net::parse_cidr(s).map(|c| Value::opaque(Opaque::Cidr(c))),
        ("isCIDR", [Value::String(s)]) => Ok(Value::Bool(net::parse_cidr(s).is_ok())),
        ("semver", [Value::String(s)]) => semver::Semver::parse_value(s, false),
        ("semver", [Value::String(s), Value::Bool(normalize)]) => {
            semver::Semver::parse_value(s, *normalize)
        }
        ("isSemver", [Value::String(s)]) => {
            Ok(Value::Bool(semver::Semver::parse(s, false).is_ok()))
        }
        ("isSemver", [Value::String(s), Value::Bool(normalize)]) => {
            Ok(Value::Bool(semver::Semver::parse(s, *normalize).is_ok()))
        }
        (
            "random.seededString"
            | "random.seededInt"
            | "json.marshal"
            | "json.unmarshal"
            | "hash.fnv64a"
            | "hash.sha256"
            | "hash.md5",
            _,
        ) => kro::call(meter, name, &args),
        _ => no_overload(&args),
    }
}

/// Calls `target.name(args)`.
pub(crate) fn call_method(meter: &mut Meter, name: &str, target: Value, args: Vec<Value>) -> R {
    let no_overload = |target: &Value, args: &[Value]| {
        let mut refs: Vec<&Value> = vec![target];
        refs.extend(args.iter());
        Err(Error::no_overload(name, &refs))
    };
    if name == "size" && args.is_empty() {
        return size(meter, &target);
    }
    match &target {
        Value::String(s) => {
            if let Some(field) = time_field(name) {
                // A date-time or duration field bound as text: read it as the checker typed it.
                if let Ok(t) = time::parse_timestamp(s) {
                    return call_method(meter, name, Value::Timestamp(t), args);
                }
                if let Ok(d) = time::parse_duration(s)
                    && args.is_empty()
                    && field != TimeField::FullYear
                {
                    return call_method(meter, name, Value::Duration(d), args);
                }
            }
            strings::call_method(meter, name, s, &args)
                .unwrap_or_else(|| no_overload(&target, &args))
        }
        Value::List(items) => lists::call_method(meter, name, items, &args)
            .unwrap_or_else(|| no_overload(&target, &args)),
        Value::Map(m) => match (name, args.as_slice()) {
            ("merge", [Value::Map(other)]) => kro::merge(meter, m, other),
            ("deepMerge", [other]) => kro::deep_merge(meter, &target, other),
            _ => no_overload(&target, &args),
        },
        Value::Timestamp(t) => match (time_field(name), args.as_slice()) {
            (Some(field), []) => t.field(field, None).map(Value::Int),
            (Some(field), [Value::String(tz)]) => t.field(field, Some(tz)).map(Value::Int),
            _ => no_overload(&target, &args),
        },
        Value::Duration(d) => match (name, args.as_slice()) {
            ("getHours", []) => Ok(Value::Int(d.hours())),
            ("getMinutes", []) => Ok(Value::Int(d.minutes())),
            ("getSeconds", []) => Ok(Value::Int(d.seconds())),
            ("getMilliseconds", []) => Ok(Value::Int(d.milliseconds())),
            _ => no_overload(&target, &args),
        },
        Value::Optional(inner) => match (name, args.as_slice()) {
            ("hasValue", []) => Ok(Value::Bool(inner.is_some())),
            ("value", []) => inner
                .as_ref()
                .map(|v| (**v).clone())
                .ok_or_else(|| Error::failed("optional.none() dereference")),
            ("or", [other @ Value::Optional(_)]) => Ok(match inner {
                Some(_) => target.clone(),
                None => other.clone(),
            }),
            ("orValue", [other]) => Ok(match inner {
                Some(v) => (**v).clone(),
                None => other.clone(),
            }),
            _ => no_overload(&target, &args),
        },
        Value::Opaque(o) => match &**o {
            Opaque::Url(u) => u
                .call(name, &args)
                .unwrap_or_else(|| no_overload(&target, &args)),
            Opaque::Quantity(q) => q
                .call(name, &args)
                .unwrap_or_else(|| no_overload(&target, &args)),
            Opaque::Ip(ip) => {
                net::ip_method(ip, name, &args).unwrap_or_else(|| no_overload(&target, &args))
            }
            Opaque::Cidr(c) => c
                .call(name, &args)
                .unwrap_or_else(|| no_overload(&target, &args)),
            Opaque::Semver(v) => v
                .call(name, &args)
                .unwrap_or_else(|| no_overload(&target, &args)),
            Opaque::Runtime => match (name, args.as_slice()) {
                ("condition", [obj, Value::String(t)]) => kro::condition(obj, t),
                ("newCondition", [Value::Map(m)]) => kro::new_condition(m),
                _ => no_overload(&target, &args),
            },
            _ => no_overload(&target, &args),
        },
        _ => match (name, args.as_slice()) {
            ("deepMerge", [other]) => kro::deep_merge(meter, &target, other),
            _ => no_overload(&target, &args),
        },
    }
}

fn time_field(name: &str) -> Option<TimeField> {
    Some(match name {
        "getFullYear" => TimeField::FullYear,
        "getMonth" => TimeField::Month,
        "getDayOfYear" => TimeField::DayOfYear,
        "getDayOfMonth" => TimeField::DayOfMonth,
        "getDate" => TimeField::Date,
        "getDayOfWeek" => TimeField::DayOfWeek,
        "getHours" => TimeField::Hours,
        "getMinutes" => TimeField::Minutes,
        "getSeconds" => TimeField::Seconds,
        "getMilliseconds" => TimeField::Milliseconds,
        _ => return None,
    })
}

fn size(meter: &mut Meter, x: &Value) -> R {
    Ok(Value::Int(match x {
        Value::String(s) => {
            meter.charge_bytes(s.len())?;
            s.chars().count() as i64
        }
        Value::Bytes(b) => b.len() as i64,
        Value::List(l) => l.len() as i64,
        Value::Map(m) => m.len() as i64,
        other => return Err(Error::no_overload("size", &[other])),
    }))
}

/// Whether a value is its type's zero value (for `optional.ofNonZeroValue`).
fn is_zero_value(x: &Value) -> bool {
    match x {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Uint(u) => *u == 0,
        Value::Double(d) => *d == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Duration(d) => d.0 == 0,
        Value::Timestamp(t) => t.unix() == 0 && t.instant().1 == 0,
        Value::Optional(o) => o.is_none(),
        _ => false,
    }
}

/// Go's base64 decoding as cel-go does it: padded, or else unpadded; line breaks ignored.
fn base64_decode(s: &str) -> R<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const PADDED: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    const UNPADDED: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone),
    );
    let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    PADDED
        .decode(&cleaned)
        .or_else(|_| UNPADDED.decode(&cleaned))
        .map_err(|e| Error::failed(format!("illegal base64 data: {e}")))
}

pub(crate) fn to_int(x: &Value) -> R {
    let range = || Error::failed("integer overflow");
    Ok(Value::Int(match x {
        Value::Int(i) => *i,
        Value::Uint(u) => i64::try_from(*u).map_err(|_| range())?,
        Value::Double(d) => {
            if d.is_nan() || *d <= -9223372036854775809.0 || *d >= 9223372036854775807.0 {
                return Err(Error::failed(format!(
                    "range error converting {} to int",
                    strings::go_g(*d)
                )));
            }
            *d as i64
        }
        Value::String(s) => go_parse_int(s).ok_or_else(|| {
            Error::failed(format!(
                "type conversion error from 'string' to 'int': {s:?}"
            ))
        })?,
        Value::Timestamp(t) => t.unix(),
        Value::Duration(d) => d.0,
        Value::Bool(_) | Value::Null | Value::Bytes(_) | Value::List(_) | Value::Map(_) => {
            return Err(Error::no_overload("int", &[x]));
        }
        other => return Err(Error::no_overload("int", &[other])),
    }))
}

fn to_uint(x: &Value) -> R {
    Ok(Value::Uint(match x {
        Value::Uint(u) => *u,
        Value::Int(i) => {
            u64::try_from(*i).map_err(|_| Error::failed("unsigned integer overflow"))?
        }
        Value::Double(d) => {
            if d.is_nan() || *d <= -1.0 || *d >= 18446744073709551615.0 {
                return Err(Error::failed(format!(
                    "range error converting {} to uint",
                    strings::go_g(*d)
                )));
            }
            *d as u64
        }
        Value::String(s) => {
            let digits = s.strip_prefix('+').unwrap_or(s);
            if digits.is_empty()
                || !digits.bytes().all(|b| b.is_ascii_digit())
                || s.starts_with('+')
            {
                return Err(Error::failed(format!(
                    "type conversion error from 'string' to 'uint': {s:?}"
                )));
            }
            digits.parse().map_err(|_| {
                Error::failed(format!(
                    "type conversion error from 'string' to 'uint': {s:?}"
                ))
            })?
        }
        other => return Err(Error::no_overload("uint", &[other])),
    }))
}

fn to_double(x: &Value) -> R {
    Ok(Value::Double(match x {
        Value::Double(d) => *d,
        Value::Int(i) => *i as f64,
        Value::Uint(u) => *u as f64,
        Value::String(s) => strings::go_parse_float(s).ok_or_else(|| {
            Error::failed(format!(
                "type conversion error from 'string' to 'double': {s:?}"
            ))
        })?,
        other => return Err(Error::no_overload("double", &[other])),
    }))
}

pub(crate) fn to_string(x: &Value) -> R {
    Ok(Value::String(match x {
        Value::String(s) => s.clone(),
        Value::Int(i) => Arc::from(i.to_string()),
        Value::Uint(u) => Arc::from(u.to_string()),
        Value::Double(d) => Arc::from(strings::go_g(*d)),
        Value::Bool(b) => Arc::from(b.to_string()),
        Value::Bytes(b) => Arc::from(
            std::str::from_utf8(b)
                .map_err(|_| Error::failed("invalid UTF-8 in bytes, cannot convert to string"))?,
        ),
        Value::Timestamp(t) => Arc::from(t.rfc3339_nano()),
        Value::Duration(d) => Arc::from(d.cel_string()),
        Value::Opaque(o) => match &**o {
            Opaque::Ip(ip) => Arc::from(net::ip_string(ip)),
            Opaque::Cidr(c) => Arc::from(c.to_string()),
            _ => return Err(Error::no_overload("string", &[x])),
        },
        other => return Err(Error::no_overload("string", &[other])),
    }))
}

/// Go's `strconv.ParseInt(s, 10, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

// ---- operators ----

pub(crate) fn negate(v: &Value) -> R {
    match v {
        Value::Int(i) => i
            .checked_neg()
            .map(Value::Int)
            .ok_or_else(|| Error::failed("integer overflow")),
        Value::Double(d) => Ok(Value::Double(-d)),
        Value::Duration(d) => d.checked_neg().map(Value::Duration),
        other => Err(Error::no_overload("-_", &[other])),
    }
}

/// A timestamp from a value that should be one: a timestamp, or RFC 3339 text (a `date-time`
/// field bound as JSON).
fn as_timestamp(v: &Value) -> Option<Timestamp> {
    match v {
        Value::Timestamp(t) => Some(*t),
        Value::String(s) => time::parse_timestamp(s).ok(),
        _ => None,
    }
}

/// A duration from a value that should be one: a duration, or Go duration text.
fn as_duration(v: &Value) -> Option<Duration> {
    match v {
        Value::Duration(d) => Some(*d),
        Value::String(s) => time::parse_duration(s).ok(),
        _ => None,
    }
}

fn overflow() -> Error {
    Error::failed("integer overflow")
}

fn uint_overflow() -> Error {
    Error::failed("unsigned integer overflow")
}

pub(crate) fn add(meter: &mut Meter, a: &Value, b: &Value) -> R {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(x.checked_add(*y).ok_or_else(overflow)?),
        (Value::Uint(x), Value::Uint(y)) => {
            Value::Uint(x.checked_add(*y).ok_or_else(uint_overflow)?)
        }
        (Value::Double(x), Value::Double(y)) => Value::Double(x + y),
        (Value::String(x), Value::String(y)) => {
            meter.charge_bytes(x.len() + y.len())?;
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Value::String(Arc::from(s))
        }
        (Value::Bytes(x), Value::Bytes(y)) => {
            meter.charge_bytes(x.len() + y.len())?;
            let mut v = x.to_vec();
            v.extend_from_slice(y);
            Value::Bytes(Arc::from(v))
        }
        (Value::List(x), Value::List(y)) => {
            meter.charge((x.len() + y.len()) as u64)?;
            if y.is_empty() {
                return Ok(a.clone());
            }
            if x.is_empty() {
                return Ok(b.clone());
            }
            let mut v = Vec::with_capacity(x.len() + y.len());
            v.extend(x.iter().cloned());
            v.extend(y.iter().cloned());
            Value::list(v)
        }
        (Value::Map(x), Value::Map(y)) => {
            meter.charge((x.len() + y.len()) as u64)?;
            let mut m = (**x).clone();
            for (k, v) in y.iter() {
                value::map_insert_new(&mut m, k.clone(), v.clone())?;
            }
            Value::Map(Arc::new(m))
        }
        (Value::Duration(x), Value::Duration(y)) => Value::Duration(x.checked_add(*y)?),
        // A timestamp plus a duration, either side; text stands for what the checker typed.
        (Value::Timestamp(t), other) | (other, Value::Timestamp(t)) => match as_duration(other) {
            Some(d) => Value::Timestamp(t.add(d)?),
            None => return Err(Error::no_overload("_+_", &[a, b])),
        },
        (Value::Duration(d), other) | (other, Value::Duration(d)) => match as_timestamp(other) {
            Some(t) => Value::Timestamp(t.add(*d)?),
            None => return Err(Error::no_overload("_+_", &[a, b])),
        },
        _ => return Err(Error::no_overload("_+_", &[a, b])),
    })
}

pub(crate) fn sub(a: &Value, b: &Value) -> R {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(x.checked_sub(*y).ok_or_else(overflow)?),
        (Value::Uint(x), Value::Uint(y)) => {
            Value::Uint(x.checked_sub(*y).ok_or_else(uint_overflow)?)
        }
        (Value::Double(x), Value::Double(y)) => Value::Double(x - y),
        (Value::Duration(x), Value::Duration(y)) => Value::Duration(x.checked_sub(*y)?),
        // Timestamps (or RFC 3339 text) minus a timestamp or a duration.
        (Value::Timestamp(_) | Value::String(_), _) => {
            let no = || Error::no_overload("_-_", &[a, b]);
            let t = as_timestamp(a).ok_or_else(no)?;
            match b {
                Value::Timestamp(u) => Value::Duration(t.sub(u)?),
                Value::Duration(d) => Value::Timestamp(t.add(d.checked_neg()?)?),
                Value::String(_)
                    if matches!(a, Value::Timestamp(_)) || as_timestamp(b).is_some() =>
                {
                    match (as_timestamp(b), as_duration(b)) {
                        (Some(u), _) => Value::Duration(t.sub(&u)?),
                        (None, Some(d)) => Value::Timestamp(t.add(d.checked_neg()?)?),
                        _ => return Err(no()),
                    }
                }
                _ => return Err(no()),
            }
        }
        _ => return Err(Error::no_overload("_-_", &[a, b])),
    })
}

pub(crate) fn mul(a: &Value, b: &Value) -> R {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(x.checked_mul(*y).ok_or_else(overflow)?),
        (Value::Uint(x), Value::Uint(y)) => {
            Value::Uint(x.checked_mul(*y).ok_or_else(uint_overflow)?)
        }
        (Value::Double(x), Value::Double(y)) => Value::Double(x * y),
        _ => return Err(Error::no_overload("_*_", &[a, b])),
    })
}

pub(crate) fn div(a: &Value, b: &Value) -> R {
    Ok(match (a, b) {
        (Value::Int(_), Value::Int(0)) | (Value::Uint(_), Value::Uint(0)) => {
            return Err(Error::failed("division by zero"));
        }
        (Value::Int(x), Value::Int(y)) => Value::Int(x.checked_div(*y).ok_or_else(overflow)?),
        (Value::Uint(x), Value::Uint(y)) => Value::Uint(x / y),
        (Value::Double(x), Value::Double(y)) => Value::Double(x / y),
        _ => return Err(Error::no_overload("_/_", &[a, b])),
    })
}

pub(crate) fn rem(a: &Value, b: &Value) -> R {
    Ok(match (a, b) {
        (Value::Int(_), Value::Int(0)) | (Value::Uint(_), Value::Uint(0)) => {
            return Err(Error::failed("modulus by zero"));
        }
        (Value::Int(x), Value::Int(y)) => Value::Int(x.checked_rem(*y).ok_or_else(overflow)?),
        (Value::Uint(x), Value::Uint(y)) => Value::Uint(x % y),
        _ => return Err(Error::no_overload("_%_", &[a, b])),
    })
}

/// `<`, `<=`, `>`, `>=`; a timestamp compares with RFC 3339 text as a timestamp.
pub(crate) fn ordering(a: &Value, b: &Value, test: fn(Ordering) -> bool) -> R {
    let o = match (a, b) {
        (Value::Timestamp(_), Value::String(_)) | (Value::String(_), Value::Timestamp(_)) => {
            match (as_timestamp(a), as_timestamp(b)) {
                (Some(x), Some(y)) => x.instant().cmp(&y.instant()),
                _ => return Err(Error::no_overload("_<_", &[a, b])),
            }
        }
        (Value::Duration(_), Value::String(_)) | (Value::String(_), Value::Duration(_)) => {
            match (as_duration(a), as_duration(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => return Err(Error::no_overload("_<_", &[a, b])),
            }
        }
        _ => value::compare(a, b)?,
    };
    Ok(Value::Bool(test(o)))
}

/// `x in container`.
pub(crate) fn contains(meter: &mut Meter, container: &Value, x: &Value) -> R {
    match container {
        Value::List(items) => {
            meter.charge(items.len() as u64)?;
            for item in items.iter() {
                if value::equals(meter, item, x)? {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }
        Value::Map(m) => match x {
            Value::Bool(_)
            | Value::Int(_)
            | Value::Uint(_)
            | Value::String(_)
            | Value::Double(_) => Ok(Value::Bool(map_get(m, x)?.is_some())),
            _ => Ok(Value::Bool(false)),
        },
        other => Err(Error::no_overload("@in", &[x, other])),
    }
}

/// A map with string keys, from entries.
pub(crate) fn string_map<I: IntoIterator<Item = (String, Value)>>(entries: I) -> Value {
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(Key::String(Arc::from(k)), v);
    }
    Value::Map(Arc::new(m))
}
