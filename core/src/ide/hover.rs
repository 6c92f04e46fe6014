//! Hover: what a resource is and where it sits in the graph; what a spec field is declared as;
//! what a CEL function does.

use super::navigation::Target;
use super::spec_tree::{description_of, type_of};
use super::{Analysis, Rgd, cel_env, functions, position, scan};
use crate::syntax::{Node, ScalarOffsets, Value};
use crate::text::TextRange;

/// What to show for the name under the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverResult {
    /// The name hovered.
    pub range: TextRange,
    /// The text to show, in Markdown.
    pub markdown: String,
}

impl Analysis {
    /// Information about the resource id, spec field or CEL function at `offset`.
    pub fn hover(&self, offset: usize) -> Option<HoverResult> {
        let rgd = self.rgd_at(offset)?;
        let Some((target, range)) = rgd.target_at(offset) else {
            return self
                .function_hover(offset)
                .or_else(|| self.type_hover(&rgd, offset));
        };
        let markdown = match &target {
            Target::Resource(index) => resource(&rgd, *index),
            Target::SpecField(path) => spec_field(&rgd, path)?,
        };
        Some(HoverResult { range, markdown })
    }
}

impl Analysis {
    /// The expression under `offset`: its text, the offset within it, and how to map its
    /// ranges back to the file.
    fn expression_at(&self, offset: usize) -> Option<(String, usize, usize, ScalarOffsets)> {
        let parsed = &self.file.parsed;
        let document = parsed.documents.iter().rfind(|d| d.range.start <= offset)?;
        let (_, node) = document.root.as_ref()?.node_at(offset)?;
        let decoded = node.as_str()?;
        let offsets = ScalarOffsets::of(&self.text, node).filter(ScalarOffsets::is_exact)?;
        let at = offsets.to_decoded(offset)?;
        let extracted = crate::cel::extract(decoded);
        let expression = extracted
            .expressions()
            .find(|e| e.range.contains_inclusive(at))?;
        let start = expression.range.start;
        Some((expression.text.clone(), at - start, start, offsets))
    }

    /// The type of the selection (`deployment.status.availableReplicas`) under `offset`.
    fn type_hover(&self, rgd: &Rgd<'_>, offset: usize) -> Option<HoverResult> {
        let (text, at, start, offsets) = self.expression_at(offset)?;
        let place = position::at(&self.text, offset);
        let context = cel_env::context(&place, rgd, offset)?;
        let env = cel_env::env(rgd.compiled, &*self.schemas);
        let (range, ty) = crate::cel::type_at(&text, at, &env.scope(context))?;
        let selection = &text[range.start..range.end];
        // Highlight the word under the cursor; the text names the whole selection.
        let word_start = text[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1)
            .max(range.start);
        let range = TextRange::new(start + word_start, start + range.end);
        Some(HoverResult {
            range: offsets.range_to_source(range),
            markdown: format!("```\n{selection}: {ty}\n```\n"),
        })
    }

    /// The signatures and doc of the function called at `offset` in an expression.
    fn function_hover(&self, offset: usize) -> Option<HoverResult> {
        let (text, at, start, offsets) = self.expression_at(offset)?;
        let call = scan::call_at(&text, at)?;
        let qualified = call
            .qualifier
            .as_ref()
            .and_then(|q| functions::global_named(&format!("{q}.{}", call.name)));
        let function = match qualified {
            Some(f) => f,
            None if call.dotted => functions::method_named(&call.name)?,
            None => functions::global_named(&call.name)?,
        };
        let range = TextRange::new(start + call.range.start, start + call.range.end);
        Some(HoverResult {
            range: offsets.range_to_source(range),
            markdown: function.markdown(),
        })
    }
}

fn resource(rgd: &Rgd<'_>, index: usize) -> String {
    let r = &rgd.resources()[index];
    let view = rgd.compiled.graph_view();
    let place = view.resources.get(index);
    let mut out = format!("```yaml\nid: {}\n", r.id.value);
    if let Some(api_version) = r.api_version() {
        out.push_str(&format!("apiVersion: {}\n", api_version.value));
    }
    if let Some(kind) = r.kind() {
        out.push_str(&format!("kind: {}\n", kind.value));
    }
    out.push_str("```\n");
    let mut traits = Vec::new();
    if r.external_ref.is_some() {
        traits.push("read from the cluster (externalRef), never written");
    }
    if r.is_collection() {
        traits.push("a collection: expands to a list of objects");
    }
    if !traits.is_empty() {
        out.push_str(&format!("\n{}\n", traits.join("; ")));
    }
    if let Some(place) = place {
        let names = |ids: &[String]| {
            if ids.is_empty() {
                "nothing".to_owned()
            } else {
                ids.iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        out.push('\n');
        if place.wave == 0 {
            out.push_str("- wave: none (on a dependency cycle)\n");
        } else {
            out.push_str(&format!("- wave: {}\n", place.wave));
        }
        out.push_str(&format!("- depends on: {}\n", names(&place.dependencies)));
        out.push_str(&format!("- used by: {}\n", names(&place.dependents)));
    }
    let list = |title: &str, nodes: &mut dyn Iterator<Item = String>, out: &mut String| {
        let items: Vec<String> = nodes.collect();
        if !items.is_empty() {
            out.push_str(&format!("\n{title}:\n"));
            for item in items {
                out.push_str(&format!("- `{item}`\n"));
            }
        }
    };
    let text = |n: &Node| n.as_str().unwrap_or_default().to_owned();
    list(
        "includeWhen",
        &mut r.include_when.iter().map(text),
        &mut out,
    );
    list("readyWhen", &mut r.ready_when.iter().map(text), &mut out);
    list(
        "forEach",
        &mut r
            .for_each
            .iter()
            .map(|d| format!("{}: {}", d.name.value, text(&d.expression))),
        &mut out,
    );
    out
}

fn spec_field(rgd: &Rgd<'_>, path: &[String]) -> Option<String> {
    let entry = rgd.spec_tree().field(path)?;
    let name = format!("spec.{}", path.join("."));
    Some(match &entry.value.value {
        Value::String(s) => {
            let mut out = format!("```yaml\n{}: {}\n```\n", name, s.text);
            out.push_str(&format!("\ntype `{}`\n", type_of(&s.text)));
            if let Some(description) = description_of(&s.text) {
                out.push_str(&format!("\n{description}\n"));
            }
            out
        }
        Value::Mapping(fields) => {
            let names: Vec<String> = fields
                .iter()
                .map(|f| format!("`{}`", f.key_text()))
                .collect();
            format!(
                "```yaml\n{name}: object\n```\n\nfields: {}\n",
                names.join(", ")
            )
        }
        _ => format!("```yaml\n{name}\n```\n"),
    })
}

#[cfg(test)]
mod tests;
