//! SimpleSchema → OpenAPI v3, the generated CRD, and breaking-change comparison.
