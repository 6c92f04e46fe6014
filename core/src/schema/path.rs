//! Paths to fields of a generated schema, as users read them: `spec.ports[].name`.

use std::fmt;

use crate::openapi::{AdditionalProperties, Schema};

/// One step into a schema.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A named property of an object.
    Field(String),
    /// The items of a list (`[]`).
    Items,
    /// The values of a map (`{}`).
    Values,
}

/// A path from the root of a schema to one of its nodes.
///
/// Rendered with `.` between field names, `[]` for list items and `{}` for map values:
/// `spec.ports[].name`, `spec.labels{}`. The empty path renders as `(root)`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// The empty path (the schema's root).
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// A path of field names only.
    pub fn fields<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        FieldPath(
            names
                .into_iter()
                .map(|n| Segment::Field(n.to_owned()))
                .collect(),
        )
    }

    /// This path extended by one segment.
    pub fn child(&self, segment: Segment) -> Self {
        let mut segments = self.0.clone();
        segments.push(segment);
        FieldPath(segments)
    }

    /// This path extended by a field name.
    pub fn field(&self, name: &str) -> Self {
        self.child(Segment::Field(name.to_owned()))
    }

    /// This path followed by all of `other`.
    pub fn join(&self, other: &FieldPath) -> Self {
        let mut segments = self.0.clone();
        segments.extend(other.0.iter().cloned());
        FieldPath(segments)
    }

    /// The path without its last segment; `None` at the root.
    pub fn parent(&self) -> Option<FieldPath> {
        let (_, rest) = self.0.split_last()?;
        Some(FieldPath(rest.to_vec()))
    }

    /// The segments.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The node of `root` this path leads to, if the schema has it.
    pub fn resolve<'a>(&self, root: &'a Schema) -> Option<&'a Schema> {
        let mut node = root;
        for segment in &self.0 {
            node = match segment {
                Segment::Field(name) => node.properties.get(name)?,
                Segment::Items => node.items.as_deref()?,
                Segment::Values => match &node.additional_properties {
                    Some(AdditionalProperties::Schema(values)) => values,
                    _ => return None,
                },
            };
        }
        Some(node)
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Field(name) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(name)?;
                }
                Segment::Items => f.write_str("[]")?,
                Segment::Values => f.write_str("{}")?,
            }
        }
        Ok(())
    }
}
