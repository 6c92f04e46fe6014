use super::*;

fn input(spec: &[(&str, &[&str])]) -> Vec<NodeInput> {
    spec.iter()
        .enumerate()
        .map(|(i, (id, refs))| NodeInput {
            id: (*id).to_owned(),
            range: TextRange::new(i * 10, i * 10 + id.len()),
            references: refs
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    (
                        (*r).to_owned(),
                        TextRange::new(i * 10 + 5 + j, i * 10 + 6 + j),
                    )
                })
                .collect(),
        })
        .collect()
}

fn waves_of(graph: &Graph) -> Vec<(&str, usize)> {
    graph
        .ids
        .iter()
        .map(String::as_str)
        .zip(graph.waves.iter().copied())
        .collect()
}

#[test]
fn declaration_order_breaks_ties() {
    let (graph, diagnostics) = build(&input(&[
        ("service", &["deployment"]),
        ("config", &[]),
        ("deployment", &["config"]),
        ("ingress", &["service"]),
        ("monitor", &[]),
    ]));
    assert!(diagnostics.is_empty());
    assert_eq!(
        graph.order_ids(),
        ["config", "deployment", "service", "ingress", "monitor"]
    );
    assert_eq!(
        graph.edges(),
        [
            ("config", "deployment"),
            ("deployment", "service"),
            ("service", "ingress")
        ]
    );
}

#[test]
fn leaves_get_the_highest_wave() {
    let (graph, _) = build(&input(&[
        ("config", &[]),
        ("deployment", &["config"]),
        ("service", &["deployment"]),
        ("standalone", &[]),
        ("secret", &[]),
        ("job", &["secret", "config"]),
    ]));
    // Leaves: service, standalone, job → wave 3; deployment → 2; config, secret → ... config
    // is needed by deployment (wave 2) so it is peeled after it.
    assert_eq!(
        waves_of(&graph),
        [
            ("config", 1),
            ("deployment", 2),
            ("service", 3),
            ("standalone", 3),
            ("secret", 2),
            ("job", 3)
        ]
    );
}

#[test]
fn self_reference_is_an_error() {
    let (graph, diagnostics) = build(&input(&[("web", &["web"])]));
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, Code::SelfReference);
    assert_eq!(diagnostics[0].range, TextRange::new(5, 6));
    assert_eq!(graph.order_ids(), ["web"]);
}

#[test]
fn cycles_name_their_path() {
    let (graph, diagnostics) = build(&input(&[
        ("a", &["c"]),
        ("b", &["a"]),
        ("c", &["b"]),
        ("free", &[]),
    ]));
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(d.code, Code::DependencyCycle);
    assert!(d.message.contains("a -> c -> b -> a"), "{}", d.message);
    assert_eq!(d.related.len(), 3);
    assert_eq!(d.related[0].message, "`a` uses `c` here");
    assert_eq!(d.related[0].range, TextRange::new(5, 6));
    // The rest of the graph is still ordered.
    assert_eq!(graph.order_ids(), ["free"]);
}

#[test]
fn two_separate_cycles_are_two_errors() {
    let (_, diagnostics) = build(&input(&[
        ("a", &["b"]),
        ("b", &["a"]),
        ("x", &["y"]),
        ("y", &["x"]),
    ]));
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 2);
    assert!(messages[0].contains("a -> b -> a"));
    assert!(messages[1].contains("x -> y -> x"));
}

#[test]
fn unknown_references_add_no_edges() {
    let (graph, diagnostics) = build(&input(&[("a", &["schema", "nothing"])]));
    assert!(diagnostics.is_empty());
    assert!(graph.edges().is_empty());
}
