//! Go to definition and find references for resource ids and the instance's spec fields.

use super::spec_tree::SpecTree;
use super::{Analysis, Rgd};
use crate::syntax::{Entry, Value};
use crate::text::TextRange;

/// A place to jump to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NavigationTarget {
    /// The name of what is there (`deployment`, `spec.name`).
    pub name: String,
    /// The whole declaration (a resource's list item, a field's `key: value`).
    pub full_range: TextRange,
    /// The name within it, where the cursor should land.
    pub focus_range: TextRange,
}

/// A declaration and the places that use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct References {
    /// Where it is declared.
    pub declaration: NavigationTarget,
    /// Every use in an expression, in text order (the declaration not included).
    pub uses: Vec<TextRange>,
}

/// What a name in the file refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A resource, by index.
    Resource(usize),
    /// A field of the instance spec, by path under `spec`.
    SpecField(Vec<String>),
}

impl Analysis {
    /// Where the resource id or spec field at `offset` is declared.
    pub fn goto_definition(&self, offset: usize) -> Option<NavigationTarget> {
        let rgd = self.rgd_at(offset)?;
        let (target, _) = rgd.target_at(offset)?;
        rgd.declaration(&target)
    }

    /// The declaration and every use of the resource id or spec field at `offset`.
    pub fn find_references(&self, offset: usize) -> Option<References> {
        let rgd = self.rgd_at(offset)?;
        let (target, _) = rgd.target_at(offset)?;
        Some(References {
            declaration: rgd.declaration(&target)?,
            uses: rgd.uses_of_target(&target),
        })
    }
}

impl<'a> Rgd<'a> {
    /// The name at `offset` and what it refers to.
    pub(crate) fn target_at(&self, offset: usize) -> Option<(Target, TextRange)> {
        for (index, resource) in self.resources().iter().enumerate() {
            let range = self.id_name_range(resource);
            if !resource.id.value.is_empty() && range.contains_inclusive(offset) {
                return Some((Target::Resource(index), range));
            }
        }
        for u in self.uses {
            if u.range.contains_inclusive(offset)
                && let Some((index, _)) = self.resource(&u.name)
            {
                return Some((Target::Resource(index), u.range));
            }
            if u.name == "schema" && u.fields.first().is_some_and(|(f, _)| f == "spec") {
                for (k, (_, range)) in u.fields.iter().enumerate().skip(1) {
                    if range.contains_inclusive(offset) {
                        let path = u.fields[1..=k].iter().map(|(f, _)| f.clone()).collect();
                        return Some((Target::SpecField(path), *range));
                    }
                }
            }
        }
        let spec = self.compiled.rgd.schema.as_ref()?.spec.as_ref()?;
        let mut path = Vec::new();
        spec_key_at(spec.as_mapping()?, offset, &mut path)
            .map(|range| (Target::SpecField(path), range))
    }

    /// Where `target` is declared.
    pub(crate) fn declaration(&self, target: &Target) -> Option<NavigationTarget> {
        match target {
            Target::Resource(index) => {
                let resource = &self.resources()[*index];
                Some(NavigationTarget {
                    name: resource.id.value.clone(),
                    full_range: resource.node.range,
                    focus_range: self.id_name_range(resource),
                })
            }
            Target::SpecField(path) => {
                let entry = self.spec_tree().field(path)?;
                Some(NavigationTarget {
                    name: format!("spec.{}", path.join(".")),
                    full_range: entry.key.range.cover(entry.value.range),
                    focus_range: entry.key.range,
                })
            }
        }
    }

    /// Where `target` is used in expressions, in text order.
    pub(crate) fn uses_of_target(&self, target: &Target) -> Vec<TextRange> {
        match target {
            Target::Resource(index) => self
                .uses_of(&self.resources()[*index].id.value)
                .map(|u| u.range)
                .collect(),
            Target::SpecField(path) => self
                .uses
                .iter()
                .filter(|u| u.name == "schema")
                .filter_map(|u| {
                    let (first, rest) = u.fields.split_first()?;
                    let matches = first.0 == "spec"
                        && !path.is_empty()
                        && rest.len() >= path.len()
                        && rest.iter().zip(path).all(|((f, _), p)| f == p);
                    matches.then(|| rest[path.len() - 1].1)
                })
                .collect(),
        }
    }

    pub(crate) fn spec_tree(&self) -> SpecTree<'a> {
        SpecTree::new(self.compiled.rgd.schema.as_ref())
    }
}

/// The key at `offset` in a spec SimpleSchema mapping, pushing the path to it.
fn spec_key_at(entries: &[Entry], offset: usize, path: &mut Vec<String>) -> Option<TextRange> {
    for entry in entries {
        if entry.key.range.contains_inclusive(offset) {
            path.push(entry.key_text());
            return Some(entry.key.range);
        }
        if let Value::Mapping(children) = &entry.value.value
            && entry.value.range.contains_inclusive(offset)
        {
            path.push(entry.key_text());
            return spec_key_at(children, offset, path);
        }
    }
    None
}

#[cfg(test)]
pub(crate) mod tests;
