//! Breaking and non-breaking schema changes, one case per kind.

use serde_json::json;

use super::support::simple;
use crate::openapi::Schema;
use crate::schema::breaking::{Comparison, compare_crds, compare_schemas};
use crate::schema::crd::{CrdSpec, Ownership, generate};
use crate::text::TextRange;

/// Compares the spec schemas of two SimpleSchema snippets; one line per change:
/// `B|N description`.
fn changes(old: &str, new: &str) -> Vec<String> {
    let old = simple(old);
    let new = simple(new);
    assert!(old.diagnostics.is_empty() && new.diagnostics.is_empty());
    lines(&compare_schemas(&wrap(old.schema), &wrap(new.schema)))
}

/// Puts a spec schema under `spec`, as in the CRD.
fn wrap(spec: Schema) -> Schema {
    let mut root = Schema::of_type("object");
    root.properties.insert("spec".to_owned(), spec);
    root
}

fn lines(comparison: &Comparison) -> Vec<String> {
    comparison
        .changes
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                if c.is_breaking() { "B" } else { "N" },
                c.description()
            )
        })
        .collect()
}

#[test]
fn identical_schemas_have_no_changes() {
    let yaml = "spec:\n  a: string | default=x\n  b: \"[]Port\"\ntypes:\n  Port:\n    n: integer\n";
    assert!(changes(yaml, yaml).is_empty());
}

#[test]
fn removing_or_retyping_a_property_breaks() {
    assert_eq!(
        changes("spec:\n  a: string\n  b: string\n", "spec:\n  a: integer\n"),
        [
            "B type of `spec.a` changed from string to integer",
            "B field `spec.b` was removed"
        ]
    );
}

#[test]
fn adding_properties() {
    assert_eq!(
        changes("spec:\n  a: string\n", "spec:\n  a: string\n  b: string\n"),
        ["N field `spec.b` was added"]
    );
    assert_eq!(
        changes(
            "spec:\n  a: string\n",
            "spec:\n  a: string\n  b: string | required=true\n"
        ),
        ["B required field `spec.b` was added without a default"]
    );
    assert_eq!(
        changes(
            "spec:\n  a: string\n",
            "spec:\n  a: string\n  b: string | required=true default=x\n"
        ),
        ["N field `spec.b` was added"]
    );
}

#[test]
fn requiredness_changes() {
    assert_eq!(
        changes(
            "spec:\n  a: string\n",
            "spec:\n  a: string | required=true\n"
        ),
        ["B field `spec.a` is now required"]
    );
    assert_eq!(
        changes(
            "spec:\n  a: string\n",
            "spec:\n  a: string | required=true default=x\n"
        ),
        [
            "N field `spec.a` is now required (it has a default)",
            "N default of `spec.a` changed from none to \"x\""
        ]
    );
    assert_eq!(
        changes(
            "spec:\n  a: string | required=true\n",
            "spec:\n  a: string\n"
        ),
        ["N field `spec.a` is no longer required"]
    );
    assert_eq!(
        changes(
            "spec:\n  a: string | required=true default=x\n",
            "spec:\n  a: string | required=true\n"
        ),
        [
            "B required field `spec.a` no longer has a default",
            "N default of `spec.a` changed from \"x\" to none"
        ]
    );
}

#[test]
fn enum_changes() {
    assert_eq!(
        changes(
            "spec:\n  t: string | enum=\"a,b\"\n",
            "spec:\n  t: string | enum=\"a\"\n"
        ),
        ["B value \"b\" was removed from the allowed values of `spec.t`"]
    );
    assert_eq!(
        changes(
            "spec:\n  t: string | enum=\"a\"\n",
            "spec:\n  t: string | enum=\"a,c\"\n"
        ),
        ["N value \"c\" was added to the allowed values of `spec.t`"]
    );
    assert_eq!(
        changes(
            "spec:\n  t: string\n",
            "spec:\n  t: string | enum=\"a,b\"\n"
        ),
        ["B `spec.t` is now restricted to the values \"a\", \"b\""]
    );
    assert_eq!(
        changes(
            "spec:\n  t: integer | enum=\"1\"\n",
            "spec:\n  t: integer\n"
        ),
        ["N `spec.t` is no longer restricted to an enum"]
    );
}

#[test]
fn pattern_changes() {
    assert_eq!(
        changes(
            "spec:\n  s: string\n",
            "spec:\n  s: string | pattern=\"^a\"\n"
        ),
        ["B `spec.s` must now match the pattern `^a`"]
    );
    assert_eq!(
        changes(
            "spec:\n  s: string | pattern=\"^a\"\n",
            "spec:\n  s: string | pattern=\"^b\"\n"
        ),
        ["B pattern of `spec.s` changed from `^a` to `^b`"]
    );
    assert_eq!(
        changes(
            "spec:\n  s: string | pattern=\"^a\"\n",
            "spec:\n  s: string\n"
        ),
        ["N pattern `^a` of `spec.s` was removed"]
    );
}

#[test]
fn constraint_changes() {
    assert_eq!(
        changes(
            "spec:\n  num: integer | minimum=1 maximum=10\n  s: string | minLength=2 maxLength=5\n  l: \"[]string | minItems=1 maxItems=3\"\n",
            "spec:\n  num: integer | minimum=2 maximum=9\n  s: string | minLength=1 maxLength=6\n  l: \"[]string | maxItems=3\"\n"
        ),
        [
            "N `minItems=1` was removed from `spec.l`",
            "B `minimum` of `spec.num` was raised from 1 to 2",
            "B `maximum` of `spec.num` was lowered from 10 to 9",
            "N `minLength` of `spec.s` was lowered from 2 to 1",
            "N `maxLength` of `spec.s` was raised from 5 to 6",
        ]
    );
    assert_eq!(
        changes(
            "spec:\n  num: float\n  l: \"[]string\"\n",
            "spec:\n  num: float | maximum=0.5\n  l: \"[]string | minItems=1\"\n"
        ),
        [
            "B `minItems=1` was added to `spec.l`",
            "B `maximum=0.5` was added to `spec.num`",
        ]
    );
}

#[test]
fn descriptions_and_defaults_never_break() {
    assert_eq!(
        changes(
            "spec:\n  a: string | description=old default=x\n",
            "spec:\n  a: string | description=new default=y\n"
        ),
        [
            "N description of `spec.a` changed",
            "N default of `spec.a` changed from \"x\" to \"y\"",
        ]
    );
}

#[test]
fn nested_items_and_map_values_are_compared() {
    assert_eq!(
        changes(
            "spec:\n  ports: \"[]Port\"\n  byName: \"map[string]Port\"\ntypes:\n  Port:\n    name: string\n    number: integer\n",
            "spec:\n  ports: \"[]Port\"\n  byName: \"map[string]Port\"\ntypes:\n  Port:\n    name: integer\n"
        ),
        [
            "B type of `spec.byName{}.name` changed from string to integer",
            "B field `spec.byName{}.number` was removed",
            "B type of `spec.ports[].name` changed from string to integer",
            "B field `spec.ports[].number` was removed",
        ]
    );
    assert_eq!(
        changes("spec:\n  m: \"map[string]string\"\n", "spec:\n  m: {}\n"),
        ["B field `spec.m{}` was removed"]
    );
    assert_eq!(
        changes("spec:\n  m: object\n", "spec:\n  m:\n    a: string\n"),
        [
            "B `spec.m` no longer keeps unknown fields; they would be pruned",
            "N field `spec.m.a` was added",
        ]
    );
}

fn crd(yaml_schema: &str) -> serde_json::Value {
    let parsed = crate::syntax::parse(yaml_schema);
    let node = parsed.documents[0].root.clone().unwrap();
    let (spec, _) = CrdSpec::read(&node);
    let simple = crate::schema::compile(yaml_schema, node.get("spec"), node.get("types"));
    generate(
        &spec,
        &simple.schema,
        &Schema::default(),
        &Ownership::default(),
    )
}

#[test]
fn whole_crds_compare_versions_and_schemas() {
    let old = crd("kind: App\napiVersion: v1alpha1\nspec:\n  a: string\n");
    let renamed = crd("kind: App\napiVersion: v1\nspec:\n  a: string\n");
    let comparison = compare_crds(&old, &renamed).unwrap();
    assert_eq!(
        lines(&comparison),
        ["B version `v1alpha1` was renamed to `v1`"]
    );

    let changed = crd("kind: App\napiVersion: v1alpha1\nspec:\n  b: string\n");
    let comparison = compare_crds(&old, &changed).unwrap();
    assert_eq!(
        lines(&comparison),
        ["B field `spec.a` was removed", "N field `spec.b` was added"]
    );
    assert!(comparison.is_breaking());
    assert_eq!(comparison.summary(), "field `spec.a` was removed");

    let mut unserved = old.clone();
    unserved["spec"]["versions"][0]["served"] = json!(false);
    unserved["spec"]["versions"][0]
        .as_object_mut()
        .unwrap()
        .remove("subresources");
    let comparison = compare_crds(&old, &unserved).unwrap();
    assert_eq!(
        lines(&comparison),
        [
            "B the status subresource was removed",
            "B version `v1alpha1` is no longer served"
        ]
    );
    assert!(compare_crds(&old, &old).unwrap().changes.is_empty());
    assert!(compare_crds(&json!({}), &old).is_err());
}

#[test]
fn summary_lists_three_then_counts() {
    let old = "spec:\n  a: string\n  b: string\n  c: string\n  d: string\n  e: string\n";
    let comparison = compare_schemas(
        &wrap(simple(old).schema),
        &wrap(simple("spec:\n  z: string\n").schema),
    );
    assert_eq!(
        comparison.summary(),
        "field `spec.a` was removed; field `spec.b` was removed; field `spec.c` was removed; and 2 more"
    );
    assert_eq!(Comparison::default().summary(), "no breaking changes");
}

#[test]
fn breaking_changes_point_at_the_field_definition() {
    let old = simple("spec:\n  a: string\n  nested:\n    gone: string\n");
    let new_text = "spec:\n  a: integer\n  nested:\n    kept: string\n";
    let new = simple(new_text);
    let comparison = compare_schemas(&wrap(old.schema), &wrap(new.schema.clone()));
    let fallback = TextRange::new(0, 4);
    let rendered: Vec<String> = comparison
        .diagnostics(Some(&new), fallback)
        .iter()
        .map(|d| {
            format!(
                "{} [{}] {}",
                d.code,
                &new_text[d.range.start..d.range.end],
                d.message
            )
        })
        .collect();
    assert_eq!(
        rendered,
        [
            "schema-breaking-change [a] breaking change to the CRD: type of `spec.a` changed from string to integer; annotate the RGD with `kro.run/allow-breaking-changes: \"true\"` to apply it anyway",
            "schema-breaking-change [nested] breaking change to the CRD: field `spec.nested.gone` was removed; annotate the RGD with `kro.run/allow-breaking-changes: \"true\"` to apply it anyway",
        ]
    );
}

#[test]
fn whole_numbers_compare_equal_whatever_their_spelling() {
    let old: Schema =
        serde_json::from_value(json!({"type": "number", "default": 2.0, "enum": [1.0, 2.0]}))
            .unwrap();
    let new: Schema =
        serde_json::from_value(json!({"type": "number", "default": 2, "enum": [1, 2]})).unwrap();
    assert!(compare_schemas(&old, &new).changes.is_empty());
}
