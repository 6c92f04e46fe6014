//! Outline fixtures: the symbol tree of RGD files.

use crate::ide::navigation::tests::RGD;
use crate::ide::{Analysis, Symbol};

fn outline(symbols: &[Symbol], depth: usize, out: &mut String) {
    for s in symbols {
        out.push_str(&format!(
            "{}{} {:?}{}\n",
            "  ".repeat(depth),
            s.name,
            s.kind,
            s.detail
                .as_deref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default()
        ));
        assert!(
            s.range.start <= s.selection_range.start && s.selection_range.end <= s.range.end,
            "{} selection outside its range",
            s.name
        );
        outline(&s.children, depth + 1, out);
    }
}

#[test]
fn the_outline_of_an_rgd() {
    let mut out = String::new();
    outline(&Analysis::new(RGD).document_symbols(), 0, &mut out);
    assert_eq!(
        out,
        "app Rgd — defines App
  App Schema — kro.run/v1alpha1
    spec Section
      name Field — string
      ingress Field — object
        host Field — string
    status Section
      ready StatusField — ${deployment.status.readyReplicas}
  resources Section
    config Resource — ConfigMap
    deployment Resource — Deployment
    ingress Resource — Ingress
"
    );
}

#[test]
fn every_rgd_of_a_file() {
    let text = format!(
        "{RGD}---\napiVersion: v1\nkind: ConfigMap\n---\n{}",
        RGD.replace("name: app", "name: other")
    );
    let names: Vec<String> = Analysis::new(text)
        .document_symbols()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["app", "other"]);
}
