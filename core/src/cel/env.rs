//! What expressions of one RGD can see: `schema`, the resources by id, forEach iterators,
//! `each` and `runtime`, and which of them each place in the RGD may use.

use std::collections::HashMap;
use std::sync::Arc;

use crate::openapi::{Schema, SchemaSource};
use crate::syntax::PathSegment;

use super::library::RUNTIME;
use super::schemas::{Field, FieldLookup, Registry, RootKind};
use super::types::Type;

/// What a variable stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VariableKind {
    /// `schema`: the instance, without status.
    Schema,
    /// A resource, by its id: the observed object (a list for collections and selector
    /// external references).
    Resource,
    /// A forEach iterator of the resource being templated.
    Iterator,
    /// `each`: one item of a collection, in its readyWhen.
    Each,
    /// `runtime`: kro's condition helpers, in status `conditions`.
    Runtime,
}

/// A variable expressions can name.
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    /// The identifier.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// What it stands for.
    pub kind: VariableKind,
}

/// Where in the RGD an expression is written; decides which variables it sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context<'a> {
    /// A field of the template of the resource with this id (its iterators are visible).
    Template(&'a str),
    /// A forEach dimension of the resource with this id.
    ForEach(&'a str),
    /// An includeWhen condition of the resource with this id.
    IncludeWhen(&'a str),
    /// A readyWhen condition of the resource with this id: only the resource itself, or
    /// `each` for a collection.
    ReadyWhen(&'a str),
    /// A field of the instance status.
    Status,
    /// An entry of the status `conditions` block (`runtime` is visible).
    StatusConditions,
}

struct ResourceEntry {
    /// The type of one object (the element type for collections).
    object: Type,
    collection: bool,
}

/// The variables of one RGD and the schemas behind their types.
///
/// Build it once per RGD: declare the instance with [`Env::set_instance`], every resource with
/// [`Env::add_resource`], then each resource's iterators with [`Env::set_iterators`] once its
/// forEach expressions are checked; check expressions through [`Env::scope`].
pub struct Env<'p> {
    pub(crate) registry: Registry<'p>,
    vars: Vec<Variable>,
    resources: HashMap<String, ResourceEntry>,
    iterators: HashMap<String, Vec<Variable>>,
}

impl<'p> Env<'p> {
    /// An environment whose `$ref`s are answered by `source`.
    pub fn new(source: &'p dyn SchemaSource) -> Self {
        Env {
            registry: Registry::new(source),
            vars: Vec::new(),
            resources: HashMap::new(),
            iterators: HashMap::new(),
        }
    }

    /// Declares `schema`, typed by the instance CRD's schema (`object_schema`, the
    /// `openAPIV3Schema` with `spec` and `status`): `status` is dropped and `metadata` is
    /// Kubernetes `ObjectMeta` (without `namespace` when the kind is cluster-scoped). `kind`
    /// names the type in messages.
    pub fn set_instance(&mut self, kind: &str, object_schema: &Schema, cluster_scoped: bool) {
        let mut schema = object_schema.clone();
        schema.properties.remove("status");
        schema.required.retain(|r| r != "status");
        if schema.type_.is_none() {
            schema.type_ = Some("object".to_owned());
        }
        let root_kind = if cluster_scoped {
            RootKind::ClusterObject
        } else {
            RootKind::Object
        };
        let ty = self
            .registry
            .add_root("schema", Arc::new(schema), kind, root_kind);
        self.declare(Variable {
            name: "schema".to_owned(),
            ty,
            kind: VariableKind::Schema,
        });
    }

    /// Declares a resource by id. `schema` is the schema of its kind (an object schema, or a
    /// `$ref` to a component such as `io.k8s.api.apps.v1.Deployment`); `None` when the kind's
    /// schema is unknown, which makes the resource `dyn`. `kind` names the type in messages.
    /// A collection (forEach, or an external reference by selector) is a list of objects.
    pub fn add_resource(
        &mut self,
        id: &str,
        kind: &str,
        schema: Option<Arc<Schema>>,
        collection: bool,
    ) {
        let object = match schema {
            Some(schema) => self.registry.add_root(id, schema, kind, RootKind::Object),
            None => Type::Dyn,
        };
        let ty = if collection {
            Type::list(object.clone())
        } else {
            object.clone()
        };
        self.resources
            .insert(id.to_owned(), ResourceEntry { object, collection });
        self.declare(Variable {
            name: id.to_owned(),
            ty,
            kind: VariableKind::Resource,
        });
    }

    /// Declares the forEach iterators of a resource with their types (the element types of
    /// the checked forEach expressions); they are visible in that resource's template.
    pub fn set_iterators(&mut self, resource: &str, iterators: Vec<(String, Type)>) {
        let vars = iterators
            .into_iter()
            .map(|(name, ty)| Variable {
                name,
                ty,
                kind: VariableKind::Iterator,
            })
            .collect();
        self.iterators.insert(resource.to_owned(), vars);
    }

    fn declare(&mut self, var: Variable) {
        match self.vars.iter_mut().find(|v| v.name == var.name) {
            Some(existing) => *existing = var,
            None => self.vars.push(var),
        }
    }

    /// `schema` and the resources, in declaration order.
    pub fn variables(&self) -> &[Variable] {
        &self.vars
    }

    /// A declared variable (`schema` or a resource id).
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.vars.iter().find(|v| v.name == name)
    }

    /// The view of the environment from one place in the RGD.
    pub fn scope<'e>(&'e self, context: Context<'e>) -> Scope<'e, 'p> {
        Scope { env: self, context }
    }

    /// The type of a field of a resource's object (or of `schema`), by path from its root:
    /// what a template field at `path` must hold. `None` when the schema has no such field.
    pub fn field_type(&self, root: &str, path: &[PathSegment]) -> Option<Type> {
        let mut ty = match self.resources.get(root) {
            Some(entry) => entry.object.clone(),
            None => self.variable(root)?.ty.clone(),
        };
        for segment in path {
            ty = match (segment, &ty) {
                (_, Type::Dyn) => Type::Dyn,
                (PathSegment::Key(key), Type::Struct(s)) => match self.registry.field(s, key) {
                    FieldLookup::Found(t) => t,
                    FieldLookup::Unknown(_) => return None,
                },
                (PathSegment::Key(_), Type::Map(_, v)) => (**v).clone(),
                (PathSegment::Index(_), Type::List(e)) => (**e).clone(),
                _ => return None,
            };
        }
        Some(ty)
    }

    /// The fields of an object type (empty for other types), for completion and hover.
    pub fn fields(&self, ty: &Type) -> Vec<Field> {
        match ty {
            Type::Struct(s) => self.registry.fields(s),
            _ => Vec::new(),
        }
    }

    fn resource(&self, id: &str) -> Option<&ResourceEntry> {
        self.resources.get(id)
    }
}

/// The result of looking a name up in a scope.
pub(crate) enum Lookup {
    /// Visible here.
    Found(Type, VariableKind),
    /// Declared, but not available here; says why.
    OutOfScope(String),
    /// Not declared.
    Unknown,
}

/// The variables visible from one place in an RGD.
#[derive(Clone, Copy)]
pub struct Scope<'e, 'p> {
    pub(crate) env: &'e Env<'p>,
    context: Context<'e>,
}

impl<'e, 'p> Scope<'e, 'p> {
    /// Where the expression is written.
    pub fn context(&self) -> Context<'e> {
        self.context
    }

    /// Whether `omit()` may be used here (only in resource templates).
    pub fn allows_omit(&self) -> bool {
        matches!(self.context, Context::Template(_))
    }

    /// The variables visible here, for completion and suggestions.
    pub fn visible(&self) -> Vec<Variable> {
        let mut out = Vec::new();
        if let Context::ReadyWhen(id) = self.context {
            match self.env.resource(id) {
                Some(r) if r.collection => out.push(Variable {
                    name: "each".to_owned(),
                    ty: r.object.clone(),
                    kind: VariableKind::Each,
                }),
                _ => out.extend(self.env.variable(id).cloned()),
            }
            return out;
        }
        out.extend(self.env.vars.iter().cloned());
        if let Context::Template(id) = self.context
            && let Some(iterators) = self.env.iterators.get(id)
        {
            out.extend(iterators.iter().cloned());
        }
        if self.context == Context::StatusConditions {
            out.push(Variable {
                name: "runtime".to_owned(),
                ty: Type::Opaque(RUNTIME),
                kind: VariableKind::Runtime,
            });
        }
        out
    }

    pub(crate) fn lookup(&self, name: &str) -> Lookup {
        let found = |v: &Variable| Lookup::Found(v.ty.clone(), v.kind);
        match self.context {
            Context::ReadyWhen(id) => match self.env.resource(id) {
                Some(r) if r.collection && name == "each" => {
                    return Lookup::Found(r.object.clone(), VariableKind::Each);
                }
                Some(r) if !r.collection && name == id => {
                    if let Some(v) = self.env.variable(id) {
                        return found(v);
                    }
                }
                _ => {}
            },
            context => {
                if let Context::Template(id) = context
                    && let Some(v) = self
                        .env
                        .iterators
                        .get(id)
                        .and_then(|its| its.iter().find(|v| v.name == name))
                {
                    return found(v);
                }
                if let Some(v) = self.env.variable(name) {
                    return found(v);
                }
                if context == Context::StatusConditions && name == "runtime" {
                    return Lookup::Found(Type::Opaque(RUNTIME), VariableKind::Runtime);
                }
            }
        }
        self.why_not(name)
            .map_or(Lookup::Unknown, Lookup::OutOfScope)
    }

    /// Why a name that is declared somewhere is not visible here.
    fn why_not(&self, name: &str) -> Option<String> {
        match name {
            "each" => {
                return Some(
                    "`each` is only available in readyWhen of a collection (a resource with \
                     forEach)"
                        .to_owned(),
                );
            }
            "runtime" => {
                return Some("`runtime` is only available in status `conditions`".to_owned());
            }
            _ => {}
        }
        if let Context::ReadyWhen(id) = self.context
            && (self.env.variable(name).is_some() || name == "schema")
        {
            let own = match self.env.resource(id) {
                Some(r) if r.collection => "`each` (the item being checked)".to_owned(),
                _ => format!("`{id}` itself"),
            };
            return Some(format!(
                "readyWhen of `{id}` can only reference {own}, not `{name}`"
            ));
        }
        if name == "schema" {
            return Some("`schema` is not declared".to_owned());
        }
        for (resource, iterators) in &self.env.iterators {
            if iterators.iter().any(|v| v.name == name) {
                return Some(match self.context {
                    Context::ForEach(id) if id == resource => format!(
                        "`{name}` is an iterator of `{id}`; forEach expressions cannot use \
                         iterators"
                    ),
                    _ => format!(
                        "`{name}` is a forEach iterator of `{resource}`; it is only available \
                         in that resource's template"
                    ),
                });
            }
        }
        None
    }
}
