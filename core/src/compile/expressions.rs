//! The CEL stage: type-checks every expression of an RGD against the schemas of the fields
//! it fills, collects the references the dependency graph is built from, and infers the
//! status schema.

use std::sync::Arc;

use crate::cel::{self, Context, Env, Expected, ExprSegment, Extracted, Kind, Type, VariableKind};
use crate::diagnostic::{Code, Diagnostic, suggestion_suffix};
use crate::openapi::{KindInfo, Schema, SchemaSource};
use crate::rgd::{Resource, Rgd};
use crate::syntax::{Node, PathSegment, ScalarOffsets, Value, render_path};
use crate::text::TextRange;

/// One string of a template (or of the status) that holds expressions.
#[derive(Clone, Debug)]
pub struct Slot {
    /// Where the string sits, from the template's root (or from `status`).
    pub path: Vec<PathSegment>,
    /// Its literal text and expressions.
    pub extracted: Extracted,
    /// The value's type: the expression's for a standalone string, `string` otherwise.
    pub ty: Type,
    /// The string in the file.
    pub range: TextRange,
}

impl Slot {
    /// The CEL source the string evaluates as.
    pub fn cel_source(&self) -> String {
        self.extracted.cel_source().unwrap_or_default()
    }

    /// Whether the whole value is one expression (and keeps its type).
    pub fn is_standalone(&self) -> bool {
        self.extracted.kind() == Kind::Standalone
    }
}

/// A single standalone expression: an includeWhen or readyWhen entry, or a forEach list.
#[derive(Clone, Debug)]
pub struct Expression {
    /// The CEL text between `${` and `}`.
    pub text: String,
    /// The whole string in the file.
    pub range: TextRange,
}

/// A forEach dimension, checked.
#[derive(Clone, Debug)]
pub struct Dimension {
    /// The iterator's name.
    pub name: String,
    /// The list expression.
    pub expression: Expression,
}

/// The expressions of one resource, ready for the runtime.
#[derive(Clone, Debug, Default)]
pub struct ResourceExpressions {
    /// Template strings holding expressions, in document order.
    pub template: Vec<Slot>,
    /// includeWhen conditions.
    pub include_when: Vec<Expression>,
    /// readyWhen conditions.
    pub ready_when: Vec<Expression>,
    /// forEach dimensions, outer loop first.
    pub for_each: Vec<Dimension>,
    /// The forEach iterators with their element types, as the template sees them.
    pub iterators: Vec<(String, Type)>,
    /// Whether the kind's schema was known, so the template was type-checked.
    pub typed: bool,
    /// Whether objects of the kind live in a namespace (`None` when the kind is unknown).
    pub namespaced: Option<bool>,
    /// The kind's schema, when known: the runtime binds observed objects with it (bytes,
    /// timestamps and durations as CEL types); its `$ref`s name bundled components.
    pub schema: Option<Arc<Schema>>,
}

/// The status block, checked.
#[derive(Clone, Debug, Default)]
pub struct StatusExpressions {
    /// Status fields; paths start below `status`.
    pub fields: Vec<Slot>,
    /// Entries of the `conditions` block, when the RGD defines its own conditions.
    pub conditions: Option<Vec<Expression>>,
    /// The status schema inferred from the fields' types.
    pub schema: Schema,
}

/// What the CEL stage hands back to the compiler.
pub(super) struct Output {
    pub resources: Vec<ResourceExpressions>,
    pub status: StatusExpressions,
    /// For each resource, the resources its template, forEach and includeWhen name, with
    /// where they are named.
    pub references: Vec<Vec<(String, TextRange)>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The environment a compiled RGD's expressions were checked in (the instance, every
/// resource, every collection's iterators), for editors asking about types.
pub fn environment<'p>(compiled: &super::Compiled, schemas: &'p dyn SchemaSource) -> Env<'p> {
    let mut env = Env::new(schemas);
    declare_instance(&mut env, &compiled.rgd, &compiled.spec.schema);
    for resource in &compiled.rgd.resources {
        let info = resource_kind(resource, schemas);
        declare_resource(&mut env, resource, info.map(|i| i.schema));
    }
    for (resource, expressions) in compiled.rgd.resources.iter().zip(&compiled.expressions) {
        if !expressions.iterators.is_empty() {
            env.set_iterators(&resource.id.value, expressions.iterators.clone());
        }
    }
    env
}

/// Declares `schema`, typed by the instance's schema without status.
fn declare_instance(env: &mut Env<'_>, rgd: &Rgd, spec: &Schema) {
    let section = rgd.schema.as_ref();
    let kind = section
        .and_then(|s| s.kind.as_ref())
        .map_or("instance", |k| k.value.as_str());
    let cluster_scoped = section.is_some_and(|s| s.is_cluster_scoped());
    env.set_instance(
        kind,
        &crate::schema::crd::instance_schema_without_status(spec),
        cluster_scoped,
    );
}

/// What the schema source knows of a resource's kind.
fn resource_kind(resource: &Resource, schemas: &dyn SchemaSource) -> Option<KindInfo> {
    let (api_version, kind) = (resource.api_version()?, resource.kind()?);
    schemas.kind(&api_version.value, &kind.value)
}

/// Declares a resource's variable (nothing for a resource without an id).
fn declare_resource(env: &mut Env<'_>, resource: &Resource, schema: Option<Arc<Schema>>) {
    if resource.id.value.is_empty() {
        return;
    }
    let kind = resource.kind();
    env.add_resource(
        &resource.id.value,
        kind.as_ref().map_or("object", |k| k.value.as_str()),
        schema,
        resource.is_collection(),
    );
}

pub(super) fn check(text: &str, rgd: &Rgd, spec: &Schema, schemas: &dyn SchemaSource) -> Output {
    let mut stage = Stage {
        text,
        env: Env::new(schemas),
        diagnostics: Vec::new(),
    };
    declare_instance(&mut stage.env, rgd, spec);

    let mut resources: Vec<ResourceExpressions> = rgd
        .resources
        .iter()
        .map(|r| stage.declare(r, schemas))
        .collect();
    let mut references = vec![Vec::new(); rgd.resources.len()];
    for (i, resource) in rgd.resources.iter().enumerate() {
        if resource.id.value.is_empty() {
            continue;
        }
        let (dimensions, iterators) = stage.for_each(resource, &mut references[i]);
        resources[i].for_each = dimensions;
        resources[i].iterators = iterators;
    }
    for (i, resource) in rgd.resources.iter().enumerate() {
        if resource.id.value.is_empty() {
            continue;
        }
        let expressions = &mut resources[i];
        expressions.include_when = stage.conditions(
            &resource.include_when,
            Context::IncludeWhen(&resource.id.value),
            "includeWhen",
            Some(&mut references[i]),
        );
        expressions.ready_when = stage.conditions(
            &resource.ready_when,
            Context::ReadyWhen(&resource.id.value),
            "readyWhen",
            None,
        );
        if let Some(template) = &resource.template {
            expressions.template =
                stage.template(resource, template, expressions.typed, &mut references[i]);
        }
        if let Some(external) = &resource.external_ref {
            // Names and selectors of external references may use `schema` (and other
            // resources); their strings are checked like template fields.
            expressions.template =
                stage.template(resource, &external.node, false, &mut references[i]);
        }
    }
    let status = rgd
        .schema
        .as_ref()
        .and_then(|s| s.status.as_ref())
        .map(|node| stage.status(node))
        .unwrap_or_default();
    Output {
        resources,
        status,
        references,
        diagnostics: stage.diagnostics,
    }
}

struct Stage<'a, 'p> {
    text: &'a str,
    env: Env<'p>,
    diagnostics: Vec<Diagnostic>,
}

impl Stage<'_, '_> {
    /// Declares a resource's variable, typed by its kind's schema when known, and reports a
    /// kind the schemas do not know.
    fn declare(&mut self, resource: &Resource, schemas: &dyn SchemaSource) -> ResourceExpressions {
        let info = resource_kind(resource, schemas);
        if info.is_none()
            && let (Some(api_version), Some(kind)) = (resource.api_version(), resource.kind())
            && !api_version.value.contains("${")
            && !kind.value.contains("${")
        {
            self.unknown_kind(resource, &api_version, &kind, schemas);
        }
        let out = ResourceExpressions {
            typed: info.is_some(),
            namespaced: info.as_ref().map(|i| i.namespaced),
            schema: info.as_ref().map(|i| i.schema.clone()),
            ..ResourceExpressions::default()
        };
        declare_resource(&mut self.env, resource, info.map(|i| i.schema));
        out
    }

    fn unknown_kind(
        &mut self,
        resource: &Resource,
        api_version: &crate::rgd::Spanned<String>,
        kind: &crate::rgd::Spanned<String>,
        schemas: &dyn SchemaSource,
    ) {
        let known = schemas.kinds();
        let versions: Vec<&str> = known
            .iter()
            .filter(|(_, k)| k == &kind.value)
            .map(|(gv, _)| gv.as_str())
            .collect();
        if !versions.is_empty() {
            self.diagnostics.push(Diagnostic::new(
                Code::UnknownKind,
                api_version.range,
                format!(
                    "{} is not served as `{}`; it is {}",
                    kind.value,
                    api_version.value,
                    versions
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ));
            return;
        }
        let same_group: Vec<&str> = known
            .iter()
            .filter(|(gv, _)| gv == &api_version.value)
            .map(|(_, k)| k.as_str())
            .collect();
        if !same_group.is_empty() {
            // The group/version is one we know completely, so the kind is a typo.
            let suffix = suggestion_suffix(&kind.value, same_group.iter().copied());
            self.diagnostics.push(Diagnostic::new(
                Code::UnknownKind,
                kind.range,
                format!("{} has no kind `{}`{suffix}", api_version.value, kind.value),
            ));
            return;
        }
        self.diagnostics.push(Diagnostic::new(
            Code::KindSchemaUnknown,
            kind.range,
            format!(
                "the schema of {} {} is not known here, so the fields of `{}` are not type-checked; pass its CRD (or check against a cluster) to check them",
                api_version.value, kind.value, resource.id.value
            ),
        ));
    }

    /// Checks forEach dimensions and declares the iterators with their element types.
    fn for_each(
        &mut self,
        resource: &Resource,
        references: &mut Vec<(String, TextRange)>,
    ) -> (Vec<Dimension>, Vec<(String, Type)>) {
        let id = resource.id.value.as_str();
        let mut dimensions = Vec::new();
        let mut iterators = Vec::new();
        for dimension in &resource.for_each {
            let Some((expression, ty)) = self.standalone(
                &dimension.expression,
                Context::ForEach(id),
                &Expected::List,
                "a forEach dimension",
                Some(references),
            ) else {
                iterators.push((dimension.name.value.clone(), Type::Dyn));
                continue;
            };
            let element = match &ty {
                Type::List(element) => (**element).clone(),
                _ => Type::Dyn,
            };
            iterators.push((dimension.name.value.clone(), element));
            dimensions.push(Dimension {
                name: dimension.name.value.clone(),
                expression,
            });
        }
        self.env.set_iterators(id, iterators.clone());
        (dimensions, iterators)
    }

    fn conditions(
        &mut self,
        nodes: &[Node],
        context: Context<'_>,
        what: &str,
        mut references: Option<&mut Vec<(String, TextRange)>>,
    ) -> Vec<Expression> {
        nodes
            .iter()
            .filter_map(|node| {
                self.standalone(
                    node,
                    context,
                    &Expected::Bool,
                    what,
                    references.as_deref_mut(),
                )
                .map(|(e, _)| e)
            })
            .collect()
    }

    /// Checks a string that must be exactly one `${…}`.
    fn standalone(
        &mut self,
        node: &Node,
        context: Context<'_>,
        expected: &Expected,
        what: &str,
        references: Option<&mut Vec<(String, TextRange)>>,
    ) -> Option<(Expression, Type)> {
        let text = node.as_str()?;
        let offsets = ScalarOffsets::of(self.text, node)?;
        let extracted = cel::extract(text);
        for d in &extracted.diagnostics {
            self.diagnostics
                .push(cel::map_ranges(d.clone(), |r| offsets.range_to_source(r)));
        }
        let Some(segment) = extracted.standalone() else {
            if extracted.diagnostics.is_empty() {
                self.diagnostics.push(Diagnostic::new(
                    Code::ConditionNotStandalone,
                    node.range,
                    format!("{what} must be a single `${{…}}` expression, like `${{schema.spec.enabled}}`"),
                ));
            }
            return None;
        };
        let scope = self.env.scope(context);
        let checked = cel::check(&segment.text, &scope, expected);
        let to_file = |r: TextRange| offsets.range_to_source(shift(r, segment.range.start));
        for d in &checked.diagnostics {
            self.diagnostics.push(cel::map_ranges(d.clone(), to_file));
        }
        if let Some(references) = references {
            collect_resources(&checked.references, references, to_file);
        }
        Some((
            Expression {
                text: segment.text.clone(),
                range: node.range,
            },
            checked.ty,
        ))
    }

    /// Checks a template's expressions against the fields they fill and its literal keys
    /// against the kind's schema.
    fn template(
        &mut self,
        resource: &Resource,
        template: &Node,
        typed: bool,
        references: &mut Vec<(String, TextRange)>,
    ) -> Vec<Slot> {
        let id = resource.id.value.as_str();
        let strings = cel::template_strings(self.text, template);
        self.diagnostics.extend(strings.diagnostics.iter().cloned());
        if typed {
            self.literal_fields(id, template, &mut Vec::new());
        }
        let mut slots = Vec::new();
        let mut identity_iterators: Vec<String> = Vec::new();
        for string in &strings.strings {
            let Some(text) = string.node.as_str() else {
                continue;
            };
            let target = if typed {
                self.env.field_type(id, &string.path)
            } else {
                None
            };
            let expected = target.map_or(Expected::Any, Expected::Field);
            let scope = self.env.scope(Context::Template(id));
            let checked = cel::check_string(text, &scope, &expected);
            for d in &checked.diagnostics {
                self.diagnostics
                    .push(cel::map_ranges(d.clone(), |r| string.to_source(r)));
            }
            let segments: Vec<&ExprSegment> = checked.extracted.expressions().collect();
            let is_identity = is_identity_path(&string.path);
            for (segment, expression) in segments.iter().zip(&checked.expressions) {
                let to_file = |r: TextRange| string.expr_to_source(segment, r);
                collect_resources(&expression.references, references, to_file);
                if is_identity {
                    identity_iterators.extend(
                        expression
                            .references
                            .iter()
                            .filter(|r| r.kind == VariableKind::Iterator)
                            .map(|r| r.root.clone()),
                    );
                    if expression.uses_omit {
                        self.diagnostics.push(Diagnostic::new(
                            Code::OmitInIdentity,
                            string.to_source(segment.outer),
                            format!(
                                "`{}` cannot use omit(): every object needs a {}",
                                render_path(&string.path),
                                render_path(&string.path[1..])
                            ),
                        ));
                    }
                }
            }
            slots.push(Slot {
                path: string.path.clone(),
                extracted: checked.extracted.clone(),
                ty: checked.ty.clone().unwrap_or(Type::String),
                range: string.node.range,
            });
        }
        self.identity(resource, &identity_iterators);
        slots
    }

    /// Every forEach iterator must appear in `metadata.name` or `metadata.namespace`, or the
    /// collection's items would collide.
    fn identity(&mut self, resource: &Resource, used: &[String]) {
        for dimension in &resource.for_each {
            if !used.contains(&dimension.name.value) {
                self.diagnostics.push(Diagnostic::new(
                    Code::ForEachIdentity,
                    dimension.name.range,
                    format!(
                        "`{name}` is not used in metadata.name, so the items of `{}` would share one name; add `${{{name}}}` to the name",
                        resource.id.value,
                        name = dimension.name.value
                    ),
                ));
            }
        }
    }

    /// Reports literal keys the kind's schema does not have.
    fn literal_fields(&mut self, id: &str, node: &Node, path: &mut Vec<PathSegment>) {
        match &node.value {
            Value::Mapping(entries) => {
                let Some(parent) = self.env.field_type(id, path) else {
                    return;
                };
                if !matches!(parent, Type::Struct(_)) {
                    return;
                }
                for entry in entries {
                    let key = entry.key_text();
                    path.push(PathSegment::Key(key.clone()));
                    if self.env.field_type(id, path).is_none() {
                        let names: Vec<String> = self
                            .env
                            .fields(&parent)
                            .into_iter()
                            .map(|f| f.name)
                            .collect();
                        let suffix = suggestion_suffix(&key, names.iter().map(String::as_str));
                        let at = render_path(&path[..path.len() - 1]);
                        let place = if at.is_empty() {
                            String::new()
                        } else {
                            format!(" in {at}")
                        };
                        self.diagnostics.push(Diagnostic::new(
                            Code::TemplateUnknownField,
                            entry.key.range,
                            format!("`{id}`: {parent} has no field `{key}`{place}{suffix}"),
                        ));
                    } else {
                        self.literal_fields(id, &entry.value, path);
                    }
                    path.pop();
                }
            }
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(PathSegment::Index(i));
                    self.literal_fields(id, item, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// Checks the status block and infers its schema.
    fn status(&mut self, node: &Node) -> StatusExpressions {
        let mut out = StatusExpressions {
            schema: Schema::of_type("object"),
            ..StatusExpressions::default()
        };
        let Some(entries) = node.as_mapping() else {
            return out;
        };
        for entry in entries {
            let key = entry.key_text();
            if key == "conditions" && entry.value.as_sequence().is_some() {
                out.conditions = Some(self.status_conditions(&entry.value));
                continue;
            }
            let mut path = vec![PathSegment::Key(key.clone())];
            if let Some(schema) = self.status_field(&entry.value, &mut path, &mut out.fields) {
                out.schema.properties.insert(key, schema);
            }
        }
        out
    }

    fn status_conditions(&mut self, list: &Node) -> Vec<Expression> {
        let items = list.as_sequence().unwrap_or_default();
        items
            .iter()
            .filter_map(|item| {
                self.standalone(
                    item,
                    Context::StatusConditions,
                    &Expected::StatusCondition,
                    "a status condition",
                    None,
                )
                .map(|(e, _)| e)
            })
            .collect()
    }

    fn status_field(
        &mut self,
        node: &Node,
        path: &mut Vec<PathSegment>,
        fields: &mut Vec<Slot>,
    ) -> Option<Schema> {
        match &node.value {
            Value::Mapping(entries) => {
                let mut schema = Schema::of_type("object");
                for entry in entries {
                    let key = entry.key_text();
                    path.push(PathSegment::Key(key.clone()));
                    if let Some(child) = self.status_field(&entry.value, path, fields) {
                        schema.properties.insert(key, child);
                    }
                    path.pop();
                }
                Some(schema)
            }
            Value::String(s) if s.text.contains("${") => {
                let offsets = ScalarOffsets::of(self.text, node)?;
                let scope = self.env.scope(Context::Status);
                let checked = cel::check_string(&s.text, &scope, &Expected::Any);
                for d in &checked.diagnostics {
                    self.diagnostics
                        .push(cel::map_ranges(d.clone(), |r| offsets.range_to_source(r)));
                }
                if checked.extracted.kind() == Kind::Literal {
                    return None;
                }
                let ty = checked.ty.clone().unwrap_or(Type::String);
                let schema = match self.env.status_schema(&ty) {
                    Ok(schema) => schema,
                    Err(why) => {
                        self.diagnostics.push(Diagnostic::new(
                            Code::CelTypeMismatch,
                            node.range,
                            format!("status.{} cannot hold this value: {why}", render_path(path)),
                        ));
                        return None;
                    }
                };
                fields.push(Slot {
                    path: path.clone(),
                    extracted: checked.extracted,
                    ty,
                    range: node.range,
                });
                Some(schema)
            }
            _ => {
                self.diagnostics.push(Diagnostic::new(
                    Code::StatusNotExpression,
                    node.range,
                    format!(
                        "status.{} must be a `${{…}}` expression; the status only projects values from the instance and its resources",
                        render_path(path)
                    ),
                ));
                None
            }
        }
    }
}

/// Whether a template path is the object's identity (`metadata.name` or
/// `metadata.namespace`).
fn is_identity_path(path: &[PathSegment]) -> bool {
    matches!(path, [PathSegment::Key(m), PathSegment::Key(f)] if m == "metadata" && (f == "name" || f == "namespace"))
}

fn collect_resources(
    found: &[cel::Reference],
    out: &mut Vec<(String, TextRange)>,
    to_file: impl Fn(TextRange) -> TextRange,
) {
    for reference in found.iter().filter(|r| r.kind == VariableKind::Resource) {
        let root_range = TextRange::new(
            reference.range.start,
            reference.range.start + reference.root.len(),
        );
        out.push((reference.root.clone(), to_file(root_range)));
    }
}

fn shift(r: TextRange, by: usize) -> TextRange {
    TextRange::new(r.start + by, r.end + by)
}
