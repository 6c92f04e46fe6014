//! The tree-walking interpreter over the parsed (macro-expanded) syntax tree: variables and
//! scopes, field selection and indexing with "missing data" errors that name the path, CEL's
//! error absorption in `&&`, `||` and comprehensions, short-circuiting optionals, the
//! `sortBy` and `transformMapEntry` macros the parser leaves as calls, and cost metering.

use std::collections::BTreeMap;
use std::sync::Arc;

use cel_core::{BinaryOp, ComprehensionData, Expr, ListElement, MapEntry, SpannedExpr, UnaryOp};

use super::error::{Error, R};
use super::libs;
use super::value::{self, Key, Map, Opaque, Value, map_get, map_insert_new};

/// Counts cost units and stops evaluation when the limit is reached.
pub(crate) struct Meter {
    pub(crate) spent: u64,
    pub(crate) limit: u64,
}

impl Meter {
    /// Spends `units`; past the limit, a cost error.
    pub(crate) fn charge(&mut self, units: u64) -> R<()> {
        self.spent = self.spent.saturating_add(units);
        if self.spent > self.limit {
            return Err(Error::cost(self.limit));
        }
        Ok(())
    }

    /// Spends the cost of producing or scanning `bytes` bytes of text (a tenth of a unit per
    /// byte, as cel-go counts string work).
    pub(crate) fn charge_bytes(&mut self, bytes: usize) -> R<()> {
        self.charge((bytes as u64).div_ceil(10))
    }
}

/// Functions called as `ns.name(…)`.
const NAMESPACED: &[&str] = &[
    "optional.of",
    "optional.ofNonZeroValue",
    "optional.none",
    "optional.unwrap",
    "base64.encode",
    "base64.decode",
    "strings.quote",
    "lists.range",
    "lists.setAtIndex",
    "lists.insertAtIndex",
    "lists.removeAtIndex",
    "random.seededString",
    "random.seededInt",
    "json.marshal",
    "json.unmarshal",
    "hash.fnv64a",
    "hash.sha256",
    "hash.md5",
    "ip.isCanonical",
];

/// Identifiers that name types.
const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "optional_type",
];

pub(crate) struct Interp<'a> {
    source: &'a str,
    /// String and bytes literals by node id, built once per program.
    literals: &'a [Option<Value>],
    globals: &'a BTreeMap<String, Value>,
    locals: Vec<(&'a str, R)>,
    pub(crate) meter: Meter,
}

impl<'a> Interp<'a> {
    pub(crate) fn new(
        source: &'a str,
        literals: &'a [Option<Value>],
        globals: &'a BTreeMap<String, Value>,
        meter: Meter,
    ) -> Interp<'a> {
        Interp {
            source,
            literals,
            globals,
            locals: Vec::new(),
            meter,
        }
    }

    /// The source text of a node, for messages.
    fn text(&self, e: &SpannedExpr) -> String {
        let text = self
            .source
            .get(e.span.start..e.span.end)
            .unwrap_or("")
            .trim();
        if text.is_empty() {
            return "the value".to_owned();
        }
        if text.chars().count() > 60 {
            let cut: String = text.chars().take(57).collect();
            return format!("{cut}...");
        }
        text.to_owned()
    }

    pub(crate) fn eval(&mut self, e: &'a SpannedExpr) -> R {
        self.meter.charge(1)?;
        match &e.node {
            Expr::Null => Ok(Value::Null),
            Expr::Bool(b) => Ok(Value::Bool(*b)),
            Expr::Int(i) => Ok(Value::Int(*i)),
            Expr::UInt(u) => Ok(Value::Uint(*u)),
            Expr::Float(f) => Ok(Value::Double(*f)),
            Expr::String(s) => Ok(self.literal(e).unwrap_or_else(|| Value::string(s))),
            Expr::Bytes(b) => Ok(self
                .literal(e)
                .unwrap_or_else(|| Value::Bytes(Arc::from(b.as_slice())))),
            Expr::Ident(name) => self.ident(name, false),
            Expr::RootIdent(name) => self.ident(name, true),
            Expr::List(items) => self.list(items),
            Expr::Map(entries) => self.map(entries),
            Expr::Unary { op, expr } => {
                let v = self.eval(expr)?;
                match op {
                    UnaryOp::Not => match v {
                        Value::Bool(b) => Ok(Value::Bool(!b)),
                        other => Err(Error::no_overload("!_", &[&other])),
                    },
                    UnaryOp::Neg => libs::negate(&v),
                }
            }
            Expr::Binary { op, left, right } => self.binary(*op, left, right),
            Expr::Ternary {
                cond,
                then_expr,
                else_expr,
            } => match self.eval(cond)? {
                Value::Bool(true) => self.eval(then_expr),
                Value::Bool(false) => self.eval(else_expr),
                other => Err(Error::failed(format!(
                    "the condition `{}` is {}, not bool",
                    self.text(cond),
                    other.type_name()
                ))),
            },
            Expr::Member {
                expr,
                field,
                optional,
            } => {
                let object = self.eval(expr)?;
                self.select(object, field, *optional, expr)
            }
            Expr::MemberTestOnly { expr, field } => {
                let object = self.eval(expr)?;
                Ok(Value::Bool(has_field(&object, field)))
            }
            Expr::Index {
                expr,
                index,
                optional,
            } => {
                let object = self.eval(expr)?;
                let key = self.eval(index)?;
                self.index(object, &key, *optional, expr)
            }
            Expr::Call { expr, args } => self.call(expr, args),
            Expr::Comprehension(c) => self.comprehension(c),
            Expr::Bind {
                var_name,
                init,
                body,
            } => {
                let v = self.eval(init);
                if let Err(e) = &v
                    && !e.is_absorbable()
                {
                    return Err(e.clone());
                }
                self.locals.push((var_name, v));
                let out = self.eval(body);
                self.locals.pop();
                out
            }
            Expr::Struct { .. } => Err(Error::failed(
                "message construction is not supported in kro expressions",
            )),
            Expr::Error => Err(Error::failed("the expression has a syntax error")),
        }
    }

    fn literal(&self, e: &SpannedExpr) -> Option<Value> {
        usize::try_from(e.id)
            .ok()
            .and_then(|i| self.literals.get(i))
            .and_then(Clone::clone)
    }

    fn ident(&mut self, name: &str, root: bool) -> R {
        if !root {
            for (local, value) in self.locals.iter().rev() {
                if *local == name {
                    return value.clone();
                }
            }
        }
        if let Some(v) = self.globals.get(name) {
            return Ok(v.clone());
        }
        if let Some(t) = TYPE_NAMES.iter().find(|t| **t == name) {
            return Ok(Value::Type(t));
        }
        if name == "runtime" {
            return Ok(Value::opaque(Opaque::Runtime));
        }
        Err(Error::missing(format!("`{name}` is not available (yet)")))
    }

    fn list(&mut self, items: &'a [ListElement]) -> R {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let v = self.eval(&item.expr)?;
            if item.optional {
                match v {
                    Value::Optional(Some(inner)) => out.push((*inner).clone()),
                    Value::Optional(None) => {}
                    other => out.push(other),
                }
            } else {
                out.push(v);
            }
        }
        self.meter.charge(out.len() as u64)?;
        Ok(Value::list(out))
    }

    fn map(&mut self, entries: &'a [MapEntry]) -> R {
        let mut out = Map::new();
        for entry in entries {
            let k = self.eval(&entry.key)?;
            let v = self.eval(&entry.value)?;
            let v = if entry.optional {
                match v {
                    Value::Optional(Some(inner)) => (*inner).clone(),
                    Value::Optional(None) => continue,
                    other => other,
                }
            } else {
                v
            };
            let key = Key::from_value(&k)?;
            if out.contains_key(&key) {
                return Err(Error::failed(format!("Failed with repeated key: {key}")));
            }
            map_insert_new(&mut out, key, v)
                .map_err(|_| Error::failed(format!("Failed with repeated key: {k:?}")))?;
        }
        self.meter.charge(out.len() as u64)?;
        Ok(Value::Map(Arc::new(out)))
    }

    fn binary(&mut self, op: BinaryOp, left: &'a SpannedExpr, right: &'a SpannedExpr) -> R {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let stop = op == BinaryOp::Or;
                let l = self.eval(left);
                match &l {
                    Ok(Value::Bool(b)) if *b == stop => return Ok(Value::Bool(stop)),
                    Err(e) if !e.is_absorbable() => return l,
                    _ => {}
                }
                let r = self.eval(right);
                match (&l, &r) {
                    (_, Ok(Value::Bool(b))) if *b == stop => Ok(Value::Bool(stop)),
                    (_, Err(e)) if !e.is_absorbable() => r,
                    (Ok(Value::Bool(_)), Ok(Value::Bool(b))) => Ok(Value::Bool(*b)),
                    (Err(_), _) => l,
                    (_, Err(_)) => r,
                    (Ok(a), Ok(b)) => Err(Error::no_overload(
                        if stop { "_||_" } else { "_&&_" },
                        &[a, b],
                    )),
                }
            }
            _ => {
                let l = self.eval(left)?;
                let r = self.eval(right)?;
                match op {
                    BinaryOp::Eq => Ok(Value::Bool(value::equals(&mut self.meter, &l, &r)?)),
                    BinaryOp::Ne => Ok(Value::Bool(!value::equals(&mut self.meter, &l, &r)?)),
                    BinaryOp::Lt => libs::ordering(&l, &r, |o| o.is_lt()),
                    BinaryOp::Le => libs::ordering(&l, &r, |o| o.is_le()),
                    BinaryOp::Gt => libs::ordering(&l, &r, |o| o.is_gt()),
                    BinaryOp::Ge => libs::ordering(&l, &r, |o| o.is_ge()),
                    BinaryOp::In => libs::contains(&mut self.meter, &r, &l),
                    BinaryOp::Add => libs::add(&mut self.meter, &l, &r),
                    BinaryOp::Sub => libs::sub(&l, &r),
                    BinaryOp::Mul => libs::mul(&l, &r),
                    BinaryOp::Div => libs::div(&l, &r),
                    BinaryOp::Mod => libs::rem(&l, &r),
                    BinaryOp::And | BinaryOp::Or => unreachable_logic(),
                }
            }
        }
    }

    /// `object.field` (or `object.?field`).
    fn select(
        &mut self,
        object: Value,
        field: &str,
        optional: bool,
        object_expr: &SpannedExpr,
    ) -> R {
        match object {
            Value::Optional(None) => Ok(Value::Optional(None)),
            Value::Optional(Some(inner)) => {
                let found = self.select_present((*inner).clone(), field, object_expr)?;
                Ok(Value::optional(found))
            }
            object if optional => {
                let found = self.select_present(object, field, object_expr)?;
                Ok(Value::optional(found))
            }
            Value::Map(m) => match value::map_get_str(&m, field) {
                Some(v) => Ok(v.clone()),
                None => Err(Error::missing(format!(
                    "no field `{field}` in {}",
                    self.text(object_expr)
                ))),
            },
            Value::Null => Err(Error::missing(format!(
                "{} is null, so it has no field `{field}`",
                self.text(object_expr)
            ))),
            Value::Opaque(o) => match &*o {
                Opaque::Condition(c) => c.field(field),
                other => Err(Error::failed(format!(
                    "{} has no field `{field}`",
                    other.type_name()
                ))),
            },
            other => Err(Error::failed(format!(
                "cannot select field `{field}` from {} ({})",
                self.text(object_expr),
                other.type_name()
            ))),
        }
    }

    /// The field if present (optional selection).
    fn select_present(
        &mut self,
        object: Value,
        field: &str,
        object_expr: &SpannedExpr,
    ) -> R<Option<Value>> {
        match object {
            Value::Map(m) => Ok(value::map_get_str(&m, field).cloned()),
            Value::Opaque(o) => match &*o {
                Opaque::Condition(c) => c.field(field).map(Some),
                _ => Ok(None),
            },
            Value::Optional(_) => self
                .select(object, field, true, object_expr)
                .map(|v| match v {
                    Value::Optional(inner) => inner.map(|i| (*i).clone()),
                    other => Some(other),
                }),
            _ => Ok(None),
        }
    }

    /// `object[key]` (or `object[?key]`).
    fn index(
        &mut self,
        object: Value,
        key: &Value,
        optional: bool,
        object_expr: &SpannedExpr,
    ) -> R {
        match object {
            Value::Optional(None) => Ok(Value::Optional(None)),
            Value::Optional(Some(inner)) => {
                let found = self.index_present((*inner).clone(), key)?;
                Ok(Value::optional(found))
            }
            object if optional => {
                let found = self.index_present(object, key)?;
                Ok(Value::optional(found))
            }
            Value::List(items) => {
                let i = list_index(key)?;
                match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                    Some(v) => Ok(v.clone()),
                    None => Err(Error::missing(format!(
                        "index {i} out of bounds in {} (size {})",
                        self.text(object_expr),
                        items.len()
                    ))),
                }
            }
            Value::Map(m) => match map_get(&m, key)? {
                Some(v) => Ok(v.clone()),
                None => Err(Error::missing(format!(
                    "no key {} in {}",
                    value::show(key),
                    self.text(object_expr)
                ))),
            },
            Value::Null => Err(Error::missing(format!(
                "{} is null, so it has no element {}",
                self.text(object_expr),
                value::show(key)
            ))),
            Value::Opaque(o) => match (&*o, key) {
                (Opaque::Condition(c), Value::String(f)) => c.field(f),
                _ => Err(Error::no_overload(
                    "_[_]",
                    &[&Value::Opaque(o.clone()), key],
                )),
            },
            other => Err(Error::no_overload("_[_]", &[&other, key])),
        }
    }

    fn index_present(&mut self, object: Value, key: &Value) -> R<Option<Value>> {
        match object {
            Value::List(items) => {
                let i = list_index(key)?;
                Ok(usize::try_from(i).ok().and_then(|i| items.get(i)).cloned())
            }
            Value::Map(m) => Ok(map_get(&m, key)?.cloned()),
            Value::Opaque(o) => match (&*o, key) {
                (Opaque::Condition(c), Value::String(f)) => c.field(f).map(Some),
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    fn comprehension(&mut self, c: &'a ComprehensionData) -> R {
        let range = self.eval(&c.iter_range)?;
        let accu = self.eval(&c.accu_init)?;
        let two = !c.iter_var2.is_empty();
        let base = self.locals.len();
        // Slots: the iteration variables, then the accumulator.
        self.locals.push((&c.iter_var, Ok(Value::Null)));
        if two {
            self.locals.push((&c.iter_var2, Ok(Value::Null)));
        }
        self.locals.push((&c.accu_var, Ok(accu)));
        let accu_slot = self.locals.len() - 1;
        let result = self.iterate(c, &range, base, two, accu_slot);
        let out = match result {
            Ok(()) => self.eval(&c.result),
            Err(e) => Err(e),
        };
        self.locals.truncate(base);
        out
    }

    fn iterate(
        &mut self,
        c: &'a ComprehensionData,
        range: &Value,
        base: usize,
        two: bool,
        accu_slot: usize,
    ) -> R<()> {
        let entries: Box<dyn Iterator<Item = (Value, Value)> + '_> = match range {
            Value::List(items) => Box::new(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (Value::Int(i as i64), v.clone())),
            ),
            Value::Map(m) => Box::new(m.iter().map(|(k, v)| (k.to_value(), v.clone()))),
            other => {
                return Err(Error::failed(format!(
                    "cannot iterate over {} ({}): not a list or map",
                    self.text(&c.iter_range),
                    other.type_name()
                )));
            }
        };
        let is_list = matches!(range, Value::List(_));
        // Collected first so the borrow of `range` ends before the loop mutates `self`.
        let entries: Vec<(Value, Value)> = entries.collect();
        for (first, second) in entries {
            self.meter.charge(1)?;
            if two {
                self.locals[base].1 = Ok(first);
                self.locals[base + 1].1 = Ok(second);
            } else if is_list {
                self.locals[base].1 = Ok(second);
            } else {
                self.locals[base].1 = Ok(first);
            }
            match self.eval(&c.loop_condition) {
                Ok(Value::Bool(false)) => break,
                Ok(Value::Bool(true)) => {}
                Ok(other) => {
                    return Err(Error::failed(format!(
                        "comprehension condition is {}, not bool",
                        other.type_name()
                    )));
                }
                Err(e) if !e.is_absorbable() => return Err(e),
                Err(_) => {}
            }
            let next = self.step(&c.loop_step, accu_slot);
            if let Err(e) = &next
                && !e.is_absorbable()
            {
                return Err(e.clone());
            }
            self.locals[accu_slot].1 = next;
        }
        Ok(())
    }

    /// Evaluates a loop step, appending to the accumulator in place for the steps the macros
    /// generate (`accu + [x]`, `accu + {k: v}`, optionally behind a filter), so `map` and
    /// `filter` are linear rather than quadratic.
    fn step(&mut self, step: &'a SpannedExpr, accu_slot: usize) -> R {
        let accu_name = self.locals[accu_slot].0;
        let is_accu = |e: &SpannedExpr| matches!(&e.node, Expr::Ident(n) if n == accu_name);
        match &step.node {
            Expr::Ternary {
                cond,
                then_expr,
                else_expr,
            } if is_accu(else_expr) && appends_to(then_expr, accu_name) => {
                self.meter.charge(1)?;
                match self.eval(cond)? {
                    Value::Bool(true) => self.append(then_expr, accu_slot),
                    Value::Bool(false) => self.locals[accu_slot].1.clone(),
                    other => Err(Error::failed(format!(
                        "the condition `{}` is {}, not bool",
                        self.text(cond),
                        other.type_name()
                    ))),
                }
            }
            _ if appends_to(step, accu_name) => self.append(step, accu_slot),
            _ => self.eval(step),
        }
    }

    /// `accu + [e]` or `accu + {k: v}`, appending in place.
    fn append(&mut self, step: &'a SpannedExpr, accu_slot: usize) -> R {
        self.meter.charge(2)?;
        let Expr::Binary { right, .. } = &step.node else {
            return self.eval(step);
        };
        match &right.node {
            Expr::List(items) if items.len() == 1 && !items[0].optional => {
                let item = self.eval(&items[0].expr)?;
                let accu = std::mem::replace(&mut self.locals[accu_slot].1, Ok(Value::Null))?;
                match accu {
                    Value::List(mut list) => {
                        Arc::make_mut(&mut list).push(item);
                        self.meter.charge(1)?;
                        Ok(Value::List(list))
                    }
                    other => libs::add(&mut self.meter, &other, &Value::list(vec![item])),
                }
            }
            Expr::Map(entries) if entries.len() == 1 && !entries[0].optional => {
                let k = self.eval(&entries[0].key)?;
                let v = self.eval(&entries[0].value)?;
                let accu = std::mem::replace(&mut self.locals[accu_slot].1, Ok(Value::Null))?;
                match accu {
                    Value::Map(mut map) => {
                        map_insert_new(Arc::make_mut(&mut map), Key::from_value(&k)?, v)?;
                        self.meter.charge(1)?;
                        Ok(Value::Map(map))
                    }
                    other => {
                        let mut one = Map::new();
                        one.insert(Key::from_value(&k)?, v);
                        libs::add(&mut self.meter, &other, &Value::Map(Arc::new(one)))
                    }
                }
            }
            _ => self.eval(step),
        }
    }

    fn call(&mut self, callee: &'a SpannedExpr, args: &'a [SpannedExpr]) -> R {
        match &callee.node {
            Expr::Ident(name) => {
                let values = self.args(args)?;
                libs::call_function(&mut self.meter, name, values)
            }
            Expr::Member {
                expr: receiver,
                field: name,
                optional: false,
            } => {
                if let Some(qualified) = self.namespaced(receiver, name) {
                    let values = self.args(args)?;
                    return libs::call_function(&mut self.meter, &qualified, values);
                }
                if let Some(out) = self.macro_call(receiver, name, args) {
                    return out;
                }
                let target = self.eval(receiver)?;
                match (name.as_str(), &target, args) {
                    // `or` and `orValue` only evaluate their argument when needed.
                    ("or" | "orValue", Value::Optional(Some(inner)), [_]) => {
                        return Ok(if name == "or" {
                            target.clone()
                        } else {
                            (**inner).clone()
                        });
                    }
                    ("newCondition", Value::Opaque(o), [arg]) if matches!(**o, Opaque::Runtime) => {
                        let map = self.condition_literal(arg)?;
                        return libs::kro::new_condition(&map);
                    }
                    _ => {}
                }
                let values = self.args(args)?;
                libs::call_method(&mut self.meter, name, target, values)
            }
            _ => Err(Error::failed("only functions can be called")),
        }
    }

    fn args(&mut self, args: &'a [SpannedExpr]) -> R<Vec<Value>> {
        args.iter().map(|a| self.eval(a)).collect()
    }

    /// `ns.name` when it names a namespaced function and `ns` is not a local variable.
    fn namespaced(&self, receiver: &SpannedExpr, name: &str) -> Option<String> {
        let Expr::Ident(ns) = &receiver.node else {
            return None;
        };
        if self.locals.iter().any(|(n, _)| n == ns) {
            return None;
        }
        let qualified = format!("{ns}.{name}");
        NAMESPACED
            .contains(&qualified.as_str())
            .then_some(qualified)
    }

    /// The argument of `runtime.newCondition`: a map literal whose keys are bare names.
    fn condition_literal(&mut self, arg: &'a SpannedExpr) -> R<Map> {
        let Expr::Map(entries) = &arg.node else {
            return match self.eval(arg)? {
                Value::Map(m) => Ok((*m).clone()),
                other => Err(Error::failed(format!(
                    "runtime.newCondition: argument must be a map, got {}",
                    other.type_name()
                ))),
            };
        };
        let mut out = Map::new();
        for entry in entries {
            let key = match &entry.key.node {
                Expr::Ident(k) => Value::string(k),
                _ => self.eval(&entry.key)?,
            };
            let v = self.eval(&entry.value)?;
            out.insert(Key::from_value(&key)?, v);
        }
        Ok(out)
    }

    /// `list.sortBy(x, key)` and `m.transformMapEntry(k, v, [filter,] entry)`: cel-go macros
    /// the parser leaves as calls.
    fn macro_call(
        &mut self,
        receiver: &'a SpannedExpr,
        name: &str,
        args: &'a [SpannedExpr],
    ) -> Option<R> {
        let var = |e: &'a SpannedExpr| match &e.node {
            Expr::Ident(n) => Some(n.as_str()),
            _ => None,
        };
        match (name, args) {
            ("sortBy", [x, key]) => {
                let x = var(x)?;
                Some(self.sort_by(receiver, x, key))
            }
            ("transformMapEntry", [k, v, rest @ ..]) if matches!(rest.len(), 1 | 2) => {
                let (k, v) = (var(k)?, var(v)?);
                Some(self.transform_map_entry(receiver, k, v, rest))
            }
            _ => None,
        }
    }

    fn sort_by(&mut self, receiver: &'a SpannedExpr, x: &'a str, key: &'a SpannedExpr) -> R {
        let list = match self.eval(receiver)? {
            Value::List(items) => items,
            other => return Err(Error::no_overload("sortBy", &[&other])),
        };
        let mut keys = Vec::with_capacity(list.len());
        self.locals.push((x, Ok(Value::Null)));
        for item in list.iter() {
            self.meter.charge(1)?;
            let last = self.locals.len() - 1;
            self.locals[last].1 = Ok(item.clone());
            match self.eval(key) {
                Ok(k) => keys.push(k),
                Err(e) => {
                    self.locals.pop();
                    return Err(e);
                }
            }
        }
        self.locals.pop();
        libs::lists::sort_by_keys(&mut self.meter, &list, keys)
    }

    fn transform_map_entry(
        &mut self,
        receiver: &'a SpannedExpr,
        k: &'a str,
        v: &'a str,
        rest: &'a [SpannedExpr],
    ) -> R {
        let range = self.eval(receiver)?;
        let entries: Vec<(Value, Value)> = match &range {
            Value::Map(m) => m.iter().map(|(k, v)| (k.to_value(), v.clone())).collect(),
            Value::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Int(i as i64), v.clone()))
                .collect(),
            other => return Err(Error::no_overload("transformMapEntry", &[other])),
        };
        let base = self.locals.len();
        self.locals.push((k, Ok(Value::Null)));
        self.locals.push((v, Ok(Value::Null)));
        let out = self.transform_entries(entries, base, rest);
        self.locals.truncate(base);
        out
    }

    fn transform_entries(
        &mut self,
        entries: Vec<(Value, Value)>,
        base: usize,
        rest: &'a [SpannedExpr],
    ) -> R {
        let mut out = Map::new();
        for (key, value) in entries {
            self.meter.charge(1)?;
            self.locals[base].1 = Ok(key);
            self.locals[base + 1].1 = Ok(value);
            if let [filter, _] = rest {
                match self.eval(filter)? {
                    Value::Bool(true) => {}
                    Value::Bool(false) => continue,
                    other => {
                        return Err(Error::failed(format!(
                            "the filter `{}` is {}, not bool",
                            self.text(filter),
                            other.type_name()
                        )));
                    }
                }
            }
            let entry = rest.last().map(|e| self.eval(e)).transpose()?;
            match entry {
                Some(Value::Map(m)) => {
                    for (k, v) in m.iter() {
                        self.meter.charge(1)?;
                        map_insert_new(&mut out, k.clone(), v.clone())?;
                    }
                }
                Some(other) => {
                    return Err(Error::failed(format!(
                        "transformMapEntry needs a map per entry, got {}",
                        other.type_name()
                    )));
                }
                None => {}
            }
        }
        Ok(Value::Map(Arc::new(out)))
    }
}

fn unreachable_logic() -> R {
    Err(Error::failed("internal error: logical operator"))
}

/// The string and bytes literals of a tree, indexed by node id.
pub(crate) fn literals(root: &SpannedExpr) -> Vec<Option<Value>> {
    let mut out: Vec<Option<Value>> = Vec::new();
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        let v = match &e.node {
            Expr::String(s) => Some(Value::string(s)),
            Expr::Bytes(b) => Some(Value::Bytes(Arc::from(b.as_slice()))),
            _ => None,
        };
        if let (Some(v), Ok(i)) = (v, usize::try_from(e.id))
            && i < 1 << 20
        {
            if out.len() <= i {
                out.resize(i + 1, None);
            }
            out[i] = Some(v);
        }
        stack.extend(super::super::parse::children(e));
    }
    out
}

/// Whether `e` is `accu + [x]` or `accu + {k: v}`.
fn appends_to(e: &SpannedExpr, accu: &str) -> bool {
    match &e.node {
        Expr::Binary {
            op: BinaryOp::Add,
            left,
            right,
        } => {
            matches!(&left.node, Expr::Ident(n) if n == accu)
                && match &right.node {
                    Expr::List(items) => items.len() == 1 && !items[0].optional,
                    Expr::Map(entries) => entries.len() == 1 && !entries[0].optional,
                    _ => false,
                }
        }
        _ => false,
    }
}

/// A list index: an int, a uint or a whole double.
fn list_index(key: &Value) -> R<i64> {
    match key {
        Value::Int(i) => Ok(*i),
        Value::Uint(u) => Ok(i64::try_from(*u).unwrap_or(i64::MAX)),
        Value::Double(d) if d.fract() == 0.0 && d.is_finite() => Ok(*d as i64),
        Value::Double(d) => Err(Error::failed(format!("unsupported index value {d}"))),
        other => Err(Error::failed(format!(
            "list index must be int, got {}",
            other.type_name()
        ))),
    }
}

/// `has(object.field)`.
fn has_field(object: &Value, field: &str) -> bool {
    match object {
        Value::Map(m) => value::map_get_str(m, field).is_some(),
        Value::Optional(Some(inner)) => has_field(inner, field),
        Value::Opaque(o) => matches!(
            (&**o, field),
            (
                Opaque::Condition(_),
                "type" | "status" | "reason" | "message"
            )
        ),
        _ => false,
    }
}
