//! `host:port` addresses: what a Temporal frontend address may look like.

use std::net::Ipv6Addr;

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
