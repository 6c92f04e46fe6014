//! `template-or-external-ref`, `external-ref-for-each`, `external-ref-name-or-selector`: a
//! resource is either created from a template or read through an external reference, and an
//! external reference names exactly one object or selects a list.

use crate::diagnostic::{Code, Diagnostic};
use crate::rgd::Rgd;
use crate::text::TextRange;

pub(super) fn check(rgd: &Rgd, out: &mut Vec<Diagnostic>) {
    for resource in &rgd.resources {
        let at = if resource.id.range.is_empty() {
            TextRange::empty(resource.node.range.start)
        } else {
            resource.id.range
        };
        match (&resource.template, &resource.external_ref) {
            (None, None) => out.push(Diagnostic::new(
                Code::TemplateOrExternalRef,
                at,
                format!(
                    "resource `{}` needs a `template` (an object to create) or an `externalRef` (an object to read)",
                    resource.id.value
                ),
            )),
            (Some(template), Some(external)) => out.push(
                Diagnostic::new(
                    Code::TemplateOrExternalRef,
                    external.node.range,
                    format!(
                        "resource `{}` has both `template` and `externalRef`; keep one",
                        resource.id.value
                    ),
                )
                .with_related(template.range, "the template"),
            ),
            _ => {}
        }
        let Some(external) = &resource.external_ref else {
            continue;
        };
        if let Some(first) = resource.for_each.first() {
            out.push(Diagnostic::new(
                Code::ExternalRefForEach,
                first.name.range,
                "`forEach` cannot be used with `externalRef`; to read many objects, use `metadata.selector`",
            ));
        }
        let metadata = external.node.get("metadata");
        match (&external.name, &external.selector) {
            (Some(_), None) | (None, Some(_)) => {}
            (Some(name), Some(_)) => out.push(Diagnostic::new(
                Code::ExternalRefNameOrSelector,
                metadata
                    .and_then(|m| m.entry("name"))
                    .map_or(name.range, |e| e.key.range),
                "externalRef.metadata has both `name` and `selector`; use `name` for one object or `selector` for a list",
            )),
            (None, None) => {
                if let Some(metadata) = metadata {
                    out.push(Diagnostic::new(
                        Code::ExternalRefNameOrSelector,
                        metadata.range,
                        "externalRef.metadata needs `name` (one object) or `selector` (a list)",
                    ));
                }
            }
        }
    }
}
