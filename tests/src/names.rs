//! Unique names for objects that tests share the cluster with.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU32, Ordering};

/// The longest name that is a valid DNS label (namespaces, most object names).
const MAX_LEN: usize = 63;

/// A name unique across tests, test processes and runs against the same control plane:
/// `<prefix>-<pid>-<counter><random>`, lowercase, at most 63 characters, a valid DNS label when
/// `prefix` is one.
///
/// Use it for cluster-scoped objects (CRD plurals and groups, RGDs, namespaces) that would
/// otherwise collide between tests running in parallel or left over from an earlier run.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = RandomState::new().hash_one(n) & 0xffff;
    let suffix = format!("-{:x}-{n:x}{random:04x}", std::process::id());
    let prefix: String = prefix
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(MAX_LEN - suffix.len())
        .collect();
    let prefix = prefix.trim_matches('-');
    let prefix = if prefix.is_empty() { "t" } else { prefix };
    format!("{prefix}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::unique_name;

    #[test]
    fn names_are_distinct_dns_labels() {
        let a = unique_name("Smoke_Test");
        let b = unique_name("Smoke_Test");
        assert_ne!(a, b);
        for name in [a, b, unique_name(&"x".repeat(100)), unique_name("--")] {
            assert!(name.len() <= 63, "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{name}"
            );
            assert!(!name.starts_with('-') && !name.ends_with('-'), "{name}");
        }
    }
}
