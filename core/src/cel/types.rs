//! CEL types as the checker sees them: the CEL primitives, lists, maps and optionals, and
//! object types backed by OpenAPI schemas.
//!
//! An object type is named by where its schema lives, never by copying the schema: an *anchor*
//! (a root the caller registered, such as `schema` or a resource id; a named OpenAPI component
//! such as `io.k8s.api.core.v1.PodSpec`; or one of the few object types kro itself defines)
//! plus a path of steps below it. Recursive schemas therefore need no special care: a `$ref`
//! always re-anchors at the component it names.

use std::fmt;
use std::sync::Arc;

/// A CEL type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// Any value; checked when the expression runs.
    Dyn,
    /// `null`.
    Null,
    /// `bool`.
    Bool,
    /// `int` (64-bit signed).
    Int,
    /// `uint` (64-bit unsigned).
    Uint,
    /// `double`.
    Double,
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
    /// `google.protobuf.Timestamp` (OpenAPI `date-time` strings).
    Timestamp,
    /// `google.protobuf.Duration`.
    Duration,
    /// `list(T)`.
    List(Arc<Type>),
    /// `map(K, V)`.
    Map(Arc<Type>, Arc<Type>),
    /// `optional(T)`: a value that may be absent.
    Optional(Arc<Type>),
    /// An object whose fields come from an OpenAPI schema.
    Struct(StructType),
    /// A library-defined value type (`URL`, `Quantity`, `IP`, `CIDR`, `Semver`, kro's
    /// `runtime`).
    Opaque(&'static str),
    /// The type of a type value (`type(x)`, or the identifier `int`).
    TypeOf(Arc<Type>),
    /// A type parameter of a generic library signature (`A` in `list(A)`); never the type of
    /// an expression.
    Param(u8),
    /// The element type of an empty literal (`[]`, `{}`), not known yet; behaves as `dyn`.
    Unresolved,
    /// The type of an expression that failed to check; fits everywhere so one mistake is
    /// reported once.
    Error,
}

impl Type {
    /// `list(elem)`.
    pub fn list(elem: Type) -> Type {
        Type::List(Arc::new(elem))
    }

    /// `map(key, value)`.
    pub fn map(key: Type, value: Type) -> Type {
        Type::Map(Arc::new(key), Arc::new(value))
    }

    /// `optional(inner)`.
    pub fn optional(inner: Type) -> Type {
        Type::Optional(Arc::new(inner))
    }

    /// `type(inner)`.
    pub fn type_of(inner: Type) -> Type {
        Type::TypeOf(Arc::new(inner))
    }

    /// The element type when this is a list.
    pub fn list_element(&self) -> Option<&Type> {
        match self {
            Type::List(elem) => Some(elem),
            _ => None,
        }
    }

    /// The type of the items when iterating over a value of this type: a list's element type,
    /// `dyn` for `dyn`, `None` for anything else. A forEach iterator has this type.
    pub fn element_type(&self) -> Option<Type> {
        match self {
            Type::List(elem) => Some(elem.resolved()),
            t if t.is_dynamic() => Some(Type::Dyn),
            _ => None,
        }
    }

    /// The value type when this is an optional.
    pub fn optional_inner(&self) -> Option<&Type> {
        match self {
            Type::Optional(inner) => Some(inner),
            _ => None,
        }
    }

    /// The object type when this is one.
    pub fn as_struct(&self) -> Option<&StructType> {
        match self {
            Type::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Whether values of this type are only known when the expression runs (`dyn`, or a type
    /// that failed to check).
    pub fn is_dynamic(&self) -> bool {
        matches!(self, Type::Dyn | Type::Unresolved | Type::Error)
    }

    /// Whether the type (or a part of it) is still an unknown literal element type.
    pub(crate) fn has_unresolved(&self) -> bool {
        match self {
            Type::Unresolved => true,
            Type::List(e) | Type::Optional(e) | Type::TypeOf(e) => e.has_unresolved(),
            Type::Map(k, v) => k.has_unresolved() || v.has_unresolved(),
            _ => false,
        }
    }

    /// The type with every unknown literal element type replaced by `dyn`.
    pub fn resolved(&self) -> Type {
        if !self.has_unresolved() {
            return self.clone();
        }
        match self {
            Type::Unresolved => Type::Dyn,
            Type::List(e) => Type::list(e.resolved()),
            Type::Optional(e) => Type::optional(e.resolved()),
            Type::TypeOf(e) => Type::type_of(e.resolved()),
            Type::Map(k, v) => Type::map(k.resolved(), v.resolved()),
            other => other.clone(),
        }
    }

    /// Whether CEL lets a value of type `other` stand where `self` is declared, as in function
    /// arguments: identical types, `dyn` on either side, and `null` for nullable types.
    pub(crate) fn accepts(&self, other: &Type) -> bool {
        if self == other || self.is_dynamic() || other.is_dynamic() {
            return true;
        }
        match (self, other) {
            (Type::List(a), Type::List(b)) | (Type::Optional(a), Type::Optional(b)) => a.accepts(b),
            (Type::TypeOf(a), Type::TypeOf(b)) => a.accepts(b),
            (Type::Map(ak, av), Type::Map(bk, bv)) => ak.accepts(bk) && av.accepts(bv),
            (
                Type::Struct(_)
                | Type::Optional(_)
                | Type::Timestamp
                | Type::Duration
                | Type::Opaque(_)
                | Type::Null,
                Type::Null,
            ) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dyn | Type::Unresolved => f.write_str("dyn"),
            Type::Null => f.write_str("null"),
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Uint => f.write_str("uint"),
            Type::Double => f.write_str("double"),
            Type::String => f.write_str("string"),
            Type::Bytes => f.write_str("bytes"),
            Type::Timestamp => f.write_str("timestamp"),
            Type::Duration => f.write_str("duration"),
            Type::List(e) => write!(f, "list({e})"),
            Type::Map(k, v) => write!(f, "map({k}, {v})"),
            Type::Optional(e) => write!(f, "optional({e})"),
            Type::Struct(s) => f.write_str(s.display()),
            Type::Opaque(name) => f.write_str(name),
            Type::TypeOf(e) => write!(f, "type({e})"),
            Type::Param(p) => write!(f, "{}", char::from(b'A' + p % 26)),
            Type::Error => f.write_str("error"),
        }
    }
}

/// Where an object type's schema is anchored.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// A root registered with the environment (`schema`, a resource id).
    Root(Arc<str>),
    /// A named OpenAPI component, as `$ref` names it.
    Component(Arc<str>),
    /// An object type kro itself defines.
    Builtin(Builtin),
}

/// The object types kro defines itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// Kubernetes `ObjectMeta`, used when no schema source provides it.
    ObjectMeta,
    /// `ObjectMeta` without `namespace`, for cluster-scoped instances.
    ClusterObjectMeta,
    /// The condition `runtime.newCondition` and `runtime.condition` return.
    Condition,
}

/// One step from an object schema to a nested one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// A named property.
    Field(Arc<str>),
    /// The items of an array.
    Items,
    /// The values of a map (`additionalProperties`).
    Values,
}

/// An object type: an anchor and the steps below it, plus a name to show users.
#[derive(Clone, Debug)]
pub struct StructType(Arc<StructInfo>);

#[derive(Debug)]
struct StructInfo {
    anchor: Anchor,
    path: Vec<Step>,
    display: String,
}

impl StructType {
    /// The type anchored at `anchor` itself, shown to users as `display`.
    pub fn new(anchor: Anchor, display: impl Into<String>) -> StructType {
        StructType(Arc::new(StructInfo {
            anchor,
            path: Vec::new(),
            display: display.into(),
        }))
    }

    /// The type one step below this one.
    pub fn child(&self, step: Step) -> StructType {
        let mut path = self.0.path.clone();
        let display = match &step {
            Step::Field(name) => format!("{}.{name}", self.0.display),
            Step::Items => format!("{}[]", self.0.display),
            Step::Values => format!("{}{{}}", self.0.display),
        };
        path.push(step);
        StructType(Arc::new(StructInfo {
            anchor: self.0.anchor.clone(),
            path,
            display,
        }))
    }

    /// Where the schema is anchored.
    pub fn anchor(&self) -> &Anchor {
        &self.0.anchor
    }

    /// The steps from the anchor to this object.
    pub fn path(&self) -> &[Step] {
        &self.0.path
    }

    /// The name shown to users (`Deployment`, `WebApp.spec.ports[]`, `PodSpec`).
    pub fn display(&self) -> &str {
        &self.0.display
    }
}

impl PartialEq for StructType {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.anchor == other.0.anchor && self.0.path == other.0.path)
    }
}

impl Eq for StructType {}

impl std::hash::Hash for StructType {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.anchor.hash(state);
        self.0.path.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_cel_docs() {
        assert_eq!(Type::list(Type::String).to_string(), "list(string)");
        assert_eq!(
            Type::map(Type::String, Type::Int).to_string(),
            "map(string, int)"
        );
        assert_eq!(Type::optional(Type::Bool).to_string(), "optional(bool)");
        let s = StructType::new(Anchor::Root("schema".into()), "WebApp");
        let ports = s
            .child(Step::Field("spec".into()))
            .child(Step::Field("ports".into()))
            .child(Step::Items);
        assert_eq!(Type::Struct(ports).to_string(), "WebApp.spec.ports[]");
    }

    #[test]
    fn struct_types_compare_by_anchor_and_path() {
        let a = StructType::new(Anchor::Component("x.PodSpec".into()), "PodSpec");
        let b = StructType::new(Anchor::Component("x.PodSpec".into()), "Other name");
        assert_eq!(a, b);
        assert_ne!(a, a.child(Step::Items));
    }

    #[test]
    fn null_fits_nullable_types_only() {
        assert!(Type::Timestamp.accepts(&Type::Null));
        assert!(!Type::Int.accepts(&Type::Null));
        assert!(Type::list(Type::Int).accepts(&Type::list(Type::Dyn)));
        assert!(!Type::list(Type::Int).accepts(&Type::list(Type::String)));
    }
}
