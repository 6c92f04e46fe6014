//! Kubernetes quantities (`quantity('1.5Gi')`) as `k8s.io/apimachinery` parses and computes
//! them, including its two internal forms: a scaled int64 (`100m` is 100×10⁻³) and an exact
//! decimal. The form matters for `isInteger` and `asInteger`, which only succeed on the
//! int64 form, exactly as in Kubernetes.

use std::cmp::Ordering;

use super::super::error::{Error, R};
use super::super::value::{Opaque, Value};

const FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_WRONG: &str = "unable to parse quantity's suffix";
const NUMERIC_WRONG: &str = "unable to parse quantity's numeric value";

/// A quantity: `value × 10^scale` as int64, or an exact decimal `unscaled × 10^-scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quantity {
    Int { value: i64, scale: i32 },
    Dec { unscaled: i128, scale: i32 },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    DecimalExponent,
    BinarySi,
    DecimalSi,
}

impl Quantity {
    /// `resource.ParseQuantity`.
    pub(crate) fn parse(s: &str) -> Result<Quantity, String> {
        if s.is_empty() {
            return Err(FORMAT_WRONG.to_owned());
        }
        if s == "0" {
            return Ok(Quantity::Int { value: 0, scale: 0 });
        }
        let parts = split(s)?;
        let (base, exponent, format) = interpret(parts.suffix).ok_or(SUFFIX_WRONG)?;
        let mut mantissa: i64 = 1;
        let (precision, mut scale) = match format {
            Format::DecimalExponent | Format::DecimalSi => {
                (18 - (parts.num.len() + parts.denom.len()) as i32, exponent)
            }
            Format::BinarySi => {
                if exponent >= 0 && parts.denom.is_empty() {
                    mantissa = 1i64.checked_shl(exponent as u32).unwrap_or(0);
                    let precision =
                        15 - parts.num.len() as i32 - (exponent as f32 * 3.0 / 10.0) as i32 - 1;
                    (precision, 0)
                } else {
                    (-1, 0)
                }
            }
        };
        if precision >= 0 {
            scale -= parts.denom.len() as i32;
            if scale >= -9 {
                let shifted = format!("{}{}", parts.num, parts.denom);
                let value: i64 = shifted.parse().map_err(|_| NUMERIC_WRONG.to_owned())?;
                if let Some(result) = int64_multiply(value, mantissa) {
                    let result = if parts.positive { result } else { -result };
                    return Ok(Quantity::Int {
                        value: result,
                        scale,
                    });
                }
            }
        }
        // The exact decimal form.
        let (mut unscaled, mut dec_scale) = parse_decimal(parts.value).ok_or(NUMERIC_WRONG)?;
        if base == 10 {
            dec_scale -= exponent;
        } else {
            let factor = 1i128.checked_shl(exponent as u32).ok_or(NUMERIC_WRONG)?;
            unscaled = unscaled.checked_mul(factor).ok_or(NUMERIC_WRONG)?;
        }
        let negative = unscaled < 0;
        let mut magnitude = unscaled.abs();
        // Non-zero values are rounded up (away from zero) to nano precision, and carry
        // scale 9 from then on (inf.Dec's Round).
        if magnitude != 0 && dec_scale < 9 {
            let factor = 10i128
                .checked_pow((9 - dec_scale) as u32)
                .ok_or(NUMERIC_WRONG)?;
            magnitude = magnitude.checked_mul(factor).ok_or(NUMERIC_WRONG)?;
            dec_scale = 9;
        }
        if magnitude != 0 && dec_scale > 9 {
            let drop = (dec_scale - 9) as u32;
            let divisor = 10i128.checked_pow(drop);
            magnitude = match divisor {
                Some(d) => {
                    let q = magnitude / d;
                    if magnitude % d != 0 { q + 1 } else { q }
                }
                None => 1,
            };
            dec_scale = 9;
        }
        if format == Format::BinarySi {
            let max = Quantity::Dec {
                unscaled: i128::from(i64::MAX),
                scale: 0,
            };
            let this = Quantity::Dec {
                unscaled: magnitude,
                scale: dec_scale,
            };
            if this.cmp_value(&max) == Ordering::Greater {
                magnitude = i128::from(i64::MAX);
                dec_scale = 0;
            }
        }
        Ok(Quantity::Dec {
            unscaled: if negative { -magnitude } else { magnitude },
            scale: dec_scale,
        })
    }

    /// The value as an exact decimal `(unscaled, scale)`: `unscaled × 10^-scale`.
    fn as_dec(&self) -> Option<(i128, i32)> {
        match *self {
            Quantity::Dec { unscaled, scale } => Some((unscaled, scale)),
            Quantity::Int { value, scale } => Some((i128::from(value), -scale)),
        }
    }

    /// Compares values.
    pub(crate) fn cmp_value(&self, other: &Quantity) -> Ordering {
        let (Some((a, sa)), Some((b, sb))) = (self.as_dec(), other.as_dec()) else {
            return Ordering::Equal;
        };
        match align(a, sa, b, sb) {
            Some((x, y, _)) => x.cmp(&y),
            // Too far apart to align: compare by sign, then magnitude of the exponent.
            None => match (a.signum(), b.signum()) {
                (x, y) if x != y => x.cmp(&y),
                _ => {
                    let ea = digits(a) as i32 - sa;
                    let eb = digits(b) as i32 - sb;
                    if a >= 0 { ea.cmp(&eb) } else { eb.cmp(&ea) }
                }
            },
        }
    }

    pub(crate) fn sign(&self) -> i64 {
        match *self {
            Quantity::Int { value, .. } => value.signum(),
            Quantity::Dec { unscaled, .. } => unscaled.signum() as i64,
        }
    }

    /// `AsInt64`: only the int64 form with a non-negative scale converts.
    fn as_int64(&self) -> Option<i64> {
        match *self {
            Quantity::Dec { .. } => None,
            Quantity::Int { value, scale } => {
                if scale == 0 {
                    return Some(value);
                }
                if scale < 0 {
                    return None;
                }
                let mut v = value;
                for _ in 0..scale {
                    v = int64_multiply_scale(v, 10)?;
                }
                Some(v)
            }
        }
    }

    /// `AsApproximateFloat64`: the digits times Go's `math.Pow10(exponent)`.
    fn as_approximate_float(&self) -> f64 {
        let (base, exponent) = match *self {
            Quantity::Dec { unscaled, scale } => (unscaled as f64, -scale),
            Quantity::Int { value, scale } => (value as f64, scale),
        };
        if exponent == 0 {
            return base;
        }
        base * go_pow10(exponent)
    }

    /// `q.Add(y)` (or `Sub`), keeping the int64 form when it does not overflow.
    fn add(&self, other: &Quantity, negate: bool) -> R<Quantity> {
        let other = if negate { other.negated()? } else { *other };
        if let (
            Quantity::Int {
                value: a,
                scale: sa,
            },
            Quantity::Int {
                value: b,
                scale: sb,
            },
        ) = (*self, other)
            && let Some(q) = int_add(a, sa, b, sb)
        {
            return Ok(q);
        }
        let overflow = || Error::failed("quantity out of range");
        let (a, sa) = self.as_dec().ok_or_else(overflow)?;
        let (b, sb) = other.as_dec().ok_or_else(overflow)?;
        let (x, y, scale) = align(a, sa, b, sb).ok_or_else(overflow)?;
        Ok(Quantity::Dec {
            unscaled: x.checked_add(y).ok_or_else(overflow)?,
            scale,
        })
    }

    fn negated(&self) -> R<Quantity> {
        Ok(match *self {
            Quantity::Int { value, scale } => Quantity::Int {
                value: value.wrapping_neg(),
                scale,
            },
            Quantity::Dec { unscaled, scale } => Quantity::Dec {
                unscaled: -unscaled,
                scale,
            },
        })
    }

    /// Calls a method of a quantity; `None` when there is no such overload.
    pub(crate) fn call(&self, name: &str, args: &[Value]) -> Option<R> {
        let quantity = |v: R<Quantity>| v.map(|q| Value::opaque(Opaque::Quantity(q)));
        let other = |v: &Value| match v {
            Value::Opaque(o) => match &**o {
                Opaque::Quantity(q) => Some(*q),
                _ => None,
            },
            Value::Int(i) => Some(Quantity::Int {
                value: *i,
                scale: 0,
            }),
            _ => None,
        };
        Some(match (name, args) {
            ("sign", []) => Ok(Value::Int(self.sign())),
            ("isInteger", []) => Ok(Value::Bool(self.as_int64().is_some())),
            ("asInteger", []) => self
                .as_int64()
                .map(Value::Int)
                .ok_or_else(|| Error::failed("cannot convert value to integer")),
            ("asApproximateFloat", []) => Ok(Value::Double(self.as_approximate_float())),
            ("add", [x]) => quantity(self.add(&other(x)?, false)),
            ("sub", [x]) => quantity(self.add(&other(x)?, true)),
            ("isGreaterThan", [x @ Value::Opaque(_)]) => {
                Ok(Value::Bool(self.cmp_value(&other(x)?) == Ordering::Greater))
            }
            ("isLessThan", [x @ Value::Opaque(_)]) => {
                Ok(Value::Bool(self.cmp_value(&other(x)?) == Ordering::Less))
            }
            ("compareTo", [x @ Value::Opaque(_)]) => {
                Ok(Value::Int(match self.cmp_value(&other(x)?) {
                    Ordering::Less => -1,
                    Ordering::Equal => 0,
                    Ordering::Greater => 1,
                }))
            }
            _ => return None,
        })
    }
}

/// The int64 addition of apimachinery's `int64Amount.Add` (to the smaller scale).
fn int_add(a: i64, sa: i32, b: i64, sb: i32) -> Option<Quantity> {
    if b == 0 {
        return Some(Quantity::Int {
            value: a,
            scale: sa,
        });
    }
    if a == 0 {
        return Some(Quantity::Int {
            value: b,
            scale: sb,
        });
    }
    let (value, scale) = if sa == sb {
        (int64_add(a, b)?, sa)
    } else if sa > sb {
        (int64_add(positive_scale(a, sa - sb)?, b)?, sb)
    } else {
        (int64_add(a, positive_scale(b, sb - sa)?)?, sa)
    };
    Some(Quantity::Int { value, scale })
}

fn int64_add(a: i64, b: i64) -> Option<i64> {
    a.checked_add(b)
}

fn int64_multiply(a: i64, b: i64) -> Option<i64> {
    a.checked_mul(b)
}

fn int64_multiply_scale(a: i64, b: i64) -> Option<i64> {
    a.checked_mul(b)
}

fn positive_scale(base: i64, scale: i32) -> Option<i64> {
    let mut v = base;
    for _ in 0..scale {
        v = v.checked_mul(10)?;
    }
    Some(v)
}

fn digits(v: i128) -> u32 {
    let mut n = v.unsigned_abs();
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// Brings two decimals to the larger scale: `(a', b', scale)`.
fn align(a: i128, sa: i32, b: i128, sb: i32) -> Option<(i128, i128, i32)> {
    if sa == sb {
        return Some((a, b, sa));
    }
    if sa > sb {
        let f = 10i128.checked_pow((sa - sb) as u32)?;
        Some((a, b.checked_mul(f)?, sa))
    } else {
        let f = 10i128.checked_pow((sb - sa) as u32)?;
        Some((a.checked_mul(f)?, b, sb))
    }
}

/// Go's `math.Pow10`: exact powers from tables.
fn go_pow10(n: i32) -> f64 {
    const TAB: [f64; 32] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
    ];
    const POS32: [f64; 10] = [
        1e0, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288,
    ];
    const NEG32: [f64; 11] = [
        1e-0, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288, 1e-320,
    ];
    if (0..=308).contains(&n) {
        return POS32[(n / 32) as usize] * TAB[(n % 32) as usize];
    }
    if (-323..=0).contains(&n) {
        let m = -n;
        return NEG32[(m / 32) as usize] / TAB[(m % 32) as usize];
    }
    if n > 0 { f64::INFINITY } else { 0.0 }
}

struct Parts<'s> {
    positive: bool,
    value: &'s str,
    num: &'s str,
    denom: &'s str,
    suffix: &'s str,
}

/// apimachinery's `parseQuantityString`.
fn split(s: &str) -> Result<Parts<'_>, String> {
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;
    let mut positive = true;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    // Leading zeros.
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        return Ok(Parts {
            positive,
            value: "0",
            num: "0",
            denom: "",
            suffix: "",
        });
    }
    let num_start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos >= end {
        return Ok(Parts {
            positive,
            value: s,
            num: &s[num_start..],
            denom: "",
            suffix: "",
        });
    }
    let mut num = &s[num_start..pos];
    if num.is_empty() {
        num = "0";
    }
    let mut denom = "";
    if b[pos] == b'.' {
        pos += 1;
        let denom_start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        denom = &s[denom_start..pos];
        if pos >= end {
            return Ok(Parts {
                positive,
                value: s,
                num,
                denom,
                suffix: "",
            });
        }
    }
    let value = &s[..pos];
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos >= end {
        return Ok(Parts {
            positive,
            value,
            num,
            denom,
            suffix: &s[suffix_start..],
        });
    }
    if matches!(b[pos], b'-' | b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos >= end {
        return Ok(Parts {
            positive,
            value,
            num,
            denom,
            suffix: &s[suffix_start..],
        });
    }
    Err(FORMAT_WRONG.to_owned())
}

/// The base, exponent and format a suffix stands for.
fn interpret(suffix: &str) -> Option<(u32, i32, Format)> {
    let decimal = |e| Some((10, e, Format::DecimalSi));
    let binary = |e| Some((2, e, Format::BinarySi));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        s if s.len() > 1 && (s.starts_with('e') || s.starts_with('E')) => {
            let rest = &s[1..];
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let parsed: i64 = rest.parse().ok()?;
            Some((10, parsed as i32, Format::DecimalExponent))
        }
        _ => None,
    }
}

/// A decimal such as `-12.50` as `(unscaled, scale)`.
fn parse_decimal(s: &str) -> Option<(i128, i32)> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let digits = format!("{int}{frac}");
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    let unscaled: i128 = if trimmed.is_empty() {
        0
    } else {
        trimmed.parse().ok()?
    };
    Some((
        if negative { -unscaled } else { unscaled },
        frac.len() as i32,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn parsing_keeps_apimachinerys_forms() {
        assert_eq!(
            q("100m"),
            Quantity::Int {
                value: 100,
                scale: -3
            }
        );
        assert_eq!(
            q("1Gi"),
            Quantity::Int {
                value: 1 << 30,
                scale: 0
            }
        );
        assert_eq!(q("1k"), Quantity::Int { value: 1, scale: 3 });
        assert_eq!(
            q("0.5"),
            Quantity::Int {
                value: 5,
                scale: -1
            }
        );
        assert_eq!(
            q("-2"),
            Quantity::Int {
                value: -2,
                scale: 0
            }
        );
        assert_eq!(q("1e3"), Quantity::Int { value: 1, scale: 3 });
        // A binary suffix with a fraction takes the decimal form.
        assert_eq!(
            q("1.5Gi"),
            Quantity::Dec {
                unscaled: (15 << 30) * 100_000_000,
                scale: 9
            }
        );
        // Below a nano, values round up to one.
        assert_eq!(
            q("0.1n"),
            Quantity::Dec {
                unscaled: 1,
                scale: 9
            }
        );
        assert_eq!(q("Gi").sign(), 0);
        for bad in ["", "abc", "1.5x", "1 Gi", "--1", "1e"] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn integers_only_from_the_int64_form() {
        assert_eq!(q("1k").as_int64(), Some(1000));
        assert_eq!(q("1Gi").as_int64(), Some(1 << 30));
        assert_eq!(q("1000m").as_int64(), None);
        assert_eq!(q("1.5Gi").as_int64(), None);
        assert_eq!(q("100m").as_approximate_float(), 0.1);
    }

    #[test]
    fn arithmetic_and_comparison() {
        assert_eq!(q("1").cmp_value(&q("1000m")), Ordering::Equal);
        assert_eq!(q("1Ki").cmp_value(&q("1k")), Ordering::Greater);
        assert_eq!(q("-1").cmp_value(&q("1m")), Ordering::Less);
        let sum = q("1").add(&q("500m"), false).unwrap();
        assert_eq!(
            sum,
            Quantity::Int {
                value: 1500,
                scale: -3
            }
        );
        let diff = q("1Gi").add(&q("1Gi"), true).unwrap();
        assert_eq!(diff.sign(), 0);
    }
}
