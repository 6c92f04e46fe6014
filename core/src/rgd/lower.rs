//! Lowers a YAML document into the [`Rgd`] model, reporting shape errors as it goes.

use super::{Dimension, ExternalRef, Resource, Rgd, SchemaSection, Spanned};
use crate::diagnostic::{Code, Diagnostic, suggestion_suffix};
use crate::syntax::{Entry, Node, Value};
use crate::text::TextRange;

const TOP_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];
const OBJECT_META_FIELDS: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "labels",
    "annotations",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "finalizers",
    "ownerReferences",
    "managedFields",
    "selfLink",
];
const SPEC_FIELDS: &[&str] = &["schema", "resources"];
const SCHEMA_FIELDS: &[&str] = &[
    "kind",
    "apiVersion",
    "group",
    "spec",
    "types",
    "status",
    "scope",
    "additionalPrinterColumns",
    "shortNames",
    "categories",
    "metadata",
];
const RESOURCE_FIELDS: &[&str] = &[
    "id",
    "template",
    "externalRef",
    "readyWhen",
    "includeWhen",
    "forEach",
];
const EXTERNAL_REF_FIELDS: &[&str] = &["apiVersion", "kind", "metadata"];
const EXTERNAL_REF_METADATA_FIELDS: &[&str] = &["name", "namespace", "selector"];

/// Whether a document is a ResourceGraphDefinition (by its `kind`).
pub fn is_rgd(root: &Node) -> bool {
    root.get("kind").and_then(Node::as_str) == Some(super::KIND)
}

/// Lowers one RGD document; never fails, reporting what does not fit the API.
pub fn lower(root: &Node) -> (Rgd, Vec<Diagnostic>) {
    let mut cx = Lowering {
        diagnostics: Vec::new(),
    };
    let rgd = cx.rgd(root);
    (rgd, cx.diagnostics)
}

struct Lowering {
    diagnostics: Vec<Diagnostic>,
}

impl Lowering {
    fn rgd(&mut self, root: &Node) -> Rgd {
        let mut rgd = Rgd {
            range: root.range,
            name: None,
            annotations: Vec::new(),
            schema: None,
            resources: Vec::new(),
        };
        let Some(entries) = self.mapping(root, "the ResourceGraphDefinition") else {
            return rgd;
        };
        self.known_fields(entries, TOP_FIELDS, "a ResourceGraphDefinition");
        if let Some(api_version) = root.get("apiVersion")
            && api_version.as_str() != Some(super::API_VERSION)
        {
            self.diagnostics.push(Diagnostic::new(
                Code::RgdApiVersion,
                api_version.range,
                format!(
                    "this API serves ResourceGraphDefinitions as `{}`",
                    super::API_VERSION
                ),
            ));
        }
        match root.get("metadata") {
            Some(metadata) => {
                if let Some(entries) = self.mapping(metadata, "metadata") {
                    self.known_fields(entries, OBJECT_META_FIELDS, "metadata");
                }
                rgd.name = self.string_field(metadata, "name");
                if rgd.name.is_none() && metadata.get("name").is_none() {
                    self.missing(metadata, "metadata", "name");
                }
                if let Some(annotations) = metadata.get("annotations") {
                    rgd.annotations = self.string_map(annotations, "metadata.annotations");
                }
            }
            None => self.missing(root, "the ResourceGraphDefinition", "metadata"),
        }
        let Some(spec) = root.get("spec") else {
            self.missing(root, "the ResourceGraphDefinition", "spec");
            return rgd;
        };
        let Some(spec_entries) = self.mapping(spec, "spec") else {
            return rgd;
        };
        self.known_fields(spec_entries, SPEC_FIELDS, "spec");
        match spec.get("schema") {
            Some(schema) => rgd.schema = self.schema(schema),
            None => self.missing(spec, "spec", "schema"),
        }
        if let Some(resources) = spec.get("resources")
            && !resources.is_null()
            && let Some(items) = self.sequence(resources, "spec.resources")
        {
            rgd.resources = items
                .iter()
                .enumerate()
                .filter_map(|(index, node)| self.resource(index, node))
                .collect();
        }
        rgd
    }

    fn schema(&mut self, node: &Node) -> Option<SchemaSection> {
        let entries = self.mapping(node, "spec.schema")?;
        self.known_fields(entries, SCHEMA_FIELDS, "spec.schema");
        let section = SchemaSection {
            node: node.clone(),
            kind: self.string_field(node, "kind"),
            api_version: self.string_field(node, "apiVersion"),
            group: self.string_field(node, "group"),
            scope: self.string_field(node, "scope"),
            spec: self.optional_mapping(node, "spec", "spec.schema.spec"),
            types: self.optional_mapping(node, "types", "spec.schema.types"),
            status: self.optional_mapping(node, "status", "spec.schema.status"),
            additional_printer_columns: node.get("additionalPrinterColumns").cloned(),
            short_names: node.get("shortNames").cloned(),
            categories: node.get("categories").cloned(),
            metadata: node.get("metadata").cloned(),
        };
        for required in ["kind", "apiVersion"] {
            if node.get(required).is_none() {
                self.missing(node, "spec.schema", required);
            }
        }
        if let Some(metadata) = &section.metadata
            && let Some(entries) = self.mapping(metadata, "spec.schema.metadata")
        {
            self.known_fields(entries, &["labels", "annotations"], "spec.schema.metadata");
            for key in ["labels", "annotations"] {
                if let Some(map) = metadata.get(key) {
                    self.string_map(map, &format!("spec.schema.metadata.{key}"));
                }
            }
        }
        Some(section)
    }

    fn resource(&mut self, index: usize, node: &Node) -> Option<Resource> {
        let context = format!("spec.resources[{index}]");
        let entries = self.mapping(node, &context)?;
        self.known_fields(entries, RESOURCE_FIELDS, "a resource");
        let id = match self.string_field(node, "id") {
            Some(id) => id,
            None => {
                if node.get("id").is_none() {
                    self.missing(node, &context, "id");
                }
                Spanned::new(String::new(), TextRange::empty(node.range.start))
            }
        };
        let template = match node.get("template") {
            Some(t) if !t.is_null() => {
                self.mapping(t, "template");
                Some(t.clone())
            }
            _ => None,
        };
        let external_ref = node
            .get("externalRef")
            .filter(|n| !n.is_null())
            .and_then(|n| self.external_ref(n));
        let ready_when = self.string_list(node, "readyWhen");
        let include_when = self.string_list(node, "includeWhen");
        let for_each = self.for_each(node);
        Some(Resource {
            index,
            node: node.clone(),
            id,
            template,
            external_ref,
            ready_when,
            include_when,
            for_each,
        })
    }

    fn external_ref(&mut self, node: &Node) -> Option<ExternalRef> {
        let entries = self.mapping(node, "externalRef")?;
        self.known_fields(entries, EXTERNAL_REF_FIELDS, "externalRef");
        for required in ["apiVersion", "kind", "metadata"] {
            if node.get(required).is_none() {
                self.missing(node, "externalRef", required);
            }
        }
        self.string_field(node, "apiVersion");
        self.string_field(node, "kind");
        let metadata = node.get("metadata");
        if let Some(metadata) = metadata
            && let Some(entries) = self.mapping(metadata, "externalRef.metadata")
        {
            self.known_fields(
                entries,
                EXTERNAL_REF_METADATA_FIELDS,
                "externalRef.metadata",
            );
        }
        let field = |key: &str| metadata.and_then(|m| m.get(key)).cloned();
        Some(ExternalRef {
            node: node.clone(),
            name: field("name"),
            namespace: field("namespace"),
            selector: field("selector"),
        })
    }

    fn for_each(&mut self, node: &Node) -> Vec<Dimension> {
        let Some(list) = node.get("forEach").filter(|n| !n.is_null()) else {
            return Vec::new();
        };
        let Some(items) = self.sequence(list, "forEach") else {
            return Vec::new();
        };
        let mut dimensions = Vec::new();
        for item in items {
            let Some(entries) = self.mapping(item, "a forEach dimension") else {
                continue;
            };
            if entries.len() != 1 {
                self.diagnostics.push(Diagnostic::new(
                    Code::InvalidForEach,
                    item.range,
                    format!(
                        "each forEach entry holds exactly one `iterator: ${{list}}` pair; this one has {} — put each dimension in its own list item",
                        entries.len()
                    ),
                ));
            }
            for entry in entries {
                if self.string(&entry.value, "a forEach expression").is_none() {
                    continue;
                }
                dimensions.push(Dimension {
                    name: Spanned::new(entry.key_text(), entry.key.range),
                    expression: entry.value.clone(),
                });
            }
        }
        dimensions
    }

    // ---- shape helpers -------------------------------------------------------------------

    fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        match &node.value {
            Value::Mapping(entries) => Some(entries),
            _ => {
                self.wrong_type(node, what, "a mapping");
                None
            }
        }
    }

    fn optional_mapping(&mut self, parent: &Node, key: &str, what: &str) -> Option<Node> {
        let node = parent.get(key)?;
        if node.is_null() {
            return None;
        }
        self.mapping(node, what)?;
        Some(node.clone())
    }

    fn sequence<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Sequence(items) => Some(items),
            _ => {
                self.wrong_type(node, what, "a list");
                None
            }
        }
    }

    fn string<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n str> {
        match &node.value {
            Value::String(s) => Some(&s.text),
            _ => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    fn string_field(&mut self, parent: &Node, key: &str) -> Option<Spanned<String>> {
        let node = parent.get(key)?;
        let text = self.string(node, &format!("`{key}`"))?;
        Some(Spanned::new(text.to_owned(), node.range))
    }

    fn string_list(&mut self, parent: &Node, key: &str) -> Vec<Node> {
        let Some(list) = parent.get(key).filter(|n| !n.is_null()) else {
            return Vec::new();
        };
        let Some(items) = self.sequence(list, &format!("`{key}`")) else {
            return Vec::new();
        };
        items
            .iter()
            .filter(|item| self.string(item, &format!("an entry of `{key}`")).is_some())
            .cloned()
            .collect()
    }

    fn string_map(&mut self, node: &Node, what: &str) -> Vec<(Spanned<String>, Spanned<String>)> {
        let Some(entries) = self.mapping(node, what) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in entries {
            if let Some(value) = self.string(
                &entry.value,
                &format!("the value of `{}`", entry.key_text()),
            ) {
                out.push((
                    Spanned::new(entry.key_text(), entry.key.range),
                    Spanned::new(value.to_owned(), entry.value.range),
                ));
            }
        }
        out
    }

    fn known_fields(&mut self, entries: &[Entry], allowed: &[&str], what: &str) {
        for entry in entries {
            let name = entry.key_text();
            if !allowed.contains(&name.as_str()) {
                let suffix = suggestion_suffix(&name, allowed.iter().copied());
                let mut diagnostic = Diagnostic::new(
                    Code::RgdUnknownField,
                    entry.key.range,
                    format!("{what} has no field `{name}`{suffix}"),
                );
                if let Some(fix) = crate::diagnostic::did_you_mean(&name, allowed.iter().copied()) {
                    diagnostic = diagnostic.with_fix(crate::diagnostic::Fix {
                        title: format!("change to `{fix}`"),
                        edits: vec![crate::diagnostic::TextEdit {
                            range: entry.key.range,
                            new_text: fix.to_owned(),
                        }],
                    });
                }
                self.diagnostics.push(diagnostic);
            }
        }
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        self.diagnostics.push(Diagnostic::new(
            Code::RgdWrongType,
            node.range,
            format!("{what} must be {expected}, not {}", node.describe()),
        ));
    }

    fn missing(&mut self, parent: &Node, what: &str, field: &str) {
        // Point at the first line of the parent so the squiggle is short.
        let end = parent.range.start
            + parent
                .as_mapping()
                .and_then(|e| e.first())
                .map_or(0, |e| e.key.range.end - parent.range.start);
        self.diagnostics.push(Diagnostic::new(
            Code::RgdMissingField,
            TextRange::new(parent.range.start, end),
            format!("{what} needs a `{field}` field"),
        ));
    }
}
