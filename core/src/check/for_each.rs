//! `invalid-for-each`, `reserved-resource-id`: forEach has at most the allowed number of
//! dimensions, and each iterator is a lowerCamelCase name that is not reserved, not a resource
//! id and not used twice in the same resource.

use super::{Context, is_lower_camel_case, is_reserved};
use crate::diagnostic::{Code, Diagnostic};
use crate::rgd::Rgd;

pub(super) fn check(rgd: &Rgd, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for resource in &rgd.resources {
        let dimensions = &resource.for_each;
        if dimensions.len() > cx.max_collection_dimensions {
            out.push(Diagnostic::new(
                Code::InvalidForEach,
                dimensions[cx.max_collection_dimensions].name.range,
                format!(
                    "`{}` has {} forEach dimensions; at most {} are allowed",
                    resource.id.value,
                    dimensions.len(),
                    cx.max_collection_dimensions
                ),
            ));
        }
        for (i, dimension) in dimensions.iter().enumerate() {
            let name = &dimension.name.value;
            if is_reserved(name) {
                out.push(Diagnostic::new(
                    Code::ReservedResourceId,
                    dimension.name.range,
                    format!("`{name}` is reserved and cannot name a forEach iterator"),
                ));
            } else if !is_lower_camel_case(name) {
                out.push(Diagnostic::new(
                    Code::InvalidForEach,
                    dimension.name.range,
                    format!("forEach iterator `{name}` must be lowerCamelCase"),
                ));
            }
            if let Some(other) = rgd.resource(name) {
                out.push(
                    Diagnostic::new(
                        Code::InvalidForEach,
                        dimension.name.range,
                        format!(
                            "forEach iterator `{name}` has the same name as a resource; rename one"
                        ),
                    )
                    .with_related(other.id.range, "the resource"),
                );
            }
            if let Some(first) = dimensions[..i].iter().find(|d| d.name.value == *name) {
                out.push(
                    Diagnostic::new(
                        Code::InvalidForEach,
                        dimension.name.range,
                        format!(
                            "`{}` already has a forEach iterator named `{name}`",
                            resource.id.value
                        ),
                    )
                    .with_related(first.name.range, "first used here"),
                );
            }
        }
    }
}
