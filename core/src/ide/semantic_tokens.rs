//! Semantic highlighting of CEL inside `${…}`: which byte range of an expression is a
//! delimiter, a root identifier (schema, a resource, an iterator), a field, a function, a
//! literal or an operator.
//!
//! Only the strings the compiler reads expressions from are highlighted (templates,
//! externalRefs, conditions, forEach, status); the rest of the YAML is left to other tools.

use std::ops::Range;

use super::scan::{self, Token};
use super::uses::{self, Site};
use super::{Analysis, functions};
use crate::cel::{FunctionKind, functions as library};
use crate::compile::Compiled;
use crate::syntax::{Node, ScalarOffsets};
use crate::text::TextRange;

/// One highlighted range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Highlight {
    /// Where it is written; inside one scalar, possibly across lines of a block scalar.
    pub range: TextRange,
    /// What it is.
    pub kind: HighlightKind,
}

/// What a highlighted range of an expression is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HighlightKind {
    /// `${` or `}` around an expression.
    Delimiter,
    /// `schema`: the instance.
    Schema,
    /// A resource id.
    Resource,
    /// A forEach iterator, or `each` in a collection.
    Iterator,
    /// A variable a macro binds (`c` of `containers.map(c, c.name)`).
    Local,
    /// An identifier that names nothing known here.
    Unknown,
    /// A field selected from a value (`spec`, `name`).
    Field,
    /// A function called without a receiver (`string(x)`, `base64.encode(x)`).
    Function,
    /// A method (`x.lowerAscii()`).
    Method,
    /// A macro (`has(…)`, `x.map(…)`, `x.all(…)`).
    Macro,
    /// A namespace of functions (`base64` of `base64.encode`).
    Namespace,
    /// A string or bytes literal.
    String,
    /// A number literal.
    Number,
    /// `true`, `false`, `null` and `in`.
    Keyword,
    /// An operator (`==`, `&&`, `!`, `?`, `:`, `+`).
    Operator,
}

impl Analysis {
    /// The highlights of every `${…}` expression that overlaps `range` (the whole file when
    /// `None`), in text order and never overlapping.
    pub fn highlights(&self, range: Option<TextRange>) -> Vec<Highlight> {
        let mut out = Vec::new();
        for compiled in &self.file.rgds {
            uses::expression_strings(compiled, &mut |node, site| {
                if range.is_none_or(|r| node.range.start <= r.end && r.start <= node.range.end) {
                    string(&self.text, compiled, node, site, &mut out);
                }
            });
        }
        out.sort_by_key(|h| (h.range.start, h.range.end));
        // An alias repeats the anchor's nodes; overlapping ranges are never sent.
        let mut end = 0;
        out.retain(|h| {
            let keep = h.range.start >= end && !h.range.is_empty();
            if keep {
                end = h.range.end;
            }
            keep
        });
        if let Some(r) = range {
            out.retain(|h| h.range.start <= r.end && r.start <= h.range.end);
        }
        out
    }
}

/// The names an expression can start from.
struct Scope<'a> {
    compiled: &'a Compiled,
    site: Site,
}

impl Scope<'_> {
    fn root(&self, name: &str) -> Option<HighlightKind> {
        if name == "schema" {
            return Some(HighlightKind::Schema);
        }
        let resources = &self.compiled.rgd.resources;
        if let Site::Resource(index, _) = self.site
            && let Some(resource) = resources.get(index)
        {
            if resource.for_each.iter().any(|d| d.name.value == name) {
                return Some(HighlightKind::Iterator);
            }
            if name == "each" && resource.is_collection() {
                return Some(HighlightKind::Iterator);
            }
        }
        resources
            .iter()
            .any(|r| !r.id.value.is_empty() && r.id.value == name)
            .then_some(HighlightKind::Resource)
    }
}

fn string(text: &str, compiled: &Compiled, node: &Node, site: Site, out: &mut Vec<Highlight>) {
    let Some(decoded) = node.as_str() else { return };
    if !decoded.contains("${") {
        return;
    }
    let Some(offsets) = ScalarOffsets::of(text, node).filter(ScalarOffsets::is_exact) else {
        return; // no trustworthy positions: better no colour than a wrong one
    };
    let scope = Scope { compiled, site };
    let mut push = |range: Range<usize>, kind: HighlightKind| {
        out.push(Highlight {
            range: offsets.range_to_source(TextRange::new(range.start, range.end)),
            kind,
        });
    };
    for expression in crate::cel::extract(decoded).expressions() {
        let outer = expression.outer;
        push(outer.start..outer.start + 2, HighlightKind::Delimiter);
        let base = expression.range.start;
        for (range, kind) in classify(&expression.text, &scope) {
            push(range.start + base..range.end + base, kind);
        }
        push(outer.end - 1..outer.end, HighlightKind::Delimiter);
    }
}

/// The highlights of one expression body, in body offsets.
fn classify(body: &str, scope: &Scope<'_>) -> Vec<(Range<usize>, HighlightKind)> {
    let lexed = scan::lex(body);
    let tokens: Vec<Token> = lexed.iter().map(|(t, _)| t.clone()).collect();
    let ident = |k: usize| match tokens.get(k) {
        Some(Token::Ident(r)) => Some(&body[r.clone()]),
        _ => None,
    };
    let punct = |k: usize, c: u8| matches!(tokens.get(k), Some(Token::Punct(p)) if *p == c);
    let locals = macro_variables(&tokens, body);
    let mut out: Vec<(Range<usize>, HighlightKind)> = Vec::new();
    let mut namespaced_call = None;
    for (k, (token, range)) in lexed.iter().enumerate() {
        let kind = match token {
            Token::Ident(_) => {
                let name = &body[range.clone()];
                let called = punct(k + 1, b'(');
                if namespaced_call == Some(k) {
                    HighlightKind::Function
                } else if scan::is_member_access(&tokens, k) {
                    match called {
                        true if is_macro(name) => HighlightKind::Macro,
                        true => HighlightKind::Method,
                        false => HighlightKind::Field,
                    }
                } else if called {
                    match is_macro(name) {
                        true => HighlightKind::Macro,
                        false => HighlightKind::Function,
                    }
                } else if matches!(name, "true" | "false" | "null" | "in") {
                    HighlightKind::Keyword
                } else if locals.contains(&name) {
                    HighlightKind::Local
                } else if let Some(kind) = scope.root(name) {
                    kind
                } else if punct(k + 1, b'.')
                    && punct(k + 3, b'(')
                    && let Some(member) = ident(k + 2)
                    && functions::global_named(&format!("{name}.{member}")).is_some()
                {
                    namespaced_call = Some(k + 2);
                    HighlightKind::Namespace
                } else {
                    HighlightKind::Unknown
                }
            }
            Token::Number(_) => HighlightKind::Number,
            Token::String => HighlightKind::String,
            Token::Punct(c) if is_operator(*c) => {
                // `.?name` and `[?index]` are optional selection, not the conditional.
                if *c == b'?' && k > 0 && (punct(k - 1, b'.') || punct(k - 1, b'[')) {
                    continue;
                }
                // `==`, `&&`, `<=`: one operator.
                if let Some((last, HighlightKind::Operator)) = out.last_mut()
                    && last.end == range.start
                {
                    last.end = range.end;
                    continue;
                }
                HighlightKind::Operator
            }
            Token::Punct(_) => continue,
        };
        out.push((range.clone(), kind));
    }
    out
}

fn is_operator(c: u8) -> bool {
    b"+-*/%=!<>&|?:".contains(&c)
}

fn is_macro(name: &str) -> bool {
    library()
        .iter()
        .any(|f| f.kind == FunctionKind::Macro && f.name == name)
}

/// The variables macros bind in an expression: the first argument of `all`, `exists`, `map`,
/// … (and the second of the two-variable forms).
fn macro_variables<'b>(tokens: &[Token], body: &'b str) -> Vec<&'b str> {
    let ident = |k: usize| match tokens.get(k) {
        Some(Token::Ident(r)) => Some(&body[r.clone()]),
        _ => None,
    };
    let punct = |k: usize, c: u8| matches!(tokens.get(k), Some(Token::Punct(p)) if *p == c);
    let mut out = Vec::new();
    for k in 0..tokens.len() {
        let Some(name) = ident(k) else { continue };
        if !punct(k + 1, b'(') || !is_macro(name) || name == "has" {
            continue;
        }
        let Some(first) = ident(k + 2).filter(|_| punct(k + 3, b',')) else {
            continue;
        };
        out.push(first);
        let two_variables = matches!(name, "all" | "exists" | "existsOne" | "exists_one")
            || name.starts_with("transform");
        if two_variables && let Some(second) = ident(k + 4).filter(|_| punct(k + 5, b',')) {
            out.push(second);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::ide::Analysis;
    use crate::text::TextRange;

    /// Each highlight as `text:kind`, one line per highlighted line of the file.
    fn render(text: &str, range: Option<TextRange>) -> String {
        let analysis = Analysis::new(text);
        let mut lines: Vec<(usize, Vec<String>)> = Vec::new();
        for h in analysis.highlights(range) {
            let line = text[..h.range.start].matches('\n').count();
            let item = format!("{}:{:?}", &text[h.range.start..h.range.end], h.kind);
            match lines.last_mut() {
                Some((l, items)) if *l == line => items.push(item),
                _ => lines.push((line, vec![item])),
            }
        }
        lines
            .into_iter()
            .map(|(_, items)| items.join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    const RGD: &str = r#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: app
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      name: string | default="${not.an.expression}"
      names: "[]string"
    status:
      ready: ${web.status.availableReplicas >= 1 && has(web.status.ready)}
  resources:
    - id: web
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: "x-${schema.spec.name.lowerAscii()}-${base64.encode(b'a')}"
        spec:
          replicas: '${size(schema.spec.names) > 2 ? 3 : 1}'
          template:
            spec:
              containers: '${schema.spec.names.map(n, {"name": n, "image": nope})}'
    - id: cms
      forEach:
        - name: ${schema.spec.names}
      readyWhen:
        - ${each.data.?x == null}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${name + '-' + web.metadata.name}
"#;

    #[test]
    fn classifies_each_part_of_the_expressions() {
        assert_eq!(
            render(RGD, None),
            r#"${:Delimiter web:Resource status:Field availableReplicas:Field >=:Operator 1:Number &&:Operator has:Macro web:Resource status:Field ready:Field }:Delimiter
${:Delimiter schema:Schema spec:Field name:Field lowerAscii:Method }:Delimiter ${:Delimiter base64:Namespace encode:Function b'a':String }:Delimiter
${:Delimiter size:Function schema:Schema spec:Field names:Field >:Operator 2:Number ?:Operator 3:Number ::Operator 1:Number }:Delimiter
${:Delimiter schema:Schema spec:Field names:Field map:Macro n:Local "name":String ::Operator n:Local "image":String ::Operator nope:Unknown }:Delimiter
${:Delimiter schema:Schema spec:Field names:Field }:Delimiter
${:Delimiter each:Iterator data:Field x:Field ==:Operator null:Keyword }:Delimiter
${:Delimiter name:Iterator +:Operator '-':String +:Operator web:Resource metadata:Field name:Field }:Delimiter"#
        );
    }

    #[test]
    fn a_range_keeps_the_highlights_it_overlaps() {
        let start = RGD.find("${size").unwrap();
        let range = TextRange::new(start, start + "${size".len());
        assert_eq!(render(RGD, Some(range)), "${:Delimiter size:Function");
    }

    #[test]
    fn block_scalars_and_escapes_map_to_the_source() {
        let text = "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: app
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
  resources:
    - id: cm
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: \"a\\\"${cm.metadata.uid}\"
        data:
          script: |
            echo ${'é' +
              cm.metadata.name}
";
        assert_eq!(
            render(text, None),
            "${:Delimiter cm:Resource metadata:Field uid:Field }:Delimiter
${:Delimiter 'é':String +:Operator
cm:Resource metadata:Field name:Field }:Delimiter"
        );
        // Plain YAML, and files that are not RGDs, get nothing.
        assert!(
            Analysis::new("kind: ConfigMap\ndata:\n  a: ${x}\n")
                .highlights(None)
                .is_empty()
        );
    }
}
