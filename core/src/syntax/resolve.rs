//! YAML 1.1 resolution of plain scalars, as Kubernetes' YAML decoder does it.

use super::{ScalarStyle, Str, Value};

/// The value of a plain (unquoted, untagged) scalar.
pub(super) fn plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(value) = integer(text) {
        return value;
    }
    if is_float(text)
        && let Ok(f) = text.replace('_', "").parse::<f64>()
    {
        return Value::Float(f);
    }
    string(text, ScalarStyle::Plain)
}

/// The value of a scalar with an explicit core tag (`!!str`, `!!int`, …); `None` for other tags.
pub(super) fn tagged(suffix: &str, text: &str, style: ScalarStyle) -> Option<Value> {
    Some(match suffix {
        "str" | "binary" | "timestamp" => Value::String(Str {
            text: text.to_owned(),
            style,
        }),
        "null" => Value::Null,
        "bool" => match plain(text) {
            Value::Bool(b) => Value::Bool(b),
            _ => string(text, style),
        },
        "int" => integer(text).unwrap_or_else(|| string(text, style)),
        "float" => text
            .replace('_', "")
            .parse::<f64>()
            .map(Value::Float)
            .unwrap_or_else(|_| string(text, style)),
        _ => return None,
    })
}

fn string(text: &str, style: ScalarStyle) -> Value {
    Value::String(Str {
        text: text.to_owned(),
        style,
    })
}

/// Decimal, `0x` hex, `0b` binary and leading-zero octal, with `_` separators, as YAML 1.1.
fn integer(text: &str) -> Option<Value> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.starts_with('_') {
        return None;
    }
    let (radix, body) = if let Some(hex) = digits.strip_prefix("0x") {
        (16, hex)
    } else if let Some(bin) = digits.strip_prefix("0b") {
        (2, bin)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c == '_' || c.is_digit(radix)) {
        return None;
    }
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    match i128::from_str_radix(&clean, radix) {
        Ok(magnitude) => {
            let signed = if negative { -magnitude } else { magnitude };
            Some(match i64::try_from(signed) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Float(signed as f64),
            })
        }
        // Too large even for i128: the decoder falls back to a float, as Go's does.
        Err(_) => clean
            .parse::<f64>()
            .ok()
            .filter(|_| radix == 10)
            .map(|f| Value::Float(if negative { -f } else { f })),
    }
}

/// `[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?`
fn is_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()),
        Some((int, frac)) => {
            starts_with_digit(int)
                && int.bytes().all(|b| b.is_ascii_digit() || b == b'_')
                && frac.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        }
        None => {
            starts_with_digit(mantissa) && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        }
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

fn starts_with_digit(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str) -> String {
        match plain(text) {
            Value::Null => "null".into(),
            Value::Bool(b) => format!("bool {b}"),
            Value::Int(i) => format!("int {i}"),
            Value::Float(f) => format!("float {f}"),
            Value::String(s) => format!("string {:?}", s.text),
            _ => unreachable!(),
        }
    }

    #[test]
    fn yaml_1_1_booleans_and_nulls() {
        assert_eq!(show("yes"), "bool true");
        assert_eq!(show("Off"), "bool false");
        assert_eq!(show("y"), "bool true");
        assert_eq!(show("~"), "null");
        assert_eq!(show("nulls"), "string \"nulls\"");
        assert_eq!(show("TrUe"), "string \"TrUe\"");
    }

    #[test]
    fn numbers() {
        assert_eq!(show("42"), "int 42");
        assert_eq!(show("-7"), "int -7");
        assert_eq!(show("0755"), "int 493");
        assert_eq!(show("0x1F"), "int 31");
        assert_eq!(show("0b101"), "int 5");
        assert_eq!(show("1_000"), "int 1000");
        assert_eq!(show("1.5"), "float 1.5");
        assert_eq!(show("1e3"), "float 1000");
        assert_eq!(show(".5"), "float 0.5");
        assert_eq!(show("99999999999999999999"), "float 100000000000000000000");
        assert_eq!(show("08"), "float 8"); // not octal, so Go's decoder reads a float
        assert_eq!(show("1.2.3"), "string \"1.2.3\"");
        assert_eq!(show("-"), "string \"-\"");
        assert_eq!(show("e3"), "string \"e3\"");
    }
}
