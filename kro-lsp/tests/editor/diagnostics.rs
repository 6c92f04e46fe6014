//! Diagnostics as the problems panel shows them, following edits.

use std::time::Duration;

use serde_json::json;

use crate::client::{Client, position, range};
use crate::{URI, WEBAPP};

#[test]
fn diagnostics_follow_incremental_edits() {
    let mut client = Client::start();
    let broken = WEBAPP.replace("- id: config", "- id: my-config");
    client.open(URI, &broken);
    let published = client.diagnostics(URI);
    assert_eq!(
        published,
        json!({
            "uri": URI,
            "version": 1,
            "diagnostics": [{
                "range": {"start": {"line": 18, "character": 10}, "end": {"line": 18, "character": 19}},
                "severity": 1,
                "code": "invalid-resource-id",
                "source": "kro",
                "message": "resource id `my-config` must be lowerCamelCase: a lowercase letter, then letters and digits (e.g. `myConfig`)",
            }, {
                // The deployment still reads `config`, which no longer exists.
                "range": {"start": {"line": 43, "character": 32}, "end": {"line": 43, "character": 38}},
                "severity": 1,
                "code": "cel-unknown-identifier",
                "source": "kro",
                "message": "unknown identifier `config`; did you mean `my-config`?",
            }],
        })
    );

    // Fix it: replace `my-config` by `config`.
    client.change(URI, 2, range(&broken, "my-config", 0), "config");
    assert_eq!(
        client.diagnostics(URI),
        json!({"uri": URI, "version": 2, "diagnostics": []})
    );

    // Break it again with a typo in a field name, offering a quick fix.
    client.change(URI, 3, range(WEBAPP, "template", 1), "tempalte");
    let published = client.diagnostics(URI);
    let typo = range(WEBAPP, "template", 1);
    assert_eq!(
        published,
        json!({
            "uri": URI,
            "version": 3,
            "diagnostics": [{
                "range": {"start": {"line": 26, "character": 10}, "end": {"line": 26, "character": 20}},
                "severity": 1,
                "code": "template-or-external-ref",
                "source": "kro",
                "message": "resource `deployment` needs a `template` (an object to create) or an `externalRef` (an object to read)",
            }, {
                "range": typo,
                "severity": 1,
                "code": "rgd-unknown-field",
                "source": "kro",
                "message": "a resource has no field `tempalte`; did you mean `template`?",
            }],
        })
    );
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": URI},
            "range": {"start": typo["start"], "end": typo["start"]},
            "context": {"diagnostics": []},
        }),
    );
    assert_eq!(actions.as_array().unwrap().len(), 1, "{actions}");
    assert_eq!(actions[0]["title"], "change to `template`");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(
        actions[0]["edit"]["changes"][URI],
        json!([{"range": typo, "newText": "template"}])
    );
    assert_eq!(actions[0]["diagnostics"][0]["code"], "rgd-unknown-field");
    assert!(client.shutdown().success());
}

#[test]
fn related_locations_are_reported() {
    let mut client = Client::start();
    let text = WEBAPP.replace("  name: webapp\n", "  name: webapp\n  name: again\n");
    client.open(URI, &text);
    let published = client.diagnostics(URI);
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(diagnostic["code"], "yaml-duplicate-key");
    assert_eq!(
        diagnostic["message"],
        "`name` is already a key of this mapping"
    );
    assert_eq!(diagnostic["range"], range(&text, "name", 1));
    assert_eq!(
        diagnostic["relatedInformation"],
        json!([{
            "location": {"uri": URI, "range": range(&text, "name", 0)},
            "message": "first defined here",
        }])
    );
}

#[test]
fn columns_are_utf16_after_emoji_and_accents() {
    let mut client = Client::start();
    let text = WEBAPP.replace(
        "metadata:\n  name: webapp\n",
        "metadata: {name: \"café😀\", nmae: x}\n",
    );
    client.open(URI, &text);
    let published = client.diagnostics(URI);
    // `nmae` is the 27th UTF-16 unit of line 2 (26th character, 30th byte).
    assert_eq!(
        published["diagnostics"][0]["range"],
        json!({"start": {"line": 2, "character": 27}, "end": {"line": 2, "character": 31}})
    );
    assert_eq!(
        published["diagnostics"][0]["message"],
        "metadata has no field `nmae`; did you mean `name`?"
    );
    // Positions sent by the editor are UTF-16 too: `name` after the emoji of `APP_NAME`.
    let at = position(&text, "name}\"", 0);
    assert_eq!(at, json!({"line": 24, "character": 38}));
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": URI}, "position": at}),
    );
    let key = position(&text, "name: string", 0);
    let key_end = json!({"line": key["line"], "character": key["character"].as_u64().unwrap() + 4});
    assert_eq!(
        definition,
        json!({"uri": URI, "range": {"start": key, "end": key_end}})
    );
}

#[test]
fn other_yaml_gets_no_diagnostics() {
    let mut client = Client::start();
    let other = "file:///work/configmap.yaml";
    client.open(other, "apiVersion: v1\nkind: ConfigMap\ndata: [\n");
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": other}, "position": {"line": 2, "character": 0}}),
    );
    assert_eq!(completion, serde_json::Value::Null);
    // An RGD opened after it gets its diagnostics; the ConfigMap never gets any.
    client.open(URI, WEBAPP);
    assert_eq!(client.diagnostics(URI)["diagnostics"], json!([]));
    let rest = client.drain_notifications(Duration::from_millis(300));
    assert!(
        rest.iter().all(|n| n["params"]["uri"] != other),
        "diagnostics for a non-RGD file: {rest:?}"
    );
}

#[test]
fn a_file_that_stops_being_an_rgd_is_cleared() {
    let mut client = Client::start();
    let text = WEBAPP.replace("- id: config", "- id: my-config");
    client.open(URI, &text);
    let codes: Vec<String> = client.diagnostics(URI)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, ["invalid-resource-id", "cel-unknown-identifier"]);
    client.change(
        URI,
        2,
        range(&text, "ResourceGraphDefinition", 0),
        "ConfigMap",
    );
    assert_eq!(
        client.diagnostics(URI),
        json!({"uri": URI, "version": 2, "diagnostics": []})
    );
}

#[test]
fn multi_document_files() {
    let mut client = Client::start();
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unrelated\n---\n{}",
        WEBAPP.replace("      includeWhen:", "      includWhen:")
    );
    client.open(URI, &text);
    let published = client.diagnostics(URI);
    assert_eq!(
        published["diagnostics"],
        json!([{
            "range": range(&text, "includWhen", 0),
            "severity": 1,
            "code": "rgd-unknown-field",
            "source": "kro",
            "message": "a resource has no field `includWhen`; did you mean `includeWhen`?",
        }])
    );
}

#[test]
fn edits_are_applied_in_order() {
    let mut client = Client::start();
    client.open(URI, WEBAPP);
    client.diagnostics(URI);
    // Type `-x` after `config` one character at a time, then delete it again.
    let at = position(WEBAPP, "config\n", 0);
    let mut version = 1;
    let mut column = at["character"].as_u64().unwrap() + 6;
    for c in ["-", "x"] {
        version += 1;
        let p = json!({"line": at["line"], "character": column});
        client.change(URI, version, json!({"start": p, "end": p}), c);
        column += 1;
    }
    let typed = client.diagnostics_of_version(URI, version);
    assert_eq!(
        typed["diagnostics"][0]["message"],
        "resource id `config-x` must be lowerCamelCase: a lowercase letter, then letters and digits (e.g. `configX`)"
    );
    version += 1;
    let start = json!({"line": at["line"], "character": column - 2});
    let end = json!({"line": at["line"], "character": column});
    client.change(URI, version, json!({"start": start, "end": end}), "");
    let published = client.diagnostics_of_version(URI, version);
    assert_eq!(
        published,
        json!({"uri": URI, "version": version, "diagnostics": []})
    );
}

#[test]
fn exit_without_shutdown_is_a_failure() {
    let client = Client::start();
    assert_eq!(client.exit_abruptly().code(), Some(1));
}

#[test]
fn survives_malformed_input() {
    let mut client = Client::start();
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    client.open(
        URI,
        "kind: ResourceGraphDefinition\nspec: {schema: [\x00\u{feff}\n  - ${{{\n",
    );
    client.diagnostics(URI);
    // Edits past the end of the text, and inverted ranges, are clamped.
    client.change(
        URI,
        2,
        json!({"start": {"line": 99, "character": 0}, "end": {"line": 1, "character": 9999}}),
        "\n  resources: [",
    );
    client.diagnostics(URI);
    for line in 0..4 {
        for character in [0, 1, 5, 200] {
            let position = json!({"line": line, "character": character});
            let doc = json!({"textDocument": {"uri": URI}, "position": position});
            client.request("textDocument/completion", doc.clone());
            client.request("textDocument/hover", doc.clone());
            client.request("textDocument/definition", doc);
        }
    }
    client.open(URI, WEBAPP);
    assert_eq!(client.diagnostics(URI)["diagnostics"], json!([]));
    assert!(client.shutdown().success());
}
