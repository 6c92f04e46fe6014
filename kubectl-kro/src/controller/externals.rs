//! Which instances read which external objects, so an event on an external reference (created,
//! changed, deleted) wakes exactly the instances that read it — including references that do
//! not exist yet.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use kube::api::DynamicObject;
use kube::runtime::reflector::ObjectRef;

/// What an instance reads: `(group/kind, namespace, name)`; no name for a selector (any object
/// of the kind in the namespace), no namespace for all namespaces.
pub type ExternalKey = (String, String, Option<String>);

type Instance = ObjectRef<DynamicObject>;

/// The index, shared by the reconciler (which records reads) and the watch mapper.
#[derive(Default)]
pub struct ExternalIndex {
    inner: Mutex<Index>,
}

#[derive(Default)]
struct Index {
    readers: HashMap<ExternalKey, HashSet<Instance>>,
    reads: HashMap<Instance, BTreeSet<ExternalKey>>,
}

impl ExternalIndex {
    /// Records everything `instance` read in its last reconcile (replacing the earlier record).
    pub fn record(&self, instance: Instance, keys: BTreeSet<ExternalKey>) {
        let mut index = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        index.forget(&instance);
        for key in &keys {
            index
                .readers
                .entry(key.clone())
                .or_default()
                .insert(instance.clone());
        }
        if !keys.is_empty() {
            index.reads.insert(instance, keys);
        }
    }

    /// Forgets an instance (deleted).
    pub fn forget(&self, instance: &Instance) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .forget(instance);
    }

    /// The instances that read the object `(group/kind, namespace, name)`.
    pub fn readers_of(&self, group_kind: &str, namespace: &str, name: &str) -> Vec<Instance> {
        let index = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let keys = [
            (
                group_kind.to_owned(),
                namespace.to_owned(),
                Some(name.to_owned()),
            ),
            (group_kind.to_owned(), namespace.to_owned(), None),
            (group_kind.to_owned(), String::new(), None),
        ];
        let mut found: Vec<Instance> = keys
            .iter()
            .filter_map(|key| index.readers.get(key))
            .flatten()
            .cloned()
            .collect();
        found.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        found.dedup();
        found
    }
}

impl Index {
    fn forget(&mut self, instance: &Instance) {
        for key in self.reads.remove(instance).unwrap_or_default() {
            if let Some(readers) = self.readers.get_mut(&key) {
                readers.remove(instance);
                if readers.is_empty() {
                    self.readers.remove(&key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use kube::api::ApiResource;

    use super::*;

    fn instance(name: &str) -> Instance {
        let resource = ApiResource {
            group: "kro.run".into(),
            version: "v1alpha1".into(),
            api_version: "kro.run/v1alpha1".into(),
            kind: "App".into(),
            plural: "apps".into(),
        };
        ObjectRef::new_with(name, resource).within("ns")
    }

    fn by_name(name: &str) -> ExternalKey {
        ("ConfigMap".into(), "ns".into(), Some(name.into()))
    }

    #[test]
    fn events_wake_the_instances_that_read_the_object() {
        let index = ExternalIndex::default();
        index.record(instance("a"), BTreeSet::from([by_name("shared")]));
        index.record(
            instance("b"),
            BTreeSet::from([by_name("shared"), by_name("own")]),
        );
        index.record(
            instance("c"),
            BTreeSet::from([("ConfigMap".into(), "ns".into(), None)]),
        );
        let names = |found: Vec<Instance>| found.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(
            names(index.readers_of("ConfigMap", "ns", "shared")),
            ["a", "b", "c"]
        );
        assert_eq!(
            names(index.readers_of("ConfigMap", "ns", "own")),
            ["b", "c"]
        );
        assert!(index.readers_of("ConfigMap", "other", "shared").is_empty());
        assert!(index.readers_of("Secret", "ns", "shared").is_empty());
    }

    #[test]
    fn a_new_record_replaces_the_old_and_forget_removes_it() {
        let index = ExternalIndex::default();
        index.record(instance("a"), BTreeSet::from([by_name("old")]));
        index.record(instance("a"), BTreeSet::from([by_name("new")]));
        assert!(index.readers_of("ConfigMap", "ns", "old").is_empty());
        assert_eq!(index.readers_of("ConfigMap", "ns", "new").len(), 1);
        index.forget(&instance("a"));
        assert!(index.readers_of("ConfigMap", "ns", "new").is_empty());
    }
}
