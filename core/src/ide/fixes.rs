//! Quick fixes: the mechanical fixes diagnostics carry, offered where the cursor is.

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
    /// The diagnostic it fixes.
    pub diagnostic: Diagnostic,
}

impl Analysis {
    /// The fixes of the diagnostics that touch `range`.
    pub fn fixes(&self, range: TextRange) -> Vec<Assist> {
        self.file
            .diagnostics()
            .into_iter()
            .filter(|d| d.range.start <= range.end && range.start <= d.range.end)
            .filter_map(|d| {
                let fix = d.fix.as_ref()?;
                Some(Assist {
                    title: fix.title.clone(),
                    edits: fix.edits.clone(),
                    diagnostic: d.clone(),
                })
            })
            .collect()
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
        assert_eq!(fix.diagnostic.code.as_str(), "rgd-unknown-field");
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
