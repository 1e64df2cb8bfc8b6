//! `host:port` addresses: what a Temporal frontend address may look like.

use std::net::{IpAddr, Ipv6Addr};

/// A checked address, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub host: String,
    pub port: u16,
}

/// Parses `host:port`, `1.2.3.4:port` or `[::1]:port`, or says what is wrong.
pub fn parse_address(text: &str) -> Result<Address, String> {
    const FORM: &str = "must be host:port, for example localhost:7233 or [::1]:7233";
    if text.contains("://") {
        return Err(format!("{FORM}, without a scheme such as http://"));
    }
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (ip, port) = rest
                .split_once("]:")
                .ok_or_else(|| format!("{FORM}; an IPv6 host needs brackets and a port"))?;
            ip.parse::<Ipv6Addr>()
                .map_err(|_| format!("{FORM}; {ip:?} is not an IPv6 address"))?;
            (ip, port)
        }
        None => text
            .rsplit_once(':')
            .ok_or_else(|| format!("{FORM}; the port is missing"))?,
    };
    if host.is_empty() {
        return Err(format!("{FORM}; the host part is empty"));
    }
    if !text.starts_with('[') && !host.split('.').all(is_label) {
        return Err(format!("{FORM}; {host:?} is not a valid host name"));
    }
    let port: u32 = port
        .parse()
        .map_err(|_| format!("{FORM}; the port {port:?} is not a number"))?;
    let port = u16::try_from(port)
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| format!("has port {port}, outside 1..65535"))?;
    Ok(Address {
        host: host.to_owned(),
        port,
    })
}

/// The gRPC endpoint of a Temporal Cloud namespace.
pub fn cloud_address(namespace: &str) -> String {
    format!("{namespace}.tmprl.cloud:7233")
}

/// True for a host that never leaves this machine: `localhost` or a loopback IP address.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// An API key travels as a bearer token in every request: without TLS anyone on the path
/// reads it. The official SDKs turn TLS on when a key is set; switched off on purpose, it
/// is allowed only to loopback (a local test proxy). `address` is `host:port`.
pub fn check_api_key_transport(address: &str, tls: bool) -> Result<(), String> {
    match parse_address(address) {
        Ok(parsed) if !tls && !is_loopback(&parsed.host) => Err(format!(
            "an API key is set but the tls setting is false, so the key would be sent in plaintext to {address}; \
             set tls to true (TEMPORAL_TLS=true, or disabled = false under [profile.<name>.tls] in temporal.toml) \
             or remove the API key (without TLS a key may go only to a loopback address: localhost, 127.0.0.1, ::1)"
        )),
        _ => Ok(()),
    }
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !label.starts_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses() {
        assert_eq!(parse_address("localhost:7233").unwrap().port, 7233);
        assert_eq!(
            parse_address("ns.a2b3c.tmprl.cloud:7233").unwrap().host,
            "ns.a2b3c.tmprl.cloud"
        );
        assert_eq!(parse_address("[::1]:1").unwrap().host, "::1");
        assert_eq!(parse_address("10.0.0.1:65535").unwrap().port, 65535);
    }

    #[test]
    fn an_api_key_without_tls_goes_only_to_loopback() {
        for address in [
            "localhost:7233",
            "LOCALHOST:1",
            "127.0.0.1:7233",
            "127.9.9.9:1",
            "[::1]:7233",
            "[::ffff:127.0.0.1]:7233",
        ] {
            assert_eq!(check_api_key_transport(address, false), Ok(()), "{address}");
        }
        for address in [
            "example.org:7233",
            "10.0.0.1:7233",
            "[::2]:7233",
            "localhost.example.org:7233",
            "ns.a1b2c.tmprl.cloud:7233",
        ] {
            let err = check_api_key_transport(address, false).unwrap_err();
            assert!(
                err.contains("tls setting is false") && err.contains(address),
                "{err}"
            );
            assert_eq!(check_api_key_transport(address, true), Ok(()));
        }
    }

    #[test]
    fn bad_addresses() {
        for (text, says) in [
            ("localhost", "port is missing"),
            (":7233", "host part is empty"),
            ("local host:7233", "not a valid host name"),
            ("localhost:abc", "is not a number"),
            ("localhost:0", "outside 1..65535"),
            ("localhost:70000", "outside 1..65535"),
            ("http://localhost:7233", "without a scheme"),
            ("[::1:7233", "needs brackets"),
        ] {
            let err = parse_address(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
