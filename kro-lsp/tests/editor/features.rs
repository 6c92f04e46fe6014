//! Completion, hover, navigation, rename, outline and the graph request, as an editor user
//! sees them.

use serde_json::{Value, json};

use crate::client::{Client, position, position_of, range};
use crate::{URI, WEBAPP};

fn at(needle: &str, nth: usize) -> Value {
    json!({"textDocument": {"uri": URI}, "position": position(WEBAPP, needle, nth)})
}

fn opened() -> Client {
    let mut client = Client::start();
    client.open(URI, WEBAPP);
    client.diagnostics(URI);
    client
}

fn labels(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .expect("a completion list")
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect()
}

#[test]
fn completes_spec_fields_while_typing_an_expression() {
    let mut client = opened();
    // Type `${schema.spec.` as the value of a new label, leaving the quote unclosed.
    let line_end = position(WEBAPP, "\n", 23); // end of `name: ${schema.spec.name}-config`
    let typed = "\n          labels:\n            app: \"${schema.spec.";
    client.change(URI, 2, json!({"start": line_end, "end": line_end}), typed);
    let cursor = {
        let text = WEBAPP.replacen("-config\n", &format!("-config{typed}\n"), 1);
        position_of(&text, text.find("spec.\n").unwrap() + "spec.".len())
    };
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": URI}, "position": cursor}),
    );
    assert_eq!(labels(&items), ["name", "image", "replicas", "ingress"]);
    let name = &items[0];
    assert_eq!(name["detail"], "string");
    assert_eq!(name["documentation"]["value"], "Name of the application");
    assert_eq!(
        name["textEdit"],
        json!({"range": {"start": cursor, "end": cursor}, "newText": "name"})
    );
}

#[test]
fn completes_resource_ids_after_the_opening_brace() {
    let mut client = opened();
    // In the service's template, after `${` of `${deployment.spec…}`.
    let mut cursor = position(WEBAPP, "deployment.spec.selector", 0);
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": URI}, "position": cursor.clone()}),
    );
    // Variables first, then the CEL functions.
    assert_eq!(
        labels(&items)[..4],
        ["schema", "config", "deployment", "ingress"]
    );
    assert!(labels(&items)[4..].contains(&"string"));
    assert_eq!(items[4]["kind"], 3); // function
    assert_eq!(items[2]["detail"], "Deployment");
    assert_eq!(items[2]["kind"], 6); // variable
    // The replaced range is the whole word at the cursor.
    let end = cursor["character"].as_u64().unwrap() + "deployment".len() as u64;
    let start = cursor.clone();
    cursor["character"] = end.into();
    assert_eq!(
        items[2]["textEdit"],
        json!({"range": {"start": start, "end": cursor}, "newText": "deployment"})
    );
}

#[test]
fn completes_simple_schema_markers() {
    let mut client = opened();
    let cursor = position(WEBAPP, "\n", 10); // end of `replicas: integer | default=2`
    client.change(URI, 2, json!({"start": cursor, "end": cursor}), " mi");
    let mut after = cursor.clone();
    after["character"] = (cursor["character"].as_u64().unwrap() + 3).into();
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": URI}, "position": after}),
    );
    let labels = labels(&items);
    assert!(
        labels.contains(&"minimum") && labels.contains(&"minItems"),
        "{labels:?}"
    );
    assert!(
        !labels.contains(&"default"),
        "default is already set: {labels:?}"
    );
    let minimum = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "minimum")
        .unwrap();
    assert_eq!(minimum["textEdit"]["newText"], "minimum=");
}

#[test]
fn hover_shows_kind_and_place_in_the_graph() {
    let mut client = opened();
    let hover = client.request("textDocument/hover", at("service.metadata", 0));
    assert_eq!(hover["range"], range(WEBAPP, "service", 2));
    assert_eq!(
        hover["contents"],
        json!({
            "kind": "markdown",
            "value": "```yaml\nid: service\napiVersion: v1\nkind: Service\n```\n\n- wave: 3\n- depends on: `deployment`\n- used by: `ingress`\n",
        })
    );
    let hover = client.request("textDocument/hover", at("ingress\n", 0));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("kind: Ingress"), "{text}");
    assert!(text.contains("- depends on: `service`"), "{text}");
    assert!(
        text.contains("includeWhen:\n- `${schema.spec.ingress.enabled}`"),
        "{text}"
    );
}

#[test]
fn definition_and_references_of_a_resource() {
    let mut client = opened();
    let definition = client.request("textDocument/definition", at("config.metadata", 0));
    assert_eq!(
        definition,
        json!({"uri": URI, "range": range(WEBAPP, "config", 0)})
    );

    // `deployment` is written five times: in status, as the id, twice in its readyWhen and in
    // the service's selector (`kind: Deployment` is not it).
    let mut params = at("deployment\n", 0);
    params["context"] = json!({"includeDeclaration": true});
    let references = client.request("textDocument/references", params.clone());
    let location = |n| json!({"uri": URI, "range": range(WEBAPP, "deployment", n)});
    assert_eq!(
        references,
        json!([
            location(1),
            location(0),
            location(2),
            location(3),
            location(4)
        ])
    );
    params["context"] = json!({"includeDeclaration": false});
    let references = client.request("textDocument/references", params);
    assert_eq!(
        references,
        json!([location(0), location(2), location(3), location(4)])
    );
}

#[test]
fn rename_edits_every_use_and_refuses_reserved_ids() {
    let mut client = opened();
    let prepared = client.request("textDocument/prepareRename", at("service.metadata", 0));
    assert_eq!(
        prepared,
        json!({"range": range(WEBAPP, "service", 2), "placeholder": "service"})
    );
    let mut params = at("service.metadata", 0);
    params["newName"] = json!("frontend");
    let edit = client.request("textDocument/rename", params.clone());
    let replace = |n| json!({"range": range(WEBAPP, "service", n), "newText": "frontend"});
    // The id and its one use; `kind: Service` and the Ingress's `service:` key stay.
    assert_eq!(edit, json!({"changes": {URI: [replace(0), replace(2)]}}));

    params["newName"] = json!("schema");
    let error = client
        .call("textDocument/rename", params.clone())
        .unwrap_err();
    assert_eq!(
        error["message"],
        "`schema` is reserved and cannot name a resource"
    );
    params["newName"] = json!("my-service");
    let error = client.call("textDocument/rename", params).unwrap_err();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("lowerCamelCase"),
        "{error}"
    );

    let error = client
        .call("textDocument/prepareRename", at("apps/v1", 0))
        .unwrap_err();
    assert_eq!(
        error["message"],
        "only resource ids and spec fields can be renamed"
    );
}

#[test]
fn document_symbols_outline_the_rgd() {
    let mut client = opened();
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    );
    fn outline(symbols: &Value, depth: usize, out: &mut String) {
        for s in symbols.as_array().unwrap() {
            let detail = s["detail"]
                .as_str()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{}{}{detail}\n",
                "  ".repeat(depth),
                s["name"].as_str().unwrap()
            ));
            outline(&s["children"], depth + 1, out);
        }
    }
    let mut out = String::new();
    outline(&symbols, 0, &mut out);
    assert_eq!(
        out,
        "webapp (defines WebApp)
  WebApp (kro.run/v1alpha1)
    spec
      name (string)
      image (string)
      replicas (integer)
      ingress (object)
        enabled (boolean)
        host (string)
    status
      availableReplicas (${deployment.status.availableReplicas})
  resources
    config (ConfigMap)
    deployment (Deployment)
    service (Service)
    ingress (Ingress)
"
    );
    assert_eq!(symbols[0]["selectionRange"], range(WEBAPP, "webapp", 0));
}

#[test]
fn graph_request_returns_the_dependency_graph() {
    let mut client = opened();
    let graphs = client.request("kro/graph", json!({"textDocument": {"uri": URI}}));
    let graph = &graphs[0];
    assert_eq!(graph["name"], "webapp");
    assert_eq!(graph["kind"], "WebApp");
    assert_eq!(
        graph["topologicalOrder"],
        json!(["config", "deployment", "service", "ingress"])
    );
    assert_eq!(
        graph["resources"][1],
        json!({
            "id": "deployment",
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "wave": 2,
            "dependencies": ["config"],
            "dependents": ["service"],
            "conditional": false,
            "collection": false,
            "external": false,
        })
    );
    assert_eq!(graph["resources"][3]["conditional"], true);
    // Not an RGD: no graphs.
    client.open("file:///work/other.yaml", "kind: ConfigMap\n");
    let none = client.request(
        "kro/graph",
        json!({"textDocument": {"uri": "file:///work/other.yaml"}}),
    );
    assert_eq!(none, json!([]));
    assert!(client.shutdown().success());
}

#[test]
fn inlay_hints_show_status_field_types() {
    let mut client = opened();
    let hints = client.request(
        "textDocument/inlayHint",
        json!({
            "textDocument": {"uri": URI},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 200, "character": 0}},
        }),
    );
    let after = position(WEBAPP, "\n", 16); // end of `availableReplicas: ${…}`
    assert_eq!(
        hints,
        json!([{
            "position": after,
            "label": "integer",
            "kind": 1,
            "tooltip": "status field type in the generated CRD, from the CEL type `int`",
            "paddingLeft": true,
        }])
    );
}

#[test]
fn completion_and_hover_know_the_kinds_schemas() {
    let mut client = opened();
    // `${deployment.spec.` in the service's selector: a Deployment's spec fields.
    let selector = position(WEBAPP, "selector.matchLabels", 0);
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": URI}, "position": selector}),
    );
    let labels = labels(&items);
    for field in ["replicas", "selector", "template", "strategy"] {
        assert!(labels.contains(&field), "{field} missing from {labels:?}");
    }
    let replicas = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "replicas")
        .unwrap();
    assert_eq!(replicas["detail"], "int");
    // Hover on a selected field shows its type.
    let hover = client.request("textDocument/hover", at("availableReplicas}", 0));
    assert_eq!(
        hover["contents"]["value"],
        "```\ndeployment.status.availableReplicas: int\n```\n"
    );
    assert_eq!(hover["range"], range(WEBAPP, "availableReplicas", 1));
}

/// Semantic tokens decoded with the advertised legend: one line per highlighted line, each
/// token as `text:type` (and `.modifier`s).
fn decode_tokens(client: &Client, text: &str, data: &Value) -> Vec<String> {
    let legend = &client.capabilities["semanticTokensProvider"]["legend"];
    let types = legend["tokenTypes"].as_array().unwrap();
    let modifiers = legend["tokenModifiers"].as_array().unwrap();
    let lines: Vec<&str> = text.split('\n').collect();
    let data: Vec<u64> = data
        .as_array()
        .expect("token data")
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    let mut out: Vec<(u64, Vec<String>)> = Vec::new();
    let (mut line, mut character) = (0, 0);
    for token in data.chunks(5) {
        let &[delta_line, delta_start, length, ty, bits] = token else {
            panic!("token data is not a multiple of 5: {data:?}");
        };
        character = if delta_line == 0 {
            character + delta_start
        } else {
            delta_start
        };
        line += delta_line;
        // Columns count UTF-16 code units.
        let units: Vec<u16> = lines[line as usize].encode_utf16().collect();
        let word =
            String::from_utf16(&units[character as usize..(character + length) as usize]).unwrap();
        let mut name = format!("{word}:{}", types[ty as usize].as_str().unwrap());
        for (i, m) in modifiers.iter().enumerate() {
            if bits & (1 << i) != 0 {
                name.push('.');
                name.push_str(m.as_str().unwrap());
            }
        }
        match out.last_mut() {
            Some((l, items)) if *l == line => items.push(name),
            _ => out.push((line, vec![name])),
        }
    }
    out.into_iter().map(|(_, items)| items.join(" ")).collect()
}

#[test]
fn semantic_tokens_colour_cel_inside_strings_only() {
    let mut client = opened();
    let full = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": URI}}),
    );
    let lines = decode_tokens(&client, WEBAPP, &full["data"]);
    let schema_name =
        "${:keyword schema:variable.defaultLibrary.readonly spec:property name:property }:keyword";
    assert_eq!(
        lines[..4],
        [
            // status: the first string holding an expression; no YAML key is coloured.
            "${:keyword deployment:variable.readonly status:property availableReplicas:property }:keyword",
            schema_name, // metadata.name of the ConfigMap
            schema_name, // after the 😀: columns count UTF-16 code units
            "${:keyword deployment:variable.readonly status:property availableReplicas:property ==:operator deployment:variable.readonly spec:property replicas:property }:keyword",
        ]
    );
    assert_eq!(lines.len(), 14, "{lines:#?}");

    // A range gets the tokens it overlaps.
    let readiness = range(WEBAPP, "availableReplicas == deployment", 0);
    let ranged = client.request(
        "textDocument/semanticTokens/range",
        json!({"textDocument": {"uri": URI}, "range": readiness}),
    );
    let decoded = decode_tokens(&client, WEBAPP, &ranged["data"]);
    assert_eq!(
        decoded,
        ["availableReplicas:property ==:operator deployment:variable.readonly"]
    );
    assert_eq!(ranged["data"][0], readiness["start"]["line"]); // the first line is absolute

    // An expression running across lines of a block scalar: one token per line, none over
    // the indentation.
    let block = "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: block
spec:
  schema:
    apiVersion: v1alpha1
    kind: Block
  resources:
    - id: cm
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: x
        data:
          script: |
            echo ${'''é and
              more''' + cm.metadata.name}
";
    client.open("file:///work/block.yaml", block);
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": "file:///work/block.yaml"}}),
    );
    assert_eq!(
        decode_tokens(&client, block, &tokens["data"]),
        [
            "${:keyword '''é and:string",
            "more''':string +:operator cm:variable.readonly metadata:property name:property }:keyword",
        ]
    );

    // Other YAML, with `${…}` or not, is left to other servers.
    client.open(
        "file:///work/cm.yaml",
        "kind: ConfigMap\ndata:\n  a: ${x.y}\n",
    );
    let none = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": "file:///work/cm.yaml"}}),
    );
    assert_eq!(none, Value::Null);
}

#[test]
fn code_lenses_show_each_resource_in_the_graph() {
    let mut client = opened();
    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": URI}}),
    );
    // Anchored on the id's name in `- id: <name>`.
    let lens = |id: &str, title: &str, command: &str| {
        let offset = WEBAPP.find(&format!("id: {id}\n")).unwrap() + "id: ".len();
        let range = json!({"start": position_of(WEBAPP, offset), "end": position_of(WEBAPP, offset + id.len())});
        json!({"range": range, "command": {"title": title, "command": command}})
    };
    let expected = vec![
        lens("config", "wave 1 · used by: deployment", "kro.showGraph"),
        lens(
            "deployment",
            "wave 2 · depends on: config · used by: service",
            "kro.showGraph",
        ),
        lens(
            "service",
            "wave 3 · depends on: deployment · used by: ingress",
            "kro.showGraph",
        ),
        lens("ingress", "wave 4 · depends on: service", "kro.showGraph"),
        // A marker is a label: its empty command is not clickable.
        lens("ingress", "conditional (includeWhen)", ""),
    ];
    assert_eq!(lenses, Value::Array(expected));
    assert_eq!(
        client.capabilities["codeLensProvider"]["resolveProvider"],
        false
    );
}

#[test]
fn code_action_adds_missing_required_template_fields() {
    let mut client = opened();
    // The Deployment's spec has no `selector`, which apps/v1 requires.
    let at = position(WEBAPP, "replicas: ${schema.spec.replicas}", 0);
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": URI},
            "range": {"start": at, "end": at},
            "context": {"diagnostics": []},
        }),
    );
    // After the spec's last line, at the spec's indentation.
    let last = "name: ${config.metadata.name}";
    let end = position_of(WEBAPP, WEBAPP.find(last).unwrap() + last.len());
    assert_eq!(
        actions,
        json!([{
            "title": "add missing required fields: `selector`",
            "kind": "quickfix",
            "isPreferred": false,
            "edit": {"changes": {URI: [{
                "range": {"start": end, "end": end},
                "newText": "\n          selector: {}",
            }]}},
        }])
    );
    // The ConfigMap requires nothing.
    let at = position(WEBAPP, "APP_NAME", 0);
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": URI},
            "range": {"start": at, "end": at},
            "context": {"diagnostics": []},
        }),
    );
    assert_eq!(actions, json!([]));
}
