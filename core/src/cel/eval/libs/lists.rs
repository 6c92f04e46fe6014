//! Lists: cel-go's lists extension (`slice`, `flatten`, `distinct`, `reverse`, `sort`,
//! `sortBy`, `lists.range`, `first`, `last`), `join`, `unwrapOpt`, the Kubernetes list
//! functions (`sum`, `min`, `max`, `isSorted`, `indexOf`, `lastIndexOf`) and kro's index
//! functions (`lists.setAtIndex`, `lists.insertAtIndex`, `lists.removeAtIndex`).

use std::cmp::Ordering;
use std::sync::Arc;

use super::super::error::{Error, R};
use super::super::interp::Meter;
use super::super::time::Duration;
use super::super::value::{self, Value};

/// Calls a method on a list; `None` when there is no such overload.
pub(crate) fn call_method(
    meter: &mut Meter,
    name: &str,
    items: &Arc<Vec<Value>>,
    args: &[Value],
) -> Option<R> {
    Some(match (name, args) {
        ("slice", [Value::Int(start), Value::Int(end)]) => slice(meter, items, *start, *end),
        ("flatten", []) => flatten(meter, items, 1),
        ("flatten", [Value::Int(depth)]) => flatten(meter, items, *depth),
        ("distinct", []) => distinct(meter, items),
        ("reverse", []) => meter
            .charge(items.len() as u64)
            .map(|_| Value::list(items.iter().rev().cloned().collect())),
        ("sort", []) => sort_by_keys(meter, items, items.to_vec()),
        ("first", []) => Ok(Value::optional(items.first().cloned())),
        ("last", []) => Ok(Value::optional(items.last().cloned())),
        ("isSorted", []) => is_sorted(meter, items),
        ("sum", []) => sum(meter, items),
        ("min", []) => extreme(meter, items, "min", Ordering::Greater),
        ("max", []) => extreme(meter, items, "max", Ordering::Less),
        ("indexOf", [x]) => index_of(meter, items.iter().enumerate(), x),
        ("lastIndexOf", [x]) => index_of(meter, items.iter().enumerate().rev(), x),
        ("join", []) => join(meter, items, ""),
        ("join", [Value::String(sep)]) => join(meter, items, sep),
        ("unwrapOpt", []) => unwrap_optionals(meter, &Value::List(items.clone())),
        _ => return None,
    })
}

fn slice(meter: &mut Meter, items: &[Value], start: i64, end: i64) -> R {
    if start < 0 || end < 0 {
        return Err(Error::failed(format!(
            "cannot slice({start}, {end}), negative indexes not supported"
        )));
    }
    if start > end {
        return Err(Error::failed(format!(
            "cannot slice({start}, {end}), start index must be less than or equal to end index"
        )));
    }
    if items.len() < end as usize {
        return Err(Error::failed(format!(
            "cannot slice({start}, {end}), list is length {}",
            items.len()
        )));
    }
    meter.charge((end - start) as u64)?;
    Ok(Value::list(items[start as usize..end as usize].to_vec()))
}

fn flatten(meter: &mut Meter, items: &[Value], depth: i64) -> R {
    if depth < 0 {
        return Err(Error::failed("level must be non-negative"));
    }
    let mut out = Vec::new();
    flatten_into(meter, items, depth, &mut out)?;
    Ok(Value::list(out))
}

fn flatten_into(meter: &mut Meter, items: &[Value], depth: i64, out: &mut Vec<Value>) -> R<()> {
    meter.charge(items.len() as u64)?;
    for item in items {
        match item {
            Value::List(inner) if depth > 0 => flatten_into(meter, inner, depth - 1, out)?,
            other => out.push(other.clone()),
        }
    }
    Ok(())
}

fn distinct(meter: &mut Meter, items: &[Value]) -> R {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        meter.charge(out.len() as u64 + 1)?;
        let mut seen = false;
        for other in &out {
            if value::equals(meter, item, other)? {
                seen = true;
                break;
            }
        }
        if !seen {
            out.push(item.clone());
        }
    }
    Ok(Value::list(out))
}

/// Sorts `items` by `keys` (stable); keys must be orderable and of one type, as cel-go's
/// `@sortByAssociatedKeys` requires.
pub(crate) fn sort_by_keys(meter: &mut Meter, items: &[Value], keys: Vec<Value>) -> R {
    if items.len() != keys.len() {
        return Err(Error::failed("sortBy: keys and items differ in number"));
    }
    let Some(first) = keys.first() else {
        return Ok(Value::list(Vec::new()));
    };
    if !value::is_orderable(first) {
        return Err(Error::failed("list elements must be comparable"));
    }
    let kind = std::mem::discriminant(first);
    if keys.iter().any(|k| std::mem::discriminant(k) != kind) {
        return Err(Error::failed("list elements must have the same type"));
    }
    let n = items.len() as u64;
    meter.charge(n.saturating_mul(64 - n.leading_zeros() as u64 + 1))?;
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut failure = None;
    order.sort_by(|&a, &b| match value::compare(&keys[a], &keys[b]) {
        Ok(o) => o,
        Err(e) => {
            failure.get_or_insert(e);
            Ordering::Equal
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(Value::list(
        order.into_iter().map(|i| items[i].clone()).collect(),
    ))
}

fn is_sorted(meter: &mut Meter, items: &[Value]) -> R {
    meter.charge(items.len() as u64)?;
    for pair in items.windows(2) {
        if !value::is_orderable(&pair[0]) {
            return Err(Error::no_overload("isSorted", &[&pair[0]]));
        }
        if value::compare(&pair[0], &pair[1])? == Ordering::Greater {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn sum(meter: &mut Meter, items: &[Value]) -> R {
    meter.charge(items.len() as u64)?;
    let zero = match items.first() {
        Some(Value::Uint(_)) => Value::Uint(0),
        Some(Value::Double(_)) => Value::Double(0.0),
        Some(Value::Duration(_)) => Value::Duration(Duration(0)),
        _ => Value::Int(0),
    };
    let mut total = zero;
    for item in items {
        total = match (&total, item) {
            (Value::Int(_), Value::Int(_))
            | (Value::Uint(_), Value::Uint(_))
            | (Value::Double(_), Value::Double(_))
            | (Value::Duration(_), Value::Duration(_)) => super::add(meter, &total, item)?,
            _ => return Err(Error::no_overload("sum", &[&total, item])),
        };
    }
    Ok(total)
}

/// `min` (replace when the current one is greater) or `max` (when it is less).
fn extreme(meter: &mut Meter, items: &[Value], name: &str, replace_when: Ordering) -> R {
    meter.charge(items.len() as u64)?;
    let Some(mut best) = items.first().cloned() else {
        return Err(Error::failed(format!("{name} called on empty list")));
    };
    if !value::is_orderable(&best) {
        return Err(Error::no_overload(name, &[&best]));
    }
    for item in &items[1..] {
        if value::compare(&best, item)? == replace_when {
            best = item.clone();
        }
    }
    Ok(best)
}

fn index_of<'v>(
    meter: &mut Meter,
    items: impl Iterator<Item = (usize, &'v Value)>,
    x: &Value,
) -> R {
    for (i, item) in items {
        meter.charge(1)?;
        if value::equals(meter, item, x)? {
            return Ok(Value::Int(i as i64));
        }
    }
    Ok(Value::Int(-1))
}

fn join(meter: &mut Meter, items: &[Value], sep: &str) -> R {
    let mut size = 0usize;
    for item in items {
        match item {
            Value::String(s) => size += s.len() + sep.len(),
            other => {
                return Err(Error::failed(format!(
                    "join: invalid input: {}",
                    value::show(other)
                )));
            }
        }
    }
    meter.charge_bytes(size)?;
    meter.charge(items.len() as u64)?;
    let mut out = String::with_capacity(size);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        if let Value::String(s) = item {
            out.push_str(s);
        }
    }
    Ok(Value::String(Arc::from(out)))
}

/// `lists.range(n)`: `[0, 1, …, n-1]`, charged before it is built.
pub(crate) fn range(meter: &mut Meter, n: i64) -> R {
    let n = n.max(0);
    meter.charge(n as u64)?;
    Ok(Value::list((0..n).map(Value::Int).collect()))
}

/// `optional.unwrap(list)` / `list.unwrapOpt()`.
pub(crate) fn unwrap_optionals(meter: &mut Meter, list: &Value) -> R {
    let Value::List(items) = list else {
        return Err(Error::no_overload("optional.unwrap", &[list]));
    };
    meter.charge(items.len() as u64)?;
    let mut out = Vec::new();
    for item in items.iter() {
        match item {
            Value::Optional(Some(v)) => out.push((**v).clone()),
            Value::Optional(None) => {}
            other => {
                return Err(Error::failed(format!(
                    "value {} is not optional",
                    value::show(other)
                )));
            }
        }
    }
    Ok(Value::list(out))
}

fn list_arg<'v>(name: &str, list: &'v Value) -> R<&'v Arc<Vec<Value>>> {
    match list {
        Value::List(items) => Ok(items),
        _ => Err(Error::failed(format!(
            "{name}: first argument must be a list"
        ))),
    }
}

/// kro's `lists.setAtIndex(list, i, v)`.
pub(crate) fn set_at(meter: &mut Meter, list: &Value, i: i64, v: &Value) -> R {
    let items = list_arg("lists.setAtIndex", list)?;
    let size = items.len() as i64;
    if i < 0 || i >= size {
        return Err(Error::failed(format!(
            "lists.setAtIndex: index {i} out of bounds [0, {size})"
        )));
    }
    meter.charge(size as u64)?;
    let mut out = items.to_vec();
    out[i as usize] = v.clone();
    Ok(Value::list(out))
}

/// kro's `lists.insertAtIndex(list, i, v)` (`i == size` appends).
pub(crate) fn insert_at(meter: &mut Meter, list: &Value, i: i64, v: &Value) -> R {
    let items = list_arg("lists.insertAtIndex", list)?;
    let size = items.len() as i64;
    if i < 0 || i > size {
        return Err(Error::failed(format!(
            "lists.insertAtIndex: index {i} out of bounds [0, {size}]"
        )));
    }
    meter.charge(size as u64 + 1)?;
    let mut out = items.to_vec();
    out.insert(i as usize, v.clone());
    Ok(Value::list(out))
}

/// kro's `lists.removeAtIndex(list, i)`.
pub(crate) fn remove_at(meter: &mut Meter, list: &Value, i: i64) -> R {
    let items = list_arg("lists.removeAtIndex", list)?;
    let size = items.len() as i64;
    if i < 0 || i >= size {
        return Err(Error::failed(format!(
            "lists.removeAtIndex: index {i} out of bounds [0, {size})"
        )));
    }
    meter.charge(size as u64)?;
    let mut out = items.to_vec();
    out.remove(i as usize);
    Ok(Value::list(out))
}
