//! SimpleSchema (`spec.schema.spec` and `spec.schema.types`) to OpenAPI, with a map of where
//! every field was defined.
//!
//! Custom types are built once each, in dependency order (a depth-first walk in declaration
//! order), and expanded inline wherever they are used. Building never stops at an error: a part
//! that cannot be built becomes the empty schema `{}` (anything goes) so the rest still checks.

use std::collections::{BTreeSet, HashMap};

use super::apply::{Problem, apply_markers};
use super::marker::parse_markers;
use super::path::{FieldPath, Segment};
use super::types::{BUILTIN_TYPES, TypeExpr, TypeRef, parse_type};
use crate::diagnostic::{Code, Diagnostic, suggestion_suffix};
use crate::openapi::{AdditionalProperties, Schema};
use crate::syntax::{Entry, Node, ScalarOffsets, Value};
use crate::text::TextRange;

/// How many fields the spec may expand to once custom types are inlined; beyond this a
/// hostile or accidental chain of types would exhaust memory.
pub const MAX_EXPANDED_FIELDS: usize = 20_000;

/// The spec's OpenAPI schema and what the editor needs to know about its SimpleSchema.
#[derive(Clone, Debug, Default)]
pub struct SimpleSchema {
    /// The OpenAPI schema of the instance's `spec` (always `type: object`).
    pub schema: Schema,
    /// Every field of the spec with custom types expanded, in source order; paths start with
    /// `spec` (`spec.ports[].name`).
    pub fields: Vec<Field>,
    /// The custom types of `types`, in declaration order.
    pub types: Vec<TypeDefinition>,
    /// Every use of a custom type name inside a type expression.
    pub type_references: Vec<TypeReference>,
    /// Problems found, in the order they were found.
    pub diagnostics: Vec<Diagnostic>,
}

/// One field and where it is defined.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Where the field sits in the schema.
    pub path: FieldPath,
    /// The key that defines the field (inside `types` when the field comes from a custom type).
    pub key_range: TextRange,
    /// The field's value: the type string, or the nested mapping.
    pub value_range: TextRange,
    /// The declared type (`[]Port`), `None` for a nested mapping.
    pub type_text: Option<String>,
    /// Where the declared type is written.
    pub type_range: Option<TextRange>,
    /// The custom type whose definition holds this field, if any.
    pub declared_in: Option<String>,
}

/// One entry of `types`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDefinition {
    /// The type's name.
    pub name: String,
    /// Where the name is written.
    pub key_range: TextRange,
    /// The definition (a mapping of fields or an alias string).
    pub value_range: TextRange,
    /// The type's schema, with its own custom types expanded.
    pub schema: Schema,
    /// Whether every use is required (an alias declared with `required=true`).
    pub required: bool,
    /// The type's fields, with paths relative to the type.
    pub fields: Vec<Field>,
}

/// A custom type name used inside a type expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeReference {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub range: TextRange,
    /// Whether `types` defines it.
    pub resolved: bool,
}

impl SimpleSchema {
    /// The field at `path`.
    pub fn field(&self, path: &FieldPath) -> Option<&Field> {
        self.fields.iter().find(|f| &f.path == path)
    }

    /// The field at `path` or, failing that, its nearest ancestor that is a field.
    pub fn nearest_field(&self, path: &FieldPath) -> Option<&Field> {
        nearest(&self.fields, path)
    }

    /// The schema of the field at `path` (which starts with `spec`).
    pub fn schema_at(&self, path: &FieldPath) -> Option<&Schema> {
        match path.segments().split_first() {
            Some((Segment::Field(first), rest)) if first == "spec" => {
                FieldPath(rest.to_vec()).resolve(&self.schema)
            }
            _ => None,
        }
    }

    /// The custom type named `name`.
    pub fn type_definition(&self, name: &str) -> Option<&TypeDefinition> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The fields whose definition key is at `offset`; one key defines several fields when
    /// its type is used in several places.
    pub fn fields_defined_at(&self, offset: usize) -> impl Iterator<Item = &Field> {
        self.fields
            .iter()
            .filter(move |f| f.key_range.contains_inclusive(offset))
    }

    /// The type reference at `offset`, for go-to-definition.
    pub fn type_reference_at(&self, offset: usize) -> Option<&TypeReference> {
        self.type_references
            .iter()
            .find(|r| r.range.contains_inclusive(offset))
    }
}

/// Builds the spec's OpenAPI schema from the `spec` and `types` nodes of `spec.schema` in
/// `source` (the text the nodes were parsed from). Either may be absent.
pub fn compile(source: &str, spec: Option<&Node>, types: Option<&Node>) -> SimpleSchema {
    let mut builder = Builder {
        source,
        diagnostics: Vec::new(),
        declarations: Vec::new(),
        by_name: HashMap::new(),
        states: HashMap::new(),
        stack: Vec::new(),
        reported_cycles: BTreeSet::new(),
        references: Vec::new(),
        expanded: 0,
        reported_too_large: false,
    };
    builder.declare(types);
    let mut definitions = Vec::new();
    for index in 0..builder.declarations.len() {
        let name = builder.declarations[index].name.clone();
        if builder.by_name.get(&name) != Some(&index) {
            continue;
        }
        builder.resolve(&name);
        if let Some(State::Done(resolved)) = builder.states.get(&name) {
            let declaration = &builder.declarations[index];
            definitions.push(TypeDefinition {
                name,
                key_range: declaration.entry.key.range,
                value_range: declaration.entry.value.range,
                schema: resolved.schema.clone(),
                required: resolved.required,
                fields: resolved.fields.clone(),
            });
        }
    }
    let mut fields = Vec::new();
    let root = FieldPath::fields(["spec"]);
    let schema = match spec {
        None => Schema::of_type("object"),
        Some(Node {
            value: Value::Null, ..
        }) => Schema::of_type("object"),
        Some(Node {
            value: Value::Mapping(entries),
            ..
        }) => builder.object(entries, &root, None, &mut fields),
        Some(node) => {
            builder.diagnostics.push(Diagnostic::new(
                Code::SchemaFieldShape,
                node.range,
                format!(
                    "`spec` must be a mapping of field names to types, not {}",
                    node.describe()
                ),
            ));
            Schema::of_type("object")
        }
    };
    let mut reported = BTreeSet::new();
    check_transition_rules(
        &schema,
        &root,
        None,
        &fields,
        &mut reported,
        &mut builder.diagnostics,
    );
    SimpleSchema {
        schema,
        fields,
        types: definitions,
        type_references: builder.references,
        diagnostics: builder.diagnostics,
    }
}

struct Declaration<'n> {
    name: String,
    entry: &'n Entry,
}

/// A custom type once built.
#[derive(Clone, Debug)]
struct Resolved {
    schema: Schema,
    required: bool,
    fields: Vec<Field>,
}

enum State {
    InProgress,
    Done(Box<Resolved>),
}

struct Builder<'s, 'n> {
    source: &'s str,
    diagnostics: Vec<Diagnostic>,
    declarations: Vec<Declaration<'n>>,
    by_name: HashMap<String, usize>,
    states: HashMap<String, State>,
    /// Types being built, outermost first, each with the range of the reference that led to the
    /// next one.
    stack: Vec<(String, Option<TextRange>)>,
    reported_cycles: BTreeSet<Vec<String>>,
    references: Vec<TypeReference>,
    expanded: usize,
    reported_too_large: bool,
}

impl<'s, 'n> Builder<'s, 'n> {
    fn declare(&mut self, types: Option<&'n Node>) {
        let Some(node) = types else { return };
        match &node.value {
            Value::Null => {}
            Value::Mapping(entries) => {
                for entry in entries {
                    let name = entry.key_text();
                    let index = self.declarations.len();
                    self.declarations.push(Declaration {
                        name: name.clone(),
                        entry,
                    });
                    // The first definition wins; the YAML front end reports the duplicate key.
                    self.by_name.entry(name).or_insert(index);
                }
            }
            _ => self.diagnostics.push(Diagnostic::new(
                Code::SchemaFieldShape,
                node.range,
                format!(
                    "`types` must be a mapping of type names to definitions, not {}",
                    node.describe()
                ),
            )),
        }
    }

    /// Builds the custom type `name` if needed.
    fn resolve(&mut self, name: &str) {
        if self.states.contains_key(name) {
            return;
        }
        let Some(&index) = self.by_name.get(name) else {
            return;
        };
        let entry = self.declarations[index].entry;
        self.states.insert(name.to_owned(), State::InProgress);
        self.stack.push((name.to_owned(), None));
        let mut fields = Vec::new();
        let resolved = match &entry.value.value {
            Value::Mapping(entries) => Resolved {
                schema: self.object(entries, &FieldPath::root(), Some(name), &mut fields),
                required: false,
                fields,
            },
            Value::String(_) => {
                let mut required = Vec::new();
                let schema = self.string_field(
                    name,
                    entry,
                    &FieldPath::root(),
                    Some(name),
                    &mut required,
                    &mut fields,
                );
                Resolved {
                    schema,
                    required: !required.is_empty(),
                    fields,
                }
            }
            _ => {
                self.diagnostics.push(Diagnostic::new(
                    Code::SchemaFieldShape,
                    entry.value.range,
                    format!(
                        "type `{name}` must be a mapping of fields or a type string, not {}",
                        entry.value.describe()
                    ),
                ));
                Resolved {
                    schema: Schema::default(),
                    required: false,
                    fields: Vec::new(),
                }
            }
        };
        self.stack.pop();
        self.states
            .insert(name.to_owned(), State::Done(Box::new(resolved)));
    }

    /// The schema of a nested mapping of fields.
    fn object(
        &mut self,
        entries: &[Entry],
        path: &FieldPath,
        declared_in: Option<&str>,
        fields: &mut Vec<Field>,
    ) -> Schema {
        let mut schema = Schema::of_type("object");
        let mut required = Vec::new();
        let mut child_has_default = false;
        for entry in entries {
            let key = entry.key_text();
            let child_path = path.field(&key);
            let child = self.field(&key, entry, &child_path, declared_in, &mut required, fields);
            child_has_default |= child.default.is_some();
            schema.properties.insert(key, child);
        }
        required.sort();
        required.dedup();
        // `{}` lets the API server fill in the children's defaults when the object itself is
        // omitted, which would be wrong if `{}` missed a required field.
        if required.is_empty() && child_has_default && schema.default.is_none() {
            schema.default = Some(serde_json::json!({}));
        }
        schema.required = required;
        schema
    }

    /// The schema of one field; adds its name to `required` when it is required.
    fn field(
        &mut self,
        key: &str,
        entry: &Entry,
        path: &FieldPath,
        declared_in: Option<&str>,
        required: &mut Vec<String>,
        fields: &mut Vec<Field>,
    ) -> Schema {
        match &entry.value.value {
            Value::Mapping(entries) => {
                self.count_fields(1, entry.key.range);
                fields.push(Field {
                    path: path.clone(),
                    key_range: entry.key.range,
                    value_range: entry.value.range,
                    type_text: None,
                    type_range: None,
                    declared_in: declared_in.map(str::to_owned),
                });
                self.object(entries, path, declared_in, fields)
            }
            Value::String(_) => self.string_field(key, entry, path, declared_in, required, fields),
            Value::Null => {
                self.diagnostics.push(Diagnostic::new(
                    Code::SchemaFieldShape,
                    entry.key.range,
                    format!(
                        "field `{key}` has no type; give a type such as `string`, or nested fields"
                    ),
                ));
                Schema::default()
            }
            _ => {
                self.diagnostics.push(Diagnostic::new(
                    Code::SchemaFieldShape,
                    entry.value.range,
                    format!(
                        "field `{key}` must be a type string such as `string`, or nested fields, not {}",
                        entry.value.describe()
                    ),
                ));
                Schema::default()
            }
        }
    }

    /// A field written as `"<type> | markers"`.
    fn string_field(
        &mut self,
        key: &str,
        entry: &Entry,
        path: &FieldPath,
        declared_in: Option<&str>,
        required: &mut Vec<String>,
        fields: &mut Vec<Field>,
    ) -> Schema {
        let node = &entry.value;
        let Some(offsets) = ScalarOffsets::of(self.source, node) else {
            return Schema::default();
        };
        let text = node.as_str().unwrap_or_default();
        let (type_text, markers_text) = match text.find('|') {
            Some(bar) => (&text[..bar], Some((bar, &text[bar + 1..]))),
            None => (text, None),
        };
        let to_source = |range: TextRange| source_range(self.source, &offsets, range);
        let type_start = type_text.len() - type_text.trim_start().len();
        let type_range = TextRange::new(type_start, type_start + type_text.trim().len());

        // A definition inside `types` is the type itself, not a field: only its members are.
        let is_alias = path.is_root();
        if !is_alias {
            self.count_fields(1, entry.key.range);
            fields.push(Field {
                path: path.clone(),
                key_range: entry.key.range,
                value_range: node.range,
                type_text: Some(type_text.trim().to_owned()),
                type_range: Some(to_source(type_range)),
                declared_in: declared_in.map(str::to_owned),
            });
        }

        let (mut schema, known, alias_required) = match parse_type(type_text, 0) {
            Ok(type_ref) => {
                let mut nested = Vec::new();
                let (schema, known) = self.type_schema(&type_ref, &offsets, &mut nested);
                let alias_required = match &type_ref.expr {
                    TypeExpr::Named(name) => matches!(
                        self.states.get(name),
                        Some(State::Done(resolved)) if resolved.required
                    ),
                    _ => false,
                };
                for field in nested {
                    fields.push(Field {
                        path: path.join(&field.path),
                        ..field
                    });
                }
                (schema, known, alias_required)
            }
            Err(error) => {
                let code = if error.too_deep {
                    Code::SchemaTypeTooDeep
                } else {
                    Code::SchemaTypeSyntax
                };
                self.diagnostics
                    .push(Diagnostic::new(code, to_source(error.range), error.message));
                (Schema::default(), false, false)
            }
        };
        if alias_required {
            required.push(key.to_owned());
        }
        if let Some((bar, markers_text)) = markers_text {
            if markers_text.trim().is_empty() {
                self.diagnostics.push(Diagnostic::new(
                    Code::SchemaMarkerSyntax,
                    to_source(TextRange::new(bar, bar + 1)),
                    "`|` must be followed by markers such as `required=true`",
                ));
            }
            let (markers, errors) = parse_markers(markers_text, bar + 1);
            for error in errors {
                self.diagnostics.push(Diagnostic::new(
                    Code::SchemaMarkerSyntax,
                    to_source(error.range),
                    error.message,
                ));
            }
            let applied = apply_markers(&mut schema, &markers, known);
            if applied.required {
                required.push(key.to_owned());
            }
            for Problem {
                code,
                range,
                message,
            } in applied.problems
            {
                self.diagnostics
                    .push(Diagnostic::new(code, to_source(range), message));
            }
        }
        schema
    }

    /// The schema of a type expression; the flag says whether the type was fully known. Fields
    /// of expanded custom types are added to `fields` with paths relative to this expression.
    fn type_schema(
        &mut self,
        type_ref: &TypeRef,
        offsets: &ScalarOffsets,
        fields: &mut Vec<Field>,
    ) -> (Schema, bool) {
        match &type_ref.expr {
            TypeExpr::String => (Schema::of_type("string"), true),
            TypeExpr::Integer => (Schema::of_type("integer"), true),
            TypeExpr::Boolean => (Schema::of_type("boolean"), true),
            TypeExpr::Float => (Schema::of_type("number"), true),
            TypeExpr::Object => (
                Schema {
                    preserve_unknown_fields: Some(true),
                    ..Schema::of_type("object")
                },
                true,
            ),
            TypeExpr::List(inner) => {
                let mut nested = Vec::new();
                let (items, known) = self.type_schema(inner, offsets, &mut nested);
                prefix(fields, nested, Segment::Items);
                (
                    Schema {
                        items: Some(Box::new(items)),
                        ..Schema::of_type("array")
                    },
                    known,
                )
            }
            TypeExpr::Map(inner) => {
                let mut nested = Vec::new();
                let (values, known) = self.type_schema(inner, offsets, &mut nested);
                prefix(fields, nested, Segment::Values);
                (
                    Schema {
                        additional_properties: Some(AdditionalProperties::Schema(Box::new(values))),
                        ..Schema::of_type("object")
                    },
                    known,
                )
            }
            TypeExpr::Named(name) => {
                let range = source_range(self.source, offsets, type_ref.range);
                self.named(name, range, fields)
            }
        }
    }

    /// The schema of the custom type `name`, used at `range`.
    fn named(&mut self, name: &str, range: TextRange, fields: &mut Vec<Field>) -> (Schema, bool) {
        let declared = self.by_name.contains_key(name);
        self.references.push(TypeReference {
            name: name.to_owned(),
            range,
            resolved: declared,
        });
        if !declared {
            let candidates = BUILTIN_TYPES
                .iter()
                .copied()
                .chain(self.declarations.iter().map(|d| d.name.as_str()));
            let suffix = suggestion_suffix(name, candidates);
            self.diagnostics.push(Diagnostic::new(
                Code::SchemaUnknownType,
                range,
                format!("unknown type `{name}`{suffix}"),
            ));
            return (Schema::default(), false);
        }
        if let Some(last) = self.stack.last_mut() {
            last.1 = Some(range);
        }
        if matches!(self.states.get(name), Some(State::InProgress)) {
            self.report_cycle(name);
            return (Schema::default(), false);
        }
        self.resolve(name);
        let Some(State::Done(resolved)) = self.states.get(name) else {
            return (Schema::default(), false);
        };
        let size = resolved.fields.len() + 1;
        if self.expanded + size > MAX_EXPANDED_FIELDS {
            if !self.reported_too_large {
                self.reported_too_large = true;
                self.diagnostics.push(Diagnostic::new(
                    Code::SchemaTooLarge,
                    range,
                    format!(
                        "expanding the custom types makes the spec larger than {MAX_EXPANDED_FIELDS} fields"
                    ),
                ));
            }
            return (Schema::default(), false);
        }
        self.expanded += size;
        fields.extend(resolved.fields.iter().cloned());
        (resolved.schema.clone(), true)
    }

    fn count_fields(&mut self, n: usize, range: TextRange) {
        self.expanded += n;
        if self.expanded > MAX_EXPANDED_FIELDS && !self.reported_too_large {
            self.reported_too_large = true;
            self.diagnostics.push(Diagnostic::new(
                Code::SchemaTooLarge,
                range,
                format!("the spec has more than {MAX_EXPANDED_FIELDS} fields"),
            ));
        }
    }

    /// `name` is being built and was reached again: the stack from its first appearance is a
    /// cycle.
    fn report_cycle(&mut self, name: &str) {
        let Some(start) = self.stack.iter().position(|(n, _)| n == name) else {
            return;
        };
        let members: Vec<(String, Option<TextRange>)> = self.stack[start..].to_vec();
        let mut key: Vec<String> = members.iter().map(|(n, _)| n.clone()).collect();
        key.sort();
        if !self.reported_cycles.insert(key) {
            return;
        }
        let mut names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
        names.push(name);
        let cycle = names.join(" -> ");
        let first = &self.declarations[self.by_name[name]].entry;
        let mut diagnostic = Diagnostic::new(
            Code::SchemaTypeCycle,
            first.key.range,
            format!("types refer to each other in a cycle: {cycle}"),
        );
        for (i, (from, reference)) in members.iter().enumerate() {
            let to = names[i + 1];
            if let Some(range) = reference {
                diagnostic = diagnostic.with_related(*range, format!("`{from}` uses `{to}` here"));
            }
        }
        self.diagnostics.push(diagnostic);
    }
}

fn prefix(fields: &mut Vec<Field>, nested: Vec<Field>, segment: Segment) {
    let head = FieldPath(vec![segment]);
    for field in nested {
        fields.push(Field {
            path: head.join(&field.path),
            ..field
        });
    }
}

/// The source range of a range of the decoded scalar; a range ending in an escape sequence
/// (`\"`) covers the whole sequence.
fn source_range(source: &str, offsets: &ScalarOffsets, range: TextRange) -> TextRange {
    let mapped = offsets.range_to_source(range);
    if range.is_empty() {
        return mapped;
    }
    let last = offsets.to_source(range.end - 1);
    if source.as_bytes().get(last) == Some(&b'\\') {
        let next = offsets.to_source(range.end);
        if next > last {
            return TextRange::new(mapped.start, next);
        }
    }
    mapped
}

/// Kubernetes evaluates rules that use `oldSelf` only where it can pair an old value with the
/// new one: not inside a list unless the list is `listType=map`. Such a rule elsewhere makes the
/// API server reject the CRD, so it is reported at the field that declares it.
fn check_transition_rules(
    schema: &Schema,
    path: &FieldPath,
    list: Option<&FieldPath>,
    fields: &[Field],
    reported: &mut BTreeSet<TextRange>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if let Some(list) = list
        && schema.validations.iter().any(|v| uses_old_self(&v.rule))
        && let Some(field) = nearest(fields, path)
        && reported.insert(field.key_range)
    {
        diagnostics.push(Diagnostic::new(
            Code::SchemaTransitionRule,
            field.key_range,
            format!(
                "`{path}` compares with its old value (`immutable` or `oldSelf`), which Kubernetes cannot do inside the list `{list}`; give the list `listType=map` with `listMapKey`, or drop the rule"
            ),
        ));
    }
    for (name, property) in &schema.properties {
        check_transition_rules(
            property,
            &path.field(name),
            list,
            fields,
            reported,
            diagnostics,
        );
    }
    if let Some(items) = &schema.items {
        let inner = if schema.list_type.as_deref() == Some("map") {
            list
        } else {
            list.or(Some(path))
        };
        let items_path = path.child(Segment::Items);
        check_transition_rules(items, &items_path, inner, fields, reported, diagnostics);
    }
    if let Some(AdditionalProperties::Schema(values)) = &schema.additional_properties {
        let values_path = path.child(Segment::Values);
        check_transition_rules(values, &values_path, list, fields, reported, diagnostics);
    }
}

fn uses_old_self(rule: &str) -> bool {
    rule.match_indices("oldSelf").any(|(i, _)| {
        let before = rule[..i].chars().next_back();
        let after = rule[i + "oldSelf".len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

/// The field at `path` or its nearest ancestor that is one (list items and map values are not
/// fields of their own).
fn nearest<'f>(fields: &'f [Field], path: &FieldPath) -> Option<&'f Field> {
    let mut path = path.clone();
    loop {
        if let Some(field) = fields.iter().find(|f| f.path == path) {
            return Some(field);
        }
        path = path.parent()?;
    }
}
