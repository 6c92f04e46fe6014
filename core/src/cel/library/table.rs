//! The declarations: one line per overload, in the signature notation of the CEL and
//! Kubernetes docs (`<receiver>.name(args) -> result`), each with a one-line doc.
//!
//! A doc of `""` repeats the doc of the previous overload of the same name. Single capital
//! letters are type parameters.

/// A group of declarations and where it comes from.
pub(super) struct Section {
    pub(super) library: &'static str,
    pub(super) entries: &'static [(&'static str, &'static str)],
}

pub(super) const SECTIONS: &[Section] = &[
    Section {
        library: "operators",
        entries: OPERATORS,
    },
    Section {
        library: "standard",
        entries: STANDARD,
    },
    Section {
        library: "strings",
        entries: STRINGS,
    },
    Section {
        library: "lists",
        entries: LISTS,
    },
    Section {
        library: "optional",
        entries: OPTIONAL,
    },
    Section {
        library: "encoders",
        entries: ENCODERS,
    },
    Section {
        library: "kubernetes",
        entries: KUBERNETES,
    },
    Section {
        library: "kro",
        entries: KRO,
    },
];

const OPERATORS: &[(&str, &str)] = &[
    (
        "_+_(int, int) -> int",
        "Addition, string and list concatenation.",
    ),
    ("_+_(uint, uint) -> uint", ""),
    ("_+_(double, double) -> double", ""),
    ("_+_(string, string) -> string", ""),
    ("_+_(bytes, bytes) -> bytes", ""),
    ("_+_(list(A), list(A)) -> list(A)", ""),
    ("_+_(map(K, V), map(K, V)) -> map(K, V)", ""),
    ("_+_(timestamp, duration) -> timestamp", ""),
    ("_+_(duration, timestamp) -> timestamp", ""),
    ("_+_(duration, duration) -> duration", ""),
    ("_-_(int, int) -> int", "Subtraction."),
    ("_-_(uint, uint) -> uint", ""),
    ("_-_(double, double) -> double", ""),
    ("_-_(timestamp, timestamp) -> duration", ""),
    ("_-_(timestamp, duration) -> timestamp", ""),
    ("_-_(duration, duration) -> duration", ""),
    ("_*_(int, int) -> int", "Multiplication."),
    ("_*_(uint, uint) -> uint", ""),
    ("_*_(double, double) -> double", ""),
    ("_/_(int, int) -> int", "Division."),
    ("_/_(uint, uint) -> uint", ""),
    ("_/_(double, double) -> double", ""),
    ("_%_(int, int) -> int", "Remainder."),
    ("_%_(uint, uint) -> uint", ""),
    ("-_(int) -> int", "Negation."),
    ("-_(double) -> double", ""),
    ("!_(bool) -> bool", "Logical not."),
    ("_&&_(bool, bool) -> bool", "Logical and."),
    ("_||_(bool, bool) -> bool", "Logical or."),
    ("_==_(A, A) -> bool", "Equality."),
    ("_==_(A, null) -> bool", ""),
    ("_==_(null, A) -> bool", ""),
    ("_==_(int, double) -> bool", ""),
    ("_==_(double, int) -> bool", ""),
    ("_==_(int, uint) -> bool", ""),
    ("_==_(uint, int) -> bool", ""),
    ("_==_(uint, double) -> bool", ""),
    ("_==_(double, uint) -> bool", ""),
    ("_!=_(A, A) -> bool", "Inequality."),
    ("_!=_(A, null) -> bool", ""),
    ("_!=_(null, A) -> bool", ""),
    ("_!=_(int, double) -> bool", ""),
    ("_!=_(double, int) -> bool", ""),
    ("_!=_(int, uint) -> bool", ""),
    ("_!=_(uint, int) -> bool", ""),
    ("_!=_(uint, double) -> bool", ""),
    ("_!=_(double, uint) -> bool", ""),
    ("_<_(O, O) -> bool", "Ordering."),
    ("_<=_(O, O) -> bool", "Ordering."),
    ("_>_(O, O) -> bool", "Ordering."),
    ("_>=_(O, O) -> bool", "Ordering."),
    (
        "@in(A, list(A)) -> bool",
        "Membership in a list or among a map's keys.",
    ),
    ("@in(A, map(A, B)) -> bool", ""),
];

const STANDARD: &[(&str, &str)] = &[
    (
        "size(string) -> int",
        "Number of characters, bytes, list items or map entries.",
    ),
    ("size(bytes) -> int", ""),
    ("size(list(A)) -> int", ""),
    ("size(map(A, B)) -> int", ""),
    ("<string>.size() -> int", ""),
    ("<bytes>.size() -> int", ""),
    ("<list(A)>.size() -> int", ""),
    ("<map(A, B)>.size() -> int", ""),
    (
        "<string>.contains(string) -> bool",
        "Whether the string contains the substring.",
    ),
    (
        "<string>.startsWith(string) -> bool",
        "Whether the string starts with the prefix.",
    ),
    (
        "<string>.endsWith(string) -> bool",
        "Whether the string ends with the suffix.",
    ),
    (
        "<string>.matches(string) -> bool",
        "Whether the string matches the RE2 regular expression.",
    ),
    ("matches(string, string) -> bool", ""),
    (
        "int(int) -> int",
        "Converts to int (doubles truncate; timestamps give Unix seconds).",
    ),
    ("int(uint) -> int", ""),
    ("int(double) -> int", ""),
    ("int(string) -> int", ""),
    ("int(timestamp) -> int", ""),
    ("uint(uint) -> uint", "Converts to uint."),
    ("uint(int) -> uint", ""),
    ("uint(double) -> uint", ""),
    ("uint(string) -> uint", ""),
    ("double(double) -> double", "Converts to double."),
    ("double(int) -> double", ""),
    ("double(uint) -> double", ""),
    ("double(string) -> double", ""),
    ("string(string) -> string", "Converts to string."),
    ("string(int) -> string", ""),
    ("string(uint) -> string", ""),
    ("string(double) -> string", ""),
    ("string(bool) -> string", ""),
    ("string(bytes) -> string", ""),
    ("string(timestamp) -> string", ""),
    ("string(duration) -> string", ""),
    ("string(IP) -> string", ""),
    ("string(CIDR) -> string", ""),
    (
        "bytes(bytes) -> bytes",
        "Converts a string to its UTF-8 bytes.",
    ),
    ("bytes(string) -> bytes", ""),
    (
        "bool(bool) -> bool",
        "Converts `true`/`false` strings to bool.",
    ),
    ("bool(string) -> bool", ""),
    (
        "dyn(A) -> dyn",
        "Defers type checking of the value to evaluation time.",
    ),
    ("type(A) -> type(A)", "The type of a value."),
    (
        "timestamp(string) -> timestamp",
        "Parses an RFC 3339 timestamp.",
    ),
    ("timestamp(timestamp) -> timestamp", ""),
    ("timestamp(int) -> timestamp", ""),
    (
        "duration(string) -> duration",
        "Parses a duration such as `1h30m`.",
    ),
    ("duration(duration) -> duration", ""),
    (
        "<timestamp>.getFullYear() -> int",
        "The year (UTC, or the given time zone).",
    ),
    ("<timestamp>.getFullYear(string) -> int", ""),
    (
        "<timestamp>.getMonth() -> int",
        "The month, 0-based (UTC, or the given time zone).",
    ),
    ("<timestamp>.getMonth(string) -> int", ""),
    (
        "<timestamp>.getDayOfYear() -> int",
        "The day of the year, 0-based.",
    ),
    ("<timestamp>.getDayOfYear(string) -> int", ""),
    (
        "<timestamp>.getDayOfMonth() -> int",
        "The day of the month, 0-based.",
    ),
    ("<timestamp>.getDayOfMonth(string) -> int", ""),
    (
        "<timestamp>.getDate() -> int",
        "The day of the month, 1-based.",
    ),
    ("<timestamp>.getDate(string) -> int", ""),
    (
        "<timestamp>.getDayOfWeek() -> int",
        "The day of the week, 0 = Sunday.",
    ),
    ("<timestamp>.getDayOfWeek(string) -> int", ""),
    (
        "<timestamp>.getHours() -> int",
        "The hour of a timestamp, or a duration in hours.",
    ),
    ("<timestamp>.getHours(string) -> int", ""),
    ("<duration>.getHours() -> int", ""),
    (
        "<timestamp>.getMinutes() -> int",
        "The minute of a timestamp, or a duration in minutes.",
    ),
    ("<timestamp>.getMinutes(string) -> int", ""),
    ("<duration>.getMinutes() -> int", ""),
    (
        "<timestamp>.getSeconds() -> int",
        "The second of a timestamp, or a duration in seconds.",
    ),
    ("<timestamp>.getSeconds(string) -> int", ""),
    ("<duration>.getSeconds() -> int", ""),
    (
        "<timestamp>.getMilliseconds() -> int",
        "The milliseconds of a timestamp or duration.",
    ),
    ("<timestamp>.getMilliseconds(string) -> int", ""),
    ("<duration>.getMilliseconds() -> int", ""),
];

const STRINGS: &[(&str, &str)] = &[
    (
        "<string>.charAt(int) -> string",
        "The character at an index (empty at the end).",
    ),
    (
        "<string>.indexOf(string) -> int",
        "Index of the first occurrence, or -1.",
    ),
    ("<string>.indexOf(string, int) -> int", ""),
    (
        "<string>.lastIndexOf(string) -> int",
        "Index of the last occurrence, or -1.",
    ),
    ("<string>.lastIndexOf(string, int) -> int", ""),
    (
        "<string>.lowerAscii() -> string",
        "The string with ASCII letters lowercased.",
    ),
    (
        "<string>.upperAscii() -> string",
        "The string with ASCII letters uppercased.",
    ),
    (
        "<string>.replace(string, string) -> string",
        "Replaces occurrences (all, or at most n).",
    ),
    ("<string>.replace(string, string, int) -> string", ""),
    (
        "<string>.split(string) -> list(string)",
        "Splits on a separator (into at most n parts).",
    ),
    ("<string>.split(string, int) -> list(string)", ""),
    (
        "<string>.substring(int) -> string",
        "The characters from start (to end, exclusive).",
    ),
    ("<string>.substring(int, int) -> string", ""),
    (
        "<string>.trim() -> string",
        "The string without leading and trailing whitespace.",
    ),
    (
        "<string>.format(list(dyn)) -> string",
        "printf-style formatting: %s %d %f %e %x %o %b.",
    ),
    (
        "<string>.reverse() -> string",
        "The characters in reverse order.",
    ),
    (
        "<list(string)>.join() -> string",
        "Concatenates strings (with a separator).",
    ),
    ("<list(string)>.join(string) -> string", ""),
    (
        "strings.quote(string) -> string",
        "The string as a quoted, escaped literal.",
    ),
];

const LISTS: &[(&str, &str)] = &[
    (
        "<list(A)>.slice(int, int) -> list(A)",
        "The items from start to end (exclusive).",
    ),
    (
        "<list(list(A))>.flatten() -> list(A)",
        "Flattens nested lists (to a depth).",
    ),
    ("<list(dyn)>.flatten(int) -> list(dyn)", ""),
    (
        "<list(A)>.distinct() -> list(A)",
        "The items without duplicates, first occurrence kept.",
    ),
    (
        "<list(A)>.reverse() -> list(A)",
        "The items in reverse order.",
    ),
    ("<list(O)>.sort() -> list(O)", "The items sorted ascending."),
    (
        "<list(A)>.first() -> optional(A)",
        "The first item, if any.",
    ),
    ("<list(A)>.last() -> optional(A)", "The last item, if any."),
    (
        "lists.range(int) -> list(int)",
        "The integers from 0 to n (exclusive).",
    ),
    (
        "<list(O)>.isSorted() -> bool",
        "Whether the items are in ascending order.",
    ),
    (
        "<list(int)>.sum() -> int",
        "The sum of the items (0 for an empty list).",
    ),
    ("<list(uint)>.sum() -> uint", ""),
    ("<list(double)>.sum() -> double", ""),
    ("<list(duration)>.sum() -> duration", ""),
    (
        "<list(O)>.min() -> O",
        "The smallest item (error on an empty list).",
    ),
    (
        "<list(O)>.max() -> O",
        "The largest item (error on an empty list).",
    ),
    (
        "<list(A)>.indexOf(A) -> int",
        "Index of the first equal item, or -1.",
    ),
    (
        "<list(A)>.lastIndexOf(A) -> int",
        "Index of the last equal item, or -1.",
    ),
];

const OPTIONAL: &[(&str, &str)] = &[
    (
        "optional.of(A) -> optional(A)",
        "An optional holding the value.",
    ),
    (
        "optional.ofNonZeroValue(A) -> optional(A)",
        "An optional holding the value unless it is the zero value.",
    ),
    ("optional.none() -> optional(A)", "An empty optional."),
    (
        "<optional(A)>.hasValue() -> bool",
        "Whether the optional holds a value.",
    ),
    (
        "<optional(A)>.value() -> A",
        "The value (error when empty).",
    ),
    (
        "<optional(A)>.or(optional(A)) -> optional(A)",
        "This optional if it holds a value, else the other.",
    ),
    (
        "<optional(A)>.orValue(A) -> A",
        "The value, or the default when empty.",
    ),
    (
        "optional.unwrap(list(optional(A))) -> list(A)",
        "The values of the non-empty optionals.",
    ),
    (
        "<list(optional(A))>.unwrapOpt() -> list(A)",
        "The values of the non-empty optionals.",
    ),
];

const ENCODERS: &[(&str, &str)] = &[
    (
        "base64.encode(bytes) -> string",
        "Base64-encodes bytes (standard alphabet, padded).",
    ),
    (
        "base64.decode(string) -> bytes",
        "Decodes base64 text to bytes.",
    ),
];

const KUBERNETES: &[(&str, &str)] = &[
    (
        "<string>.find(string) -> string",
        "The first match of the regular expression, or ''.",
    ),
    (
        "<string>.findAll(string) -> list(string)",
        "All matches of the regular expression (at most n).",
    ),
    ("<string>.findAll(string, int) -> list(string)", ""),
    (
        "url(string) -> URL",
        "Parses an absolute URI or absolute path.",
    ),
    (
        "isURL(string) -> bool",
        "Whether the string parses as a URL.",
    ),
    ("<URL>.getScheme() -> string", "The scheme, or ''."),
    (
        "<URL>.getHost() -> string",
        "The host with port (IPv6 in brackets), or ''.",
    ),
    (
        "<URL>.getHostname() -> string",
        "The host without port, or ''.",
    ),
    ("<URL>.getPort() -> string", "The port, or ''."),
    (
        "<URL>.getEscapedPath() -> string",
        "The URL-escaped path, or ''.",
    ),
    (
        "<URL>.getQuery() -> map(string, list(string))",
        "The query parameters.",
    ),
    (
        "quantity(string) -> Quantity",
        "Parses a Kubernetes quantity such as `1.5Gi`.",
    ),
    (
        "isQuantity(string) -> bool",
        "Whether the string parses as a quantity.",
    ),
    (
        "sign(Quantity) -> int",
        "1, 0 or -1 by the quantity's sign.",
    ),
    ("<Quantity>.sign() -> int", ""),
    (
        "<Quantity>.isGreaterThan(Quantity) -> bool",
        "Whether this quantity is larger.",
    ),
    (
        "<Quantity>.isLessThan(Quantity) -> bool",
        "Whether this quantity is smaller.",
    ),
    (
        "<Quantity>.compareTo(Quantity) -> int",
        "-1, 0 or 1 comparing two quantities.",
    ),
    (
        "<Quantity>.asApproximateFloat() -> double",
        "The quantity as a double (may lose precision).",
    ),
    (
        "<Quantity>.asInteger() -> int",
        "The quantity as an int (error when not exact).",
    ),
    (
        "<Quantity>.isInteger() -> bool",
        "Whether asInteger() succeeds.",
    ),
    (
        "<Quantity>.add(Quantity) -> Quantity",
        "The sum of a quantity and a quantity or int.",
    ),
    ("<Quantity>.add(int) -> Quantity", ""),
    (
        "<Quantity>.sub(Quantity) -> Quantity",
        "The difference of a quantity and a quantity or int.",
    ),
    ("<Quantity>.sub(int) -> Quantity", ""),
    ("ip(string) -> IP", "Parses an IPv4 or IPv6 address."),
    (
        "isIP(string) -> bool",
        "Whether the string parses as an IP address.",
    ),
    (
        "ip.isCanonical(string) -> bool",
        "Whether the address is written in canonical form.",
    ),
    ("<IP>.family() -> int", "4 or 6."),
    (
        "<IP>.isUnspecified() -> bool",
        "Whether the address is 0.0.0.0 or ::.",
    ),
    (
        "<IP>.isLoopback() -> bool",
        "Whether the address is a loopback address.",
    ),
    (
        "<IP>.isLinkLocalMulticast() -> bool",
        "Whether the address is link-local multicast.",
    ),
    (
        "<IP>.isLinkLocalUnicast() -> bool",
        "Whether the address is link-local unicast.",
    ),
    (
        "<IP>.isGlobalUnicast() -> bool",
        "Whether the address is global unicast.",
    ),
    (
        "cidr(string) -> CIDR",
        "Parses a CIDR such as `10.0.0.0/8`.",
    ),
    (
        "isCIDR(string) -> bool",
        "Whether the string parses as a CIDR.",
    ),
    (
        "<CIDR>.containsIP(string) -> bool",
        "Whether the range contains the address.",
    ),
    ("<CIDR>.containsIP(IP) -> bool", ""),
    (
        "<CIDR>.containsCIDR(string) -> bool",
        "Whether the range contains the other range.",
    ),
    ("<CIDR>.containsCIDR(CIDR) -> bool", ""),
    ("<CIDR>.ip() -> IP", "The address part of the CIDR."),
    ("<CIDR>.prefixLength() -> int", "The prefix length."),
    (
        "<CIDR>.masked() -> CIDR",
        "The CIDR with host bits cleared.",
    ),
    (
        "semver(string) -> Semver",
        "Parses a semantic version (normalizing `v1.2` when asked).",
    ),
    ("semver(string, bool) -> Semver", ""),
    (
        "isSemver(string) -> bool",
        "Whether the string parses as a semantic version.",
    ),
    ("isSemver(string, bool) -> bool", ""),
    (
        "<Semver>.isGreaterThan(Semver) -> bool",
        "Whether this version is newer.",
    ),
    (
        "<Semver>.isLessThan(Semver) -> bool",
        "Whether this version is older.",
    ),
    (
        "<Semver>.compareTo(Semver) -> int",
        "-1, 0 or 1 comparing two versions.",
    ),
    ("<Semver>.major() -> int", "The major version."),
    ("<Semver>.minor() -> int", "The minor version."),
    ("<Semver>.patch() -> int", "The patch version."),
];

const KRO: &[(&str, &str)] = &[
    (
        "random.seededString(int, string) -> string",
        "A deterministic alphanumeric string of length n from a seed.",
    ),
    (
        "random.seededInt(int, int, string) -> int",
        "A deterministic integer in [min, max) from a seed.",
    ),
    (
        "<map(K, V)>.merge(map(K, V)) -> map(K, V)",
        "The map with the other's entries added (the other wins).",
    ),
    (
        "<dyn>.deepMerge(dyn) -> dyn",
        "Recursively merges maps (the argument wins).",
    ),
    ("json.marshal(dyn) -> string", "The value as JSON text."),
    ("json.unmarshal(string) -> dyn", "Parses JSON text."),
    (
        "hash.fnv64a(string) -> bytes",
        "The FNV-64a hash of the string.",
    ),
    (
        "hash.sha256(string) -> bytes",
        "The SHA-256 hash of the string.",
    ),
    ("hash.md5(string) -> bytes", "The MD5 hash of the string."),
    (
        "lists.setAtIndex(list(A), int, A) -> list(A)",
        "The list with the item at an index replaced.",
    ),
    (
        "lists.insertAtIndex(list(A), int, A) -> list(A)",
        "The list with an item inserted at an index.",
    ),
    (
        "lists.removeAtIndex(list(A), int) -> list(A)",
        "The list without the item at an index.",
    ),
    (
        "omit() -> dyn",
        "Leaves the field (or list item) out of the rendered object.",
    ),
    (
        "<Runtime>.newCondition(map(string, string)) -> Condition",
        "A status condition from {type, status, reason, message}.",
    ),
    (
        "<Runtime>.condition(dyn, string) -> Condition",
        "The object's status condition of a type (empty when absent).",
    ),
];

/// Macros: expanded by the parser, listed for completion and hover only.
pub(super) const MACROS: &[(&str, &str, &str)] = &[
    ("has", "has(e.f) -> bool", "Whether a field is present."),
    (
        "all",
        "<list(A)>.all(x, bool) -> bool",
        "Whether the predicate holds for every item (or map key); `all(i, v, p)` binds index/key and value.",
    ),
    (
        "exists",
        "<list(A)>.exists(x, bool) -> bool",
        "Whether the predicate holds for some item (or map key); `exists(i, v, p)` binds index/key and value.",
    ),
    (
        "exists_one",
        "<list(A)>.exists_one(x, bool) -> bool",
        "Whether the predicate holds for exactly one item.",
    ),
    (
        "existsOne",
        "<list(A)>.existsOne(x, bool) -> bool",
        "Whether the predicate holds for exactly one item.",
    ),
    (
        "map",
        "<list(A)>.map(x, B) -> list(B)",
        "Transforms every item (`map(x, p, e)` keeps items where p holds).",
    ),
    (
        "filter",
        "<list(A)>.filter(x, bool) -> list(A)",
        "The items for which the predicate holds.",
    ),
    (
        "transformList",
        "<list(A)>.transformList(i, v, B) -> list(B)",
        "Transforms items with index and value bound (optionally filtered).",
    ),
    (
        "transformMap",
        "<map(K, V)>.transformMap(k, v, B) -> map(K, B)",
        "Transforms map values with key and value bound (optionally filtered).",
    ),
    (
        "transformMapEntry",
        "<map(K, V)>.transformMapEntry(k, v, map(K2, V2)) -> map(K2, V2)",
        "Builds a map from one-entry maps computed per entry.",
    ),
    (
        "sortBy",
        "<list(A)>.sortBy(x, O) -> list(A)",
        "The items sorted by a key computed per item.",
    ),
    (
        "cel.bind",
        "cel.bind(x, A, B) -> B",
        "Binds a name to a value inside an expression.",
    ),
    (
        "optMap",
        "<optional(A)>.optMap(x, B) -> optional(B)",
        "Transforms the value of an optional, if any.",
    ),
    (
        "optFlatMap",
        "<optional(A)>.optFlatMap(x, optional(B)) -> optional(B)",
        "Chains a computation returning an optional.",
    ),
];
