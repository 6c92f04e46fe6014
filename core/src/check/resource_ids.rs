//! `invalid-resource-id`, `reserved-resource-id`, `duplicate-resource-id`: every resource has a
//! unique lowerCamelCase id that kro and CEL do not reserve.

use super::{is_lower_camel_case, is_reserved};
use crate::diagnostic::{Code, Diagnostic};
use crate::rgd::Rgd;

pub(super) fn check(rgd: &Rgd, out: &mut Vec<Diagnostic>) {
    for (i, resource) in rgd.resources.iter().enumerate() {
        let id = &resource.id;
        if id.value.is_empty() {
            continue; // lowering already reported the missing id
        }
        if is_reserved(&id.value) {
            out.push(Diagnostic::new(
                Code::ReservedResourceId,
                id.range,
                format!(
                    "`{}` is reserved and cannot name a resource; choose another id",
                    id.value
                ),
            ));
        } else if !is_lower_camel_case(&id.value) {
            out.push(Diagnostic::new(
                Code::InvalidResourceId,
                id.range,
                format!(
                    "resource id `{}` must be lowerCamelCase: a lowercase letter, then letters and digits (e.g. `{}`)",
                    id.value,
                    lower_camel(&id.value)
                ),
            ));
        }
        if let Some(first) = rgd.resources[..i].iter().find(|r| r.id.value == id.value) {
            out.push(
                Diagnostic::new(
                    Code::DuplicateResourceId,
                    id.range,
                    format!("another resource already has the id `{}`", id.value),
                )
                .with_related(first.id.range, "first used here"),
            );
        }
    }
}

/// A lowerCamelCase suggestion for an invalid id: `my-config` → `myConfig`.
fn lower_camel(id: &str) -> String {
    let mut out = String::new();
    let mut upper_next = false;
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            if out.is_empty() {
                if c.is_ascii_alphabetic() {
                    out.push(c.to_ascii_lowercase());
                }
            } else if upper_next {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper_next = false;
        } else {
            upper_next = true;
        }
    }
    if out.is_empty() {
        "resource".to_owned()
    } else {
        out
    }
}
