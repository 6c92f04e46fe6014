use proptest::prelude::*;

use super::*;
use crate::syntax;

/// Renders segments as `lit|${expr}|lit` for compact expectations.
fn shape(s: &str) -> String {
    let x = extract(s);
    if let Some(d) = x.diagnostics.first() {
        return format!("error@{}..{}", d.range.start, d.range.end);
    }
    x.segments
        .iter()
        .map(|seg| match seg {
            Segment::Literal(l) => l.text.clone(),
            Segment::Expr(e) => format!("${{{}}}", e.text),
        })
        .collect::<Vec<_>>()
        .join("|")
}

#[test]
fn extraction_table() {
    let cases = [
        // plain text
        ("hello", "hello", Kind::Literal),
        ("", "", Kind::Literal),
        ("$ { x }", "$ { x }", Kind::Literal),
        // standalone
        (
            "${schema.spec.name}",
            "${schema.spec.name}",
            Kind::Standalone,
        ),
        ("${ x }", "${ x }", Kind::Standalone),
        // interpolated
        (
            "app-${schema.spec.name}",
            "app-|${schema.spec.name}",
            Kind::Interpolated,
        ),
        ("${a}-${b}", "${a}|-|${b}", Kind::Interpolated),
        ("${a}${b}", "${a}|${b}", Kind::Interpolated),
        (" ${a}", " |${a}", Kind::Interpolated),
        // map literals and nested braces count
        ("${ {'a': 1}['a'] }", "${ {'a': 1}['a'] }", Kind::Standalone),
        (
            "${ {'a': {'b': 1}} }",
            "${ {'a': {'b': 1}} }",
            Kind::Standalone,
        ),
        // braces inside string literals do not count
        (r#"${ "}" + x }"#, r#"${ "}" + x }"#, Kind::Standalone),
        ("${ '}' + x }", "${ '}' + x }", Kind::Standalone),
        ("${ '{' }", "${ '{' }", Kind::Standalone),
        (r#"${ "a\"}" }"#, r#"${ "a\"}" }"#, Kind::Standalone),
        (r#"${ 'it\'s }' }"#, r#"${ 'it\'s }' }"#, Kind::Standalone),
        (r#"${ """}"}""" }"#, r#"${ """}"}""" }"#, Kind::Standalone),
        (r#"${ r"\" }"#, r#"${ r"\" }"#, Kind::Standalone),
        // `${` inside a string literal is text
        (r#"${ "${x}" }"#, r#"${ "${x}" }"#, Kind::Standalone),
        // unclosed: literal text, but later expressions are still found
        ("${abc", "${abc", Kind::Literal),
        ("a ${b", "a ${b", Kind::Literal),
        (r#"${ "abc }"#, r#"${ "abc }"#, Kind::Literal),
        ("${x} ${y", "${x}| ${y", Kind::Interpolated),
        (r#"${"a ${b}"#, r#"${"a |${b}"#, Kind::Interpolated),
    ];
    for (input, expected, kind) in cases {
        assert_eq!(shape(input), expected, "input {input:?}");
        assert_eq!(extract(input).kind(), kind, "input {input:?}");
    }
}

#[test]
fn nested_expressions_are_errors() {
    assert_eq!(shape("${a + ${b}}"), "error@6..8");
    assert_eq!(shape("x ${f(${y})}"), "error@6..8");
    let d = &extract("${${x}}").diagnostics[0];
    assert_eq!(d.code, Code::CelNestedExpression);
}

#[test]
fn ranges_exclude_the_delimiters() {
    let x = extract("ab${ cd }ef");
    let e = x.expressions().next().unwrap();
    assert_eq!(e.range, TextRange::new(4, 8));
    assert_eq!(e.outer, TextRange::new(2, 9));
    assert_eq!(&"ab${ cd }ef"[e.range.start..e.range.end], " cd ");
}

#[test]
fn interpolation_becomes_a_concatenation() {
    let x = extract(r#"say "${name}"\n${n}!"#);
    assert_eq!(
        x.cel_source().unwrap(),
        r#""say \"" + (name) + "\"\\n" + (n) + "!""#
    );
    assert_eq!(extract("${a.b}").cel_source().unwrap(), "a.b");
    assert_eq!(extract("text").cel_source(), None);
}

#[test]
fn quoting_escapes_control_characters() {
    assert_eq!(quote("a\tb\u{1}"), r#""a\tb\u0001""#);
    assert_eq!(quote("é"), "\"é\"");
}

#[test]
fn template_walk_finds_strings_with_paths_and_source_ranges() {
    let text = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: \"${schema.spec.name}-cm\"
  labels:
    ${schema.spec.key}: x
data:
  items:
    - plain
    - ${schema.spec.replicas}
";
    let parsed = syntax::parse(text);
    let root = parsed.documents[0].root.as_ref().unwrap();
    let found = template_strings(text, root);
    let paths: Vec<String> = found
        .strings
        .iter()
        .map(|s| syntax::render_path(&s.path))
        .collect();
    assert_eq!(paths, ["metadata.name", "data.items[1]"]);
    let name = &found.strings[0];
    let e = name.extracted.expressions().next().unwrap();
    let r = name.expr_to_source(e, TextRange::new(0, 6));
    assert_eq!(&text[r.start..r.end], "schema");
    assert_eq!(found.diagnostics.len(), 1);
    let d = &found.diagnostics[0];
    assert_eq!(d.code, Code::CelExpressionInKey);
    assert_eq!(&text[d.range.start..d.range.end], "${schema.spec.key}");
}

#[test]
fn nested_expression_errors_point_into_the_file() {
    let text = "value: 'a ${b + ${c}}'\n";
    let parsed = syntax::parse(text);
    let root = parsed.documents[0].root.as_ref().unwrap();
    let found = template_strings(text, root);
    assert_eq!(found.diagnostics.len(), 1);
    let r = found.diagnostics[0].range;
    assert_eq!(&text[r.start..r.end], "${");
    assert_eq!(r.start, text.rfind("${").unwrap());
}

proptest! {
    #[test]
    fn never_panics_and_ranges_are_in_bounds(s in "[ -~é{}$\"'\\\\]{0,40}") {
        let x = extract(&s);
        for seg in &x.segments {
            let r = match seg {
                Segment::Literal(l) => l.range,
                Segment::Expr(e) => {
                    prop_assert!(e.outer.start + 2 == e.range.start);
                    prop_assert!(e.range.end + 1 == e.outer.end);
                    e.range
                }
            };
            prop_assert!(r.end <= s.len());
            prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
        }
        for d in &x.diagnostics {
            prop_assert!(d.range.end <= s.len());
        }
    }

    #[test]
    fn segments_reconstruct_the_string(s in "[ -~é{}$\"'\\\\]{0,40}") {
        let x = extract(&s);
        prop_assume!(x.diagnostics.is_empty());
        let mut rebuilt = String::new();
        for seg in &x.segments {
            match seg {
                Segment::Literal(l) => rebuilt.push_str(&l.text),
                Segment::Expr(e) => {
                    rebuilt.push_str("${");
                    rebuilt.push_str(&e.text);
                    rebuilt.push('}');
                }
            }
        }
        prop_assert_eq!(rebuilt, s);
    }

    #[test]
    fn expressions_round_trip_through_extraction(
        prefix in "[a-z -]{0,8}",
        expr in "[a-z.+ ]{1,12}",
        suffix in "[a-z -]{0,8}",
    ) {
        let s = format!("{prefix}${{{expr}}}{suffix}");
        let x = extract(&s);
        let exprs: Vec<&ExprSegment> = x.expressions().collect();
        prop_assert_eq!(exprs.len(), 1);
        prop_assert_eq!(&exprs[0].text, &expr);
    }

    #[test]
    fn quoted_literals_parse_back_to_the_same_text(s in "\\PC{0,30}|[\\x00-\\x7f]{0,30}") {
        let quoted = quote(&s);
        let parsed = cel_core::parse(&quoted);
        prop_assert!(parsed.errors.is_empty(), "{quoted}: {:?}", parsed.errors);
        match parsed.ast.map(|a| a.node) {
            Some(cel_core::Expr::String(back)) => prop_assert_eq!(back, s),
            other => prop_assert!(false, "not a string literal: {other:?}"),
        }
    }
}
