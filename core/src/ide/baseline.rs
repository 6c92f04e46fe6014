//! Breaking changes against a baseline: the CRDs a cluster serves (cluster mode), compared
//! with the CRD each RGD of the file now generates, as `kubectl kro validate` does against a
//! cluster and the controller does before it applies.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::compile::Compiled;
use crate::schema::crd::RGD_NAME_LABEL;
use crate::schema::{Ownership, compare_crds};

/// CRDs as a cluster serves them, by name; what the RGDs' CRDs are compared with.
#[derive(Clone, Debug, Default)]
pub struct Baselines {
    crds: HashMap<String, Json>,
}

impl Baselines {
    /// No baseline: nothing is compared.
    pub fn new() -> Self {
        Baselines::default()
    }

    /// Adds a CRD (as JSON, the way the API server returns it), keyed by its
    /// `metadata.name`; one without a name is ignored.
    pub fn add_crd(&mut self, crd: Json) {
        if let Some(name) = crd.pointer("/metadata/name").and_then(Json::as_str) {
            self.crds.insert(name.to_owned(), crd);
        }
    }

    /// Whether there is no CRD to compare with.
    pub fn is_empty(&self) -> bool {
        self.crds.is_empty()
    }
}

/// Adds `schema-breaking-change` diagnostics to `compiled` for what its CRD would break in
/// the baseline's CRD of the same name, when that CRD belongs to this RGD (kro refuses to take
/// over another one) and the RGD does not allow breaking changes.
pub(crate) fn check(compiled: &mut Compiled, baselines: &Baselines) {
    if compiled.crd_spec.kind.is_empty() || compiled.crd_spec.version.is_empty() {
        return;
    }
    let Some(old) = baselines.crds.get(&compiled.crd_spec.crd_name()) else {
        return;
    };
    let owner = old
        .pointer("/metadata/labels")
        .and_then(|labels| labels.get(RGD_NAME_LABEL))
        .and_then(Json::as_str);
    let name = compiled.rgd.name.as_ref().map(|n| n.value.as_str());
    if owner.is_none() || owner != name || compiled.rgd.allows_breaking_changes() {
        return;
    }
    let new = compiled.crd(&Ownership::default());
    let Ok(comparison) = compare_crds(old, &new) else {
        return;
    };
    let fallback = compiled
        .rgd
        .schema
        .as_ref()
        .map_or(compiled.rgd.range, |s| s.node.range);
    let found = comparison.diagnostics(Some(&compiled.spec), fallback);
    compiled.diagnostics.extend(found);
}

#[cfg(test)]
mod tests {
    use super::Baselines;
    use crate::compile::{Options, compile_file};
    use crate::ide::Analysis;
    use crate::schema::Ownership;

    const RGD: &str = "apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: app
spec:
  schema:
    apiVersion: v1alpha1
    kind: App
    spec:
      size: integer
      name: string
  resources: []
";

    fn baseline(text: &str, owner: &str) -> Baselines {
        let file = compile_file(text, &Options::default());
        let crd = file.rgds[0].crd(&Ownership {
            rgd_name: Some(owner.to_owned()),
            ..Ownership::default()
        });
        let mut baselines = Baselines::new();
        baselines.add_crd(crd);
        baselines
    }

    fn codes(analysis: &Analysis) -> Vec<String> {
        analysis
            .diagnostics()
            .iter()
            .map(|d| {
                format!(
                    "{}@{}",
                    d.code.as_str(),
                    &analysis.text()[d.range.start..d.range.end]
                )
            })
            .collect()
    }

    #[test]
    fn a_changed_type_breaks_the_crd_in_the_cluster() {
        let changed = RGD.replace("size: integer", "size: string");
        let baselines = baseline(RGD, "app");
        let analysis = Analysis::with_baselines(changed.as_str(), &Options::default(), &baselines);
        assert_eq!(codes(&analysis), ["schema-breaking-change@size"]);
        let message = &analysis.diagnostics()[0].message;
        assert!(message.contains("allow-breaking-changes"), "{message}");

        // Unchanged, allowed, or another RGD's CRD: nothing to say.
        let same = Analysis::with_baselines(RGD, &Options::default(), &baselines);
        assert!(codes(&same).is_empty());
        let allowed = changed.replace(
            "  name: app\n",
            "  name: app\n  annotations:\n    kro.run/allow-breaking-changes: \"true\"\n",
        );
        let allowed = Analysis::with_baselines(allowed.as_str(), &Options::default(), &baselines);
        assert!(codes(&allowed).is_empty());
        let theirs = baseline(RGD, "other");
        let theirs = Analysis::with_baselines(changed.as_str(), &Options::default(), &theirs);
        assert!(codes(&theirs).is_empty());
    }
}
