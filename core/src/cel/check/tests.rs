use serde_json::json;

use super::*;
use crate::cel::fixture::{self, Components};
use crate::cel::{Context, Env, check_string};
use crate::syntax::PathSegment;

/// Checks `expr` in `context` of the fixture environment.
fn run(context: Context<'_>, expr: &str, expected: Expected) -> Checked {
    let source = fixture::components();
    let env = fixture::env(&source);
    check(expr, &env.scope(context), &expected)
}

/// The type of an expression that must check cleanly in `deployment`'s template.
fn ty(expr: &str) -> String {
    let c = run(Context::Template("deployment"), expr, Expected::Any);
    assert!(c.is_ok(), "`{expr}` failed: {:?}", c.diagnostics);
    c.ty.to_string()
}

/// The single error of an expression: code, message and the text its range covers.
fn err_in(context: Context<'_>, expr: &str, expected: Expected) -> (Code, String, String) {
    let c = run(context, expr, expected);
    let d = c
        .diagnostics
        .first()
        .unwrap_or_else(|| panic!("`{expr}` checked without errors as {}", c.ty));
    assert_eq!(
        c.diagnostics.len(),
        1,
        "`{expr}`: expected one diagnostic, got {:?}",
        c.diagnostics
    );
    let covered = expr[d.range.start..d.range.end].to_owned();
    (d.code, d.message.clone(), covered)
}

fn err(expr: &str) -> (Code, String, String) {
    err_in(Context::Template("deployment"), expr, Expected::Any)
}

#[test]
fn fields_are_typed_from_schemas() {
    assert_eq!(ty("schema.spec.replicas"), "int");
    assert_eq!(ty("schema.spec.name + '-x'"), "string");
    assert_eq!(ty("schema.spec.ratio"), "double");
    assert_eq!(ty("schema.spec.enabled"), "bool");
    assert_eq!(ty("schema.spec.created"), "timestamp");
    assert_eq!(ty("schema.spec.port"), "dyn");
    assert_eq!(ty("schema.spec.labels"), "map(string, string)");
    assert_eq!(ty("schema.spec.regions"), "list(string)");
    assert_eq!(ty("schema.spec.ports"), "list(WebApp.spec.ports[])");
    assert_eq!(ty("schema.spec.ports[0].port"), "int");
    assert_eq!(ty("schema.spec.extra.anything.deeper"), "dyn");
    assert_eq!(ty("schema.spec.my__dash__field"), "string");
    assert_eq!(ty("schema.metadata.namespace"), "string");
    assert_eq!(ty("schema.metadata.labels['team']"), "string");
    assert_eq!(ty("schema.kind"), "string");
    assert_eq!(ty("deployment"), "Deployment");
    assert_eq!(ty("deployment.spec"), "DeploymentSpec");
    assert_eq!(ty("deployment.status.availableReplicas"), "int");
    assert_eq!(ty("deployment.metadata.creationTimestamp"), "timestamp");
    assert_eq!(
        ty("deployment.spec.template.spec.containers[0].image"),
        "string"
    );
    assert_eq!(
        ty("deployment.spec.selector.matchLabels"),
        "map(string, string)"
    );
    assert_eq!(ty("service.spec.ports[0].targetPort"), "dyn");
    assert_eq!(ty("bucket.status.arn"), "string");
    assert_eq!(ty("bucket.status.anythingElse"), "dyn");
    assert_eq!(ty("bucket.metadata.name"), "string");
    assert_eq!(ty("workers"), "list(Deployment)");
    assert_eq!(ty("workers[0].status.readyReplicas"), "int");
    assert_eq!(ty("legacy.spec.whatever[3].x"), "dyn");
    assert_eq!(
        ty("schema.spec.tree.children[0].children[1].name"),
        "string"
    );
}

#[test]
fn operators_and_standard_functions() {
    assert_eq!(ty("schema.spec.replicas * 2 + 1"), "int");
    assert_eq!(ty("schema.spec.ratio * 2.0"), "double");
    assert_eq!(ty("1 < 2.5"), "bool");
    assert_eq!(ty("1 == 1.0"), "bool");
    assert_eq!(ty("schema.spec.name in ['a', 'b']"), "bool");
    assert_eq!(ty("'app' in schema.spec.labels"), "bool");
    assert_eq!(
        ty("!schema.spec.enabled || schema.spec.replicas > 1"),
        "bool"
    );
    assert_eq!(
        ty("schema.spec.enabled ? schema.spec.name : 'none'"),
        "string"
    );
    assert_eq!(ty("schema.spec.enabled ? deployment : null"), "Deployment");
    assert_eq!(ty("size(schema.spec.regions)"), "int");
    assert_eq!(ty("schema.spec.labels.size()"), "int");
    assert_eq!(ty("string(schema.spec.replicas)"), "string");
    assert_eq!(ty("int(schema.spec.port)"), "int");
    assert_eq!(ty("type(schema.spec.port) == int"), "bool");
    assert_eq!(
        ty("schema.spec.name.startsWith('a') && schema.spec.name.matches('^[a-z]+$')"),
        "bool"
    );
    assert_eq!(
        ty("timestamp('2024-01-01T00:00:00Z') + duration('1h')"),
        "timestamp"
    );
    assert_eq!(
        ty("deployment.metadata.creationTimestamp.getFullYear()"),
        "int"
    );
    assert_eq!(ty("schema.spec.extra.a + schema.spec.extra.b"), "dyn");
    assert_eq!(ty("schema.spec.extra.count + 1"), "int");
    assert_eq!(ty("[1, 'a']"), "list(dyn)");
    assert_eq!(ty("[]"), "list(dyn)");
    assert_eq!(ty("{'a': 1, 'b': 2}"), "map(string, int)");
    assert_eq!(ty("schema.spec.regions + ['x']"), "list(string)");
}

#[test]
fn unknown_identifiers_suggest_the_closest_name() {
    let (code, message, covered) = err("deploymnet.status.availableReplicas");
    assert_eq!(code, Code::CelUnknownIdentifier);
    assert_eq!(
        message,
        "unknown identifier `deploymnet`; did you mean `deployment`?"
    );
    assert_eq!(covered, "deploymnet");
    let c = run(Context::Template("deployment"), "deploymnet", Expected::Any);
    let fix = c.diagnostics[0].fix.as_ref().unwrap();
    assert_eq!(fix.edits[0].new_text, "deployment");
    assert_eq!(fix.edits[0].range, TextRange::new(0, 10));

    let (_, message, _) = err("nothingLikeIt + 1");
    assert_eq!(message, "unknown identifier `nothingLikeIt`");
}

#[test]
fn unknown_fields_point_at_the_field_name() {
    let (code, message, covered) = err("schema.spec.nmae + 'x'");
    assert_eq!(code, Code::CelUnknownField);
    assert_eq!(
        message,
        "undefined field `nmae` on `schema.spec`; did you mean `name`?"
    );
    assert_eq!(covered, "nmae");
    let (_, message, covered) = err("deployment.status.availableReplica");
    assert_eq!(
        message,
        "undefined field `availableReplica` on `deployment.status`; did you mean `availableReplicas`?"
    );
    assert_eq!(covered, "availableReplica");
    let (_, message, _) = err("schema.spec.ports[0].zzz");
    assert_eq!(
        message,
        "undefined field `zzz` on `schema.spec.ports[0]` (fields: name, port)"
    );
    let (_, message, _) = err("schema.spec.replicas.value");
    assert_eq!(message, "cannot select field `value`: int has no fields");
    let (_, message, _) = err("schema.status.ready");
    assert_eq!(
        message,
        "`schema.status` is not available: expressions see the instance without its status"
    );
    // Unknown fields of resources without a schema cannot be known.
    assert_eq!(ty("legacy.nope"), "dyn");
}

#[test]
fn unknown_functions_suggest_the_closest_function() {
    let (code, message, covered) = err("schema.spec.name.lowerAcsii()");
    assert_eq!(code, Code::CelUnknownFunction);
    assert_eq!(
        message,
        "unknown function `lowerAcsii`; did you mean `lowerAscii`?"
    );
    assert_eq!(covered, "lowerAcsii");
    let (_, message, covered) = err("bas64.encode(b'abc')");
    assert_eq!(
        message,
        "unknown function `bas64.encode`; did you mean `base64.encode`?"
    );
    assert_eq!(covered, "bas64.encode");
    let (_, message, covered) = err("sizee(schema.spec.regions)");
    assert_eq!(message, "unknown function `sizee`; did you mean `size`?");
    assert_eq!(covered, "sizee");
    let (_, message, _) = err("json.marshall(schema.spec)");
    assert_eq!(
        message,
        "unknown function `json.marshall`; did you mean `json.marshal`?"
    );
}

#[test]
fn overload_errors_name_the_expression_and_types() {
    let (code, message, covered) = err("schema.spec.replicas + 'x'");
    assert_eq!(code, Code::CelNoOverload);
    assert_eq!(
        message,
        "expression `schema.spec.replicas + 'x'`: no matching overload for `_+_` with (int, string)"
    );
    assert_eq!(covered, "schema.spec.replicas + 'x'");
    let (_, message, _) = err("schema.spec.name.substring('a')");
    assert!(
        message.starts_with(
            "expression `schema.spec.name.substring('a')`: no matching overload for `substring` with (string, string)"
        ),
        "{message}"
    );
    let (_, message, _) = err("schema.spec.name.split()");
    assert_eq!(message, "`split` takes 1 or 2 arguments, got 0");
    let (_, message, _) = err("schema.spec.replicas == '3'");
    assert!(message.contains("no matching overload for `_==_` with (int, string)"));
    let (_, message, _) = err("schema.spec.enabled ? 1 : 'a'");
    assert!(message.ends_with("the branches of `?:` have different types, int and string"));
    let (_, message, _) = err("contains('a', 'b')");
    assert_eq!(
        message,
        "`contains` is a method: call it on a value, as `x.contains(…)`"
    );
}

#[test]
fn syntax_errors_have_exact_ranges() {
    let c = run(
        Context::Template("deployment"),
        "schema.spec.name +",
        Expected::Any,
    );
    assert_eq!(c.diagnostics.len(), 1);
    assert_eq!(c.diagnostics[0].code, Code::CelSyntax);
    assert_eq!(c.diagnostics[0].range, TextRange::new(18, 18));
    let c = run(Context::Template("deployment"), "f(,)", Expected::Any);
    assert_eq!(c.diagnostics[0].range, TextRange::new(2, 3));
    assert_eq!(c.diagnostics[0].message, "unexpected `,`");
}

#[test]
fn standalone_values_must_fit_the_field() {
    let field = |expr: &str, target: Type| {
        run(
            Context::Template("deployment"),
            expr,
            Expected::Field(target),
        )
    };
    let c = field("schema.spec.replicas", Type::String);
    assert_eq!(c.diagnostics.len(), 1);
    assert_eq!(c.diagnostics[0].code, Code::CelTypeMismatch);
    assert_eq!(
        c.diagnostics[0].message,
        "expression `schema.spec.replicas` returns int, but the field expects string"
    );
    assert!(field("schema.spec.replicas", Type::Int).is_ok());
    assert!(
        field("schema.spec.replicas", Type::Double).is_ok(),
        "int fits a number"
    );
    assert!(
        field("schema.spec.port", Type::Int).is_ok(),
        "dyn fits anything"
    );
    assert!(
        field("schema.spec.?image", Type::String).is_ok(),
        "optional fits its value"
    );
    assert!(
        field("schema.spec.created", Type::String).is_ok(),
        "timestamps are strings on the wire"
    );
    assert!(field("null", Type::Int).is_ok(), "null clears the field");
    assert!(field("omit()", Type::Int).is_ok());
    assert!(!field("schema.spec.name", Type::Int).is_ok());
    assert!(!field("schema.spec.ratio", Type::Int).is_ok());
    let c = field("hash.sha256(schema.spec.name)", Type::String);
    assert!(
        c.diagnostics[0].message.contains("base64.encode"),
        "{:?}",
        c.diagnostics
    );
    assert!(field("schema.spec.regions", Type::list(Type::String)).is_ok());
    let c = field("schema.spec.regions", Type::list(Type::Int));
    assert_eq!(
        c.diagnostics[0].message,
        "expression `schema.spec.regions` returns list(string), but the field expects list(int); list items do not fit"
    );
    assert!(
        field(
            "{'app': schema.spec.name}",
            Type::map(Type::String, Type::String)
        )
        .is_ok()
    );
    // Objects fit structurally.
    let source = fixture::components();
    let env = fixture::env(&source);
    let selector = env
        .field_type(
            "deployment",
            &[
                PathSegment::Key("spec".into()),
                PathSegment::Key("selector".into()),
            ],
        )
        .unwrap();
    let scope = env.scope(Context::Template("deployment"));
    let ok = |e: &str| check(e, &scope, &Expected::Field(selector.clone())).is_ok();
    assert!(ok("workers[0].spec.selector"));
    assert!(ok("{'matchLabels': {'app': schema.spec.name}}"));
    assert!(!ok("{'matchLabels': 3}"));
    assert!(!ok("schema.spec.ports[0]"));
}

#[test]
fn template_strings_check_pieces_and_the_whole() {
    let source = fixture::components();
    let env = fixture::env(&source);
    let scope = env.scope(Context::Template("deployment"));
    let c = check_string(
        "app-${schema.spec.name}",
        &scope,
        &Expected::Field(Type::String),
    );
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    assert_eq!(c.ty, Some(Type::String));

    let c = check_string(
        "app-${schema.spec.replicas}",
        &scope,
        &Expected::Field(Type::String),
    );
    assert_eq!(c.diagnostics.len(), 1);
    let d = &c.diagnostics[0];
    assert_eq!(
        d.message,
        "expression `schema.spec.replicas` returns int, but only strings can be interpolated; convert it with string(…)"
    );
    assert_eq!(
        &"app-${schema.spec.replicas}"[d.range.start..d.range.end],
        "schema.spec.replicas"
    );

    let c = check_string(
        "${schema.spec.replicas}0",
        &scope,
        &Expected::Field(Type::Int),
    );
    assert_eq!(c.diagnostics.len(), 2);
    assert!(c.diagnostics[1].message.contains("the field expects int"));

    let c = check_string(
        "${schema.spec.replicas}",
        &scope,
        &Expected::Field(Type::Int),
    );
    assert!(c.diagnostics.is_empty());
    assert_eq!(c.ty, Some(Type::Int));

    let c = check_string("x-${deploymnet.metadata.name}", &scope, &Expected::Any);
    let d = &c.diagnostics[0];
    assert_eq!(
        &"x-${deploymnet.metadata.name}"[d.range.start..d.range.end],
        "deploymnet"
    );
    assert_eq!(
        d.fix.as_ref().unwrap().edits[0].range,
        TextRange::new(4, 14)
    );

    let c = check_string(
        "${deployment.status.availableReplicas} of ${service.spec.clusterIP}",
        &scope,
        &Expected::Any,
    );
    assert!(!c.diagnostics.is_empty(), "int is not interpolated");
    assert_eq!(c.resources(), ["deployment", "service"]);

    let c = check_string("plain", &scope, &Expected::Field(Type::Int));
    assert_eq!(c.ty, None);
    assert!(c.diagnostics.is_empty());

    // Conditions and forEach take exactly one expression.
    let when = env.scope(Context::IncludeWhen("deployment"));
    let c = check_string("${schema.spec.enabled}", &when, &Expected::Bool);
    assert!(c.diagnostics.is_empty());
    let c = check_string("on-${schema.spec.enabled}", &when, &Expected::Bool);
    assert_eq!(
        c.diagnostics.len(),
        2,
        "a bool piece, and a string that is not a condition"
    );
    assert!(
        c.diagnostics[1]
            .message
            .contains("a condition must be bool")
    );
}

#[test]
fn status_conditions_must_come_from_new_condition() {
    let ok = run(
        Context::StatusConditions,
        "runtime.newCondition({type: 'Ready', status: 'True'})",
        Expected::StatusCondition,
    );
    assert!(ok.is_ok(), "{:?}", ok.diagnostics);
    let (code, message, _) = err_in(
        Context::StatusConditions,
        "{'type': 'Ready', 'status': 'True'}",
        Expected::StatusCondition,
    );
    assert_eq!(code, Code::CelTypeMismatch);
    assert!(message.contains("runtime.newCondition"), "{message}");
}

#[test]
fn iterator_types_come_from_foreach_lists() {
    assert_eq!(Type::list(Type::String).element_type(), Some(Type::String));
    assert_eq!(Type::Dyn.element_type(), Some(Type::Dyn));
    assert_eq!(Type::list(Type::Unresolved).element_type(), Some(Type::Dyn));
    assert_eq!(Type::Int.element_type(), None);
}

#[test]
fn conditions_must_be_bool_and_foreach_a_list() {
    let when = |e: &str| run(Context::IncludeWhen("deployment"), e, Expected::Bool);
    assert!(when("schema.spec.enabled").is_ok());
    assert!(
        when("schema.spec.?enabled").is_ok(),
        "optional(bool) is a condition"
    );
    assert!(
        when("schema.spec.extra.flag").is_ok(),
        "dyn is checked when it runs"
    );
    assert!(when("service.spec.clusterIP != ''").is_ok());
    let (code, message, _) = err_in(
        Context::IncludeWhen("deployment"),
        "schema.spec.name",
        Expected::Bool,
    );
    assert_eq!(code, Code::CelTypeMismatch);
    assert_eq!(
        message,
        "expression `schema.spec.name` returns string, but a condition must return bool"
    );
    let each = |e: &str| run(Context::ForEach("workers"), e, Expected::List);
    let c = each("schema.spec.regions");
    assert!(c.is_ok());
    assert_eq!(c.ty.list_element(), Some(&Type::String));
    assert!(each("lists.range(schema.spec.replicas)").is_ok());
    let (_, message, _) = err_in(
        Context::ForEach("workers"),
        "schema.spec.labels",
        Expected::List,
    );
    assert_eq!(
        message,
        "expression `schema.spec.labels` returns map(string, string), but forEach needs a list"
    );
}

#[test]
fn iterators_are_only_visible_in_their_template() {
    let c = run(
        Context::Template("workers"),
        "region + '-' + schema.spec.name",
        Expected::Any,
    );
    assert!(c.is_ok(), "{:?}", c.diagnostics);
    assert_eq!(c.references[0].kind, VariableKind::Iterator);
    let (code, message, covered) = err("region");
    assert_eq!(code, Code::CelOutOfScope);
    assert_eq!(
        message,
        "`region` is a forEach iterator of `workers`; it is only available in that resource's template"
    );
    assert_eq!(covered, "region");
    let (_, message, _) = err_in(Context::ForEach("workers"), "[region]", Expected::List);
    assert_eq!(
        message,
        "`region` is an iterator of `workers`; forEach expressions cannot use iterators"
    );
    let (_, message, _) = err_in(Context::Status, "region", Expected::Any);
    assert!(message.starts_with("`region` is a forEach iterator of `workers`"));
}

#[test]
fn ready_when_sees_only_its_resource_or_each() {
    let ready = |id, e: &str| run(Context::ReadyWhen(id), e, Expected::Bool);
    assert!(
        ready(
            "deployment",
            "deployment.status.availableReplicas == deployment.spec.replicas"
        )
        .is_ok()
    );
    assert!(ready("workers", "each.status.readyReplicas > 0").is_ok());
    let (code, message, _) = err_in(
        Context::ReadyWhen("deployment"),
        "schema.spec.replicas > 0",
        Expected::Bool,
    );
    assert_eq!(code, Code::CelOutOfScope);
    assert_eq!(
        message,
        "readyWhen of `deployment` can only reference `deployment` itself, not `schema`"
    );
    let (_, message, _) = err_in(
        Context::ReadyWhen("workers"),
        "workers.size() > 0",
        Expected::Bool,
    );
    assert_eq!(
        message,
        "readyWhen of `workers` can only reference `each` (the item being checked), not `workers`"
    );
    let (_, message, _) = err_in(
        Context::ReadyWhen("deployment"),
        "each.ready",
        Expected::Bool,
    );
    assert_eq!(
        message,
        "`each` is only available in readyWhen of a collection (a resource with forEach)"
    );
    let (_, message, _) = err("each");
    assert!(message.starts_with("`each` is only available"));
}

#[test]
fn runtime_is_only_available_in_status_conditions() {
    let cond = "runtime.newCondition({type: 'Ready', status: deployment.status.readyReplicas > 0 ? 'True' : 'False', reason: 'Pods', message: ''})";
    let c = run(Context::StatusConditions, cond, Expected::Any);
    assert!(c.is_ok(), "{:?}", c.diagnostics);
    assert_eq!(c.ty.to_string(), "Condition");
    let c = run(
        Context::StatusConditions,
        "runtime.condition(deployment, 'Available').status == 'True'",
        Expected::Any,
    );
    assert!(c.is_ok(), "{:?}", c.diagnostics);
    let (code, message, _) = err_in(Context::Status, cond, Expected::Any);
    assert_eq!(code, Code::CelOutOfScope);
    assert_eq!(
        message,
        "`runtime` is only available in status `conditions`"
    );

    let bad = |e: &str| err_in(Context::StatusConditions, e, Expected::Any);
    let (code, message, covered) = bad("runtime.newCondition({type: 'A', stauts: 'True'})");
    assert_eq!(code, Code::CelInvalidArgument);
    assert!(message.contains("unknown key `stauts`"), "{message}");
    assert!(message.ends_with("did you mean `status`?"));
    assert_eq!(covered, "stauts");
    let c = run(
        Context::StatusConditions,
        "runtime.newCondition({type: 'A'})",
        Expected::Any,
    );
    assert_eq!(
        c.diagnostics[0].message,
        "runtime.newCondition: `status` is required"
    );
    let (_, message, _) = bad("runtime.newCondition({type: 'A', status: 'Yes'})");
    assert_eq!(
        message,
        "condition status must be `True`, `False` or `Unknown`, not `Yes`"
    );
}

#[test]
fn optional_chaining() {
    assert_eq!(ty("schema.spec.?image"), "optional(string)");
    assert_eq!(ty("schema.spec.?image.orValue('nginx')"), "string");
    assert_eq!(ty("schema.spec.?tree.?name.orValue('')"), "string");
    assert_eq!(
        ty("deployment.status.?conditions.orValue([])"),
        "list(DeploymentCondition)"
    );
    assert_eq!(ty("schema.spec.labels[?'app'].orValue('none')"), "string");
    assert_eq!(ty("schema.spec.regions[?0]"), "optional(string)");
    assert_eq!(ty("optional.of(1).value()"), "int");
    assert_eq!(ty("optional.none().hasValue()"), "bool");
    assert_eq!(
        ty("schema.spec.?image.or(optional.of('x')).value()"),
        "string"
    );
    assert_eq!(ty("[?schema.spec.?image, 'a']"), "list(string)");
    assert_eq!(ty("{?'image': schema.spec.?image}"), "map(string, string)");
    assert_eq!(
        ty("schema.spec.?image.optMap(i, i.size())"),
        "optional(int)"
    );
}

#[test]
fn macros() {
    assert_eq!(ty("has(schema.spec.image)"), "bool");
    assert_eq!(ty("schema.spec.ports.map(p, p.port)"), "list(int)");
    assert_eq!(
        ty("schema.spec.regions.map(r, r != '', r.size())"),
        "list(int)"
    );
    assert_eq!(
        ty("schema.spec.ports.filter(p, p.port > 80)"),
        "list(WebApp.spec.ports[])"
    );
    assert_eq!(ty("schema.spec.regions.all(r, r.startsWith('us'))"), "bool");
    assert_eq!(ty("schema.spec.regions.exists(r, r == 'eu')"), "bool");
    assert_eq!(ty("schema.spec.regions.exists_one(r, r == 'eu')"), "bool");
    assert_eq!(
        ty("schema.spec.labels.map(k, k + '=' + schema.spec.labels[k])"),
        "list(string)"
    );
    assert_eq!(
        ty("deployment.status.conditions.exists(c, c.type == 'Available' && c.status == 'True')"),
        "bool"
    );
    assert_eq!(
        ty("schema.spec.ports.map(p, {'name': p.name, 'containerPort': p.port})"),
        "list(map(string, dyn))"
    );
    assert_eq!(
        ty("schema.spec.regions.map(r, schema.spec.ports.map(p, r + p.name))"),
        "list(list(string))"
    );
    let (code, message, covered) = err("schema.spec.ports.map(p, p.prot)");
    assert_eq!(code, Code::CelUnknownField);
    assert_eq!(
        message,
        "undefined field `prot` on `p`; did you mean `port`?"
    );
    assert_eq!(covered, "prot");
    let (_, message, _) = err("has(schema.spec.imag)");
    assert!(message.starts_with("undefined field `imag`"));
    let (_, message, _) = err("schema.spec.replicas.all(x, x > 1)");
    assert_eq!(
        message,
        "cannot iterate over `schema.spec.replicas`: it is int, not a list or map"
    );
}

#[test]
fn two_variable_comprehensions() {
    assert_eq!(
        ty("schema.spec.regions.all(i, r, i < 10 && r != '')"),
        "bool"
    );
    assert_eq!(ty("schema.spec.labels.exists(k, v, k == v)"), "bool");
    assert_eq!(ty("schema.spec.regions.existsOne(i, r, r == 'eu')"), "bool");
    assert_eq!(
        ty("schema.spec.regions.transformList(i, r, r + string(i))"),
        "list(string)"
    );
    assert_eq!(
        ty("schema.spec.regions.transformList(i, r, i > 0, r)"),
        "list(string)"
    );
    assert_eq!(
        ty("schema.spec.labels.transformMap(k, v, v.size())"),
        "map(string, int)"
    );
    assert_eq!(
        ty("schema.spec.labels.transformMapEntry(k, v, {v: k})"),
        "map(string, string)"
    );
}

#[test]
fn bindings() {
    assert_eq!(ty("cel.bind(n, schema.spec.name, n + '-' + n)"), "string");
    assert_eq!(
        ty("cel.bind(ps, schema.spec.ports, ps.map(p, p.name))"),
        "list(string)"
    );
    let (code, ..) = err("cel.bind(n, 1, n + 'x')");
    assert_eq!(code, Code::CelNoOverload);
}

#[test]
fn string_extensions() {
    let n = "schema.spec.name";
    for (call, expected) in [
        ("split(',')", "list(string)"),
        ("split(',', 2)", "list(string)"),
        ("lowerAscii()", "string"),
        ("upperAscii()", "string"),
        ("replace('a', 'b')", "string"),
        ("replace('a', 'b', 1)", "string"),
        ("trim()", "string"),
        ("substring(1)", "string"),
        ("substring(1, 3)", "string"),
        ("indexOf('a')", "int"),
        ("indexOf('a', 2)", "int"),
        ("lastIndexOf('a')", "int"),
        ("format([1, 'x'])", "string"),
        ("charAt(0)", "string"),
        ("reverse()", "string"),
        ("find('[a-z]+')", "string"),
        ("findAll('[a-z]+')", "list(string)"),
        ("findAll('[a-z]+', 2)", "list(string)"),
    ] {
        assert_eq!(ty(&format!("{n}.{call}")), expected, "{call}");
    }
    assert_eq!(ty("schema.spec.regions.join(',')"), "string");
    assert_eq!(ty("schema.spec.regions.join()"), "string");
    assert_eq!(ty("strings.quote(schema.spec.name)"), "string");
    let (code, ..) = err("schema.spec.replicas.lowerAscii()");
    assert_eq!(code, Code::CelNoOverload);
}

#[test]
fn list_extensions() {
    let r = "schema.spec.regions";
    for (call, expected) in [
        ("slice(0, 2)", "list(string)"),
        ("distinct()", "list(string)"),
        ("sort()", "list(string)"),
        ("reverse()", "list(string)"),
        ("first()", "optional(string)"),
        ("last()", "optional(string)"),
        ("isSorted()", "bool"),
        ("min()", "string"),
        ("max()", "string"),
        ("indexOf('a')", "int"),
        ("lastIndexOf('a')", "int"),
    ] {
        assert_eq!(ty(&format!("{r}.{call}")), expected, "{call}");
    }
    assert_eq!(ty("[[1], [2, 3]].flatten()"), "list(int)");
    assert_eq!(ty("[[1], [[2]]].flatten(2)"), "list(dyn)");
    assert_eq!(ty("lists.range(3)"), "list(int)");
    assert_eq!(ty("[1, 2].sum()"), "int");
    assert_eq!(ty("[1.5].sum()"), "double");
    assert_eq!(ty("schema.spec.ports.map(p, p.port).max()"), "int");
    assert_eq!(
        ty("schema.spec.ports.sortBy(p, p.port)"),
        "list(WebApp.spec.ports[])"
    );
    let (code, ..) = err("['a'].sum()");
    assert_eq!(code, Code::CelNoOverload);
    let (code, ..) = err("schema.spec.ports.sort()");
    assert_eq!(code, Code::CelNoOverload, "objects are not orderable");
    let (code, ..) = err("schema.spec.ports.sortBy(p, p)");
    assert_eq!(code, Code::CelNoOverload);
}

#[test]
fn encoders_and_kubernetes_libraries() {
    assert_eq!(ty("base64.encode(bytes(schema.spec.name))"), "string");
    assert_eq!(ty("base64.decode('YQ==')"), "bytes");
    assert_eq!(ty("url('https://example.com/x').getHost()"), "string");
    assert_eq!(
        ty("url(schema.spec.name).getQuery()"),
        "map(string, list(string))"
    );
    assert_eq!(ty("isURL(schema.spec.name)"), "bool");
    assert_eq!(
        ty("quantity('1Gi').isGreaterThan(quantity('512Mi'))"),
        "bool"
    );
    assert_eq!(ty("quantity('1Gi').add(1).asInteger()"), "int");
    assert_eq!(ty("ip('10.0.0.1').family()"), "int");
    assert_eq!(ty("ip.isCanonical('10.0.0.1')"), "bool");
    assert_eq!(ty("cidr('10.0.0.0/8').containsIP(ip('10.1.1.1'))"), "bool");
    assert_eq!(ty("string(cidr('10.0.0.0/8').masked())"), "string");
    assert_eq!(ty("semver('1.2.3').major()"), "int");
    assert_eq!(
        ty("semver('v1.2', true).isLessThan(semver('1.3.0'))"),
        "bool"
    );
    let (code, ..) = err("quantity('1Gi').isGreaterThan('1Mi')");
    assert_eq!(code, Code::CelNoOverload);
}

#[test]
fn kro_functions() {
    assert_eq!(ty("random.seededString(8, schema.metadata.uid)"), "string");
    assert_eq!(ty("random.seededInt(0, 10, schema.metadata.name)"), "int");
    assert_eq!(
        ty("schema.spec.labels.merge({'a': 'b'})"),
        "map(string, string)"
    );
    assert_eq!(ty("schema.spec.extra.deepMerge({'a': 1})"), "dyn");
    assert_eq!(ty("json.marshal(schema.spec)"), "string");
    assert_eq!(ty("json.unmarshal('{}').a"), "dyn");
    assert_eq!(ty("hash.fnv64a('x')"), "bytes");
    assert_eq!(ty("base64.encode(hash.sha256(schema.spec.name))"), "string");
    assert_eq!(ty("hash.md5('x').size()"), "int");
    assert_eq!(
        ty("lists.setAtIndex(schema.spec.regions, 0, 'x')"),
        "list(string)"
    );
    assert_eq!(
        ty("lists.insertAtIndex(schema.spec.regions, 0, 'x')"),
        "list(string)"
    );
    assert_eq!(
        ty("lists.removeAtIndex(schema.spec.regions, 0)"),
        "list(string)"
    );
    let (code, ..) = err("lists.setAtIndex(schema.spec.regions, 0, 1)");
    assert_eq!(code, Code::CelNoOverload);
    let (code, ..) = err("random.seededString('8', 'seed')");
    assert_eq!(code, Code::CelNoOverload);
}

#[test]
fn omit_is_only_for_template_fields() {
    let c = run(
        Context::Template("deployment"),
        "schema.spec.enabled ? schema.spec.name : omit()",
        Expected::Any,
    );
    assert!(c.is_ok(), "{:?}", c.diagnostics);
    assert!(c.uses_omit);
    let (code, message, covered) = err_in(
        Context::IncludeWhen("deployment"),
        "omit() == null",
        Expected::Bool,
    );
    assert_eq!(code, Code::CelOutOfScope);
    assert_eq!(
        message,
        "omit() can only be used in resource template fields"
    );
    assert_eq!(covered, "omit");
}

#[test]
fn references_record_variables_and_fields() {
    let c = run(
        Context::Template("deployment"),
        "schema.spec.name + string(deployment.status.availableReplicas) + service.spec.ports.map(p, string(p.port)).join(',')",
        Expected::Any,
    );
    assert!(c.is_ok(), "{:?}", c.diagnostics);
    let dotted: Vec<String> = c.references.iter().map(Reference::dotted).collect();
    assert_eq!(
        dotted,
        [
            "schema.spec.name",
            "deployment.status.availableReplicas",
            "service.spec.ports",
            "service.spec.ports[].port",
        ]
    );
    assert_eq!(c.resources(), ["deployment", "service"]);
    let name = &c.references[0];
    assert_eq!(name.kind, VariableKind::Schema);
    assert_eq!(name.range, TextRange::new(0, 16));
    assert_eq!(
        name.path_ranges,
        [TextRange::new(7, 11), TextRange::new(12, 16)]
    );

    let c = run(
        Context::Template("deployment"),
        "has(schema.spec.image) ? schema.spec.labels['app'] : bucket.status.?arn.orValue('')",
        Expected::Any,
    );
    let dotted: Vec<String> = c.references.iter().map(Reference::dotted).collect();
    assert_eq!(
        dotted,
        [
            "schema.spec.image",
            "schema.spec.labels.app",
            "bucket.status.arn"
        ]
    );

    let c = run(
        Context::Template("deployment"),
        "schema.spec.?image.optMap(i, i.size())",
        Expected::Any,
    );
    assert_eq!(c.references.len(), 1, "{:?}", c.references);

    let c = run(
        Context::Template("deployment"),
        "cel.bind(d, deployment, d.spec.replicas)",
        Expected::Any,
    );
    let dotted: Vec<String> = c.references.iter().map(Reference::dotted).collect();
    assert_eq!(dotted, ["deployment", "deployment.spec.replicas"]);
}

#[test]
fn status_schemas_are_inferred_from_types() {
    let source = fixture::components();
    let env = fixture::env(&source);
    let schema_of = |expr: &str| {
        let c = check(expr, &env.scope(Context::Status), &Expected::Any);
        assert!(c.is_ok(), "{expr}: {:?}", c.diagnostics);
        env.status_schema(&c.ty).map(|s| s.to_json())
    };
    assert_eq!(schema_of("true").unwrap(), json!({"type": "boolean"}));
    assert_eq!(schema_of("1").unwrap(), json!({"type": "integer"}));
    assert_eq!(schema_of("1u").unwrap(), json!({"type": "integer"}));
    assert_eq!(schema_of("1.5").unwrap(), json!({"type": "number"}));
    assert_eq!(schema_of("'a'").unwrap(), json!({"type": "string"}));
    assert_eq!(
        schema_of("deployment.metadata.creationTimestamp").unwrap(),
        json!({"type": "string", "format": "date-time"})
    );
    assert_eq!(
        schema_of("schema.spec.extra").unwrap(),
        json!({"x-kubernetes-preserve-unknown-fields": true})
    );
    assert_eq!(
        schema_of("schema.spec.regions").unwrap(),
        json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(
        schema_of("schema.spec.labels").unwrap(),
        json!({"type": "object", "additionalProperties": {"type": "string"}})
    );
    assert_eq!(
        schema_of("schema.spec.?image").unwrap(),
        json!({"type": "string"})
    );
    assert_eq!(
        schema_of("deployment.status.conditions[0]").unwrap(),
        json!({"type": "object", "properties": {
            "type": {"type": "string"},
            "status": {"type": "string"},
            "reason": {"type": "string"},
            "message": {"type": "string"},
            "lastTransitionTime": {"type": "string", "format": "date-time"},
        }})
    );
    let ports = schema_of("schema.spec.ports").unwrap();
    assert_eq!(
        ports,
        json!({"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "port": {"type": "integer"}}}})
    );
    // Recursive types stop at the cycle.
    let tree = schema_of("schema.spec.tree").unwrap();
    assert_eq!(
        tree["properties"]["children"]["items"],
        json!({"x-kubernetes-preserve-unknown-fields": true})
    );
    // A whole object gets its type and object metadata.
    let bucket = schema_of("bucket").unwrap();
    assert_eq!(
        bucket["properties"]["metadata"]["properties"]["name"],
        json!({"type": "string", "description": "Name of the object, unique within its namespace."})
    );
    assert!(
        schema_of("hash.md5('x')")
            .unwrap_err()
            .contains("base64.encode")
    );
    assert!(schema_of("url('/x')").is_err());
}

#[test]
fn env_rejects_nothing_it_cannot_know() {
    // An environment with no instance and no resources still checks literals.
    let source = Components::default();
    let env = Env::new(&source);
    let c = check(
        "[1, 2, 3].map(x, x * 2)",
        &env.scope(Context::Status),
        &Expected::Any,
    );
    assert!(c.is_ok());
    assert_eq!(c.ty.to_string(), "list(int)");
    let c = check("schema.spec", &env.scope(Context::Status), &Expected::Any);
    assert_eq!(c.diagnostics[0].code, Code::CelOutOfScope);
}

/// Prints what checking costs; run with
/// `cargo test --release -p kro-core --lib cel::check::tests::cost -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a test"]
fn cost() {
    use std::time::Instant;
    let exprs: &[(Context<'_>, &str, Expected)] = &[
        (
            Context::Template("deployment"),
            "schema.spec.name",
            Expected::Field(Type::String),
        ),
        (
            Context::Template("deployment"),
            "schema.spec.replicas",
            Expected::Field(Type::Int),
        ),
        (
            Context::Template("deployment"),
            "schema.spec.image",
            Expected::Interpolated,
        ),
        (
            Context::Template("deployment"),
            "schema.metadata.namespace",
            Expected::Interpolated,
        ),
        (
            Context::Template("deployment"),
            "schema.spec.labels",
            Expected::Any,
        ),
        (
            Context::Template("deployment"),
            "service.spec.clusterIP",
            Expected::Interpolated,
        ),
        (
            Context::Template("deployment"),
            "schema.spec.ports.map(p, {'name': p.name, 'containerPort': p.port})",
            Expected::Any,
        ),
        (
            Context::Template("workers"),
            "region + '-' + schema.spec.name",
            Expected::Field(Type::String),
        ),
        (
            Context::ForEach("workers"),
            "schema.spec.regions",
            Expected::List,
        ),
        (
            Context::IncludeWhen("deployment"),
            "schema.spec.enabled",
            Expected::Bool,
        ),
        (
            Context::ReadyWhen("deployment"),
            "deployment.status.availableReplicas == deployment.spec.replicas",
            Expected::Bool,
        ),
        (
            Context::ReadyWhen("deployment"),
            "deployment.status.conditions.exists(c, c.type == 'Available' && c.status == 'True')",
            Expected::Bool,
        ),
        (
            Context::Status,
            "deployment.status.?availableReplicas.orValue(0)",
            Expected::Any,
        ),
        (Context::Status, "bucket.status.arn", Expected::Any),
    ];
    let source = fixture::components();
    let instance = fixture::instance_schema();
    let deployment = std::sync::Arc::new(fixture::schema(
        json!({"$ref": "#/components/schemas/io.k8s.api.apps.v1.Deployment"}),
    ));
    let bucket = std::sync::Arc::new(fixture::bucket_schema());
    let start = Instant::now();
    let rounds = 1000;
    for _ in 0..rounds {
        let mut env = Env::new(&source);
        env.set_instance("WebApp", &instance, false);
        for i in 0..10 {
            let schema = if i % 2 == 0 { &deployment } else { &bucket };
            env.add_resource(&format!("r{i}"), "Kind", Some(schema.clone()), false);
        }
        std::hint::black_box(env);
    }
    let env_cost = start.elapsed() / rounds;
    let env = fixture::env(&source);
    for (ctx, e, exp) in exprs {
        let c = check(e, &env.scope(*ctx), exp);
        assert!(c.is_ok(), "{e}: {:?}", c.diagnostics);
    }
    // The best of several batches, so other work on the machine does not count.
    let best = |f: &dyn Fn()| {
        (0..7)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..200 {
                    f();
                }
                start.elapsed() / (200 * exprs.len() as u32)
            })
            .min()
            .unwrap_or_default()
    };
    let per_expr = best(&|| {
        for (ctx, e, exp) in exprs {
            std::hint::black_box(check(e, &env.scope(*ctx), exp));
        }
    });
    let parse_only = best(&|| {
        for (_, e, _) in exprs {
            std::hint::black_box(parse::parse(e).ok());
        }
    });
    eprintln!(
        "environment with 10 resources: {env_cost:?}; per expression: {per_expr:?} \
         (parsing: {parse_only:?})"
    );
}

#[test]
#[ignore = "a measurement, not a test"]
fn parse_cost() {
    use std::time::Instant;
    let exprs = [
        "schema.spec.name",
        "schema.spec.ports.map(p, {'name': p.name, 'containerPort': p.port})",
        "deployment.status.availableReplicas == deployment.spec.replicas",
        "deployment.status.conditions.exists(c, c.type == 'Available' && c.status == 'True')",
        "deployment.status.?availableReplicas.orValue(0)",
    ];
    let rounds = 2000;
    let start = Instant::now();
    for _ in 0..rounds {
        for e in exprs {
            std::hint::black_box(cel_core::parse(e));
        }
    }
    eprintln!(
        "cel-core parse: {:?}",
        start.elapsed() / (rounds * exprs.len() as u32)
    );
    let start = Instant::now();
    for _ in 0..rounds {
        for e in exprs {
            std::hint::black_box(parse::parse(e).ok());
        }
    }
    eprintln!(
        "guarded parse: {:?}",
        start.elapsed() / (rounds * exprs.len() as u32)
    );
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(cel_core::parser::MacroRegistry::standard());
    }
    eprintln!("macro registry: {:?}", start.elapsed() / rounds);
}

mod robustness {
    use proptest::prelude::*;

    use super::*;

    /// Runs `f` on a thread with a 2 MiB stack, the size of test, Tokio and LSP worker threads.
    fn on_small_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(f)
            .expect("spawn")
            .join()
            .expect("no stack overflow or panic");
    }

    #[test]
    fn expressions_at_the_limits_check_on_a_small_stack() {
        on_small_stack(|| {
            let source = fixture::components();
            let env = fixture::env(&source);
            let scope = env.scope(Context::Template("deployment"));
            let n = crate::cel::MAX_NESTING - 1;
            let nested = format!("{}schema.spec.replicas{}", "(".repeat(n), ")".repeat(n));
            assert!(check(&nested, &scope, &Expected::Any).is_ok());
            let lists = format!("{}1{}", "[".repeat(n), "]".repeat(n));
            assert!(check(&lists, &scope, &Expected::Any).is_ok());
            let calls = format!("{}'a'{}", "string(".repeat(n), ")".repeat(n));
            assert!(check(&calls, &scope, &Expected::Any).is_ok());
            let macros = format!("{}true{}", "[1].all(x, ".repeat(n / 2), ")".repeat(n / 2));
            assert!(check(&macros, &scope, &Expected::Any).is_ok());
            let chain = vec!["schema.spec.replicas"; crate::cel::MAX_DEPTH / 2].join(" + ");
            assert!(check(&chain, &scope, &Expected::Any).is_ok());
            let too_deep = vec!["1"; 10 * crate::cel::MAX_DEPTH].join(" + ");
            let c = check(&too_deep, &scope, &Expected::Any);
            assert_eq!(c.diagnostics[0].code, Code::CelTooComplex);
            let members = format!("schema{}", ".spec".repeat(10_000));
            let c = check(&members, &scope, &Expected::Any);
            assert_eq!(c.diagnostics[0].code, Code::CelTooComplex);
        });
    }

    fn cel_ish() -> impl Strategy<Value = String> {
        let token = prop::sample::select(vec![
            "schema",
            "deployment",
            "workers",
            "each",
            "runtime",
            ".",
            ".?",
            "spec",
            "status",
            "name",
            "ports",
            "replicas",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            "?",
            "+",
            "-",
            "*",
            "/",
            "%",
            "==",
            "!=",
            "<",
            ">=",
            "&&",
            "||",
            "!",
            "in",
            "1",
            "2.5",
            "3u",
            "'a'",
            "\"b\"",
            "b'c'",
            "true",
            "null",
            "x",
            "p",
            "map",
            "filter",
            "all",
            "exists",
            "has",
            "size",
            "cel.bind",
            "optional.none()",
            "orValue",
            "omit()",
            "r\"\\\"",
            "'''",
            "`f`",
            "Foo{a: 1}",
            "0x1F",
            "9223372036854775808",
            "-",
            " ",
            "\\",
            "é",
        ]);
        prop::collection::vec(token, 0..24).prop_map(|t| t.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn checking_never_panics(text in cel_ish()) {
            let source = fixture::components();
            let env = fixture::env(&source);
            for context in [
                Context::Template("workers"),
                Context::ReadyWhen("workers"),
                Context::StatusConditions,
            ] {
                let c = check(&text, &env.scope(context), &Expected::Field(Type::String));
                for d in &c.diagnostics {
                    prop_assert!(d.range.end <= text.len(), "{d:?} out of {text:?}");
                    prop_assert!(text.is_char_boundary(d.range.start) && text.is_char_boundary(d.range.end));
                }
                for r in &c.references {
                    prop_assert!(r.range.end <= text.len());
                }
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,60}") {
            let source = fixture::components();
            let env = fixture::env(&source);
            let c = check(&text, &env.scope(Context::Status), &Expected::Any);
            for d in &c.diagnostics {
                prop_assert!(d.range.end <= text.len());
            }
        }
    }
}
