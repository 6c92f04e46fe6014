use super::*;
use crate::diagnostic::Code;

fn root(text: &str) -> Node {
    let parsed = parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed.documents[0].root.clone().unwrap()
}

fn slice(text: &str, range: TextRange) -> &str {
    &text[range.start..range.end]
}

#[test]
fn nodes_know_their_source_ranges() {
    let text = "a: plain\nb: \"quoted\"\nlist:\n  - x\n  - {k: v}\n";
    let node = root(text);
    assert_eq!(slice(text, node.get("a").unwrap().range), "plain");
    assert_eq!(slice(text, node.get("b").unwrap().range), "\"quoted\"");
    assert_eq!(
        slice(text, node.get("list").unwrap().range),
        "- x\n  - {k: v}"
    );
    let list = node.get("list").unwrap().as_sequence().unwrap();
    assert_eq!(slice(text, list[1].range), "{k: v}");
    assert_eq!(slice(text, node.entry("list").unwrap().key.range), "list");
}

#[test]
fn ranges_are_bytes_even_after_multibyte_text() {
    let text = "name: héllo wörld\nnext: ${x}\n";
    let node = root(text);
    assert_eq!(slice(text, node.get("next").unwrap().range), "${x}");
}

#[test]
fn multi_document_files() {
    let text = "a: 1\n---\nb: 2\n---\n";
    let parsed = parse(text);
    assert_eq!(parsed.documents.len(), 3);
    assert_eq!(
        parsed.documents[1]
            .root
            .as_ref()
            .unwrap()
            .get("b")
            .unwrap()
            .value,
        Value::Int(2)
    );
    assert!(parsed.documents[2].root.as_ref().is_none_or(Node::is_null));
}

#[test]
fn to_json_uses_kubernetes_scalar_rules() {
    let node = root("a: yes\nb: '0755'\nc: 0755\nd: ~\ne: 1.5\nf: [1, two]\n");
    assert_eq!(
        node.to_json(),
        serde_json::json!({"a": true, "b": "0755", "c": 493, "d": null, "e": 1.5, "f": [1, "two"]})
    );
}

#[test]
fn explicit_tags_override_resolution() {
    let node = root("a: !!str yes\nb: !!int '12'\n");
    assert_eq!(node.to_json(), serde_json::json!({"a": "yes", "b": 12}));
}

#[test]
fn syntax_errors_keep_the_partial_tree() {
    let text =
        "apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nspec:\n  resources: [\n";
    let parsed = parse(text);
    assert_eq!(parsed.diagnostics.len(), 1);
    assert_eq!(parsed.diagnostics[0].code, Code::YamlSyntax);
    let doc = &parsed.documents[0];
    assert!(!doc.complete);
    let root = doc.root.as_ref().unwrap();
    assert_eq!(
        root.get("kind").unwrap().as_str(),
        Some("ResourceGraphDefinition")
    );
}

#[test]
fn a_key_without_value_is_kept_while_typing() {
    let text = "spec:\n  schema:\n    kind: App\n    spec:\n      name: string\n      repl";
    let parsed = parse(text);
    let root = parsed.documents[0].root.as_ref().unwrap();
    let spec = root
        .get("spec")
        .unwrap()
        .get("schema")
        .unwrap()
        .get("spec")
        .unwrap();
    assert!(spec.get("name").is_some());
}

#[test]
fn duplicate_keys_are_reported_with_the_first() {
    let text = "a: 1\nb: 2\na: 3\n";
    let parsed = parse(text);
    assert_eq!(parsed.diagnostics.len(), 1);
    let d = &parsed.diagnostics[0];
    assert_eq!(d.code, Code::YamlDuplicateKey);
    assert_eq!(d.range, TextRange::new(10, 11));
    assert_eq!(d.related[0].range, TextRange::new(0, 1));
    // The first value wins, as the rest of the pipeline sees it.
    assert_eq!(
        parsed.documents[0]
            .root
            .as_ref()
            .unwrap()
            .get("a")
            .unwrap()
            .value,
        Value::Int(1)
    );
}

#[test]
fn merge_keys_copy_missing_entries() {
    let node = root("base: &b {x: 1, z: 2}\nderived:\n  <<: *b\n  z: 3\n");
    assert_eq!(
        node.get("derived").unwrap().to_json(),
        serde_json::json!({"z": 3, "x": 1})
    );
}

#[test]
fn alias_bombs_stop_with_a_diagnostic() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..8 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let parsed = parse(&text);
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.code == Code::YamlAliasLimit)
    );
}

#[test]
fn deep_nesting_stops_with_a_diagnostic() {
    let text = "[".repeat(150) + &"]".repeat(150);
    let parsed = parse(&text);
    assert_eq!(parsed.diagnostics[0].code, Code::YamlTooDeep);
}

#[test]
fn huge_input_is_refused() {
    let limits = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    let parsed = parse_with_limits("a: 123456789\n", limits);
    assert_eq!(parsed.diagnostics[0].code, Code::YamlTooLarge);
    assert!(parsed.documents.is_empty());
}

#[test]
fn node_at_finds_the_innermost_node_and_its_path() {
    let text = "spec:\n  resources:\n    - id: web\n      template: {kind: Deployment}\n";
    let node = root(text);
    let at = text.find("Deployment").unwrap() + 2;
    let (path, found) = node.node_at(at).unwrap();
    assert_eq!(found.as_str(), Some("Deployment"));
    assert_eq!(render_path(&path), "spec.resources[0].template.kind");
}

/// The source text at the offset each decoded `$` maps to must be that `$`.
fn assert_dollars_map(text: &str, key: &str) {
    let node = root(text);
    let value = node.get(key).unwrap();
    let offsets = ScalarOffsets::of(text, value).unwrap();
    assert!(offsets.is_exact(), "{text:?}");
    let decoded = value.as_str().unwrap();
    for (i, c) in decoded.char_indices() {
        let at = offsets.to_source(i);
        let source_char = text[at..].chars().next().unwrap();
        if !c.is_whitespace() {
            assert!(
                source_char == c || source_char == '\\',
                "{c:?} mapped to {source_char:?} in {text:?}"
            );
        }
        assert_eq!(
            offsets.to_decoded(at),
            Some(i),
            "round trip of {i} in {text:?}"
        );
    }
}

#[test]
fn offsets_inside_every_scalar_style() {
    assert_dollars_map("v: plain ${a.b} text\n", "v");
    assert_dollars_map("v: plain ${a}\n  folded ${b}\n", "v");
    assert_dollars_map("v: 'it''s ${a}'\n", "v");
    assert_dollars_map("v: \"tab\\t\\\"${a}\\\" \\u00e9 ${b}\"\n", "v");
    assert_dollars_map("v: \"line one\n  line ${two}\"\n", "v");
    assert_dollars_map("v: \"joined \\\n  ${x}\"\n", "v");
    assert_dollars_map("v: \"joined \\\r\n  ${x}\"\n", "v");
    assert_dollars_map("v: \"joined \\\n\n  ${x}\"\n", "v");
    assert_dollars_map("v: \"joined \\\n\r\n  ${x}\"\n", "v");
    assert_dollars_map("v: \"\n \\ - ${x}\"\n", "v");
    assert_dollars_map("v: \"a\r\n  \\t${x}\"\n", "v");
    assert_dollars_map("v: |\n  first ${a}\n    indented ${b}\n\n  last\n", "v");
    assert_dollars_map("v: >-\n  folded ${a}\n  more ${b}\n", "v");
    assert_dollars_map("v: |-\n  ${é} ü ${ü}\n", "v");
}

#[test]
fn offsets_of_a_block_scalar_with_line_breaks_the_span_does_not_show() {
    for text in [
        "v: |\n\n\n  ${a}\n",
        "v: >+\n\n  ${a}\n\n",
        "v: !t |\n\n  ${a}\n",
        "v: |\n  ${a}",
        "v: >\n  ${a}",
    ] {
        let value = root(text).get("v").unwrap().clone();
        let offsets = ScalarOffsets::of(text, &value).unwrap();
        assert!(offsets.is_exact(), "{text:?}");
        let decoded = value.as_str().unwrap();
        let dollar = offsets.to_source(decoded.find('$').unwrap());
        assert_eq!(&text[dollar..dollar + 4], "${a}", "{text:?}");
        assert_eq!(offsets.to_source(0), value.range.start, "{text:?}");
    }
}

#[test]
fn a_scalar_with_an_anchor_or_tag_starts_at_its_value() {
    let text = "a: !!str yes\nb: &x \"${b}\"\nc: &y !!str\n  ${c}\nd: !custom |\n  ${d}\ne: *x\n";
    let node = root(text);
    assert_eq!(slice(text, node.get("a").unwrap().range), "yes");
    assert_eq!(slice(text, node.get("b").unwrap().range), "\"${b}\"");
    assert_eq!(slice(text, node.get("c").unwrap().range), "${c}");
    assert_eq!(slice(text, node.get("d").unwrap().range), "  ${d}\n");
    for key in ["a", "b", "c", "d"] {
        assert_dollars_map(text, key);
    }
}

#[test]
fn a_tagged_scalar_that_is_not_of_its_tag_keeps_its_style() {
    let text = "a: !!int '${a}'\nb: !!bool \"${b}\"\nc: !!float |\n  ${c}\n";
    let node = root(text);
    for (key, style) in [
        ("a", ScalarStyle::SingleQuoted),
        ("b", ScalarStyle::DoubleQuoted),
        ("c", ScalarStyle::Literal),
    ] {
        assert_eq!(node.get(key).unwrap().as_string().unwrap().style, style);
        assert_dollars_map(text, key);
    }
}

#[test]
fn ranges_after_a_directive_with_multibyte_text() {
    for text in [
        "%FÖÖ bär\n---\nkey: ${x}\n",
        "%YAML 1.2 # é\n---\nkey: ${x}\n",
    ] {
        let node = root(text);
        assert_eq!(
            slice(text, node.get("key").unwrap().range),
            "${x}",
            "{text:?}"
        );
    }
}

#[test]
fn a_syntax_error_at_a_multibyte_character_covers_the_whole_character() {
    let text = "a: 1\n\u{feff}b: 2\n";
    let parsed = parse(text);
    let d = &parsed.diagnostics[0];
    assert_eq!(d.code, Code::YamlSyntax);
    assert_eq!(slice(text, d.range), "\u{feff}");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn text_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("${".to_owned()),
                Just("}".to_owned()),
                Just("\"".to_owned()),
                Just("'".to_owned()),
                Just("\\".to_owned()),
                Just(" ".to_owned()),
                Just("é".to_owned()),
                Just("a".to_owned()),
                Just("\t".to_owned()),
                Just("\n".to_owned()),
            ],
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn double_quoted_scalars_align_exactly(s in text_strategy()) {
            // JSON string syntax is valid YAML double-quoted syntax.
            let text = format!("v: {}\n", serde_json::to_string(&s).unwrap());
            let node = root(&text);
            let value = node.get("v").unwrap();
            prop_assert_eq!(value.as_str(), Some(s.as_str()));
            let offsets = ScalarOffsets::of(&text, value).unwrap();
            prop_assert!(offsets.is_exact());
        }

        #[test]
        fn literal_blocks_align_exactly(lines in proptest::collection::vec("[a-z${}\" ]{0,12}", 1..6)) {
            let body: Vec<String> = lines.iter().map(|l| format!("  x{l}")).collect();
            let text = format!("v: |\n{}\n", body.join("\n"));
            let parsed = parse(&text);
            prop_assume!(parsed.diagnostics.is_empty());
            let value = parsed.documents[0].root.as_ref().unwrap().get("v").unwrap().clone();
            let offsets = ScalarOffsets::of(&text, &value).unwrap();
            prop_assert!(offsets.is_exact());
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
            let parsed = parse(&s);
            for doc in &parsed.documents {
                if let Some(root) = &doc.root {
                    let _ = root.to_json();
                    prop_assert!(root.range.end <= s.len());
                }
            }
        }
    }
}
