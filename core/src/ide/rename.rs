//! Renaming a resource id or a spec field: the declaration and every `${…}` use at once,
//! refusing names the compiler would reject.

use std::fmt;

use super::navigation::Target;
use super::{Analysis, TextEdit};
use crate::check::{is_lower_camel_case, is_reserved};
use crate::text::TextRange;

/// What a rename at a position would change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameTarget {
    /// The name under the cursor.
    pub range: TextRange,
    /// Its current text, to prefill the editor's input.
    pub placeholder: String,
}

/// Why a rename cannot be done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameError {
    /// The cursor is not on a resource id or a spec field.
    NothingToRename,
    /// The new name is not allowed; the message says why.
    InvalidName(String),
}

impl fmt::Display for RenameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenameError::NothingToRename => {
                f.write_str("only resource ids and spec fields can be renamed")
            }
            RenameError::InvalidName(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for RenameError {}

impl Analysis {
    /// Whether the name at `offset` can be renamed, and which text it is.
    pub fn prepare_rename(&self, offset: usize) -> Result<RenameTarget, RenameError> {
        let rgd = self.rgd_at(offset).ok_or(RenameError::NothingToRename)?;
        let (_, range) = rgd.target_at(offset).ok_or(RenameError::NothingToRename)?;
        Ok(RenameTarget {
            range,
            placeholder: self.text[range.start..range.end].to_owned(),
        })
    }

    /// The edits that rename the resource id or spec field at `offset` to `new_name`, in text
    /// order.
    pub fn rename(&self, offset: usize, new_name: &str) -> Result<Vec<TextEdit>, RenameError> {
        let rgd = self.rgd_at(offset).ok_or(RenameError::NothingToRename)?;
        let (target, _) = rgd.target_at(offset).ok_or(RenameError::NothingToRename)?;
        let declaration = rgd
            .declaration(&target)
            .ok_or(RenameError::NothingToRename)?;
        let invalid = |message: String| Err(RenameError::InvalidName(message));
        match &target {
            Target::Resource(index) => {
                let current = &rgd.resources()[*index].id.value;
                if is_reserved(new_name) {
                    return invalid(format!(
                        "`{new_name}` is reserved and cannot name a resource"
                    ));
                }
                if !is_lower_camel_case(new_name) {
                    return invalid(format!(
                        "`{new_name}` is not a valid resource id: use lowerCamelCase (a lowercase letter, then letters and digits)"
                    ));
                }
                if new_name != current && rgd.resource(new_name).is_some() {
                    return invalid(format!("another resource already has the id `{new_name}`"));
                }
                let iterators = rgd.resources().iter().flat_map(|r| &r.for_each);
                if iterators.into_iter().any(|d| d.name.value == new_name) {
                    return invalid(format!(
                        "`{new_name}` is a forEach iterator name; a resource id would clash with it"
                    ));
                }
            }
            Target::SpecField(path) => {
                let valid = new_name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && new_name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return invalid(format!(
                        "`{new_name}` cannot be used in expressions: a field name is letters, digits and `_`, not starting with a digit"
                    ));
                }
                let parent = &path[..path.len() - 1];
                let clash = rgd.spec_tree().fields(parent).iter().any(|e| {
                    e.key_text() == new_name && Some(new_name) != path.last().map(String::as_str)
                });
                if clash {
                    return invalid(format!("the spec already has a field `{new_name}` here"));
                }
            }
        }
        let mut ranges = rgd.uses_of_target(&target);
        ranges.push(declaration.focus_range);
        ranges.sort();
        ranges.dedup();
        Ok(ranges
            .into_iter()
            .map(|range| TextEdit {
                range,
                new_text: new_name.to_owned(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests;
