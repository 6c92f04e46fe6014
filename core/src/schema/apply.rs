//! Applies markers to the schema of one field, checking each against the field's type.

use serde_json::Value as Json;

use super::marker::{Marker, MarkerKind};
use super::value::{article, check_value};
use crate::diagnostic::{Code, suggestion_suffix};
use crate::openapi::{Schema, ValidationRule};
use crate::text::TextRange;

/// A problem found applying markers, at a range of the decoded scalar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub code: Code,
    pub range: TextRange,
    pub message: String,
}

/// What applying the markers did besides changing the schema.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// `required=true` was given.
    pub required: bool,
    pub problems: Vec<Problem>,
}

/// Applies `markers` in order to `schema`. When `known` is false the field's type could not be
/// resolved (a diagnostic already says so), and checks that depend on the type are skipped.
pub(crate) fn apply_markers(schema: &mut Schema, markers: &[Marker], known: bool) -> Applied {
    let mut applied = Applied::default();
    let mut seen: Vec<MarkerKind> = Vec::new();
    let mut default_marker: Option<&Marker> = None;
    for marker in markers {
        let Some(kind) = marker.kind else {
            if !marker.name.is_empty() {
                let names = MarkerKind::ALL.iter().map(|k| k.name());
                applied.problems.push(Problem {
                    code: Code::SchemaUnknownMarker,
                    range: marker.name_range,
                    message: format!(
                        "unknown marker `{}`{}",
                        marker.name,
                        suggestion_suffix(&marker.name, names)
                    ),
                });
            }
            continue;
        };
        if seen.contains(&kind) && !kind.is_repeatable() {
            applied.problems.push(Problem {
                code: Code::SchemaDuplicateMarker,
                range: marker.range(),
                message: format!(
                    "`{}` is given more than once; the last one wins",
                    kind.name()
                ),
            });
        }
        seen.push(kind);
        let mut ctx = Ctx {
            schema: &mut *schema,
            marker,
            known,
            problems: &mut applied.problems,
        };
        match kind {
            MarkerKind::Required => {
                if let Some(value) = ctx.boolean() {
                    applied.required |= value;
                }
            }
            MarkerKind::Default => {
                if ctx.default() {
                    default_marker = Some(marker);
                }
            }
            MarkerKind::Description => ctx.schema.description = Some(marker.value.clone()),
            MarkerKind::Minimum | MarkerKind::Maximum => ctx.bound(kind),
            MarkerKind::Validation => {
                if marker.value.trim().is_empty() {
                    ctx.problem(
                        Code::SchemaMarkerValue,
                        marker.range(),
                        "`validation` needs a CEL rule, such as `validation=\"self > 0\"`"
                            .to_owned(),
                    );
                } else {
                    ctx.schema.validations.push(ValidationRule {
                        rule: marker.value.clone(),
                        message: Some("validation failed".to_owned()),
                        ..ValidationRule::default()
                    });
                }
            }
            MarkerKind::Immutable => {
                if ctx.boolean() == Some(true) {
                    ctx.schema.validations.push(ValidationRule {
                        rule: "self == oldSelf".to_owned(),
                        message: Some("field is immutable".to_owned()),
                        ..ValidationRule::default()
                    });
                }
            }
            MarkerKind::Enum => ctx.enumeration(),
            MarkerKind::Pattern => ctx.pattern(),
            MarkerKind::MinLength | MarkerKind::MaxLength => {
                if ctx.applies_to(&["string"])
                    && let Some(n) = ctx.count()
                {
                    if kind == MarkerKind::MinLength {
                        ctx.schema.min_length = Some(n);
                    } else {
                        ctx.schema.max_length = Some(n);
                    }
                }
            }
            MarkerKind::MinItems | MarkerKind::MaxItems => {
                if ctx.applies_to(&["array"])
                    && let Some(n) = ctx.count()
                {
                    if kind == MarkerKind::MinItems {
                        ctx.schema.min_items = Some(n);
                    } else {
                        ctx.schema.max_items = Some(n);
                    }
                }
            }
            MarkerKind::UniqueItems => {
                if let Some(unique) = ctx.boolean()
                    && ctx.applies_to(&["array"])
                    && unique
                {
                    ctx.set_list_type("set");
                }
            }
            MarkerKind::ListType => {
                if ctx.applies_to(&["array"]) {
                    match marker.value.as_str() {
                        value @ ("atomic" | "set" | "map") => ctx.set_list_type(value),
                        other => ctx.problem(
                            Code::SchemaMarkerValue,
                            marker.value_range,
                            format!("`listType` must be `atomic`, `set` or `map`, not `{other}`"),
                        ),
                    }
                }
            }
            MarkerKind::ListMapKey => {
                if ctx.applies_to(&["array"]) {
                    let key = marker.value.clone();
                    if key.is_empty() {
                        ctx.problem(
                            Code::SchemaMarkerValue,
                            marker.range(),
                            "`listMapKey` needs the name of a field of the list's items".to_owned(),
                        );
                    } else if ctx.schema.list_map_keys.contains(&key) {
                        ctx.problem(
                            Code::SchemaMarkerConflict,
                            marker.range(),
                            format!("`listMapKey={key}` is given twice"),
                        );
                    } else {
                        ctx.schema.list_map_keys.push(key);
                    }
                }
            }
        }
    }
    check_lists(schema, markers, known, &mut applied.problems);
    if let (Some(marker), Some(value), true) = (default_marker, &schema.default, known)
        && let Some(problem) = check_value(&without_default(schema), value, "")
    {
        applied.problems.push(Problem {
            code: Code::SchemaInvalidDefault,
            range: marker.value_range,
            message: format!("the default {problem}"),
        });
    }
    applied
}

fn without_default(schema: &Schema) -> Schema {
    Schema {
        default: None,
        ..schema.clone()
    }
}

/// Rules that involve several list markers and the items' schema: `listMapKey` needs
/// `listType=map`, and Kubernetes' own rules for map and set lists.
fn check_lists(schema: &Schema, markers: &[Marker], known: bool, problems: &mut Vec<Problem>) {
    let find = |kind: MarkerKind| markers.iter().rev().find(|m| m.kind == Some(kind));
    let list_type = schema.list_type.as_deref();
    if let Some(key_marker) = find(MarkerKind::ListMapKey)
        && !schema.list_map_keys.is_empty()
        && list_type != Some("map")
    {
        let message = match list_type {
            None => "`listMapKey` needs `listType=map`".to_owned(),
            Some(other) => format!("`listMapKey` needs `listType=map`, not `listType={other}`"),
        };
        problems.push(Problem {
            code: Code::SchemaMarkerConflict,
            range: key_marker.range(),
            message,
        });
    }
    if !known {
        return;
    }
    let Some(items) = schema.items.as_deref() else {
        return;
    };
    // The marker that made the list what it is, to point at.
    let type_marker = markers.iter().rev().find(|m| match m.kind {
        Some(MarkerKind::ListType) => Some(m.value.as_str()) == list_type,
        Some(MarkerKind::UniqueItems) => list_type == Some("set"),
        _ => false,
    });
    match list_type {
        Some("map") => {
            let Some(type_marker) = type_marker else {
                return;
            };
            if schema.list_map_keys.is_empty() {
                problems.push(Problem {
                    code: Code::SchemaMarkerConflict,
                    range: type_marker.range(),
                    message: "`listType=map` needs at least one `listMapKey=<field>`".to_owned(),
                });
                return;
            }
            if items.type_.as_deref() != Some("object") || items.properties.is_empty() {
                if items.type_.is_some() {
                    problems.push(Problem {
                        code: Code::SchemaMarkerConflict,
                        range: type_marker.range(),
                        message: "`listType=map` needs items that are objects with fields"
                            .to_owned(),
                    });
                }
                return;
            }
            for marker in markers
                .iter()
                .filter(|m| m.kind == Some(MarkerKind::ListMapKey))
            {
                let key = &marker.value;
                let message = match items.properties.get(key) {
                    None => format!(
                        "`listMapKey={key}` names no field of the items{}",
                        suggestion_suffix(key, items.properties.keys().map(String::as_str))
                    ),
                    Some(field) if !is_scalar(field) => {
                        format!(
                            "`listMapKey={key}` must name a string, integer, number or boolean field"
                        )
                    }
                    Some(field) if field.default.is_none() && !items.required.contains(key) => {
                        format!(
                            "`listMapKey={key}` must name a field that is required or has a default"
                        )
                    }
                    Some(_) => continue,
                };
                problems.push(Problem {
                    code: Code::SchemaMarkerConflict,
                    range: marker.range(),
                    message,
                });
            }
        }
        Some("set") => {
            let atomic = is_scalar(items)
                || items.type_.is_none()
                || items.list_type.as_deref() == Some("atomic")
                || items.map_type.as_deref() == Some("atomic");
            if !atomic && let Some(type_marker) = type_marker {
                problems.push(Problem {
                    code: Code::SchemaMarkerConflict,
                    range: type_marker.range(),
                    message: format!(
                        "a set (`{}`) needs items that are strings, numbers or booleans, not {}s",
                        type_marker.name,
                        items.type_.as_deref().unwrap_or("object")
                    ),
                });
            }
        }
        _ => {}
    }
}

fn is_scalar(schema: &Schema) -> bool {
    matches!(
        schema.type_.as_deref(),
        Some("string" | "integer" | "number" | "boolean")
    )
}

struct Ctx<'a> {
    schema: &'a mut Schema,
    marker: &'a Marker,
    known: bool,
    problems: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn problem(&mut self, code: Code, range: TextRange, message: String) {
        self.problems.push(Problem {
            code,
            range,
            message,
        });
    }

    fn type_name(&self) -> &str {
        self.schema.type_.as_deref().unwrap_or("untyped")
    }

    /// Whether the marker applies to the field's type; reports when it does not.
    fn applies_to(&mut self, types: &[&str]) -> bool {
        if !self.known || types.contains(&self.type_name()) {
            return true;
        }
        let wanted: Vec<&str> = types
            .iter()
            .map(|t| match *t {
                "string" => "strings",
                "integer" => "integers",
                _ => "lists",
            })
            .collect();
        let message = format!(
            "`{}` applies only to {}, and this field is {}",
            self.marker.name,
            wanted.join(" and "),
            article(&describe_type(self.schema))
        );
        self.problem(
            Code::SchemaMarkerNotApplicable,
            self.marker.range(),
            message,
        );
        false
    }

    /// The value as a boolean, with Go's `strconv.ParseBool` spellings.
    fn boolean(&mut self) -> Option<bool> {
        let parsed = parse_bool(&self.marker.value);
        if parsed.is_none() {
            let message = format!(
                "`{}` must be `true` or `false`, not `{}`",
                self.marker.name, self.marker.value
            );
            self.problem(Code::SchemaMarkerValue, self.marker.value_range, message);
        }
        parsed
    }

    /// The value as a non-negative integer.
    fn count(&mut self) -> Option<u64> {
        let value = self.marker.value.as_str();
        match value.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n as u64),
            Ok(_) => {
                let message = format!("`{}` must not be negative", self.marker.name);
                self.problem(Code::SchemaMarkerValue, self.marker.value_range, message);
                None
            }
            Err(_) => {
                let message = format!(
                    "`{}` must be a whole number, not `{value}`",
                    self.marker.name
                );
                self.problem(Code::SchemaMarkerValue, self.marker.value_range, message);
                None
            }
        }
    }

    fn bound(&mut self, kind: MarkerKind) {
        let Some(bound) = parse_number(&self.marker.value) else {
            let message = format!(
                "`{}` must be a number, not `{}`",
                self.marker.name, self.marker.value
            );
            self.problem(Code::SchemaMarkerValue, self.marker.value_range, message);
            return;
        };
        if self.known && !matches!(self.type_name(), "integer" | "number") {
            let message = format!(
                "`{}` has no effect on {} field; it constrains integers and floats",
                self.marker.name,
                article(&describe_type(self.schema))
            );
            self.problem(Code::SchemaMarkerIgnored, self.marker.range(), message);
        }
        if kind == MarkerKind::Minimum {
            self.schema.minimum = Some(bound);
        } else {
            self.schema.maximum = Some(bound);
        }
    }

    /// Parses the default for the field's type; false when it could not be.
    fn default(&mut self) -> bool {
        if !self.known {
            return false;
        }
        let value = self.marker.value.as_str();
        // The API server reads a JSON `null` default as no default at all.
        if value == "null" && self.schema.type_.as_deref() != Some("string") {
            let message = "`default=null` sets no default; leave the marker out".to_owned();
            self.problem(Code::SchemaMarkerIgnored, self.marker.range(), message);
            return false;
        }
        let parsed = match self.schema.type_.as_deref() {
            Some("string") => Ok(Json::String(value.to_owned())),
            Some("integer") => value
                .parse::<i64>()
                .map(Json::from)
                .map_err(|_| format!("the default must be an integer, not `{value}`")),
            Some("number") => parse_number(value)
                .map(|f| match serde_json::from_str::<Json>(value) {
                    Ok(n @ Json::Number(_)) => n,
                    _ => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
                })
                .ok_or_else(|| format!("the default must be a number, not `{value}`")),
            Some("boolean") => parse_bool(value)
                .map(Json::Bool)
                .ok_or_else(|| format!("the default must be `true` or `false`, not `{value}`")),
            other => serde_json::from_str::<Json>(value).map_err(|e| {
                format!(
                    "the default of {} field must be JSON ({})",
                    article(other.unwrap_or("object")),
                    json_error(&e)
                )
            }),
        };
        match parsed {
            Ok(json) => {
                self.schema.default = Some(json);
                true
            }
            Err(message) => {
                self.problem(Code::SchemaInvalidDefault, self.marker.value_range, message);
                false
            }
        }
    }

    fn enumeration(&mut self) {
        if !self.applies_to(&["string", "integer"]) {
            return;
        }
        let mut values = Vec::new();
        for item in self.marker.value.split(',') {
            let item = item.trim();
            if item.is_empty() {
                let message = "`enum` values must not be empty".to_owned();
                self.problem(Code::SchemaMarkerValue, self.marker.value_range, message);
                return;
            }
            if self.type_name() == "integer" {
                match item.parse::<i64>() {
                    Ok(n) => values.push(Json::from(n)),
                    Err(_) => {
                        let message = format!(
                            "`enum` values of an integer field must be integers, not `{item}`"
                        );
                        self.problem(Code::SchemaMarkerValue, self.marker.value_range, message);
                        return;
                    }
                }
            } else {
                values.push(Json::String(item.to_owned()));
            }
        }
        self.schema.enum_ = Some(values);
    }

    fn pattern(&mut self) {
        let pattern = self.marker.value.clone();
        if pattern.is_empty() {
            let message = "`pattern` needs a regular expression".to_owned();
            self.problem(Code::SchemaMarkerValue, self.marker.range(), message);
            return;
        }
        if !self.applies_to(&["string"]) {
            return;
        }
        if let Err(error) = super::pattern::compile(&pattern) {
            let message = format!("`pattern` is not a valid regular expression: {error}");
            self.problem(Code::SchemaInvalidPattern, self.marker.value_range, message);
            return;
        }
        self.schema.pattern = Some(pattern);
    }

    fn set_list_type(&mut self, value: &str) {
        if let Some(existing) = self.schema.list_type.as_deref()
            && existing != value
        {
            let message = format!(
                "`{}={}` contradicts the earlier `listType={existing}`",
                self.marker.name, self.marker.value
            );
            self.problem(Code::SchemaMarkerConflict, self.marker.range(), message);
            return;
        }
        self.schema.list_type = Some(value.to_owned());
    }
}

/// The field's type as a user wrote it: a map is a map, not an object.
fn describe_type(schema: &Schema) -> String {
    match schema.type_.as_deref() {
        Some("object") if schema.additional_properties.is_some() => "map".to_owned(),
        Some("number") => "float".to_owned(),
        Some("array") => "list".to_owned(),
        Some(other) => other.to_owned(),
        None => "untyped".to_owned(),
    }
}

/// Go's `strconv.ParseBool`.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A finite number (JSON cannot hold infinities or NaN).
fn parse_number(value: &str) -> Option<f64> {
    let lower = value.to_ascii_lowercase();
    if lower.contains("inf") || lower.contains("nan") {
        return None;
    }
    value.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.find(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}
