//! The one diagnostic type every stage reports and every face renders.
//!
//! A diagnostic describes the user's YAML or CEL, never the world failing. Codes are stable,
//! kebab-case and documented in one table below (`docs/diagnostics.md` is generated from it),
//! and the severity follows from the code.

use std::fmt;

use crate::text::{LineIndex, TextRange};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The RGD is rejected.
    Error,
    /// The RGD is accepted, but probably not what the author meant.
    Warning,
    /// Worth knowing; nothing is wrong.
    Info,
}

impl Severity {
    /// Lowercase name as printed by the CLI (`error`, `warning`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

macro_rules! codes {
    ($( $(#[$attr:meta])* $variant:ident = $name:literal, $severity:ident, $doc:literal; )*) => {
        /// A stable identifier of a kind of problem.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( #[doc = $doc] $(#[$attr])* $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable kebab-case name (`yaml-syntax`).
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The severity every diagnostic with this code has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One sentence on what the code means, for the generated docs and hover.
            pub fn doc(self) -> &'static str {
                match self { $(Code::$variant => $doc,)* }
            }

            /// Looks a code up by its kebab-case name.
            pub fn from_name(name: &str) -> Option<Code> {
                match name { $($name => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    // YAML front end
    YamlSyntax = "yaml-syntax", Error, "The text is not valid YAML; the rest of the document after this point is not analysed.";
    YamlDuplicateKey = "yaml-duplicate-key", Error, "A mapping has the same key twice; Kubernetes rejects such objects.";
    YamlTooLarge = "yaml-too-large", Error, "The input is larger than the front end accepts.";
    YamlTooDeep = "yaml-too-deep", Error, "Collections are nested deeper than the front end accepts.";
    YamlAliasLimit = "yaml-alias-limit", Error, "Anchors and aliases expand to more nodes than the front end accepts (an alias bomb).";
    YamlUnknownAlias = "yaml-unknown-alias", Error, "An alias refers to an anchor that was not defined before it.";

    // The RGD object and its resources (core::rgd, core::check)
    RgdApiVersion = "rgd-api-version", Error, "The document says `kind: ResourceGraphDefinition` but not `apiVersion: kro.run/v1alpha1`.";
    RgdUnknownField = "rgd-unknown-field", Error, "A field the ResourceGraphDefinition API does not have (often a typo).";
    RgdWrongType = "rgd-wrong-type", Error, "A field of the ResourceGraphDefinition has the wrong type (a string where a list belongs, …).";
    RgdMissingField = "rgd-missing-field", Error, "A required field of the ResourceGraphDefinition is missing.";
    InvalidResourceId = "invalid-resource-id", Error, "A resource id is not lowerCamelCase (`^[a-z][a-zA-Z0-9]*$`).";
    ReservedResourceId = "reserved-resource-id", Error, "A resource id or forEach iterator is a word kro or CEL reserves.";
    DuplicateResourceId = "duplicate-resource-id", Error, "Two resources have the same id.";
    TemplateOrExternalRef = "template-or-external-ref", Error, "A resource needs exactly one of `template` and `externalRef`.";
    ExternalRefForEach = "external-ref-for-each", Error, "`forEach` cannot be used with `externalRef`.";
    ExternalRefNameOrSelector = "external-ref-name-or-selector", Error, "An externalRef needs exactly one of `metadata.name` and `metadata.selector`.";
    InvalidTemplate = "invalid-template", Error, "A template lacks `apiVersion`, `kind` or a `metadata` mapping.";
    ReservedMetadata = "reserved-metadata", Error, "A template sets a label or annotation under `kro.run/` or `internal.kro.run/`, which kro owns.";
    ClusterScopedNamespace = "cluster-scoped-namespace", Error, "A cluster-scoped kind's template sets `metadata.namespace`.";
    NamespaceRequired = "namespace-required", Error, "A namespaced template of a cluster-scoped instance must set `metadata.namespace`.";
    InvalidForEach = "invalid-for-each", Error, "A `forEach` dimension is malformed: one `iterator: ${list}` pair per entry, a valid iterator name, at most the allowed number of dimensions.";
    UnknownKind = "unknown-kind", Error, "A template or externalRef names a kind its apiVersion does not serve (often a typo, or the wrong version).";
    KindSchemaUnknown = "kind-schema-unknown", Info, "The schema of a resource's kind is not known offline, so its fields are not type-checked; pass its CRD or check against a cluster.";
    TemplateUnknownField = "template-unknown-field", Error, "A template sets a field its kind's schema does not have.";
    ForEachIdentity = "for-each-identity", Error, "A forEach iterator is not used in `metadata.name` (or namespace), so the collection's objects would share a name.";
    OmitInIdentity = "omit-in-identity", Error, "`omit()` is used in `metadata.name`, which every object needs.";
    StatusNotExpression = "status-not-expression", Error, "A status field is plain data instead of a `${…}` expression.";
    ConditionNotStandalone = "condition-not-standalone", Error, "An `includeWhen`, `readyWhen` or `forEach` entry must be exactly one `${…}` expression.";

    // SimpleSchema, the CRD and breaking changes (core::schema)
    SchemaFieldShape = "schema-field-shape", Error, "A SimpleSchema field is neither a type string nor a mapping of nested fields.";
    SchemaTypeSyntax = "schema-type-syntax", Error, "A SimpleSchema type expression is malformed (`[]` without an element type, a map key that is not `string`, ...).";
    SchemaUnknownType = "schema-unknown-type", Error, "A type name is neither built in nor defined under `types`.";
    SchemaTypeTooDeep = "schema-type-too-deep", Error, "`[]` and `map[string]` nest more than 16 levels deep in one type expression.";
    SchemaTypeCycle = "schema-type-cycle", Error, "Custom types refer to each other in a cycle, so they cannot be expanded.";
    SchemaTooLarge = "schema-too-large", Error, "Expanding the custom types makes the spec schema too large to generate.";
    SchemaMarkerSyntax = "schema-marker-syntax", Error, "The markers after `|` cannot be read: a marker without `=value`, an unclosed quote or bracket.";
    SchemaUnknownMarker = "schema-unknown-marker", Error, "A marker name is not one SimpleSchema knows.";
    SchemaMarkerValue = "schema-marker-value", Error, "A marker's value is not valid for that marker (`required=maybe`, `minLength=abc`, an empty enum value, ...).";
    SchemaMarkerNotApplicable = "schema-marker-not-applicable", Error, "A marker does not apply to the field's type (`minLength` on an integer, `enum` on a boolean, ...).";
    SchemaMarkerConflict = "schema-marker-conflict", Error, "Markers contradict each other or Kubernetes' list rules (`listMapKey` without `listType=map`, a map key that is not required, ...).";
    SchemaMarkerIgnored = "schema-marker-ignored", Warning, "A marker is accepted but has no effect on the field's type (`minimum` on a string).";
    SchemaDuplicateMarker = "schema-duplicate-marker", Warning, "A marker that takes one value is given more than once; the last one wins.";
    SchemaInvalidDefault = "schema-invalid-default", Error, "A default value does not fit the field's type or constraints, so the API server would reject the CRD.";
    SchemaInvalidPattern = "schema-invalid-pattern", Error, "A `pattern` marker is not a valid regular expression.";
    SchemaInvalidKind = "schema-invalid-kind", Error, "`spec.schema.kind` is not UpperCamelCase matching `^[A-Z][a-zA-Z0-9]{0,62}$`.";
    SchemaInvalidPlural = "schema-invalid-plural", Error, "The kind pluralises (as kro pluralises it) to a name Kubernetes does not accept as a resource name.";
    SchemaInvalidApiVersion = "schema-invalid-api-version", Error, "`spec.schema.apiVersion` does not match `^v[0-9]+(alpha[0-9]+|beta[0-9]+)?$`.";
    SchemaInvalidGroup = "schema-invalid-group", Error, "`spec.schema.group` is not a lowercase DNS subdomain with at least one dot.";
    SchemaInvalidScope = "schema-invalid-scope", Error, "`spec.schema.scope` is neither `Namespaced` nor `Cluster`.";
    SchemaInvalidNames = "schema-invalid-names", Error, "`shortNames` or `categories` has more than 32 items or an item that is not a DNS label of at most 63 characters.";
    SchemaInvalidPrinterColumn = "schema-invalid-printer-column", Error, "An `additionalPrinterColumns` entry lacks `name`, `type` or `jsonPath`, or has a value Kubernetes rejects.";
    SchemaInvalidCrdMetadata = "schema-invalid-crd-metadata", Error, "A label or annotation under `spec.schema.metadata` is not a valid Kubernetes label or annotation.";
    SchemaTransitionRule = "schema-transition-rule", Error, "A rule that compares with `oldSelf` (such as `immutable=true`) sits inside a list Kubernetes cannot correlate (one without `listType=map`), so the API server rejects the CRD.";
    SchemaBreakingChange = "schema-breaking-change", Error, "The new CRD schema breaks existing instances; set the annotation `kro.run/allow-breaking-changes: \"true\"` to apply it anyway.";

    // CEL: extraction, syntax and types (core::cel)
    CelNestedExpression = "cel-nested-expression", Error, "A `${` appears inside an expression outside a string literal; expressions cannot be nested.";
    CelExpressionInKey = "cel-expression-in-key", Warning, "A map key contains `${…}`; keys are never evaluated, so it stays literal text.";
    CelSyntax = "cel-syntax", Error, "The expression is not valid CEL.";
    CelTooComplex = "cel-too-complex", Error, "The expression is longer or nested deeper than the compiler accepts.";
    CelUnknownIdentifier = "cel-unknown-identifier", Error, "The expression names a variable that does not exist.";
    CelOutOfScope = "cel-out-of-scope", Error, "The expression uses a variable or function that exists but is not available in this place.";
    CelUnknownField = "cel-unknown-field", Error, "The expression selects a field its object's schema does not declare.";
    CelUnknownFunction = "cel-unknown-function", Error, "The expression calls a function that does not exist.";
    CelNoOverload = "cel-no-overload", Error, "A function or operator is applied to arguments of types it does not accept.";
    CelInvalidArgument = "cel-invalid-argument", Error, "An argument is not of the form the function requires.";
    CelTypeMismatch = "cel-type-mismatch", Error, "The expression's type does not fit where its value goes (the field's schema, a condition, a forEach list).";

    // The dependency graph (core::graph)
    SelfReference = "self-reference", Error, "A resource's expressions refer to the resource itself.";
    DependencyCycle = "dependency-cycle", Error, "Resources depend on each other in a cycle, so none of them can be created first.";
}

/// A secondary location that explains a diagnostic, such as an earlier definition or a step of
/// a cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub range: TextRange,
    /// What is there.
    pub message: String,
}

/// One replacement of a range of text by new text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    /// The bytes replaced.
    pub range: TextRange,
    /// What replaces them.
    pub new_text: String,
}

/// A mechanical fix the editor can offer as a quick fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, as shown in a menu ("change to `replicas`").
    pub title: String,
    /// The edits, non-overlapping.
    pub edits: Vec<TextEdit>,
}

/// A problem found in the user's RGD text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem this is.
    pub code: Code,
    /// What is wrong and, where it helps, what to do; lowercase, no final period.
    pub message: String,
    /// The offending node or expression.
    pub range: TextRange,
    /// Other places that explain it.
    pub related: Vec<Related>,
    /// A fix, where the fix is clear.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic with no related locations and no fix.
    pub fn new(code: Code, range: TextRange, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            range,
            related: Vec::new(),
            fix: None,
        }
    }

    /// Adds a related location.
    pub fn with_related(mut self, range: TextRange, message: impl Into<String>) -> Self {
        self.related.push(Related {
            range,
            message: message.into(),
        });
        self
    }

    /// Attaches a fix.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// The severity, from the code.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// Renders `path:line:col: severity[code]: message` with 1-based line and column, the
    /// format the CLI prints and editors' problem matchers read.
    pub fn render(&self, path: &str, text: &str, index: &LineIndex) -> String {
        let at = index.line_col(text, self.range.start);
        format!(
            "{path}:{}:{}: {}[{}]: {}",
            at.line + 1,
            at.col + 1,
            self.severity().as_str(),
            self.code.as_str(),
            self.message
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The closest of `candidates` to `name`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    for candidate in candidates {
        let distance = edit_distance(&name.to_ascii_lowercase(), &candidate.to_ascii_lowercase());
        let limit = (name.chars().count().max(candidate.chars().count()) / 3).max(1);
        if distance <= limit && best.is_none_or(|(_, d)| distance < d) {
            best = Some((candidate, distance));
        }
    }
    best.map(|(candidate, _)| candidate)
}

/// A `did you mean` suffix for a message, empty when nothing is close.
pub fn suggestion_suffix<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(name, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Edit distance where swapping two adjacent characters counts as one edit (optimal string
/// alignment), since `spce` for `spec` is one slip of the fingers.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_by_name() {
        for code in Code::ALL {
            assert_eq!(Code::from_name(code.as_str()), Some(*code));
            assert!(!code.doc().is_empty());
        }
    }

    #[test]
    fn renders_one_based_positions() {
        let text = "a: 1\nb: [\n";
        let d = Diagnostic::new(
            Code::YamlSyntax,
            TextRange::new(8, 9),
            "unclosed flow sequence",
        );
        assert_eq!(
            d.render("rgd.yaml", text, &LineIndex::new(text)),
            "rgd.yaml:2:4: error[yaml-syntax]: unclosed flow sequence"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        let names = ["replicas", "image", "name"];
        assert_eq!(did_you_mean("replcas", names), Some("replicas"));
        assert_eq!(did_you_mean("Image", names), Some("image"));
        assert_eq!(did_you_mean("zzzzzz", names), None);
    }
}
