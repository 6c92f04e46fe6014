//! Tests of SimpleSchema, the CRD and breaking changes: YAML text in, exact JSON or
//! `code@line:col: message` lines out.

mod errors;
mod support;
mod transform;
