//! Shared support for the end-to-end tests: the local control plane and per-test namespaces.
