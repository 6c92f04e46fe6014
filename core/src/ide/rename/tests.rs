//! Rename fixtures: the text after renaming, and the names refused.

use crate::ide::RenameError;
use crate::ide::fixture::{cursor, lines_with};
use crate::ide::navigation::tests::at;

fn rename(fixture: &str, new_name: &str) -> String {
    let (analysis, offset) = cursor(fixture);
    match analysis.rename(offset, new_name) {
        Ok(edits) => {
            let mut text = analysis.text().to_owned();
            for edit in edits.iter().rev() {
                text.replace_range(edit.range.start..edit.range.end, &edit.new_text);
            }
            let ranges: Vec<_> = edits.iter().map(|e| e.range).collect();
            let _ = lines_with(analysis.text(), &ranges);
            text.lines()
                .filter(|l| l.contains(new_name))
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("\n")
        }
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn renames_a_resource_everywhere() {
    assert_eq!(
        rename(&at("deployment.status.readyReplicas > 0}", 0), "web"),
        "ready: ${web.status.readyReplicas}
- id: \"web\"
- ${web.status.readyReplicas > 0}
- ${has(schema.spec.ingress.host) && web.status.readyReplicas > 0}"
    );
}

#[test]
fn rename_leaves_strings_alone() {
    let renamed = rename(&at("config\n", 0), "settings");
    assert_eq!(
        renamed,
        "- id: settings
name: ${settings.metadata.name + \"-\" + schema.spec.ingress.host}"
    );
}

#[test]
fn renames_a_spec_field_and_its_uses() {
    assert_eq!(
        rename(&at("host}", 0), "hostname"),
        "hostname: string
name: ${config.metadata.name + \"-\" + schema.spec.ingress.hostname}
- ${has(schema.spec.ingress.hostname) && deployment.status.readyReplicas > 0}"
    );
}

#[test]
fn refuses_reserved_invalid_and_clashing_names() {
    let fixture = at("config\n", 0);
    assert_eq!(
        rename(&fixture, "schema"),
        "error: `schema` is reserved and cannot name a resource"
    );
    assert_eq!(
        rename(&fixture, "my-config"),
        "error: `my-config` is not a valid resource id: use lowerCamelCase (a lowercase letter, then letters and digits)"
    );
    assert_eq!(
        rename(&fixture, "ingress"),
        "error: another resource already has the id `ingress`"
    );
    assert_eq!(
        rename(&at("host}", 0), "9lives"),
        "error: `9lives` cannot be used in expressions: a field name is letters, digits and `_`, not starting with a digit"
    );
}

#[test]
fn prepare_rename_names_the_text() {
    let (analysis, offset) = cursor(&at("deployment.status.readyReplicas > 0}", 0));
    let target = analysis.prepare_rename(offset).unwrap();
    assert_eq!(target.placeholder, "deployment");
    let (analysis, offset) = cursor(&at("ConfigMap", 0));
    assert_eq!(
        analysis.prepare_rename(offset),
        Err(RenameError::NothingToRename)
    );
}
