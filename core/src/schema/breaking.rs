//! What changed between the CRD in the cluster and the one an RGD now generates, and which
//! changes break existing instances.
//!
//! Breaking: a property removed, a type changed, a field newly required without a default, an
//! enum restricted (or added), a pattern added or changed, a min/max constraint added or
//! tightened, unknown fields no longer kept, the version renamed or no longer served, the status
//! subresource removed. Everything else found (a property added, a description or default
//! changed, a requirement or constraint relaxed, an enum widened) is listed as non-breaking.
//! Comparison walks properties, list items and map values.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value as Json;

use super::path::{FieldPath, Segment};
use super::simple::SimpleSchema;
use crate::diagnostic::{Code, Diagnostic};
use crate::openapi::{AdditionalProperties, Schema};
use crate::text::TextRange;

/// A numeric constraint of a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Constraint {
    /// `minimum`.
    Minimum,
    /// `maximum`.
    Maximum,
    /// `minLength`.
    MinLength,
    /// `maxLength`.
    MaxLength,
    /// `minItems`.
    MinItems,
    /// `maxItems`.
    MaxItems,
}

impl Constraint {
    /// The OpenAPI keyword.
    pub fn name(self) -> &'static str {
        match self {
            Constraint::Minimum => "minimum",
            Constraint::Maximum => "maximum",
            Constraint::MinLength => "minLength",
            Constraint::MaxLength => "maxLength",
            Constraint::MinItems => "minItems",
            Constraint::MaxItems => "maxItems",
        }
    }

    /// Whether the constraint is a lower bound (raising it tightens).
    pub fn is_lower_bound(self) -> bool {
        matches!(
            self,
            Constraint::Minimum | Constraint::MinLength | Constraint::MinItems
        )
    }
}

/// The kind of one change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    /// A property (or list items, or map values) no longer exists. Breaking.
    PropertyRemoved,
    /// A property was added; breaking when it is required and has no default.
    PropertyAdded {
        /// Required without a default.
        required: bool,
    },
    /// The type changed. Breaking.
    TypeChanged,
    /// An existing property became required; breaking unless it has a default.
    RequiredAdded {
        /// The property has a default, so instances without it still validate.
        defaulted: bool,
    },
    /// A property is no longer required.
    RequiredRemoved,
    /// A required property lost its default. Breaking.
    RequiredDefaultRemoved,
    /// An enum value was removed. Breaking.
    EnumRestricted,
    /// An enum value was added.
    EnumExpanded,
    /// A field that took any value is now restricted to an enum. Breaking.
    EnumAdded,
    /// A field is no longer restricted to an enum.
    EnumRemoved,
    /// A pattern was added. Breaking.
    PatternAdded,
    /// The pattern changed. Breaking.
    PatternChanged,
    /// The pattern was removed.
    PatternRemoved,
    /// A constraint was added. Breaking.
    ConstraintAdded(Constraint),
    /// A constraint was tightened. Breaking.
    ConstraintTightened(Constraint),
    /// A constraint was relaxed.
    ConstraintRelaxed(Constraint),
    /// A constraint was removed.
    ConstraintRemoved(Constraint),
    /// Unknown fields are no longer kept (they would be pruned). Breaking.
    UnknownFieldsDropped,
    /// Unknown fields are now kept.
    UnknownFieldsKept,
    /// The description changed.
    DescriptionChanged,
    /// The default changed.
    DefaultChanged,
    /// The version was renamed. Breaking.
    VersionRenamed,
    /// The version is no longer served. Breaking.
    VersionUnserved,
    /// The status subresource was removed. Breaking.
    StatusSubresourceRemoved,
}

impl ChangeKind {
    /// Whether existing instances or clients may break.
    pub fn is_breaking(self) -> bool {
        match self {
            ChangeKind::PropertyRemoved
            | ChangeKind::TypeChanged
            | ChangeKind::RequiredDefaultRemoved
            | ChangeKind::EnumRestricted
            | ChangeKind::EnumAdded
            | ChangeKind::PatternAdded
            | ChangeKind::PatternChanged
            | ChangeKind::ConstraintAdded(_)
            | ChangeKind::ConstraintTightened(_)
            | ChangeKind::UnknownFieldsDropped
            | ChangeKind::VersionRenamed
            | ChangeKind::VersionUnserved
            | ChangeKind::StatusSubresourceRemoved => true,
            ChangeKind::PropertyAdded { required } => required,
            ChangeKind::RequiredAdded { defaulted } => !defaulted,
            ChangeKind::RequiredRemoved
            | ChangeKind::EnumExpanded
            | ChangeKind::EnumRemoved
            | ChangeKind::PatternRemoved
            | ChangeKind::ConstraintRelaxed(_)
            | ChangeKind::ConstraintRemoved(_)
            | ChangeKind::UnknownFieldsKept
            | ChangeKind::DescriptionChanged
            | ChangeKind::DefaultChanged => false,
        }
    }
}

/// One difference between the old and the new schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The field concerned (`spec.ports[].name`); the root for version-level changes.
    pub path: FieldPath,
    /// What changed.
    pub kind: ChangeKind,
    /// The old value, where there is one (a type, a pattern, a bound, an enum value as JSON).
    pub old: Option<String>,
    /// The new value, where there is one.
    pub new: Option<String>,
}

impl Change {
    /// Whether this change breaks existing instances.
    pub fn is_breaking(&self) -> bool {
        self.kind.is_breaking()
    }

    /// One line describing the change.
    pub fn description(&self) -> String {
        let path = &self.path;
        let old = self.old.as_deref().unwrap_or("");
        let new = self.new.as_deref().unwrap_or("");
        match self.kind {
            ChangeKind::PropertyRemoved => format!("field `{path}` was removed"),
            ChangeKind::PropertyAdded { required: true } => {
                format!("required field `{path}` was added without a default")
            }
            ChangeKind::PropertyAdded { required: false } => format!("field `{path}` was added"),
            ChangeKind::TypeChanged => format!("type of `{path}` changed from {old} to {new}"),
            ChangeKind::RequiredAdded { defaulted: false } => {
                format!("field `{path}` is now required")
            }
            ChangeKind::RequiredAdded { defaulted: true } => {
                format!("field `{path}` is now required (it has a default)")
            }
            ChangeKind::RequiredRemoved => format!("field `{path}` is no longer required"),
            ChangeKind::RequiredDefaultRemoved => {
                format!("required field `{path}` no longer has a default")
            }
            ChangeKind::EnumRestricted => {
                format!("value {old} was removed from the allowed values of `{path}`")
            }
            ChangeKind::EnumExpanded => {
                format!("value {new} was added to the allowed values of `{path}`")
            }
            ChangeKind::EnumAdded => format!("`{path}` is now restricted to the values {new}"),
            ChangeKind::EnumRemoved => format!("`{path}` is no longer restricted to an enum"),
            ChangeKind::PatternAdded => format!("`{path}` must now match the pattern `{new}`"),
            ChangeKind::PatternChanged => {
                format!("pattern of `{path}` changed from `{old}` to `{new}`")
            }
            ChangeKind::PatternRemoved => format!("pattern `{old}` of `{path}` was removed"),
            ChangeKind::ConstraintAdded(c) => {
                format!("`{}={new}` was added to `{path}`", c.name())
            }
            ChangeKind::ConstraintTightened(c) | ChangeKind::ConstraintRelaxed(c) => {
                let raised = match (self.old_number(), self.new_number()) {
                    (Some(o), Some(n)) => n > o,
                    _ => false,
                };
                let verb = if raised { "raised" } else { "lowered" };
                format!("`{}` of `{path}` was {verb} from {old} to {new}", c.name())
            }
            ChangeKind::ConstraintRemoved(c) => {
                format!("`{}={old}` was removed from `{path}`", c.name())
            }
            ChangeKind::UnknownFieldsDropped => {
                format!("`{path}` no longer keeps unknown fields; they would be pruned")
            }
            ChangeKind::UnknownFieldsKept => format!("`{path}` now keeps unknown fields"),
            ChangeKind::DescriptionChanged => format!("description of `{path}` changed"),
            ChangeKind::DefaultChanged => {
                let old = self.old.as_deref().unwrap_or("none");
                let new = self.new.as_deref().unwrap_or("none");
                format!("default of `{path}` changed from {old} to {new}")
            }
            ChangeKind::VersionRenamed => format!("version `{old}` was renamed to `{new}`"),
            ChangeKind::VersionUnserved => format!("version `{old}` is no longer served"),
            ChangeKind::StatusSubresourceRemoved => "the status subresource was removed".to_owned(),
        }
    }

    fn old_number(&self) -> Option<f64> {
        self.old.as_deref()?.parse().ok()
    }

    fn new_number(&self) -> Option<f64> {
        self.new.as_deref()?.parse().ok()
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description())
    }
}

/// Every change found, breaking and not, ordered by path and kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Comparison {
    /// Whether any change is breaking.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(Change::is_breaking)
    }

    /// Whether anything changed at all.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.is_breaking())
    }

    /// The breaking changes in one line for a condition message: the first three, then how
    /// many more (`no breaking changes` when there are none).
    pub fn summary(&self) -> String {
        let breaking: Vec<&Change> = self.breaking().collect();
        if breaking.is_empty() {
            return "no breaking changes".to_owned();
        }
        let mut parts: Vec<String> = breaking.iter().take(3).map(|c| c.description()).collect();
        if breaking.len() > 3 {
            parts.push(format!("and {} more", breaking.len() - 3));
        }
        parts.join("; ")
    }

    /// One `schema-breaking-change` diagnostic per breaking change, at the definition of the
    /// field concerned (or of its nearest surviving ancestor) in `simple`, else at `fallback`
    /// (say, the RGD's `spec.schema` key).
    pub fn diagnostics(
        &self,
        simple: Option<&SimpleSchema>,
        fallback: TextRange,
    ) -> Vec<Diagnostic> {
        self.breaking()
            .map(|change| {
                let range = simple
                    .and_then(|s| s.nearest_field(&change.path))
                    .map_or(fallback, |f| f.key_range);
                Diagnostic::new(
                    Code::SchemaBreakingChange,
                    range,
                    format!(
                        "breaking change to the CRD: {}; annotate the RGD with `kro.run/allow-breaking-changes: \"true\"` to apply it anyway",
                        change.description()
                    ),
                )
            })
            .collect()
    }
}

/// The CRD JSON handed in is not one this module can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompareError {
    /// What is missing or malformed.
    pub message: String,
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CompareError {}

/// Compares two CRDs as JSON (`apiextensions.k8s.io/v1`): the storage version (or the only /
/// first one) of each, its name, whether it is served, its status subresource and its schema.
///
/// # Errors
///
/// When a CRD has no versions or a version's schema cannot be read as an OpenAPI schema.
pub fn compare_crds(old: &Json, new: &Json) -> Result<Comparison, CompareError> {
    let old_version = storage_version(old, "old")?;
    let new_version = storage_version(new, "new")?;
    let name = |v: &Json| {
        v.get("name")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let (old_name, new_name) = (name(old_version), name(new_version));
    if old_name != new_name {
        return Ok(Comparison {
            changes: vec![Change {
                path: FieldPath::root(),
                kind: ChangeKind::VersionRenamed,
                old: Some(old_name),
                new: Some(new_name),
            }],
        });
    }
    let old_schema = version_schema(old_version, "old")?;
    let new_schema = version_schema(new_version, "new")?;
    let mut comparison = compare_schemas(&old_schema, &new_schema);
    let served = |v: &Json| v.get("served").and_then(Json::as_bool).unwrap_or(false);
    if served(old_version) && !served(new_version) {
        comparison.changes.insert(
            0,
            Change {
                path: FieldPath::root(),
                kind: ChangeKind::VersionUnserved,
                old: Some(old_name),
                new: None,
            },
        );
    }
    let has_status = |v: &Json| {
        v.pointer("/subresources/status")
            .is_some_and(|s| !s.is_null())
    };
    if has_status(old_version) && !has_status(new_version) {
        comparison.changes.insert(
            0,
            Change {
                path: FieldPath::root(),
                kind: ChangeKind::StatusSubresourceRemoved,
                old: None,
                new: None,
            },
        );
    }
    Ok(comparison)
}

fn storage_version<'a>(crd: &'a Json, which: &str) -> Result<&'a Json, CompareError> {
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Json::as_array)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| CompareError {
            message: format!("the {which} CRD has no versions"),
        })?;
    Ok(versions
        .iter()
        .find(|v| v.get("storage").and_then(Json::as_bool) == Some(true))
        .unwrap_or(&versions[0]))
}

fn version_schema(version: &Json, which: &str) -> Result<Schema, CompareError> {
    let Some(schema) = version.pointer("/schema/openAPIV3Schema") else {
        return Ok(Schema::default());
    };
    serde_json::from_value(schema.clone()).map_err(|e| CompareError {
        message: format!("the {which} CRD's schema cannot be read: {e}"),
    })
}

/// Compares two schemas (for a CRD, the `openAPIV3Schema` roots).
pub fn compare_schemas(old: &Schema, new: &Schema) -> Comparison {
    let mut changes = Vec::new();
    compare(&FieldPath::root(), old, new, &mut changes);
    changes.sort_by(|a, b| (&a.path, a.kind).cmp(&(&b.path, b.kind)));
    Comparison { changes }
}

fn push(
    changes: &mut Vec<Change>,
    path: &FieldPath,
    kind: ChangeKind,
    old: Option<String>,
    new: Option<String>,
) {
    changes.push(Change {
        path: path.clone(),
        kind,
        old,
        new,
    });
}

fn compare(path: &FieldPath, old: &Schema, new: &Schema, changes: &mut Vec<Change>) {
    if old.description != new.description {
        push(
            changes,
            path,
            ChangeKind::DescriptionChanged,
            old.description.clone(),
            new.description.clone(),
        );
    }
    if old.default.as_ref().map(canonical) != new.default.as_ref().map(canonical) {
        let text = |v: &Option<Json>| v.as_ref().map(Json::to_string);
        push(
            changes,
            path,
            ChangeKind::DefaultChanged,
            text(&old.default),
            text(&new.default),
        );
    }
    if old.type_ != new.type_ {
        let text = |t: &Option<String>| Some(t.clone().unwrap_or_else(|| "untyped".to_owned()));
        push(
            changes,
            path,
            ChangeKind::TypeChanged,
            text(&old.type_),
            text(&new.type_),
        );
        return;
    }
    match (&old.pattern, &new.pattern) {
        (None, Some(p)) => push(
            changes,
            path,
            ChangeKind::PatternAdded,
            None,
            Some(p.clone()),
        ),
        (Some(p), None) => push(
            changes,
            path,
            ChangeKind::PatternRemoved,
            Some(p.clone()),
            None,
        ),
        (Some(a), Some(b)) if a != b => {
            push(
                changes,
                path,
                ChangeKind::PatternChanged,
                Some(a.clone()),
                Some(b.clone()),
            );
        }
        _ => {}
    }
    let as_f64 = |v: Option<u64>| v.map(|n| n as f64);
    for (constraint, a, b) in [
        (Constraint::Minimum, old.minimum, new.minimum),
        (Constraint::Maximum, old.maximum, new.maximum),
        (
            Constraint::MinLength,
            as_f64(old.min_length),
            as_f64(new.min_length),
        ),
        (
            Constraint::MaxLength,
            as_f64(old.max_length),
            as_f64(new.max_length),
        ),
        (
            Constraint::MinItems,
            as_f64(old.min_items),
            as_f64(new.min_items),
        ),
        (
            Constraint::MaxItems,
            as_f64(old.max_items),
            as_f64(new.max_items),
        ),
    ] {
        compare_bound(path, constraint, a, b, changes);
    }
    compare_enum(path, old, new, changes);
    if old.preserves_unknown_fields() && !new.preserves_unknown_fields() {
        push(changes, path, ChangeKind::UnknownFieldsDropped, None, None);
    } else if !old.preserves_unknown_fields() && new.preserves_unknown_fields() {
        push(changes, path, ChangeKind::UnknownFieldsKept, None, None);
    }
    compare_properties(path, old, new, changes);
    match (&old.items, &new.items) {
        (Some(a), Some(b)) => compare(&path.child(Segment::Items), a, b, changes),
        (Some(_), None) => push(
            changes,
            &path.child(Segment::Items),
            ChangeKind::PropertyRemoved,
            None,
            None,
        ),
        (None, Some(_)) => push(
            changes,
            &path.child(Segment::Items),
            ChangeKind::PropertyAdded { required: false },
            None,
            None,
        ),
        (None, None) => {}
    }
    let values = path.child(Segment::Values);
    let allows = |ap: &Option<AdditionalProperties>| {
        matches!(
            ap,
            Some(AdditionalProperties::Schema(_) | AdditionalProperties::Allowed(true))
        )
    };
    match (&old.additional_properties, &new.additional_properties) {
        (Some(AdditionalProperties::Schema(a)), Some(AdditionalProperties::Schema(b))) => {
            compare(&values, a, b, changes);
        }
        (before, after) if allows(before) && !allows(after) => {
            push(changes, &values, ChangeKind::PropertyRemoved, None, None);
        }
        (before, after) if !allows(before) && allows(after) => {
            let added = ChangeKind::PropertyAdded { required: false };
            push(changes, &values, added, None, None);
        }
        _ => {}
    }
}

fn compare_bound(
    path: &FieldPath,
    constraint: Constraint,
    old: Option<f64>,
    new: Option<f64>,
    changes: &mut Vec<Change>,
) {
    let text = |v: f64| {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            v.to_string()
        }
    };
    let kind = match (old, new) {
        (None, Some(_)) => ChangeKind::ConstraintAdded(constraint),
        (Some(_), None) => ChangeKind::ConstraintRemoved(constraint),
        (Some(a), Some(b)) if a != b => {
            let tighter = if constraint.is_lower_bound() {
                b > a
            } else {
                b < a
            };
            if tighter {
                ChangeKind::ConstraintTightened(constraint)
            } else {
                ChangeKind::ConstraintRelaxed(constraint)
            }
        }
        _ => return,
    };
    push(changes, path, kind, old.map(text), new.map(text));
}

fn compare_enum(path: &FieldPath, old: &Schema, new: &Schema, changes: &mut Vec<Change>) {
    let set = |values: &Option<Vec<Json>>| -> Option<BTreeSet<String>> {
        values
            .as_ref()
            .filter(|v| !v.is_empty())
            .map(|v| v.iter().map(|x| canonical(x).to_string()).collect())
    };
    match (set(&old.enum_), set(&new.enum_)) {
        (Some(a), Some(b)) => {
            for value in a.difference(&b) {
                push(
                    changes,
                    path,
                    ChangeKind::EnumRestricted,
                    Some(value.clone()),
                    None,
                );
            }
            for value in b.difference(&a) {
                push(
                    changes,
                    path,
                    ChangeKind::EnumExpanded,
                    None,
                    Some(value.clone()),
                );
            }
        }
        (None, Some(b)) => {
            let list = b.into_iter().collect::<Vec<_>>().join(", ");
            push(changes, path, ChangeKind::EnumAdded, None, Some(list));
        }
        (Some(_), None) => push(changes, path, ChangeKind::EnumRemoved, None, None),
        (None, None) => {}
    }
}

fn compare_properties(path: &FieldPath, old: &Schema, new: &Schema, changes: &mut Vec<Change>) {
    for (name, old_property) in &old.properties {
        let child = path.field(name);
        match new.properties.get(name) {
            Some(new_property) => compare(&child, old_property, new_property, changes),
            None => push(changes, &child, ChangeKind::PropertyRemoved, None, None),
        }
    }
    for (name, new_property) in &new.properties {
        if old.properties.contains_key(name) {
            continue;
        }
        let required = new.required.contains(name) && new_property.default.is_none();
        push(
            changes,
            &path.field(name),
            ChangeKind::PropertyAdded { required },
            None,
            None,
        );
    }
    for name in &new.required {
        let (Some(old_property), Some(new_property)) =
            (old.properties.get(name), new.properties.get(name))
        else {
            continue;
        };
        let child = path.field(name);
        if !old.required.contains(name) {
            let defaulted = new_property.default.is_some();
            push(
                changes,
                &child,
                ChangeKind::RequiredAdded { defaulted },
                None,
                None,
            );
        } else if old_property.default.is_some() && new_property.default.is_none() {
            push(
                changes,
                &child,
                ChangeKind::RequiredDefaultRemoved,
                None,
                None,
            );
        }
    }
    for name in &old.required {
        if !new.required.contains(name) {
            push(
                changes,
                &path.field(name),
                ChangeKind::RequiredRemoved,
                None,
                None,
            );
        }
    }
}

/// The value with whole numbers written as integers, so `2` and `2.0` (as the API server may
/// return them) compare equal.
fn canonical(value: &Json) -> Json {
    match value {
        Json::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Json::from(f as i64),
            _ => value.clone(),
        },
        Json::Array(items) => Json::Array(items.iter().map(canonical).collect()),
        Json::Object(map) => {
            Json::Object(map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
        }
        _ => value.clone(),
    }
}
