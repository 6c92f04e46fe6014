//! CEL in RGDs: `${…}` extraction, and a small facade over the CEL engine for parsing and
//! type checking.
