//! Expression → result tables for every library function, error classification, output
//! conversion, bindings and cost limits.
//!
//! `CEL_GO` was produced by cel-go (v0.26) with the Kubernetes libraries (apiserver v0.34),
//! evaluating each expression with the same variables as [`vars`]: results are in its
//! notation (`double(…)`, `3u`, `optional.of(…)`, `google.protobuf.Timestamp("…")`) and
//! `ERROR` stands for any error. Two rows differ on purpose, marked below: map iteration
//! order (Go's is random, ours is key order) and `%f` of an int (fixed in newer cel-go).
//! kro's functions are not in cel-go; their expectations come from kro's algorithms, computed
//! independently (see `kro_functions`).

use serde_json::{Value as Json, json};

use super::*;

fn vars() -> Activation {
    let mut vars = Activation::new();
    vars.insert(
        "obj",
        json!({
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 3, "ratio": 1.5, "ports": [80, 443], "empty": null},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        }),
    );
    vars.insert("items", json!([3, 1, 2]));
    vars
}

/// Evaluates to the raw value (no output conversion).
fn raw(expr: &str, vars: &Activation) -> Result<Value, error::Error> {
    let program = Program::new(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let mut interp = Interp::new(
        &program.inner.source,
        &program.inner.literals,
        &vars.vars,
        Meter {
            spent: 0,
            limit: Budget::DEFAULT_PER_EXPRESSION,
        },
    );
    interp.eval(&program.inner.ast)
}

/// A value in the notation of the cel-go table.
fn show(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => format!("{u}u"),
        Value::Double(d) => format!("double({})", strings::go_g(*d)),
        Value::String(s) => format!("{:?}", &**s),
        Value::Bytes(b) => format!("b{:?}", String::from_utf8_lossy(b)),
        Value::Timestamp(t) => format!("google.protobuf.Timestamp({:?})", t.rfc3339_nano()),
        Value::Duration(d) => format!("google.protobuf.Duration({:?})", d.cel_string()),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Map(m) => {
            let mut parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", show(&k.to_value()), show(v)))
                .collect();
            parts.sort();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Optional(None) => "optional.none()".to_owned(),
        Value::Optional(Some(v)) => format!("optional.of({})", show(v)),
        Value::Type(t) => format!("type({t})"),
        Value::Opaque(o) => format!("{}(…)", o.type_name()),
    }
}

const CEL_GO: &[(&str, &str)] = &[
    (r"1 + 2 * 3", r"7"),
    (r"7 / 2", r"3"),
    (r"-7 / 2", r"-3"),
    (r"-7 % 3", r"-1"),
    (r"9223372036854775807 + 1", r"ERROR"),
    (r"-9223372036854775808 - 1", r"ERROR"),
    (r"1 / 0", r"ERROR"),
    (r"1 % 0", r"ERROR"),
    (r"5u - 6u", r"ERROR"),
    (r"2.0 * 3.5", r"double(7)"),
    (r"1.0 / 0.0", r"double(+Inf)"),
    (r"1 == 1.0", r"true"),
    (r"1 == 1u", r"true"),
    (r"1u < 2.5", r"true"),
    (r"-1 < 1u", r"true"),
    (r"'a' < 'b'", r"true"),
    (r"b'ab' < b'b'", r"true"),
    (r"[1, 2] == [1, 2.0]", r"true"),
    (r"{'a': 1} == {'a': 1u}", r"true"),
    (r"null == null", r"true"),
    (r"1 == 'a'", r"false"),
    (r"[1, 'a'] == [1, 'a']", r"true"),
    (r"2 in [1, 2, 3]", r"true"),
    (r"'a' in {'a': 1}", r"true"),
    (r"1u in {1: 'x'}", r"true"),
    (r"true && false", r"false"),
    (r"false && (1 / 0 == 1)", r"false"),
    (r"(1 / 0 == 1) || true", r"true"),
    (r"(1 / 0 == 1) && true", r"ERROR"),
    (r"true ? 'y' : 'n'", r#""y""#),
    (r"size('héllo')", r"5"),
    (r"size(b'abc')", r"3"),
    (r"'héllo'.size()", r"5"),
    (r"size([1, 2])", r"2"),
    (r"size({'a': 1})", r"1"),
    (r"int('42')", r"42"),
    (r"int('-0')", r"0"),
    (r"int(' 42')", r"ERROR"),
    (r"int(3.9)", r"3"),
    (r"int(-3.9)", r"-3"),
    (r"int(1e19)", r"ERROR"),
    (r"int(timestamp('2024-01-01T00:00:00Z'))", r"1704067200"),
    (r"uint(3)", r"3u"),
    (r"uint(-1)", r"ERROR"),
    (r"uint('18446744073709551615')", r"18446744073709551615u"),
    (r"double('1.5')", r"double(1.5)"),
    (r"double(3)", r"double(3)"),
    (r"double('1e3')", r"double(1000)"),
    (r"string(1.5)", r#""1.5""#),
    (r"string(2.0)", r#""2""#),
    (r"string(1e6)", r#""1e+06""#),
    (r"string(123456.0)", r#""123456""#),
    (r"string(1234567.0)", r#""1.234567e+06""#),
    (r"string(0.0001)", r#""0.0001""#),
    (r"string(1e-5)", r#""1e-05""#),
    (r"string(-0.0)", r#""-0""#),
    (r"string(1e21)", r#""1e+21""#),
    (r"string(true)", r#""true""#),
    (r"string(b'abc')", r#""abc""#),
    (r"string(42u)", r#""42""#),
    (
        r"string(timestamp('2024-03-05T10:20:30.5+02:00'))",
        r#""2024-03-05T10:20:30.5+02:00""#,
    ),
    (r"string(duration('1h30m'))", r#""5400s""#),
    (r"string(duration('100ms'))", r#""0.1s""#),
    (r"string(duration('-1.5s'))", r#""-1.5s""#),
    (r"bytes('héllo')", r#"b"héllo""#),
    (r"bool('true')", r"true"),
    (r"bool('T')", r"true"),
    (r"bool('yes')", r"ERROR"),
    (r"type(1)", r"type(int)"),
    (r"type('a') == string", r"true"),
    (r"type([]) == list", r"true"),
    (r"type(1u)", r"type(uint)"),
    (r"type(null)", r"type(null_type)"),
    (
        r"type(timestamp('2024-01-01T00:00:00Z'))",
        r"type(google.protobuf.Timestamp)",
    ),
    (r"type(duration('1s'))", r"type(google.protobuf.Duration)"),
    (r"dyn(1) + 1", r"2"),
    (
        r"timestamp('2024-01-01T00:00:00Z') + duration('1h')",
        r#"google.protobuf.Timestamp("2024-01-01T01:00:00Z")"#,
    ),
    (
        r"timestamp('2024-01-01T00:00:00Z') - timestamp('2023-12-31T00:00:00Z')",
        r#"google.protobuf.Duration("86400s")"#,
    ),
    (
        r"timestamp('2024-01-01T00:00:00Z') - duration('24h')",
        r#"google.protobuf.Timestamp("2023-12-31T00:00:00Z")"#,
    ),
    (
        r"duration('1h') + duration('30m')",
        r#"google.protobuf.Duration("5400s")"#,
    ),
    (
        r"timestamp('2024-03-05T10:20:30Z') < timestamp('2024-03-05T10:20:31Z')",
        r"true",
    ),
    (r"timestamp('2024-03-05T10:20:30Z').getFullYear()", r"2024"),
    (r"timestamp('2024-03-05T10:20:30Z').getMonth()", r"2"),
    (r"timestamp('2024-03-05T10:20:30Z').getDayOfYear()", r"64"),
    (r"timestamp('2024-03-05T10:20:30Z').getDayOfMonth()", r"4"),
    (r"timestamp('2024-03-05T10:20:30Z').getDate()", r"5"),
    (r"timestamp('2024-03-05T10:20:30Z').getDayOfWeek()", r"2"),
    (
        r"timestamp('2024-03-05T10:20:30.250Z').getMilliseconds()",
        r"250",
    ),
    (
        r"timestamp('2024-03-05T23:20:30Z').getHours('+02:00')",
        r"1",
    ),
    (
        r"timestamp('2024-03-05T23:20:30Z').getDate('Asia/Tokyo')",
        r"6",
    ),
    (r"timestamp('2024-03-05T23:20:30-05:00').getHours()", r"4"),
    (r"timestamp('2024-03-05T10:20:30Z').getMinutes()", r"20"),
    (r"timestamp('2024-03-05T10:20:30Z').getSeconds()", r"30"),
    (r"duration('1h30m').getHours()", r"1"),
    (r"duration('1h30m').getMinutes()", r"90"),
    (r"duration('1h30m').getSeconds()", r"5400"),
    (r"duration('1.5s').getMilliseconds()", r"1500"),
    (r"timestamp('2024-13-01T00:00:00Z')", r"ERROR"),
    (r"timestamp('10000-01-01T00:00:00Z')", r"ERROR"),
    (
        r"timestamp(1700000000)",
        r#"google.protobuf.Timestamp("2023-11-14T22:13:20Z")"#,
    ),
    (r"duration('1d')", r"ERROR"),
    (
        r"duration('2h45m30.5s')",
        r#"google.protobuf.Duration("9930.5s")"#,
    ),
    (r"'hello'.contains('ell')", r"true"),
    (r"'hello'.startsWith('he')", r"true"),
    (r"'hello'.endsWith('lo')", r"true"),
    (r"'hello'.matches('^h.*o$')", r"true"),
    (r"matches('abc', 'b')", r"true"),
    (r"'abc123'.matches('\\d+')", r"true"),
    (r"'hello'.charAt(1)", r#""e""#),
    (r"'hello'.charAt(5)", r#""""#),
    (r"'hello'.charAt(6)", r"ERROR"),
    (r"'hello world'.indexOf('o')", r"4"),
    (r"'hello world'.indexOf('o', 5)", r"7"),
    (r"'hello world'.indexOf('')", r"0"),
    // Differs on purpose: newer cel-go clamps the offset of an empty search to the length.
    (r"'hello world'.indexOf('', 20)", r"11"),
    (r"'hello world'.indexOf('x')", r"-1"),
    (r"'hello world'.lastIndexOf('o')", r"7"),
    (r"'hello world'.lastIndexOf('o', 5)", r"4"),
    (r"'hello world'.lastIndexOf('')", r"11"),
    (r"'héllo wörld'.indexOf('ö')", r"7"),
    (r"'HeLLo Ä'.lowerAscii()", r#""hello Ä""#),
    (r"'HeLLo ä'.upperAscii()", r#""HELLO ä""#),
    (r"'a-b-c'.replace('-', '+')", r#""a+b+c""#),
    (r"'a-b-c'.replace('-', '+', 1)", r#""a+b-c""#),
    (r"'abc'.replace('', '.')", r#"".a.b.c.""#),
    (r"'a,b,,c'.split(',')", r#"["a", "b", "", "c"]"#),
    (r"'a,b,c'.split(',', 2)", r#"["a", "b,c"]"#),
    (r"'a,b,c'.split(',', 0)", r"[]"),
    (r"'abc'.split('')", r#"["a", "b", "c"]"#),
    (r"'abc'.split('', 2)", r#"["a", "bc"]"#),
    (r"'hello'.substring(1)", r#""ello""#),
    (r"'hello'.substring(1, 3)", r#""el""#),
    (r"'hello'.substring(3, 1)", r"ERROR"),
    (r"'hello'.substring(6)", r"ERROR"),
    (r"'  \t hi \n '.trim()", r#""hi""#),
    (r"'%s-%d'.format(['a', 3])", r#""a-3""#),
    (r"'%.2f'.format([3.14159])", r#""3.14""#),
    // Differs on purpose: cel-go 0.26 printed "%!f(int64=000001)"; newer versions format
    // ints as floats.
    (r"'%f'.format([1])", r#""1.000000""#),
    (r"'%e'.format([1234.5678])", r#""1.234568e+03""#),
    (
        r"'%x %X %o %b'.format([255, 255, 8, 5])",
        r#""ff FF 10 101""#,
    ),
    (r"'%x'.format(['hi'])", r#""6869""#),
    (
        r"'%s'.format([[1, 'a', 2.5, true, null]])",
        r#""[1, a, 2.5, true, null]""#,
    ),
    (r"'%s'.format([{'b': 1, 'a': 'x'}])", r#""{a: x, b: 1}""#),
    (r"'%d'.format([1.5])", r#""1.5""#),
    (r"'%s'.format([1.0])", r#""1""#),
    (r"'%s'.format([duration('90s')])", r#""90s""#),
    (
        r"'%s'.format([timestamp('2024-01-01T10:00:00+02:00')])",
        r#""2024-01-01T08:00:00Z""#,
    ),
    (r"'%d'.format(['x'])", r"ERROR"),
    (r"'%s %s'.format(['a'])", r"ERROR"),
    (r"'100%% %s'.format(['x'])", r#""100% x""#),
    (r"'%.3e'.format([0.000123])", r#""1.230e-04""#),
    (r"'%b'.format([-5])", r#""-101""#),
    (r"'%x'.format([-255])", r#""-ff""#),
    (r"'hello'.reverse()", r#""olleh""#),
    (r"'héllo'.reverse()", r#""olléh""#),
    (r"['a', 'b'].join()", r#""ab""#),
    (r"['a', 'b'].join('-')", r#""a-b""#),
    (r"[].join('-')", r#""""#),
    (r#"strings.quote('a"b\\c\n')"#, r#""\"a\\\"b\\\\c\\n\"""#),
    (r"[1, 2, 3, 4].slice(1, 3)", r"[2, 3]"),
    (r"[1, 2, 3].slice(2, 4)", r"ERROR"),
    (r"[1, 2, 3].slice(-1, 2)", r"ERROR"),
    (r"[[1, 2], [3], []].flatten()", r"[1, 2, 3]"),
    (r"[1, [2, [3, [4]]]].flatten(2)", r"[1, 2, 3, [4]]"),
    (r"[1, [2, [3, [4]]]].flatten()", r"[1, 2, [3, [4]]]"),
    (r"[1, 2, 1, 3, 2.0].distinct()", r"[1, 2, 3]"),
    (r"[3, 1, 2].sort()", r"[1, 2, 3]"),
    (r"['b', 'a', 'C'].sort()", r#"["C", "a", "b"]"#),
    (r"[1, 2.0].sort()", r"ERROR"),
    (
        r"[{'n': 'b', 'v': 2}, {'n': 'a', 'v': 1}].sortBy(x, x.n)",
        r#"[{"n": "a", "v": 1}, {"n": "b", "v": 2}]"#,
    ),
    (r"[3, 1, 2].sortBy(x, -x)", r"[3, 2, 1]"),
    (r"lists.range(4)", r"[0, 1, 2, 3]"),
    (r"lists.range(0)", r"[]"),
    (r"[1, 2, 3].reverse()", r"[3, 2, 1]"),
    (r"[1, 2].first()", r"optional.of(1)"),
    (r"[].first()", r"optional.none()"),
    (r"[1, 2].last()", r"optional.of(2)"),
    (r"[1, 2, 3].isSorted()", r"true"),
    (r"[1, 3, 2].isSorted()", r"false"),
    (r"[1, 2, 3].sum()", r"6"),
    (r"[1.5, 2.5].sum()", r"double(4)"),
    (r"[].sum()", r"0"),
    (
        r"[duration('1s'), duration('2s')].sum()",
        r#"google.protobuf.Duration("3s")"#,
    ),
    (r"[3, 1, 2].min()", r"1"),
    (r"[3, 1, 2].max()", r"3"),
    (r"['b', 'a'].min()", r#""a""#),
    (r"[].min()", r"ERROR"),
    (r"[1, 2, 1].indexOf(1)", r"0"),
    (r"[1, 2, 1].lastIndexOf(1)", r"2"),
    (r"[1, 2].indexOf(3)", r"-1"),
    (r"'abc123def456'.find('[0-9]+')", r#""123""#),
    (r"'abc'.find('[0-9]+')", r#""""#),
    (r"'abc123def456'.findAll('[0-9]+')", r#"["123", "456"]"#),
    (r"'abc123def456'.findAll('[0-9]+', 1)", r#"["123"]"#),
    (r"'baaab'.findAll('a*')", r#"["", "aaa", ""]"#),
    (r"'a1b2'.find('(')", r"ERROR"),
    (r"base64.encode(b'hello')", r#""aGVsbG8=""#),
    (r"base64.decode('aGVsbG8=')", r#"b"hello""#),
    (r"base64.decode('aGVsbG8')", r#"b"hello""#),
    (r"base64.decode('!!')", r"ERROR"),
    (r"optional.of(1).hasValue()", r"true"),
    (r"optional.none().hasValue()", r"false"),
    (r"optional.of(1).value()", r"1"),
    (r"optional.none().value()", r"ERROR"),
    (r"optional.none().orValue(2)", r"2"),
    (r"optional.of(1).orValue(2)", r"1"),
    (r"optional.none().or(optional.of(3))", r"optional.of(3)"),
    (r"optional.ofNonZeroValue('')", r"optional.none()"),
    (r"optional.ofNonZeroValue('x')", r#"optional.of("x")"#),
    (r"optional.ofNonZeroValue(0)", r"optional.none()"),
    (
        r"optional.unwrap([optional.of(1), optional.none()])",
        r"[1]",
    ),
    (r"[optional.of(1), optional.none()].unwrapOpt()", r"[1]"),
    (r"{'a': 1}.?a", r"optional.of(1)"),
    (r"{'a': 1}.?b", r"optional.none()"),
    (r"{'a': {'b': 2}}.?a.b", r"optional.of(2)"),
    (r"{'a': {'b': 2}}.?a.c", r"optional.none()"),
    (r"{'a': 1}.?b.orValue(5)", r"5"),
    (r"[1, 2][?1]", r"optional.of(2)"),
    (r"[1, 2][?5]", r"optional.none()"),
    (r"{'a': 1}[?'a']", r"optional.of(1)"),
    (r"[1, ?optional.none(), ?optional.of(2)]", r"[1, 2]"),
    (r"{'a': 1, ?'b': optional.none()}", r#"{"a": 1}"#),
    (r"optional.of(2).optMap(x, x * 2)", r"optional.of(4)"),
    (r"optional.none().optMap(x, x * 2)", r"optional.none()"),
    (
        r"optional.of(2).optFlatMap(x, optional.of(x + 1))",
        r"optional.of(3)",
    ),
    (r"[1, 2, 3].all(x, x > 0)", r"true"),
    (r"[1, 2, 3].exists(x, x > 2)", r"true"),
    (r"[1, 2, 3].exists_one(x, x > 1)", r"false"),
    (r"[1, 2, 3].map(x, x * 10)", r"[10, 20, 30]"),
    (r"[1, 2, 3].map(x, x > 1, x * 10)", r"[20, 30]"),
    (r"[1, 2, 3].filter(x, x % 2 == 1)", r"[1, 3]"),
    // Differs on purpose: Go iterates maps in random order, we in key order.
    (r"{'a': 1, 'b': 2}.map(k, k)", r#"["a", "b"]"#),
    (r"{'a': 1, 'b': 2}.filter(k, k == 'a')", r#"["a"]"#),
    (r"{'a': 1, 'b': 2}.all(k, v, v > 0)", r"true"),
    (r"[10, 20].exists(i, v, i == 1 && v == 20)", r"true"),
    (r"[10, 20].transformList(i, v, i + v)", r"[10, 21]"),
    (r"[10, 20, 30].transformList(i, v, i > 0, v)", r"[20, 30]"),
    (
        r"{'a': 1, 'b': 2}.transformMap(k, v, v * 2)",
        r#"{"a": 2, "b": 4}"#,
    ),
    (
        r"{'a': 1, 'b': 2}.transformMap(k, v, v > 1, v * 2)",
        r#"{"b": 4}"#,
    ),
    (
        r"{'a': 1, 'b': 2}.transformMapEntry(k, v, {v: k})",
        r#"{1: "a", 2: "b"}"#,
    ),
    (r"[1, 'a', 0].all(x, x > 0)", r"false"),
    (r"[1, 'a', 2].exists(x, x == 2)", r"true"),
    (r"[0, 'a'].all(x, x > 0)", r"false"),
    (r"cel.bind(x, 3, x * x)", r"9"),
    (r"cel.bind(a, 'x', cel.bind(b, a + a, b + a))", r#""xxx""#),
    (r"obj.metadata.name", r#""web""#),
    (r"obj.spec.replicas + 1", r"4"),
    (r"obj.spec.ports[1]", r"443"),
    (r"obj.spec.ports[5]", r"ERROR"),
    (r"obj.spec.missing", r"ERROR"),
    (r"obj.spec.empty.x", r"ERROR"),
    (r"has(obj.spec.replicas)", r"true"),
    (r"has(obj.spec.missing)", r"false"),
    (r"has(obj.nothere.x)", r"ERROR"),
    (r"obj.spec.?missing.orValue('d')", r#""d""#),
    (r"obj.metadata.labels['app']", r#""web""#),
    (r"obj.metadata.labels['nope']", r"ERROR"),
    (r"items.sum()", r"6"),
    (r"items.sort()", r"[1, 2, 3]"),
    (r"1.foo", r"ERROR"),
    (r"'x'.foo", r"ERROR"),
    (r"[1][1.5]", r"ERROR"),
    (
        r"url('https://user:pass@example.com:80/path?query=val&k2=b&k2=c#fragment').getQuery()",
        r#"{"k2": ["b", "c"], "query": ["val"]}"#,
    ),
    (
        r"url('https://example.com:80/').getHost()",
        r#""example.com:80""#,
    ),
    (
        r"url('https://example.com/path with spaces/').getEscapedPath()",
        r#""/path%20with%20spaces/""#,
    ),
    (r"url('https://[::1]:80/').getHostname()", r#""::1""#),
    (r"url('https://example.com/').getPort()", r#""""#),
    (r"url('/absolute-path').getScheme()", r#""""#),
    (r"url('../relative')", r"ERROR"),
    (r"isURL('https://a:b:c/')", r"false"),
    (r"isURL('mailto:a@b.c')", r"true"),
    (
        r"url('HTTPS://Example.COM/A%2fb').getEscapedPath()",
        r#""/A%2fb""#,
    ),
    (r"url('HTTPS://Example.COM/').getScheme()", r#""https""#),
    (r"url('HTTPS://Example.COM/').getHost()", r#""Example.COM""#),
    (
        r"url('https://example.com/p?a=1&b').getQuery()",
        r#"{"a": ["1"], "b": [""]}"#,
    ),
    (r"quantity('1.5Gi').isInteger()", r"false"),
    (r"quantity('1Gi').asInteger()", r"1073741824"),
    (r"quantity('1000m').isInteger()", r"false"),
    (r"quantity('100m').asApproximateFloat()", r"double(0.1)"),
    (
        r"quantity('1.5Gi').asApproximateFloat()",
        r"double(1.610612736e+09)",
    ),
    (r"quantity('1').isGreaterThan(quantity('999m'))", r"true"),
    (r"quantity('1Ki').compareTo(quantity('1k'))", r"1"),
    (
        r"quantity('1').add(quantity('500m')).asApproximateFloat()",
        r"double(1.5)",
    ),
    (r"quantity('1').add(2).asInteger()", r"3"),
    (r"quantity('5').sub(quantity('7')).sign()", r"-1"),
    (r"quantity('1k').isLessThan(quantity('1Ki'))", r"true"),
    (r"quantity('-1.5').sign()", r"-1"),
    (r"quantity('1e3').asInteger()", r"1000"),
    (r"quantity('1x')", r"ERROR"),
    (r"isQuantity('1.5Gi')", r"true"),
    (r"isQuantity('abc')", r"false"),
    (r"quantity('1') == quantity('1000m')", r"true"),
    (r"quantity('0.1n').asApproximateFloat()", r"double(1e-09)"),
    (r"quantity('12345678901234567890').isInteger()", r"false"),
    (r"ip('192.168.0.1').family()", r"4"),
    (r"ip('::1').family()", r"6"),
    (r"ip('::1').isLoopback()", r"true"),
    (r"ip('0.0.0.0').isUnspecified()", r"true"),
    (r"ip('224.0.0.1').isLinkLocalMulticast()", r"true"),
    (r"ip('ff02::1').isLinkLocalMulticast()", r"true"),
    (r"ip('169.254.1.1').isLinkLocalUnicast()", r"true"),
    (r"ip('fe80::1').isLinkLocalUnicast()", r"true"),
    (r"ip('10.0.0.1').isGlobalUnicast()", r"true"),
    (r"ip('255.255.255.255').isGlobalUnicast()", r"false"),
    (r"ip('192.168.0.01')", r"ERROR"),
    (r"ip('::ffff:1.2.3.4')", r"ERROR"),
    (r"isIP('1.2.3.4')", r"true"),
    (r"isIP('1.2.3')", r"false"),
    (r"ip.isCanonical('2001:db8::1')", r"true"),
    (r"ip.isCanonical('2001:DB8::1')", r"false"),
    (r"string(ip('2001:db8:0:0:0:0:0:1'))", r#""2001:db8::1""#),
    (r"ip('1.2.3.4') == ip('1.2.3.4')", r"true"),
    (r"cidr('192.168.0.0/24').containsIP('192.168.0.7')", r"true"),
    (
        r"cidr('192.168.0.0/24').containsIP(ip('192.168.1.7'))",
        r"false",
    ),
    (r"cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')", r"true"),
    (
        r"cidr('10.0.0.0/16').containsCIDR(cidr('10.0.0.0/8'))",
        r"false",
    ),
    (r"cidr('10.1.2.3/8').prefixLength()", r"8"),
    (r"string(cidr('10.1.2.3/8').masked())", r#""10.0.0.0/8""#),
    (r"string(cidr('10.1.2.3/8').ip())", r#""10.1.2.3""#),
    (
        r"string(cidr('2001:db8::1/32').masked())",
        r#""2001:db8::/32""#,
    ),
    (r"cidr('10.0.0.0/33')", r"ERROR"),
    (r"isCIDR('10.0.0.0/8')", r"true"),
    (r"isCIDR('10.0.0.0')", r"false"),
    (r"semver('1.2.3').major()", r"1"),
    (r"semver('1.2.3').minor()", r"2"),
    (r"semver('1.2.3-rc.1+b').patch()", r"3"),
    (
        r"semver('1.2.3').isGreaterThan(semver('1.2.3-rc.1'))",
        r"true",
    ),
    (r"semver('1.10.0').compareTo(semver('1.9.0'))", r"1"),
    (r"semver('1.0.0+a') == semver('1.0.0+b')", r"true"),
    (r"semver('v1.2')", r"ERROR"),
    (r"isSemver('1.2.3')", r"true"),
    (r"isSemver('1.2')", r"false"),
    (r"semver('1.2.3').isLessThan(semver('2.0.0'))", r"true"),
];

#[test]
fn results_match_cel_go() {
    let vars = vars();
    let mut failures = Vec::new();
    for (expr, expected) in CEL_GO {
        let got = match raw(expr, &vars) {
            Ok(v) => show(&v),
            Err(_) => "ERROR".to_owned(),
        };
        if got != *expected {
            let detail = match raw(expr, &vars) {
                Err(e) => format!(" ({})", e.message),
                Ok(_) => String::new(),
            };
            failures.push(format!(
                "{expr}\n    expected {expected}\n    got      {got}{detail}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        CEL_GO.len(),
        failures.join("\n")
    );
}

// ---- through the public API ----

fn eval(expr: &str) -> Result<Output, EvalError> {
    eval_with(expr, &vars())
}

fn eval_with(expr: &str, vars: &Activation) -> Result<Output, EvalError> {
    let program = Program::new(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    program.eval(vars, &mut Budget::default())
}

fn value(expr: &str) -> Json {
    match eval(expr) {
        Ok(Output::Value(v)) => v,
        other => panic!("{expr}: {other:?}"),
    }
}

#[test]
fn program_is_shareable() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Program>();
    assert_send_sync::<Activation>();
    assert!(Program::new("a +").is_err());
    assert!(Program::new("").is_err());
    assert_eq!(Program::new(" 1 ").unwrap().source(), " 1 ");
}

#[test]
fn results_are_written_as_kro_writes_them() {
    let cases: &[(&str, Json)] = &[
        ("obj.spec.replicas", json!(3)),
        ("obj.spec.ratio", json!(1.5)),
        // Go's encoder writes a whole double without a fraction.
        ("2.0", json!(2)),
        ("obj.spec.ratio * 2.0", json!(3)),
        ("1e300 * 10.0 > 0.0", json!(true)),
        ("'a' + 'b'", json!("ab")),
        ("null", json!(null)),
        ("[1, 'a', null]", json!([1, "a", null])),
        ("{'k': [1, 2]}", json!({"k": [1, 2]})),
        (
            "timestamp('2024-03-05T10:20:30.5+02:00')",
            json!("2024-03-05T08:20:30Z"),
        ),
        ("timestamp('0001-01-01T00:00:00Z')", json!(null)),
        ("duration('1h30m')", json!("1h30m0s")),
        ("duration('1500ms')", json!("1.5s")),
        ("string(duration('1h30m'))", json!("5400s")),
        ("3u", json!(3)),
        ("optional.of(5)", json!(5)),
        ("[optional.none(), optional.of(1)]", json!([null, 1])),
        ("[1, omit(), 2]", json!([1, 2])),
        ("{'a': omit(), 'b': 1}", json!({"b": 1})),
        (
            "base64.encode(hash.sha256('hello world'))",
            json!("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
        ),
        (
            "runtime.newCondition({type: 'Ready', status: 'True', reason: 'Ok', message: 'fine'})",
            json!({"type": "Ready", "status": "True", "reason": "Ok", "message": "fine"}),
        ),
    ];
    for (expr, expected) in cases {
        assert_eq!(&value(expr), expected, "{expr}");
    }
    assert_eq!(eval("omit()"), Ok(Output::Omit));
    assert_eq!(eval("optional.none()"), Ok(Output::Omit));
    assert_eq!(eval("obj.spec.?nope"), Ok(Output::Omit));
    assert_eq!(eval("true ? omit() : 1"), Ok(Output::Omit));
}

#[test]
fn unwritable_results_fail_with_a_reason() {
    for (expr, needle) in [
        ("b'abc'", "encode it explicitly, e.g. base64.encode(...)"),
        ("hash.md5('x')", "encode it explicitly"),
        ("18446744073709551615u", "overflows int64"),
        ("1.0 / 0.0", "+Inf cannot be written"),
        ("quantity('1Gi')", "cannot be written"),
        ("{1: 'a'}", "map key must be string"),
        ("int", "cannot be written"),
    ] {
        match eval(expr) {
            Err(EvalError::Failed(m)) => assert!(m.contains(needle), "{expr}: {m}"),
            other => panic!("{expr}: {other:?}"),
        }
    }
}

#[test]
fn missing_data_names_what_is_missing() {
    let mut vars = vars();
    vars.insert(
        "deployment",
        json!({"metadata": {"name": "web"}, "spec": {"replicas": 2}, "status": {"conditions": []}}),
    );
    vars.insert("pods", json!([]));
    vars.insert("svc", json!({"spec": null}));
    for (expr, message) in [
        (
            "deployment.status.availableReplicas",
            "no field `availableReplicas` in deployment.status",
        ),
        (
            "deployment.status.conditions[0].status",
            "index 0 out of bounds in deployment.status.conditions (size 0)",
        ),
        ("pods[0]", "index 0 out of bounds in pods (size 0)"),
        (
            "svc.spec.clusterIP",
            "svc.spec is null, so it has no field `clusterIP`",
        ),
        (
            "deployment.metadata.labels['app']",
            "no field `labels` in deployment.metadata",
        ),
        (
            "obj.metadata.labels['team']",
            "no key \"team\" in obj.metadata.labels",
        ),
        ("configmap.data", "`configmap` is not available (yet)"),
        (
            "has(deployment.status.x.y)",
            "no field `x` in deployment.status",
        ),
        (
            "deployment.status.availableReplicas >= deployment.spec.replicas",
            "no field `availableReplicas`",
        ),
        ("'prefix-' + deployment.status.phase", "no field `phase`"),
    ] {
        match eval_with(expr, &vars) {
            Err(e @ EvalError::MissingData(_)) => {
                assert!(e.is_missing_data());
                assert!(e.to_string().contains(message), "{expr}: {e}");
            }
            other => panic!("{expr}: expected missing data, got {other:?}"),
        }
    }
    // Optional reads and presence tests make missing data a value.
    for (expr, expected) in [
        ("deployment.status.?availableReplicas.orValue(0)", json!(0)),
        ("has(deployment.status.availableReplicas)", json!(false)),
        (
            "deployment.status.?conditions[?0].status.orValue('Unknown')",
            json!("Unknown"),
        ),
        (
            "false && deployment.status.availableReplicas > 0",
            json!(false),
        ),
        ("pods.all(p, p.status.phase == 'Running')", json!(true)),
    ] {
        assert_eq!(
            eval_with(expr, &vars),
            Ok(Output::Value(expected)),
            "{expr}"
        );
    }
}

#[test]
fn other_errors_fail() {
    for (expr, needle) in [
        ("1 / 0", "division by zero"),
        ("9223372036854775807 + 1", "integer overflow"),
        ("obj.spec.replicas + 'a'", "no such overload"),
        ("obj.metadata.name.foo", "cannot select field `foo`"),
        ("'abc'.matches('(')", "Illegal regex"),
        ("int('x')", "type conversion error"),
        ("[].min()", "min called on empty list"),
        ("obj.spec.ports[1.5]", "unsupported index value"),
        (
            "lists.setAtIndex([1], 3, 2)",
            "index 3 out of bounds [0, 1)",
        ),
        ("random.seededInt(5, 5, 'x')", "min must be less than max"),
        ("omit() == omit()", "cannot be compared"),
        ("optional.none().value()", "optional.none() dereference"),
        ("obj.spec.replicas ? 1 : 2", "not bool"),
    ] {
        match eval(expr) {
            Err(EvalError::Failed(m)) => assert!(m.contains(needle), "{expr}: {m}"),
            other => panic!("{expr}: expected a failure, got {other:?}"),
        }
    }
}

#[test]
fn kro_functions() {
    let cases: &[(&str, Json)] = &[
        // kro's algorithms; values computed independently (Python hashlib).
        ("random.seededString(10, 'my-app')", json!("8qejs8ek8q")),
        ("random.seededString(9, '')", json!("ew0w84jle")),
        ("random.seededInt(30000, 32768, 'my-app')", json!(30598)),
        ("random.seededInt(0, 100, '')", json!(52)),
        ("random.seededInt(-5, 5, 'x')", json!(1)),
        (
            "base64.encode(hash.md5('hello world'))",
            json!("XrY7u+Ae7tCTyyK7j1rNww=="),
        ),
        (
            "base64.encode(hash.fnv64a('hello world'))",
            json!("d5pl5wI80uc="),
        ),
        ("size(hash.sha256('x'))", json!(32)),
        ("size(hash.fnv64a('x'))", json!(8)),
        // Go's encoding/json: sorted keys, HTML-safe, whole doubles without a fraction.
        (
            "json.marshal({'b': [1, 2.5, true, null], 'a': '<&>'})",
            json!(r#"{"a":"\u003c\u0026\u003e","b":[1,2.5,true,null]}"#),
        ),
        ("json.marshal(2.0)", json!("2")),
        (
            "json.marshal(timestamp('2024-01-01T10:00:00+02:00'))",
            json!(r#""2024-01-01T08:00:00Z""#),
        ),
        ("json.marshal(duration('90s'))", json!(r#""1m30s""#)),
        ("json.marshal(b'hi')", json!(r#""aGk=""#)),
        (
            "json.marshal(obj.metadata)",
            json!(r#"{"labels":{"app":"web"},"name":"web"}"#),
        ),
        // Go's json.Unmarshal makes every number a double.
        (
            "json.unmarshal('{\"a\": [1, \"x\"]}')",
            json!({"a": [1, "x"]}),
        ),
        (
            "type(json.unmarshal('{\"a\": 1}').a) == double",
            json!(true),
        ),
        ("json.unmarshal('[1, 2]')[1] == 2", json!(true)),
        (
            "{'a': 1, 'b': 2}.merge({'b': 3, 'c': 4})",
            json!({"a": 1, "b": 3, "c": 4}),
        ),
        (
            "{'a': {'x': 1, 'y': [1]}, 'b': 1}.deepMerge({'a': {'y': [2], 'z': 3}})",
            json!({"a": {"x": 1, "y": [2], "z": 3}, "b": 1}),
        ),
        (
            "obj.metadata.deepMerge({'labels': {'tier': 'web'}}).labels",
            json!({"app": "web", "tier": "web"}),
        ),
        ("lists.setAtIndex([1, 2, 3], 1, 99)", json!([1, 99, 3])),
        (
            "lists.insertAtIndex([1, 2, 3], 3, 99)",
            json!([1, 2, 3, 99]),
        ),
        (
            "lists.insertAtIndex([1, 2, 3], 0, 99)",
            json!([99, 1, 2, 3]),
        ),
        ("lists.removeAtIndex([1, 2, 3], 0)", json!([2, 3])),
        ("runtime.condition(obj, 'Ready').status", json!("True")),
        ("runtime.condition(obj, 'Missing').status", json!("")),
        ("runtime.condition({}, 'Ready').reason", json!("")),
        (
            "runtime.newCondition({type: 'A', status: obj.spec.replicas > 1 ? 'True' : 'False'}).status",
            json!("True"),
        ),
    ];
    for (expr, expected) in cases {
        assert_eq!(&value(expr), expected, "{expr}");
    }
    for expr in [
        "runtime.newCondition({type: 'A', status: 'Maybe'})",
        "runtime.newCondition({type: '', status: 'True'})",
        "runtime.newCondition({status: 'True'})",
        "runtime.condition(1, 'A')",
        "random.seededString(0, 'x')",
        "json.unmarshal('{')",
        "1.deepMerge({})",
    ] {
        assert!(matches!(eval(expr), Err(EvalError::Failed(_))), "{expr}");
    }
}

#[test]
fn typed_binding_follows_the_schema() {
    let schema: crate::openapi::Schema = serde_json::from_value(json!({
        "type": "object",
        "properties": {
            "metadata": {"type": "object", "properties": {
                "creationTimestamp": {"type": "string", "format": "date-time"}}},
            "data": {"type": "object", "additionalProperties": {"type": "string", "format": "byte"}},
            "spec": {"type": "object", "properties": {
                "ratio": {"type": "number"},
                "timeout": {"type": "string", "format": "duration"},
                "port": {"x-kubernetes-int-or-string": true}}}
        }
    }))
    .unwrap();
    let object = json!({
        "metadata": {"creationTimestamp": "2024-03-05T10:20:30Z"},
        "data": {"password": "c2VjcmV0"},
        "spec": {"ratio": 2, "timeout": "1m30s", "port": "http", "extra": 1}
    });
    let mut vars = Activation::new();
    vars.insert_typed("secret", &object, &schema, None);
    vars.insert_typed("secrets", &json!([object.clone()]), &schema, None);
    vars.insert("raw", object);
    for (expr, expected) in [
        ("string(secret.data.password)", json!("secret")),
        ("base64.encode(secrets[0].data.password)", json!("c2VjcmV0")),
        ("type(secret.spec.ratio) == double", json!(true)),
        ("secret.spec.ratio * 1.5", json!(3)),
        ("secret.spec.timeout.getSeconds()", json!(90)),
        (
            "secret.metadata.creationTimestamp.getFullYear()",
            json!(2024),
        ),
        (
            "secret.metadata.creationTimestamp + duration('1h')",
            json!("2024-03-05T11:20:30Z"),
        ),
        ("secret.spec.port", json!("http")),
        ("secret.spec.extra", json!(1)),
        // Untyped, the same fields are text, and timestamp uses still work.
        ("raw.data.password", json!("c2VjcmV0")),
        ("raw.metadata.creationTimestamp.getFullYear()", json!(2024)),
        (
            "raw.metadata.creationTimestamp + duration('1h')",
            json!("2024-03-05T11:20:30Z"),
        ),
        (
            "timestamp('2024-03-06T00:00:00Z') - raw.metadata.creationTimestamp",
            json!("13h39m30s"),
        ),
        (
            "raw.metadata.creationTimestamp < timestamp('2025-01-01T00:00:00Z')",
            json!(true),
        ),
        ("raw.spec.timeout.getSeconds()", json!(90)),
    ] {
        assert_eq!(
            eval_with(expr, &vars),
            Ok(Output::Value(expected)),
            "{expr}"
        );
    }
    let m: BTreeMap<String, Json> = [("x".to_owned(), json!(1))].into_iter().collect();
    assert_eq!(
        eval_with("x + 1", &Activation::from(m)),
        Ok(Output::Value(json!(2)))
    );
}

#[test]
fn macros_and_scopes() {
    let mut vars = vars();
    vars.insert("each", json!({"status": {"ready": true}}));
    for (expr, expected) in [
        ("each.status.ready", json!(true)),
        (
            "[1, 2].map(x, [3, 4].map(y, x * y))",
            json!([[3, 4], [6, 8]]),
        ),
        (
            "[1, 2].exists(obj, obj == 2) && obj.spec.replicas == 3",
            json!(true),
        ),
        ("cel.bind(obj, 5, obj + 1)", json!(6)),
        (
            "[[1, 2], [3]].map(l, l.map(x, x + 1)).flatten()",
            json!([2, 3, 4]),
        ),
        (
            "obj.spec.ports.transformMapEntry(i, p, {string(p): i})",
            json!({"80": 0, "443": 1}),
        ),
        (
            "{'b': 1, 'a': 2}.transformMapEntry(k, v, v > 1, {k + k: v})",
            json!({"aa": 2}),
        ),
        (
            "[{'n': 2}, {'n': 1}].sortBy(e, e.n).map(e, e.n)",
            json!([1, 2]),
        ),
        (
            "lists.range(3).map(i, 'item-%d'.format([i]))",
            json!(["item-0", "item-1", "item-2"]),
        ),
        ("obj.spec.ports.filter(p, p > 100).size()", json!(1)),
    ] {
        assert_eq!(
            eval_with(expr, &vars),
            Ok(Output::Value(expected)),
            "{expr}"
        );
    }
    // A comprehension's variables are gone after it.
    assert!(matches!(
        eval("[1].map(x, x) == [1] && x == 1"),
        Err(EvalError::MissingData(_))
    ));
}

// ---- cost ----

fn cost_exceeded(expr: &str, vars: &Activation) -> bool {
    let program = Program::new(expr).unwrap();
    matches!(
        program.eval(vars, &mut Budget::default()),
        Err(EvalError::CostExceeded {
            limit: Budget::DEFAULT_PER_EXPRESSION
        })
    )
}

#[test]
fn hostile_expressions_run_out_of_budget() {
    let mut vars = vars();
    let big: Vec<i64> = (0..2000).collect();
    vars.insert("big", json!(big));
    vars.insert("text", json!("x".repeat(100_000)));
    for expr in [
        // A billion iterations.
        "lists.range(1000).map(x, lists.range(1000).map(y, lists.range(1000).map(z, x + y + z)))",
        "big.map(x, big.map(y, x * y))",
        "big.all(x, big.all(y, big.all(z, x + y + z >= 0)))",
        // Allocation stopped before it happens.
        "lists.range(1000000000000)",
        "size(random.seededString(100000000, 'x')) > 0",
        "text.replace('x', text)",
        // Doubling strings.
        "cel.bind(a, text + text, cel.bind(b, a + a, cel.bind(c, b + b, cel.bind(d, c + c, cel.bind(e, d + d, cel.bind(f, e + e, size(f + f)))))))",
        "lists.range(200).map(i, text).join('').size() > 0",
        "big.map(x, text + 'y').size()",
        "[text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text, text].join('-').size()",
        "big.sortBy(x, -x).map(x, big.indexOf(x)).size()",
        "big.map(x, big).flatten().distinct().size()",
        // Values that share structure: small to build, huge to walk.
        "cel.bind(a, [text, text], cel.bind(b, [a, a], cel.bind(c, [b, b], cel.bind(d, [c, c], cel.bind(e, [d, d], cel.bind(f, [e, e], cel.bind(g, [f, f], [g, g])))))))",
        "cel.bind(a, [text], cel.bind(b, [a, a], cel.bind(c, [b, b], cel.bind(d, [c, c], cel.bind(e, [d, d], cel.bind(f, [e, e], json.marshal([f, f])))))))",
        "cel.bind(a, [text], cel.bind(b, [a, a], cel.bind(c, [b, b], cel.bind(d, [c, c], cel.bind(e, [d, d], cel.bind(f, [e, e], '%s'.format([[f, f]])))))))",
        // Errors do not hide the budget: `… && false` cannot absorb it.
        "big.map(x, big.map(y, x)).size() > 0 && false",
        "big.exists(x, big.map(y, y).size() < 0)",
    ] {
        assert!(
            cost_exceeded(expr, &vars),
            "{expr} did not run out of budget"
        );
    }
    // Two towers of lists doubling at each level (2^40 leaves each), equal in structure but
    // not shared: comparing them walks every leaf, so it is metered.
    let tower = |name: &str| {
        (0..40).fold("[1]".to_owned(), |inner, i| {
            format!("cel.bind({name}{i}, {inner}, [{name}{i}, {name}{i}])")
        })
    };
    let equal = format!("{} == {}", tower("p"), tower("q"));
    assert!(cost_exceeded(&equal, &vars), "equality of shared towers");
    let output = tower("p");
    assert!(cost_exceeded(&output, &vars), "writing a shared tower");

    // Ordinary work over the same data fits.
    for expr in [
        "big.map(x, x * 2).size()",
        "big.filter(x, x % 2 == 0).size()",
        "size(text.replace('x', 'y'))",
        "big.sortBy(x, -x)[0]",
    ] {
        let program = Program::new(expr).unwrap();
        assert!(
            program.eval(&vars, &mut Budget::default()).is_ok(),
            "{expr}"
        );
    }
}

#[test]
fn the_budget_is_shared_across_expressions() {
    let vars = vars();
    let program = Program::new("lists.range(1000).map(x, x * 2).size()").unwrap();
    let mut budget = Budget::new(10_000);
    assert!(program.eval(&vars, &mut budget).is_ok());
    let after_one = budget.spent();
    assert!(after_one > 3000 && after_one < 10_000, "{after_one}");
    assert!(program.eval(&vars, &mut budget).is_ok() || budget.remaining() < after_one);
    // Once spent, even a small expression is refused, naming the whole budget.
    let mut spent = Budget::new(100);
    assert_eq!(
        program.eval(&vars, &mut spent),
        Err(EvalError::CostExceeded { limit: 100 })
    );
    assert_eq!(spent.remaining(), 0);
    assert!(matches!(
        Program::new("1 + 1").unwrap().eval(&vars, &mut spent),
        Err(EvalError::CostExceeded { limit: 100 })
    ));
    // A per-expression limit below the total.
    let mut budget = Budget::new(1_000_000).with_per_expression(500);
    assert_eq!(
        program.eval(&vars, &mut budget),
        Err(EvalError::CostExceeded { limit: 500 })
    );
    assert_eq!(Budget::default().limit(), Budget::DEFAULT);
    assert!(
        EvalError::CostExceeded { limit: 5 }
            .to_string()
            .contains("cost limit of 5")
    );
}

#[test]
fn the_deepest_accepted_expressions_fit_a_small_stack() {
    let chain = vec!["1"; 240].join(" + ");
    let nested = format!("{}1{}", "[".repeat(60), "]".repeat(60));
    let members = format!("obj{}", ".a".repeat(200));
    let comprehensions = (0..20).fold("x0".to_owned(), |body, i| {
        format!("[1].map(x{}, {body})", i)
    });
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let vars = vars();
            let run = |e: &str| Program::new(e).map(|p| p.eval(&vars, &mut Budget::default()));
            (
                run(&chain),
                run(&nested),
                run(&members),
                run(&comprehensions),
            )
        })
        .unwrap();
    let (chain, nested, members, comprehensions) = handle.join().expect("no stack overflow");
    assert_eq!(chain, Ok(Ok(Output::Value(json!(240)))));
    assert!(matches!(nested, Ok(Ok(Output::Value(_)))));
    assert!(matches!(members, Ok(Err(EvalError::MissingData(_)))));
    assert!(comprehensions.is_ok());
}
