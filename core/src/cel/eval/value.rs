//! Runtime values: the CEL primitives, lists, maps, optionals, type values and the library's
//! opaque values (URL, Quantity, IP, CIDR, Semver, Condition, `runtime`, `omit()`), with CEL's
//! equality and ordering.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use super::error::{Error, R};
use super::interp::Meter;
use super::libs::kro::Condition;
use super::libs::net::Cidr;
use super::libs::quantity::Quantity;
use super::libs::semver::Semver;
use super::libs::url::Url;
use super::time::{Duration, Timestamp};

/// A CEL value.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    String(Arc<str>),
    Bytes(Arc<[u8]>),
    Timestamp(Timestamp),
    Duration(Duration),
    List(Arc<Vec<Value>>),
    Map(Arc<Map>),
    /// `optional(T)`: `None` is `optional.none()`.
    Optional(Option<Arc<Value>>),
    /// A type value (`int`, `type(x)`), by its CEL name.
    Type(&'static str),
    /// A value of a library type.
    Opaque(Arc<Opaque>),
}

/// Values of library types.
#[derive(Clone, Debug)]
pub(crate) enum Opaque {
    Url(Url),
    Quantity(Quantity),
    Ip(std::net::IpAddr),
    Cidr(Cidr),
    Semver(Semver),
    Condition(Condition),
    /// kro's `runtime` variable.
    Runtime,
    /// `omit()`: the field or element is dropped from the rendered object.
    Omit,
}

impl Opaque {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Opaque::Url(_) => "kubernetes.URL",
            Opaque::Quantity(_) => "kubernetes.Quantity",
            Opaque::Ip(_) => "net.IP",
            Opaque::Cidr(_) => "net.CIDR",
            Opaque::Semver(_) => "kubernetes.Semver",
            Opaque::Condition(_) => "kro.run.Condition",
            Opaque::Runtime => "kro.run.Runtime",
            Opaque::Omit => "kro.omit",
        }
    }
}

/// A map key: CEL maps are keyed by bools, ints, uints and strings.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Key {
    Bool(bool),
    Int(i64),
    Uint(u64),
    String(Arc<str>),
}

impl Key {
    pub(crate) fn from_value(v: &Value) -> R<Key> {
        Ok(match v {
            Value::Bool(b) => Key::Bool(*b),
            Value::Int(i) => Key::Int(*i),
            Value::Uint(u) => Key::Uint(*u),
            Value::String(s) => Key::String(s.clone()),
            other => {
                return Err(Error::failed(format!(
                    "unsupported key type: {}",
                    other.type_name()
                )));
            }
        })
    }

    pub(crate) fn to_value(&self) -> Value {
        match self {
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Uint(u) => Value::Uint(*u),
            Key::String(s) => Value::String(s.clone()),
        }
    }

    /// The same number under the other integer type, for heterogeneous lookups.
    fn numeric_twin(&self) -> Option<Key> {
        match self {
            Key::Int(i) if *i >= 0 => Some(Key::Uint(*i as u64)),
            Key::Uint(u) if *u <= i64::MAX as u64 => Some(Key::Int(*u as i64)),
            _ => None,
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Bool(b) => write!(f, "{b}"),
            Key::Int(i) => write!(f, "{i}"),
            Key::Uint(u) => write!(f, "{u}u"),
            Key::String(s) => write!(f, "'{s}'"),
        }
    }
}

/// A map, in key order (so iteration is deterministic).
pub(crate) type Map = BTreeMap<Key, Value>;

/// A borrowed view of a key, so maps can be searched by `&str` without allocating.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum KeyRef<'a> {
    Bool(bool),
    Int(i64),
    Uint(u64),
    String(&'a str),
}

trait KeyView {
    fn view(&self) -> KeyRef<'_>;
}

impl KeyView for Key {
    fn view(&self) -> KeyRef<'_> {
        match self {
            Key::Bool(b) => KeyRef::Bool(*b),
            Key::Int(i) => KeyRef::Int(*i),
            Key::Uint(u) => KeyRef::Uint(*u),
            Key::String(s) => KeyRef::String(s),
        }
    }
}

impl KeyView for KeyRef<'_> {
    fn view(&self) -> KeyRef<'_> {
        match self {
            KeyRef::Bool(b) => KeyRef::Bool(*b),
            KeyRef::Int(i) => KeyRef::Int(*i),
            KeyRef::Uint(u) => KeyRef::Uint(*u),
            KeyRef::String(s) => KeyRef::String(s),
        }
    }
}

impl<'a> std::borrow::Borrow<dyn KeyView + 'a> for Key {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        self
    }
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.view() == other.view()
    }
}

impl Eq for dyn KeyView + '_ {}

impl PartialOrd for dyn KeyView + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for dyn KeyView + '_ {
    fn cmp(&self, other: &Self) -> Ordering {
        self.view().cmp(&other.view())
    }
}

/// The entry of a string key, without allocating.
pub(crate) fn map_get_str<'m>(map: &'m Map, key: &str) -> Option<&'m Value> {
    map.get(&KeyRef::String(key) as &dyn KeyView)
}

/// Looks a key up the way CEL does: `1`, `1u` and `1.0` find the same entry.
pub(crate) fn map_get<'m>(map: &'m Map, key: &Value) -> R<Option<&'m Value>> {
    let key = match key {
        Value::Double(d) => {
            if d.fract() != 0.0 || !d.is_finite() {
                return Ok(None);
            }
            if *d >= 0.0 && *d < 18446744073709551616.0 {
                let u = *d as u64;
                return Ok(map
                    .get(&Key::Uint(u))
                    .or_else(|| i64::try_from(u).ok().and_then(|i| map.get(&Key::Int(i)))));
            }
            if *d >= -9223372036854775808.0 {
                return Ok(map.get(&Key::Int(*d as i64)));
            }
            return Ok(None);
        }
        other => Key::from_value(other)?,
    };
    if let Some(v) = map.get(&key) {
        return Ok(Some(v));
    }
    Ok(key.numeric_twin().and_then(|k| map.get(&k)))
}

/// Inserts a new entry; a key already present (also as the other integer type) is an error.
pub(crate) fn map_insert_new(map: &mut Map, key: Key, value: Value) -> R<()> {
    if map.contains_key(&key) || key.numeric_twin().is_some_and(|k| map.contains_key(&k)) {
        return Err(Error::failed(format!(
            "insert failed: key {key} already exists"
        )));
    }
    map.insert(key, value);
    Ok(())
}

impl Value {
    pub(crate) fn string(s: &str) -> Value {
        Value::String(Arc::from(s))
    }

    pub(crate) fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    pub(crate) fn optional(v: Option<Value>) -> Value {
        Value::Optional(v.map(Arc::new))
    }

    pub(crate) fn opaque(o: Opaque) -> Value {
        Value::Opaque(Arc::new(o))
    }

    /// The CEL name of the value's type, as `type(x)` reports it.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null_type",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Uint(_) => "uint",
            Value::Double(_) => "double",
            Value::String(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::Timestamp(_) => "google.protobuf.Timestamp",
            Value::Duration(_) => "google.protobuf.Duration",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Optional(_) => "optional_type",
            Value::Type(_) => "type",
            Value::Opaque(o) => o.type_name(),
        }
    }

    pub(crate) fn is_omit(&self) -> bool {
        matches!(self, Value::Opaque(o) if matches!(**o, Opaque::Omit))
    }
}

/// CEL equality (`==`): heterogeneous numbers compare by value, values of different types are
/// unequal. Only `omit()` refuses to be compared. Each value compared costs a unit (lists can
/// share structure, so a comparison can be far larger than the values look).
pub(crate) fn equals(meter: &mut Meter, a: &Value, b: &Value) -> R<bool> {
    meter.charge(1)?;
    Ok(match (a, b) {
        (Value::Opaque(x), _) | (_, Value::Opaque(x)) if matches!(**x, Opaque::Omit) => {
            return Err(Error::failed(
                "omit() is a field-removal sentinel and cannot be compared",
            ));
        }
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::Timestamp(x), Value::Timestamp(y)) => x.instant() == y.instant(),
        (Value::Duration(x), Value::Duration(y)) => x == y,
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::List(x), Value::List(y)) if Arc::ptr_eq(x, y) => true,
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Ok(false);
            }
            for (p, q) in x.iter().zip(y.iter()) {
                if !equals(meter, p, q)? {
                    return Ok(false);
                }
            }
            true
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.len() != y.len() {
                return Ok(false);
            }
            for (k, v) in x.iter() {
                match map_get(y, &k.to_value())? {
                    Some(w) => {
                        if !equals(meter, v, w)? {
                            return Ok(false);
                        }
                    }
                    None => return Ok(false),
                }
            }
            true
        }
        (Value::Optional(x), Value::Optional(y)) => match (x, y) {
            (None, None) => true,
            (Some(p), Some(q)) => equals(meter, p, q)?,
            _ => false,
        },
        (Value::Opaque(x), Value::Opaque(y)) => opaque_equals(x, y),
        _ => match numeric_cmp(a, b) {
            Some(Some(o)) => o == Ordering::Equal,
            _ => false,
        },
    })
}

fn opaque_equals(a: &Opaque, b: &Opaque) -> bool {
    match (a, b) {
        (Opaque::Url(x), Opaque::Url(y)) => x == y,
        (Opaque::Quantity(x), Opaque::Quantity(y)) => x.cmp_value(y) == Ordering::Equal,
        (Opaque::Ip(x), Opaque::Ip(y)) => x == y,
        (Opaque::Cidr(x), Opaque::Cidr(y)) => x == y,
        (Opaque::Semver(x), Opaque::Semver(y)) => x.compare(y) == Ordering::Equal,
        (Opaque::Condition(x), Opaque::Condition(y)) => x == y,
        (Opaque::Runtime, Opaque::Runtime) => true,
        _ => false,
    }
}

/// Compares numbers of any numeric types: `None` when either is not a number, `Some(None)`
/// when a NaN is involved.
fn numeric_cmp(a: &Value, b: &Value) -> Option<Option<Ordering>> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Uint(x), Value::Uint(y)) => Some(x.cmp(y)),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Uint(y)) => Some(if *x < 0 {
            Ordering::Less
        } else {
            (*x as u64).cmp(y)
        }),
        (Value::Uint(x), Value::Int(y)) => Some(if *y < 0 {
            Ordering::Greater
        } else {
            x.cmp(&(*y as u64))
        }),
        (Value::Double(x), Value::Int(y)) => double_int(*x, *y),
        (Value::Int(x), Value::Double(y)) => double_int(*y, *x).map(Ordering::reverse),
        (Value::Double(x), Value::Uint(y)) => double_uint(*x, *y),
        (Value::Uint(x), Value::Double(y)) => double_uint(*y, *x).map(Ordering::reverse),
        _ => return None,
    })
}

fn double_int(d: f64, i: i64) -> Option<Ordering> {
    if d.is_nan() {
        return None;
    }
    if d < -9223372036854775808.0 {
        return Some(Ordering::Less);
    }
    if d > 9223372036854775807.0 {
        return Some(Ordering::Greater);
    }
    d.partial_cmp(&(i as f64))
}

fn double_uint(d: f64, u: u64) -> Option<Ordering> {
    if d.is_nan() {
        return None;
    }
    if d < 0.0 {
        return Some(Ordering::Less);
    }
    if d > 18446744073709551615.0 {
        return Some(Ordering::Greater);
    }
    d.partial_cmp(&(u as f64))
}

/// CEL ordering (`<` and friends, `sort`, `min`, `max`): numbers (across types), strings,
/// bytes, bools, timestamps and durations.
pub(crate) fn compare(a: &Value, b: &Value) -> R<Ordering> {
    if let Some(o) = numeric_cmp(a, b) {
        return o.ok_or_else(|| Error::failed("NaN values cannot be ordered"));
    }
    Ok(match (a, b) {
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Bytes(x), Value::Bytes(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Timestamp(x), Value::Timestamp(y)) => x.instant().cmp(&y.instant()),
        (Value::Duration(x), Value::Duration(y)) => x.cmp(y),
        _ => {
            return Err(Error::no_overload("_<_", &[a, b]));
        }
    })
}

/// Whether values of this kind can be ordered (for `sort` and friends).
pub(crate) fn is_orderable(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_)
            | Value::Uint(_)
            | Value::Double(_)
            | Value::String(_)
            | Value::Bytes(_)
            | Value::Bool(_)
            | Value::Timestamp(_)
            | Value::Duration(_)
    )
}

/// A short rendering of a value for error messages.
pub(crate) fn show(v: &Value) -> String {
    let mut out = String::new();
    show_into(v, &mut out, 0);
    if out.chars().count() > 60 {
        let cut: String = out.chars().take(57).collect();
        return format!("{cut}...");
    }
    out
}

fn show_into(v: &Value, out: &mut String, depth: usize) {
    if out.len() > 80 || depth > 4 {
        out.push_str("...");
        return;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Uint(u) => {
            let _ = write!(out, "{u}u");
        }
        Value::Double(d) => out.push_str(&super::strings::go_g(*d)),
        Value::String(s) => {
            let _ = write!(out, "{:?}", &**s);
        }
        Value::Bytes(b) => {
            let _ = write!(out, "b{:?}", String::from_utf8_lossy(b));
        }
        Value::Timestamp(t) => {
            let _ = write!(out, "timestamp({:?})", t.rfc3339_nano());
        }
        Value::Duration(d) => {
            let _ = write!(out, "duration({:?})", d.cel_string());
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if out.len() > 80 {
                    out.push_str("...");
                    break;
                }
                show_into(item, out, depth + 1);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if out.len() > 80 {
                    out.push_str("...");
                    break;
                }
                show_into(&k.to_value(), out, depth + 1);
                out.push_str(": ");
                show_into(item, out, depth + 1);
            }
            out.push('}');
        }
        Value::Optional(None) => out.push_str("optional.none()"),
        Value::Optional(Some(inner)) => {
            out.push_str("optional.of(");
            show_into(inner, out, depth + 1);
            out.push(')');
        }
        Value::Type(t) => out.push_str(t),
        Value::Opaque(o) => match &**o {
            Opaque::Omit => out.push_str("omit()"),
            Opaque::Runtime => out.push_str("runtime"),
            other => out.push_str(other.type_name()),
        },
    }
}
