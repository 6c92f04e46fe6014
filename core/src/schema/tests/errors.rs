//! Every SimpleSchema diagnostic: text in, `code@line:col: message [the text it points at]` out.

use super::support::{errors, simple};

#[track_caller]
fn check(yaml: &str, expected: &str) {
    assert_eq!(errors(yaml), expected.trim(), "for:\n{yaml}");
}

#[test]
fn unknown_marker_suggests_the_closest_name() {
    check(
        "spec:\n  name: \"string | minLenght=3\"\n",
        "schema-unknown-marker@2:19: unknown marker `minLenght`; did you mean `minLength`? [minLenght]",
    );
    check(
        "spec:\n  name: string | frobnicate=1\n",
        "schema-unknown-marker@2:18: unknown marker `frobnicate` [frobnicate]",
    );
}

#[test]
fn markers_that_do_not_apply_to_the_type() {
    check(
        r#"spec:
  count: integer | minLength=2
  flag: boolean | enum="true,false"
  name: string | minItems=1
  tags: "[]string | pattern=x"
  labels: map[string]string | listType=set
  ratio: float | enum="1,2"
"#,
        r#"
schema-marker-not-applicable@2:20: `minLength` applies only to strings, and this field is an integer [minLength=2]
schema-marker-not-applicable@3:19: `enum` applies only to strings and integers, and this field is a boolean [enum="true,false"]
schema-marker-not-applicable@4:18: `minItems` applies only to lists, and this field is a string [minItems=1]
schema-marker-not-applicable@5:21: `pattern` applies only to strings, and this field is a list [pattern=x]
schema-marker-not-applicable@6:31: `listType` applies only to lists, and this field is a map [listType=set]
schema-marker-not-applicable@7:18: `enum` applies only to strings and integers, and this field is a float [enum="1,2"]
"#,
    );
}

#[test]
fn bounds_on_non_numbers_are_kept_but_warned_about() {
    let yaml = "spec:\n  name: string | minimum=1\n";
    check(
        yaml,
        "schema-marker-ignored@2:18: `minimum` has no effect on a string field; it constrains integers and floats [minimum=1]",
    );
    assert_eq!(
        simple(yaml).schema.properties["name"].minimum,
        Some(1.0),
        "the reference emits it, so the CRD keeps it"
    );
}

#[test]
fn invalid_marker_values() {
    check(
        r#"spec:
  a: string | required=yes
  b: integer | minimum=low
  c: string | minLength=-1
  d: "[]string | maxItems=many"
  e: string | enum="a,,b"
  f: integer | enum="1,two"
  g: "[]string | listType=bag"
  h: string | validation=""
  i: string | pattern=""
  j: string | immutable=never
  k: "[]string | uniqueItems=sure"
  l: integer | maximum=Inf
"#,
        r#"
schema-marker-value@2:24: `required` must be `true` or `false`, not `yes` [yes]
schema-marker-value@3:24: `minimum` must be a number, not `low` [low]
schema-marker-value@4:25: `minLength` must not be negative [-1]
schema-marker-value@5:27: `maxItems` must be a whole number, not `many` [many]
schema-marker-value@6:20: `enum` values must not be empty ["a,,b"]
schema-marker-value@7:21: `enum` values of an integer field must be integers, not `two` ["1,two"]
schema-marker-value@8:27: `listType` must be `atomic`, `set` or `map`, not `bag` [bag]
schema-marker-value@9:15: `validation` needs a CEL rule, such as `validation="self > 0"` [validation=""]
schema-marker-value@10:15: `pattern` needs a regular expression [pattern=""]
schema-marker-value@11:25: `immutable` must be `true` or `false`, not `never` [never]
schema-marker-value@12:30: `uniqueItems` must be `true` or `false`, not `sure` [sure]
schema-marker-value@13:24: `maximum` must be a number, not `Inf` [Inf]
"#,
    );
}

#[test]
fn invalid_patterns() {
    check(
        "spec:\n  p: string | pattern=\"[unclosed\"\n",
        "schema-invalid-pattern@2:23: `pattern` is not a valid regular expression: unclosed character class [\"[unclosed\"]",
    );
}

#[test]
fn defaults_that_do_not_fit() {
    check(
        r#"spec:
  replicas: integer | default=abc
  ratio: float | default=fast
  flag: boolean | default=yes
  tier: string | enum="a,b" default=c
  short: string | maxLength=2 default=abc
  port: integer | maximum=10 default=80
  tags: "[]string | default=[1]"
  broken: "[]string | default=[\"a\""
  map: "map[string]integer | default={\"a\": \"b\"}"
  person: Person | default={}
types:
  Person:
    name: string | required=true
"#,
        r#"
schema-invalid-default@2:31: the default must be an integer, not `abc` [abc]
schema-invalid-default@3:26: the default must be a number, not `fast` [fast]
schema-invalid-default@4:27: the default must be `true` or `false`, not `yes` [yes]
schema-invalid-default@5:37: the default must be one of "a", "b", not "c" [c]
schema-invalid-default@6:39: the default must be at most 2 characters long [abc]
schema-invalid-default@7:38: the default must be at most 10, not 80 [80]
schema-invalid-default@8:29: the default `[0]` must be a string, not an integer [[1]]
schema-marker-syntax@9:31: this `[` is never closed [[\"a\"]
schema-invalid-default@10:38: the default `a` must be an integer, not a string [{\"a\": \"b\"}]
schema-invalid-default@11:28: the default is missing the required field `name` [{}]
"#,
    );
}

#[test]
fn marker_syntax_errors() {
    check(
        r#"spec:
  a: string | optional
  b: 'string | description="open'
  c: string |
  d: string | =5
  e: string | default=}
"#,
        r#"
schema-marker-syntax@2:15: marker `optional` has no value; write `optional=<value>` [optional]
schema-marker-syntax@3:28: this `"` is never closed ["open]
schema-marker-syntax@4:13: `|` must be followed by markers such as `required=true` [|]
schema-marker-syntax@5:15: a marker name is missing before `=` [=]
schema-marker-syntax@6:23: `}` closes nothing [}]
"#,
    );
}

#[test]
fn list_marker_conflicts() {
    check(
        r#"spec:
  a: "[]string | listMapKey=name"
  b: "[]string | listType=set listMapKey=name"
  c: "[]Port | listType=map"
  d: "[]Port | uniqueItems=true listType=map listMapKey=name"
  e: "[]Port | listType=map listMapKey=nmae"
  f: "[]Port | listType=map listMapKey=number"
  g: "[]Port | listType=map listMapKey=name listMapKey=name"
  h: "[]Port | listType=set"
  i: "[]string | listType=map listMapKey=x"
types:
  Port:
    name: string | required=true
    number: integer
"#,
        r#"
schema-marker-conflict@2:18: `listMapKey` needs `listType=map` [listMapKey=name]
schema-marker-conflict@3:31: `listMapKey` needs `listType=map`, not `listType=set` [listMapKey=name]
schema-marker-conflict@4:16: `listType=map` needs at least one `listMapKey=<field>` [listType=map]
schema-marker-conflict@5:33: `listType=map` contradicts the earlier `listType=set` [listType=map]
schema-marker-conflict@5:46: `listMapKey` needs `listType=map`, not `listType=set` [listMapKey=name]
schema-marker-conflict@5:16: a set (`uniqueItems`) needs items that are strings, numbers or booleans, not objects [uniqueItems=true]
schema-marker-conflict@6:29: `listMapKey=nmae` names no field of the items; did you mean `name`? [listMapKey=nmae]
schema-marker-conflict@7:29: `listMapKey=number` must name a field that is required or has a default [listMapKey=number]
schema-marker-conflict@8:45: `listMapKey=name` is given twice [listMapKey=name]
schema-marker-conflict@9:16: a set (`listType`) needs items that are strings, numbers or booleans, not objects [listType=set]
schema-marker-conflict@10:18: `listType=map` needs items that are objects with fields [listType=map]
"#,
    );
}

#[test]
fn duplicate_markers_warn_and_the_last_wins() {
    let yaml = "spec:\n  d: string | description=a description=b\n";
    check(
        yaml,
        "schema-duplicate-marker@2:29: `description` is given more than once; the last one wins [description=b]",
    );
    assert_eq!(
        simple(yaml).schema.properties["d"].description.as_deref(),
        Some("b")
    );
}

#[test]
fn unknown_types_suggest_builtins_and_custom_names() {
    check(
        r#"spec:
  size: integr
  ports: "[]Prot"
  byName: "map[string]Strng"
  thing: Widget
types:
  Port:
    name: string
"#,
        r#"
schema-unknown-type@2:9: unknown type `integr`; did you mean `integer`? [integr]
schema-unknown-type@3:13: unknown type `Prot`; did you mean `Port`? [Prot]
schema-unknown-type@4:23: unknown type `Strng`; did you mean `string`? [Strng]
schema-unknown-type@5:10: unknown type `Widget` [Widget]
"#,
    );
}

#[test]
fn malformed_type_expressions() {
    let deep = format!("{}string", "[]".repeat(17));
    check(
        &format!(
            "spec:\n  a: \"map[int]string\"\n  b: \"[]\"\n  c: \"map[string]\"\n  d: \"{deep}\"\n  e: \"| required=true\"\n"
        ),
        r#"
schema-type-syntax@2:11: map keys must be `string`, not `int` [int]
schema-type-syntax@3:7: `[]` needs an element type, such as `[]string` [[]]
schema-type-syntax@4:7: `map[string]` needs a value type, such as `map[string]string` [map[string]]
schema-type-too-deep@5:41: types may nest `[]` and `map[string]` at most 16 deep [string]
schema-type-syntax@6:7: the type is missing []
"#,
    );
}

#[test]
fn fields_that_are_not_types() {
    check(
        "spec:\n  num: 5\n  e:\n  l: [string]\n",
        r#"
schema-field-shape@2:8: field `num` must be a type string such as `string`, or nested fields, not an integer [5]
schema-field-shape@3:3: field `e` has no type; give a type such as `string`, or nested fields [e]
schema-field-shape@4:6: field `l` must be a type string such as `string`, or nested fields, not a list [[string]]
"#,
    );
    check(
        "spec: [a]\ntypes:\n  Bad: 5\n",
        r#"
schema-field-shape@3:8: type `Bad` must be a mapping of fields or a type string, not an integer [5]
schema-field-shape@1:7: `spec` must be a mapping of field names to types, not a list [[a]]
"#,
    );
}

#[test]
fn type_cycles_name_the_cycle_once() {
    let yaml = r#"spec:
  boss: Person
types:
  Person:
    employer: Company
  Company:
    owner: "[]Person"
  Self:
    next: Self
"#;
    check(
        yaml,
        r#"
schema-type-cycle@4:3: types refer to each other in a cycle: Person -> Company -> Person [Person]
schema-type-cycle@8:3: types refer to each other in a cycle: Self -> Self [Self]
"#,
    );
    let out = simple(yaml);
    let related: Vec<_> = out.diagnostics[0]
        .related
        .iter()
        .map(|r| (&yaml[r.range.start..r.range.end], r.message.as_str()))
        .collect();
    assert_eq!(
        related,
        [
            ("Company", "`Person` uses `Company` here"),
            ("Person", "`Company` uses `Person` here")
        ]
    );
}

#[test]
fn alias_cycles_are_cycles_too() {
    check(
        "spec:\n  data: TypeA\ntypes:\n  TypeA: TypeB\n  TypeB: TypeA\n",
        "schema-type-cycle@4:3: types refer to each other in a cycle: TypeA -> TypeB -> TypeA [TypeA]",
    );
}

#[test]
fn errors_in_unused_types_are_reported() {
    check(
        "spec:\n  data: string\ntypes:\n  BadType: string | minLength=abc\n  Other: UndefinedType\n",
        r#"
schema-marker-value@4:31: `minLength` must be a whole number, not `abc` [abc]
schema-unknown-type@5:10: unknown type `UndefinedType` [UndefinedType]
"#,
    );
}

#[test]
fn every_problem_of_the_file_is_reported() {
    check(
        r#"spec:
  a: strin
  b: string | requird=true
  nested:
    c: integer | minLength=1
    d: "[]Foo"
"#,
        r#"
schema-unknown-type@2:6: unknown type `strin`; did you mean `string`? [strin]
schema-unknown-marker@3:15: unknown marker `requird`; did you mean `required`? [requird]
schema-marker-not-applicable@5:18: `minLength` applies only to strings, and this field is an integer [minLength=1]
schema-unknown-type@6:11: unknown type `Foo` [Foo]
"#,
    );
}

#[test]
fn ranges_survive_folded_and_escaped_scalars() {
    check(
        "spec:\n  name: >-\n    string |\n    minLenght=3\n",
        "schema-unknown-marker@4:5: unknown marker `minLenght`; did you mean `minLength`? [minLenght]",
    );
    check(
        "spec:\n  name: \"string | description=\\\"\\u00e9\\\" minLenght=3\"\n",
        "schema-unknown-marker@2:42: unknown marker `minLenght`; did you mean `minLength`? [minLenght]",
    );
}

#[test]
fn an_unknown_type_does_not_cascade_into_marker_errors() {
    check(
        "spec:\n  a: Missing | minLength=1 enum=\"x\" default=3\n",
        "schema-unknown-type@2:6: unknown type `Missing` [Missing]",
    );
}

#[test]
fn hostile_type_chains_are_bounded() {
    let mut yaml = String::from("spec:\n  root: T0\ntypes:\n  T30:\n    leaf: string\n");
    for i in (0..30).rev() {
        let next = i + 1;
        yaml.push_str(&format!("  T{i}:\n    a: T{next}\n    b: T{next}\n"));
    }
    let out = simple(&yaml);
    let codes: Vec<_> = out.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["schema-too-large"]);
    assert!(out.fields.len() <= crate::schema::simple::MAX_EXPANDED_FIELDS * 2);
}

#[test]
fn old_self_rules_need_correlatable_lists() {
    check(
        r#"spec:
  ids: "[]string | immutable=true"
  atomic: "[]Item"
  keyed: "[]Item | listType=map listMapKey=name"
  nested: "[][]Item"
  byName: "map[string]Item"
  names: "[]Fixed"
types:
  Fixed: string | immutable=true
  Item:
    name: string | required=true
    fixed: string | immutable=true
    rule: string | validation="self.startsWith(oldSelfPrefix)"
"#,
        r#"
schema-transition-rule@12:5: `spec.atomic[].fixed` compares with its old value (`immutable` or `oldSelf`), which Kubernetes cannot do inside the list `spec.atomic`; give the list `listType=map` with `listMapKey`, or drop the rule [fixed]
schema-transition-rule@7:3: `spec.names[]` compares with its old value (`immutable` or `oldSelf`), which Kubernetes cannot do inside the list `spec.names`; give the list `listType=map` with `listMapKey`, or drop the rule [names]
"#,
    );
}

#[test]
fn a_null_default_is_no_default() {
    let yaml = "spec:\n  tags: \"[]string | default=null\"\n  name: string | default=null\n";
    check(
        yaml,
        "schema-marker-ignored@2:21: `default=null` sets no default; leave the marker out [default=null]",
    );
    let out = simple(yaml);
    assert_eq!(out.schema.properties["tags"].default, None);
    assert_eq!(
        out.schema.properties["name"].default,
        Some(serde_json::json!("null"))
    );
}
