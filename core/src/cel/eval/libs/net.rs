//! Kubernetes' `ip(…)` and `cidr(…)` values, following Go's `net/netip` as the API server
//! uses it: strict dotted quads, no zones, no IPv4-mapped IPv6, RFC 5952 text.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::super::error::{Error, R};
use super::super::value::{Opaque, Value};

/// Parses an address as `netip.ParseAddr` does, with Kubernetes' extra rules.
pub(crate) fn parse_ip(s: &str) -> R<IpAddr> {
    let err = |why: &str| {
        Error::failed(format!(
            "IP Address {s:?} parse error during conversion from string: ParseAddr({s:?}): {why}"
        ))
    };
    if s.contains('%') {
        return Err(Error::failed(format!(
            "IP address {s:?} with zone value is not allowed"
        )));
    }
    let ip: IpAddr = if s.contains(':') {
        IpAddr::V6(
            s.parse::<Ipv6Addr>()
                .map_err(|_| err("unable to parse IP"))?,
        )
    } else {
        IpAddr::V4(parse_v4(s).ok_or_else(|| err("unable to parse IP"))?)
    };
    if let IpAddr::V6(v6) = ip
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(Error::failed(format!(
            "IPv4-mapped IPv6 address {s:?} is not allowed"
        )));
    }
    Ok(ip)
}

/// A dotted quad with no leading zeros.
fn parse_v4(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty()
            || part.len() > 3
            || !part.bytes().all(|b| b.is_ascii_digit())
            || (part.len() > 1 && part.starts_with('0'))
        {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Ipv4Addr::from(octets))
}

/// `ip.isCanonical(s)`: whether `s` is the address as Go prints it.
pub(crate) fn is_canonical(s: &str) -> R<bool> {
    let ip = parse_ip(s)?;
    Ok(ip_string(&ip) == s)
}

/// The address as `netip.Addr.String()` prints it.
pub(crate) fn ip_string(ip: &IpAddr) -> String {
    ip.to_string()
}

/// Calls a method of an IP; `None` when there is no such overload.
pub(crate) fn ip_method(ip: &IpAddr, name: &str, args: &[Value]) -> Option<R> {
    if !args.is_empty() {
        return None;
    }
    Some(Ok(match name {
        "family" => Value::Int(if ip.is_ipv4() { 4 } else { 6 }),
        "isUnspecified" => Value::Bool(ip.is_unspecified()),
        "isLoopback" => Value::Bool(ip.is_loopback()),
        "isLinkLocalMulticast" => Value::Bool(match ip {
            IpAddr::V4(v4) => v4.octets()[..3] == [224, 0, 0],
            IpAddr::V6(v6) => v6.segments()[0] & 0xff0f == 0xff02,
        }),
        "isLinkLocalUnicast" => Value::Bool(link_local_unicast(ip)),
        "isGlobalUnicast" => Value::Bool(match ip {
            IpAddr::V4(v4) => {
                !v4.is_unspecified()
                    && !v4.is_broadcast()
                    && !v4.is_loopback()
                    && !v4.is_multicast()
                    && !link_local_unicast(ip)
            }
            IpAddr::V6(v6) => {
                !v6.is_unspecified()
                    && !v6.is_loopback()
                    && !v6.is_multicast()
                    && !link_local_unicast(ip)
            }
        }),
        _ => return None,
    }))
}

fn link_local_unicast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[..2] == [169, 254],
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// A CIDR prefix: the address as written and the prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    addr: IpAddr,
    bits: u8,
}

/// Parses a prefix as `netip.ParsePrefix` does.
pub(crate) fn parse_cidr(s: &str) -> R<Cidr> {
    let err = |why: String| {
        Error::failed(format!(
            "network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix({s:?}): {why}"
        ))
    };
    let Some(slash) = s.rfind('/') else {
        return Err(err("no '/'".to_owned()));
    };
    let addr = parse_ip(&s[..slash]).map_err(|e| err(e.message))?;
    let bits_text = &s[slash + 1..];
    let b = bits_text.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b.len() > 1 && b[0] == b'0') {
        return Err(err(format!("bad bits after slash: {bits_text:?}")));
    }
    let bits: u32 = bits_text
        .parse()
        .map_err(|_| err(format!("bad bits after slash: {bits_text:?}")))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if bits > max {
        return Err(err("prefix length out of range".to_owned()));
    }
    Ok(Cidr {
        addr,
        bits: bits as u8,
    })
}

fn mask(ip: &IpAddr, bits: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let m = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            IpAddr::V4(Ipv4Addr::from(u32::from(*v4) & m))
        }
        IpAddr::V6(v6) => {
            let m = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            IpAddr::V6(Ipv6Addr::from(u128::from(*v6) & m))
        }
    }
}

impl Cidr {
    fn contains(&self, ip: &IpAddr) -> bool {
        self.addr.is_ipv4() == ip.is_ipv4() && mask(ip, self.bits) == mask(&self.addr, self.bits)
    }

    fn overlaps(&self, other: &Cidr) -> bool {
        if self.addr.is_ipv4() != other.addr.is_ipv4() {
            return false;
        }
        let bits = self.bits.min(other.bits);
        mask(&self.addr, bits) == mask(&other.addr, bits)
    }

    /// Calls a method of a CIDR; `None` when there is no such overload.
    pub(crate) fn call(&self, name: &str, args: &[Value]) -> Option<R> {
        let ip_arg = |v: &Value| -> Option<R<IpAddr>> {
            match v {
                Value::String(s) => Some(parse_ip(s)),
                Value::Opaque(o) => match &**o {
                    Opaque::Ip(ip) => Some(Ok(*ip)),
                    _ => None,
                },
                _ => None,
            }
        };
        let cidr_arg = |v: &Value| -> Option<R<Cidr>> {
            match v {
                Value::String(s) => Some(parse_cidr(s)),
                Value::Opaque(o) => match &**o {
                    Opaque::Cidr(c) => Some(Ok(*c)),
                    _ => None,
                },
                _ => None,
            }
        };
        Some(match (name, args) {
            ("containsIP", [x]) => ip_arg(x)?.map(|ip| Value::Bool(self.contains(&ip))),
            ("containsCIDR", [x]) => {
                cidr_arg(x)?.map(|c| Value::Bool(self.overlaps(&c) && self.bits <= c.bits))
            }
            ("ip", []) => Ok(Value::opaque(Opaque::Ip(self.addr))),
            ("prefixLength", []) => Ok(Value::Int(i64::from(self.bits))),
            ("masked", []) => Ok(Value::opaque(Opaque::Cidr(Cidr {
                addr: mask(&self.addr, self.bits),
                bits: self.bits,
            }))),
            _ => return None,
        })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", ip_string(&self.addr), self.bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_as_netip_does() {
        assert!(parse_ip("192.168.0.1").is_ok());
        assert!(parse_ip("2001:db8::1").is_ok());
        for bad in [
            "192.168.0.01",
            "1.2.3",
            "1.2.3.4.5",
            "256.0.0.1",
            "fe80::1%eth0",
            "::ffff:1.2.3.4",
            "",
        ] {
            assert!(parse_ip(bad).is_err(), "{bad}");
        }
        assert!(is_canonical("2001:db8::1").unwrap());
        assert!(!is_canonical("2001:DB8::1").unwrap());
        assert!(!is_canonical("2001:db8:0:0:0:0:0:1").unwrap());
    }

    #[test]
    fn prefixes_contain_and_mask() {
        let c = parse_cidr("192.168.0.0/24").unwrap();
        assert!(c.contains(&"192.168.0.7".parse().unwrap()));
        assert!(!c.contains(&"192.168.1.7".parse().unwrap()));
        let wide = parse_cidr("10.0.0.0/8").unwrap();
        assert!(wide.overlaps(&parse_cidr("10.1.0.0/16").unwrap()));
        assert_eq!(parse_cidr("10.1.2.3/8").unwrap().to_string(), "10.1.2.3/8");
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0.0/08",
            "10.0.0.0/-1",
            "::1/129",
        ] {
            assert!(parse_cidr(bad).is_err(), "{bad}");
        }
    }
}
