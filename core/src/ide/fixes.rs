//! Quick fixes: the mechanical fixes diagnostics carry, offered where the cursor is, and
//! assists that need no diagnostic (adding a template's missing required fields).

use super::{Analysis, TextEdit};
use crate::diagnostic::Diagnostic;
use crate::text::TextRange;

/// A change the editor can apply with one action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assist {
    /// What it does, as shown in a menu.
    pub title: String,
    /// The edits, non-overlapping.
    pub edits: Vec<TextEdit>,
    /// The diagnostic it fixes; `None` for an assist no diagnostic reports.
    pub diagnostic: Option<Diagnostic>,
}

impl Analysis {
    /// The fixes of the diagnostics that touch `range`, then the assists for where it
    /// starts.
    pub fn fixes(&self, range: TextRange) -> Vec<Assist> {
        let mut out: Vec<Assist> = self
            .file
            .diagnostics()
            .into_iter()
            .filter(|d| d.range.start <= range.end && range.start <= d.range.end)
            .filter_map(|d| {
                let fix = d.fix.as_ref()?;
                Some(Assist {
                    title: fix.title.clone(),
                    edits: fix.edits.clone(),
                    diagnostic: Some(d.clone()),
                })
            })
            .collect();
        out.extend(self.required_fields(range.start));
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::ide::Analysis;
    use crate::ide::fixture::cursor;
    use crate::text::TextRange;

    #[test]
    fn offers_the_fix_of_the_diagnostic_under_the_cursor() {
        let (analysis, offset) = cursor(
            "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: a
spec:
  schema:
    apiVersion: v1alpha1
    kind: A
  resources:
    - id: x
      tempa$0lte:
        apiVersion: v1
        kind: ConfigMap
        metadata: {}
",
        );
        let fixes = analysis.fixes(TextRange::empty(offset));
        assert_eq!(fixes.len(), 1, "{fixes:?}");
        let fix = &fixes[0];
        assert_eq!(fix.title, "change to `template`");
        assert_eq!(
            fix.diagnostic.as_ref().unwrap().code.as_str(),
            "rgd-unknown-field"
        );
        let edit = &fix.edits[0];
        assert_eq!(
            &analysis.text()[edit.range.start..edit.range.end],
            "tempalte"
        );
        assert_eq!(edit.new_text, "template");
        assert!(analysis.fixes(TextRange::empty(0)).is_empty());
    }

    #[test]
    fn recognises_rgd_files_even_when_broken() {
        assert!(Analysis::new("kind: ResourceGraphDefinition\nspec: [\n").is_rgd_file());
        assert!(Analysis::new("a: [\nkind: \"ResourceGraphDefinition\"\n").is_rgd_file());
        assert!(!Analysis::new("apiVersion: v1\nkind: ConfigMap\n").is_rgd_file());
        assert!(!Analysis::new("").is_rgd_file());
    }
}
