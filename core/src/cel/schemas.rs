//! OpenAPI schemas as CEL types, the way the Kubernetes API server's CEL (`DeclType`) and kro
//! map them: objects with properties are object types whose fields are resolved lazily from
//! the schema, `additionalProperties` are maps, arrays lists, `int-or-string` and
//! preserve-unknown objects `dyn`, `date-time` strings timestamps.
//!
//! Schemas come from two places: roots the caller registers (the instance, each resource) and
//! named components a [`SchemaSource`] answers for `$ref`s (bundled built-in kinds, CRDs).
//! Component schemas are handed out as `Arc`s, so walks keep the ones they pass through alive
//! on the stack instead of borrowing from the source.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use crate::openapi::{AdditionalProperties, Schema, SchemaSource};

use super::types::{Anchor, Builtin, Step, StructType, Type};

/// The component name of Kubernetes `ObjectMeta`.
pub const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// How a root's `metadata` is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RootKind {
    /// Not a Kubernetes object; its fields are exactly its schema's.
    Plain,
    /// A namespaced (or unknown-scope) object: `apiVersion`, `kind` and a full `metadata`.
    Object,
    /// A cluster-scoped object: `metadata` has no `namespace`.
    ClusterObject,
}

struct Root {
    schema: Arc<Schema>,
    kind: RootKind,
}

/// What selecting a field of a type finds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FieldLookup {
    /// The field and its type.
    Found(Type),
    /// The object declares no such field; these are the ones it declares.
    Unknown(Vec<String>),
}

/// A field of an object type, for completion and hover.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The name as written in CEL (escaped when the property name is not an identifier).
    pub name: String,
    /// The field's type.
    pub ty: Type,
    /// The schema's description.
    pub description: Option<String>,
    /// Whether the schema lists the field as required.
    pub required: bool,
}

/// A schema held for the length of a walk.
enum Held {
    Shared(Arc<Schema>),
    Static(&'static Schema),
}

impl Deref for Held {
    type Target = Schema;

    fn deref(&self) -> &Schema {
        match self {
            Held::Shared(s) => s,
            Held::Static(s) => s,
        }
    }
}

/// The schemas object types are resolved against.
pub(crate) struct Registry<'p> {
    source: &'p dyn SchemaSource,
    roots: HashMap<Arc<str>, Root>,
}

/// Bound on `$ref` chains, so a malformed source cannot loop.
const MAX_REF_HOPS: usize = 16;

impl<'p> Registry<'p> {
    pub(crate) fn new(source: &'p dyn SchemaSource) -> Self {
        Registry {
            source,
            roots: HashMap::new(),
        }
    }

    /// Registers (or replaces) a root and returns its type.
    pub(crate) fn add_root(
        &mut self,
        name: &str,
        schema: Arc<Schema>,
        display: &str,
        kind: RootKind,
    ) -> Type {
        let name: Arc<str> = Arc::from(name);
        let root = StructType::new(Anchor::Root(name.clone()), display);
        let objectish = kind != RootKind::Plain && self.is_objectish(&schema);
        let ty = if objectish {
            Type::Struct(root.clone())
        } else {
            self.type_at(&schema, root)
        };
        self.roots.insert(name, Root { schema, kind });
        ty
    }

    /// The schema of a component, from the source or kro's built-in fallbacks.
    fn component(&self, name: &str) -> Option<Held> {
        if let Some(s) = self.source.component(name) {
            return Some(Held::Shared(s));
        }
        (name == OBJECT_META || name.ends_with(".ObjectMeta"))
            .then(|| Held::Static(builtin_schema(Builtin::ObjectMeta)))
    }

    /// Runs `f` on `schema` with `$ref`s followed (and the component name, if one was
    /// followed); `None` when a `$ref` names a component nobody knows.
    fn deref<R>(&self, schema: &Schema, f: impl FnOnce(&Schema, Option<&str>) -> R) -> Option<R> {
        self.deref_from(schema, None, 0, f)
    }

    fn deref_from<R>(
        &self,
        schema: &Schema,
        component: Option<&str>,
        hops: usize,
        f: impl FnOnce(&Schema, Option<&str>) -> R,
    ) -> Option<R> {
        match schema.reference_name() {
            None => Some(f(schema, component)),
            Some(name) if hops < MAX_REF_HOPS => {
                let held = self.component(name)?;
                self.deref_from(&held, Some(name), hops + 1, f)
            }
            Some(_) => None,
        }
    }

    /// Whether a resource root's schema describes an object (so its fields can be selected).
    fn is_objectish(&self, schema: &Schema) -> bool {
        self.deref(schema, |s, _| {
            let object = matches!(s.type_.as_deref(), Some("object") | None);
            let map = matches!(
                s.additional_properties,
                Some(AdditionalProperties::Schema(_))
            );
            let open = s.properties.is_empty() && s.preserves_unknown_fields();
            object && !s.int_or_string && !map && !open
        })
        .unwrap_or(false)
    }

    /// The type of the value `schema` describes, named `place` if it is an object.
    pub(crate) fn type_at(&self, schema: &Schema, place: StructType) -> Type {
        self.deref(schema, |schema, component| {
            let place = match component {
                Some(name) => component_type(name),
                None => place,
            };
            self.type_of_resolved(schema, place)
        })
        .unwrap_or(Type::Dyn)
    }

    fn type_of_resolved(&self, schema: &Schema, place: StructType) -> Type {
        if schema.int_or_string {
            return Type::Dyn;
        }
        match schema.type_.as_deref() {
            Some("object") | None
                if schema.type_.is_some()
                    || !schema.properties.is_empty()
                    || schema.additional_properties.is_some()
                    || schema.embedded_resource =>
            {
                if schema.properties.is_empty() && !schema.embedded_resource {
                    match &schema.additional_properties {
                        Some(AdditionalProperties::Schema(values)) => {
                            return Type::map(
                                Type::String,
                                self.type_at(values, place.child(Step::Values)),
                            );
                        }
                        Some(AdditionalProperties::Allowed(true)) => {
                            return Type::map(Type::String, Type::Dyn);
                        }
                        _ if schema.preserves_unknown_fields() => return Type::Dyn,
                        _ => {}
                    }
                }
                Type::Struct(place)
            }
            Some("array") => match &schema.items {
                Some(items) => Type::list(self.type_at(items, place.child(Step::Items))),
                None => Type::list(Type::Dyn),
            },
            Some("string") => match schema.format.as_deref() {
                Some("date-time" | "date") => Type::Timestamp,
                Some("duration") => Type::Duration,
                Some("byte") => Type::Bytes,
                _ => Type::String,
            },
            Some("integer") => Type::Int,
            Some("number") => Type::Double,
            Some("boolean") => Type::Bool,
            None if schema.items.is_some() => Type::list(Type::Dyn),
            _ => Type::Dyn,
        }
    }

    /// Runs `f` on the object schema an object type stands for, and what kind of object it is.
    fn with_object<R>(&self, s: &StructType, f: impl FnOnce(&Schema, RootKind) -> R) -> Option<R> {
        match s.anchor() {
            Anchor::Root(name) => {
                let root = self.roots.get(name)?;
                self.walk(&root.schema, s.path(), root.kind, f)
            }
            Anchor::Component(name) => {
                let held = self.component(name)?;
                self.walk(&held, s.path(), RootKind::Plain, f)
            }
            Anchor::Builtin(b) => self.walk(builtin_schema(*b), s.path(), RootKind::Plain, f),
        }
    }

    fn walk<R>(
        &self,
        schema: &Schema,
        path: &[Step],
        kind: RootKind,
        f: impl FnOnce(&Schema, RootKind) -> R,
    ) -> Option<R> {
        self.deref(schema, |schema, _| match path.split_first() {
            None => {
                let kind = if schema.embedded_resource && kind == RootKind::Plain {
                    RootKind::Object
                } else {
                    kind
                };
                Some(f(schema, kind))
            }
            Some((step, rest)) => {
                let next = match step {
                    Step::Field(name) => property(schema, name)?.1,
                    Step::Items => schema.items.as_deref()?,
                    Step::Values => match &schema.additional_properties {
                        Some(AdditionalProperties::Schema(v)) => v,
                        _ => return None,
                    },
                };
                self.walk(next, rest, RootKind::Plain, f)
            }
        })
        .flatten()
    }

    /// Selects field `name` (as written in CEL) of an object type.
    pub(crate) fn field(&self, s: &StructType, name: &str) -> FieldLookup {
        let found = self.with_object(s, |schema, kind| {
            if let Some(ty) = self.object_field(schema, kind, name) {
                return Some(ty);
            }
            if let Some((prop, prop_schema)) = property(schema, name) {
                let step = Step::Field(Arc::from(prop));
                return Some(self.type_at(prop_schema, s.child(step)));
            }
            schema.preserves_unknown_fields().then_some(Type::Dyn)
        });
        match found {
            None => FieldLookup::Found(Type::Dyn),
            Some(Some(ty)) => FieldLookup::Found(ty),
            Some(None) => {
                FieldLookup::Unknown(self.fields(s).into_iter().map(|f| f.name).collect())
            }
        }
    }

    /// `apiVersion`, `kind` and `metadata` of Kubernetes objects, whatever their schema says.
    fn object_field(&self, schema: &Schema, kind: RootKind, name: &str) -> Option<Type> {
        if kind == RootKind::Plain {
            return None;
        }
        match name {
            "metadata" => Some(Type::Struct(self.object_meta(kind))),
            "apiVersion" | "kind" if !schema.properties.contains_key(name) => Some(Type::String),
            _ => None,
        }
    }

    fn object_meta(&self, kind: RootKind) -> StructType {
        if kind == RootKind::ClusterObject {
            return StructType::new(Anchor::Builtin(Builtin::ClusterObjectMeta), "ObjectMeta");
        }
        if self.source.component(OBJECT_META).is_some() {
            return component_type(OBJECT_META);
        }
        StructType::new(Anchor::Builtin(Builtin::ObjectMeta), "ObjectMeta")
    }

    /// Every field of an object type, sorted by name.
    pub(crate) fn fields(&self, s: &StructType) -> Vec<Field> {
        self.with_object(s, |schema, kind| {
            let mut out: Vec<Field> = Vec::new();
            for (prop, prop_schema) in &schema.properties {
                let Some(name) = escape(prop) else { continue };
                let ty = match self.object_field(schema, kind, &name) {
                    Some(ty) => ty,
                    None => {
                        let step = Step::Field(Arc::from(prop.as_str()));
                        self.type_at(prop_schema, s.child(step))
                    }
                };
                out.push(Field {
                    name,
                    ty,
                    description: prop_schema.description.clone(),
                    required: schema.required.iter().any(|r| r == prop),
                });
            }
            if kind != RootKind::Plain {
                for name in ["apiVersion", "kind", "metadata"] {
                    if !out.iter().any(|f| f.name == name)
                        && let Some(ty) = self.object_field(schema, kind, name)
                    {
                        out.push(Field {
                            name: name.to_owned(),
                            ty,
                            description: None,
                            required: false,
                        });
                    }
                }
                out.sort_by(|a, b| a.name.cmp(&b.name));
            }
            out
        })
        .unwrap_or_default()
    }

    /// Runs `f` on the schema of an object type and whether it is a Kubernetes object.
    pub(crate) fn with_struct_schema<R>(
        &self,
        s: &StructType,
        f: impl FnOnce(&Schema, bool) -> R,
    ) -> Option<R> {
        self.with_object(s, |schema, kind| f(schema, kind != RootKind::Plain))
    }

    /// Runs `f` on `schema` with `$ref`s followed, for status schema expansion.
    pub(crate) fn resolve<R>(
        &self,
        schema: &Schema,
        f: impl FnOnce(&Schema, Option<&str>) -> R,
    ) -> Option<R> {
        self.deref(schema, f)
    }

    /// Runs `f` on the schema of `metadata`.
    pub(crate) fn with_metadata_schema<R>(&self, f: impl FnOnce(&Schema) -> R) -> R {
        match self.component(OBJECT_META) {
            Some(held) => f(&held),
            None => f(builtin_schema(Builtin::ObjectMeta)),
        }
    }
}

/// The object type named by a component.
fn component_type(name: &str) -> StructType {
    let short = name.rsplit('.').next().unwrap_or(name);
    StructType::new(Anchor::Component(Arc::from(name)), short)
}

/// The property written `name` in CEL: the property itself, or the one whose escaped name it
/// is (`my__dash__field` for `my-field`).
fn property<'s>(schema: &'s Schema, name: &str) -> Option<(&'s str, &'s Schema)> {
    if let Some((k, v)) = schema.properties.get_key_value(name) {
        return Some((k.as_str(), v));
    }
    if !name.contains("__") {
        return None;
    }
    schema
        .properties
        .iter()
        .find(|(k, _)| escape(k).as_deref() == Some(name))
        .map(|(k, v)| (k.as_str(), v))
}

/// CEL's reserved words; a property named like one is selected by its plain name or
/// `__name__`, and no resource or iterator may be named like one.
pub const RESERVED_WORDS: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// The CEL name of a property, following the API server's escaping (`-` → `__dash__`, `.` →
/// `__dot__`, `/` → `__slash__`, `__` → `__underscores__`); `None` when the property cannot be
/// named in CEL. Keywords keep their plain name (kro accepts `metadata.namespace`).
pub fn escape(property: &str) -> Option<String> {
    let mut chars = property.chars();
    let first = chars.next()?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/');
    if first.is_ascii_digit() || !allowed(first) || !chars.all(allowed) {
        return None;
    }
    if RESERVED_WORDS.contains(&property) {
        return Some(property.to_owned());
    }
    if !property.contains(['.', '-', '/']) && !property.contains("__") {
        return Some(property.to_owned());
    }
    let mut out = String::with_capacity(property.len() + 8);
    let mut rest = property;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("__") {
            out.push_str("__underscores__");
            rest = &rest[2..];
            continue;
        }
        match c {
            '.' => out.push_str("__dot__"),
            '-' => out.push_str("__dash__"),
            '/' => out.push_str("__slash__"),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    Some(out)
}

/// The schemas of kro's own object types.
pub(crate) fn builtin_schema(b: Builtin) -> &'static Schema {
    static OBJECT_META: OnceLock<Schema> = OnceLock::new();
    static CLUSTER_OBJECT_META: OnceLock<Schema> = OnceLock::new();
    static CONDITION: OnceLock<Schema> = OnceLock::new();
    match b {
        Builtin::ObjectMeta => OBJECT_META.get_or_init(object_meta),
        Builtin::ClusterObjectMeta => CLUSTER_OBJECT_META.get_or_init(|| {
            let mut meta = object_meta();
            meta.properties.remove("namespace");
            meta
        }),
        Builtin::Condition => CONDITION.get_or_init(|| {
            let mut s = Schema::of_type("object");
            for (name, doc) in [
                ("type", "The condition type, such as `Ready`."),
                ("status", "`True`, `False` or `Unknown`."),
                ("reason", "A CamelCase reason for the status."),
                ("message", "A human-readable message."),
            ] {
                let mut p = Schema::of_type("string");
                p.description = Some(doc.to_owned());
                s.properties.insert(name.to_owned(), p);
            }
            s
        }),
    }
}

fn described(mut s: Schema, doc: &str) -> Schema {
    s.description = Some(doc.to_owned());
    s
}

fn string_map(doc: &str) -> Schema {
    let mut s = described(Schema::of_type("object"), doc);
    s.additional_properties = Some(AdditionalProperties::Schema(Box::new(Schema::of_type(
        "string",
    ))));
    s
}

fn date_time(doc: &str) -> Schema {
    let mut s = described(Schema::of_type("string"), doc);
    s.format = Some("date-time".to_owned());
    s
}

/// Kubernetes `ObjectMeta`, for when no bundled schema provides it.
fn object_meta() -> Schema {
    let string = |doc: &str| described(Schema::of_type("string"), doc);
    let mut owner = Schema::of_type("object");
    for (name, doc) in [
        ("apiVersion", "API version of the referent."),
        ("kind", "Kind of the referent."),
        ("name", "Name of the referent."),
        ("uid", "UID of the referent."),
    ] {
        owner.properties.insert(name.to_owned(), string(doc));
    }
    for (name, doc) in [
        (
            "controller",
            "Whether this reference points to the managing controller.",
        ),
        (
            "blockOwnerDeletion",
            "Whether the owner cannot be deleted before this object.",
        ),
    ] {
        owner
            .properties
            .insert(name.to_owned(), described(Schema::of_type("boolean"), doc));
    }
    owner.required = ["apiVersion", "kind", "name", "uid"]
        .map(str::to_owned)
        .to_vec();
    let mut managed = Schema::of_type("object");
    for name in [
        "apiVersion",
        "fieldsType",
        "manager",
        "operation",
        "subresource",
    ] {
        managed
            .properties
            .insert(name.to_owned(), Schema::of_type("string"));
    }
    managed.properties.insert(
        "time".to_owned(),
        date_time("When the entry was last applied."),
    );
    let mut fields = Schema::of_type("object");
    fields.preserve_unknown_fields = Some(true);
    managed.properties.insert("fieldsV1".to_owned(), fields);

    let list_of = |items: Schema, doc: &str| {
        let mut s = described(Schema::of_type("array"), doc);
        s.items = Some(Box::new(items));
        s
    };
    let mut meta = described(
        Schema::of_type("object"),
        "Standard object metadata: name, namespace, labels, annotations and more.",
    );
    let p = &mut meta.properties;
    p.insert(
        "name".into(),
        string("Name of the object, unique within its namespace."),
    );
    p.insert(
        "generateName".into(),
        string("Prefix the server uses to generate a unique name."),
    );
    p.insert("namespace".into(), string("Namespace of the object."));
    p.insert("uid".into(), string("Unique identifier set by the server."));
    p.insert(
        "resourceVersion".into(),
        string("Opaque version used for optimistic concurrency."),
    );
    p.insert("selfLink".into(), string("Deprecated; always empty."));
    p.insert(
        "generation".into(),
        described(
            Schema::of_type("integer"),
            "Sequence number of the desired state, set by the server.",
        ),
    );
    p.insert(
        "deletionGracePeriodSeconds".into(),
        described(
            Schema::of_type("integer"),
            "Seconds allowed for graceful termination once deletion was requested.",
        ),
    );
    p.insert(
        "creationTimestamp".into(),
        date_time("When the object was created."),
    );
    p.insert(
        "deletionTimestamp".into(),
        date_time("When the object will be deleted; set once deletion was requested."),
    );
    p.insert(
        "labels".into(),
        string_map("Key/value pairs used to select objects."),
    );
    p.insert(
        "annotations".into(),
        string_map("Key/value pairs of non-identifying metadata."),
    );
    p.insert(
        "finalizers".into(),
        list_of(
            Schema::of_type("string"),
            "Entries that must be removed before the object is deleted.",
        ),
    );
    p.insert(
        "ownerReferences".into(),
        list_of(owner, "Objects this object depends on."),
    );
    p.insert(
        "managedFields".into(),
        list_of(managed, "Which manager owns which fields."),
    );
    meta
}

#[cfg(test)]
mod tests;
