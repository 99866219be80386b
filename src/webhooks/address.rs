//! Where a webhook may point: an http(s) URL whose host is not on the newsroom's own network.
//! Private, loopback, link-local, unique-local and unspecified addresses (and the IPv6 forms that
//! carry such an IPv4 address) are refused unless `webhook_allow_private` is set, both when the
//! URL is saved and, for host names, at every delivery: a name can be pointed elsewhere later.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};

/// The longest webhook URL accepted.
pub const URL_MAX: usize = 2000;

/// A webhook URL that passed the checks that need no network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: url::Url,
    pub https: bool,
    pub host: Host,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Ip(IpAddr),
    Name(String),
}

/// Why an IPv4 address is not a public one, if it is not.
fn v4_refusal(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if ip.is_broadcast() || ip.is_multicast() || a >= 240 {
        Some("a broadcast, multicast or reserved address")
    } else {
        None
    }
}

/// The IPv4 address an IPv6 one stands for: mapped (`::ffff:a.b.c.d`), the old compatible form
/// (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002:AABB:CCDD::/48`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if (s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1))
        || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
    {
        Some(low)
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ))
    } else {
        None
    }
}

/// Why `ip` is not a public address a webhook may be sent to, or `None` when it is one.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_refusal(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return v4_refusal(v4);
            }
            let first = v6.segments()[0];
            if v6.is_unspecified() {
                Some("an unspecified address")
            } else if v6.is_loopback() {
                Some("a loopback address")
            } else if first & 0xfe00 == 0xfc00 {
                Some("a unique-local address")
            } else if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
                Some("a link-local address")
            } else if first & 0xff00 == 0xff00 {
                Some("a multicast address")
            } else {
                None
            }
        }
    }
}

fn refused(what: &str, reason: &str) -> Error {
    Error::invalid(
        "url",
        format!(
            "`{what}` is {reason}: a webhook may not point into a private network \
             (an operator may allow it with webhook_allow_private = true)"
        ),
    )
}

/// Checks a webhook URL without the network: http or https, a host, no credentials, and (unless
/// `allow_private`) not an address or a name of this machine or its network.
pub fn parse(raw: &str, allow_private: bool) -> Result<Target> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Error::invalid("url", "url is required"));
    }
    if raw.len() > URL_MAX {
        return Err(Error::invalid(
            "url",
            format!("url is longer than {URL_MAX} characters"),
        ));
    }
    let url = url::Url::parse(raw)
        .map_err(|e| Error::invalid("url", format!("`{raw}` is not a URL: {e}")))?;
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        other => {
            return Err(Error::invalid(
                "url",
                format!("a webhook URL is http or https, not {other}"),
            ))
        }
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(
            "url",
            "put no credentials in the webhook URL: the signature tells the receiver it is us",
        ));
    }
    let host = match url.host() {
        Some(url::Host::Ipv4(ip)) => Host::Ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Host::Ip(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => Host::Name(name.trim_end_matches('.').to_owned()),
        None => return Err(Error::invalid("url", "a webhook URL needs a host")),
    };
    if !allow_private {
        match &host {
            Host::Ip(ip) => {
                if let Some(reason) = refusal(*ip) {
                    return Err(refused(&ip.to_string(), reason));
                }
            }
            Host::Name(name) => {
                let lower = name.to_ascii_lowercase();
                if lower == "localhost" || lower.ends_with(".localhost") {
                    return Err(refused(name, "a name of this machine"));
                }
            }
        }
    }
    let port = url
        .port_or_known_default()
        .unwrap_or(if https { 443 } else { 80 });
    Ok(Target {
        url,
        https,
        host,
        port,
    })
}

/// Checks the addresses a name resolved to: every one must be public (a name that resolves to a
/// public and a private address could be sent to either).
pub fn check_resolved(name: &str, addrs: &[IpAddr], allow_private: bool) -> Result<()> {
    if allow_private {
        return Ok(());
    }
    for ip in addrs {
        if let Some(reason) = refusal(*ip) {
            return Err(refused(&format!("{name} ({ip})"), reason));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_ip(s: &str) -> bool {
        refusal(s.parse().expect("an address")).is_some()
    }

    #[test]
    fn private_and_local_addresses_are_refused_in_both_families() {
        for ip in [
            "127.0.0.1",
            "127.9.9.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
        ] {
            assert!(refused_ip(ip), "{ip} should be refused");
        }
        for ip in [
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "2606:2800:220:1:248:1893:25c8:1946",
            "::ffff:93.184.216.34",
            "2002:5db8:d822::1",
        ] {
            assert!(!refused_ip(ip), "{ip} is public");
        }
    }

    #[test]
    fn urls_are_http_or_https_with_a_host_and_no_credentials() {
        assert!(parse("https://cms.example.com/hooks/errata", false).is_ok());
        let t = parse("http://cms.example.com:8080/x?y=1", false).expect("ok");
        assert_eq!((t.https, t.port), (false, 8080));
        for bad in [
            "",
            "ftp://cms.example.com/",
            "cms.example.com/hook",
            "https://user:pw@cms.example.com/",
            "http://127.0.0.1:9000/",
            "http://[::1]/",
            "http://[::ffff:7f00:1]/",
            "http://localhost:8080/",
            "http://api.localhost/",
            "http://0.0.0.0/",
        ] {
            let e = parse(bad, false).expect_err(bad);
            assert_eq!(e.field.as_deref(), Some("url"), "{bad}");
        }
        assert!(parse("http://127.0.0.1:9000/", true).is_ok());
        assert!(parse("http://localhost:9000/", true).is_ok());
    }

    #[test]
    fn a_name_is_refused_when_any_of_its_addresses_is_private() {
        let public: IpAddr = "93.184.216.34".parse().expect("ip");
        let private: IpAddr = "10.0.0.8".parse().expect("ip");
        assert!(check_resolved("cms.example.com", &[public], false).is_ok());
        assert!(check_resolved("cms.example.com", &[public, private], false).is_err());
        assert!(check_resolved("cms.example.com", &[private], true).is_ok());
    }
}
