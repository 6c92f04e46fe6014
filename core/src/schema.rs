//! SimpleSchema → OpenAPI, the generated CRD, and breaking-change comparison.
//!
//! Three entry points, in pipeline order:
//!
//! - [`compile`] reads `spec.schema.spec` and `spec.schema.types` and returns the spec's OpenAPI
//!   schema, the map of where every field is defined (for hover, go-to-definition and
//!   completion), and diagnostics pointing at the exact key, type or marker.
//! - [`crd::CrdSpec::read`] reads the rest of `spec.schema` (kind, apiVersion, group, scope,
//!   names, printer columns, metadata) and checks the values; [`crd::generate`] then builds the
//!   `CustomResourceDefinition` from it, the spec schema and the status schema the CEL stage
//!   inferred.
//! - [`breaking::compare_crds`] / [`breaking::compare_schemas`] list what changed between the
//!   CRD in the cluster and the new one, and which changes break existing instances.
//!
//! ```
//! use kro_core::openapi::Schema;
//! use kro_core::schema::{self, CrdSpec, Ownership};
//!
//! // In an RGD this is the `spec.schema` node.
//! let text = "kind: WebApp\napiVersion: v1alpha1\nspec:\n  name: string | required=true\n";
//! let parsed = kro_core::syntax::parse(text);
//! let section = parsed.documents[0].root.as_ref().unwrap();
//!
//! let simple = schema::compile(text, section.get("spec"), section.get("types"));
//! let (names, name_diagnostics) = CrdSpec::read(section);
//! assert!(simple.diagnostics.is_empty() && name_diagnostics.is_empty());
//!
//! let status = Schema::default(); // inferred by the CEL stage
//! let crd = schema::generate(&names, &simple.schema, &status, &Ownership::default());
//! assert_eq!(crd["metadata"]["name"], "webapps.kro.run");
//! ```
//!
//! **Invariant**: nothing here fails on user input. Every function returns its best output and
//! all the problems it found.

mod apply;
pub mod breaking;
pub mod crd;
pub mod instance;
pub mod marker;
pub mod path;
mod pattern;
pub mod plural;
pub mod simple;
pub mod types;
mod value;

pub use breaking::{Change, ChangeKind, Comparison, compare_crds, compare_schemas};
pub use crd::{CrdSpec, Ownership, Scope, generate};
pub use marker::{Marker, MarkerKind, parse_markers};
pub use path::{FieldPath, Segment};
pub use plural::pluralize;
pub use simple::{Field, SimpleSchema, TypeDefinition, TypeReference, compile};
pub use types::{TypeExpr, TypeRef, parse_type};

#[cfg(test)]
mod tests;
