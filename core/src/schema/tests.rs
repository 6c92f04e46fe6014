//! Tests of SimpleSchema, the CRD and breaking changes: YAML text in, exact JSON or
//! `code@line:col: message` lines out.

mod breaking;
mod crd;
mod errors;
mod fields;
mod robust;
mod support;
mod transform;
mod types;
