//! Where an image URL named in an API's answer may be fetched from: over http or https, and
//! only from public addresses. The host is resolved once, every address it resolves to is
//! checked, and the download connects to exactly those addresses (`Target::client`), so a
//! name that resolves differently the second time (DNS rebinding) cannot lead elsewhere.
//!
//! When the configured base URL is itself on loopback (a local test server), loopback
//! answers are allowed too; private, link-local and the other non-public ranges never are.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use url::{Host, Url};

use super::BackendError;

/// Which kind of non-public address `ip` is, or `None` when it is public.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, ..) => "unspecified",
        (127, ..) => "loopback",
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => "private",
        (100, 64..=127, _) => "shared (carrier-grade NAT)",
        (169, 254, _) => "link-local",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18..=19, _) => "benchmarking",
        (192, 0, 0) | (192, 88, 99) => "reserved",
        (224..=239, ..) => "multicast",
        (240..=255, ..) => "reserved",
        _ => return None,
    })
}

/// The IPv4 address in the low 32 bits.
fn low_v4(ip: Ipv6Addr) -> Ipv4Addr {
    let o = ip.octets();
    Ipv4Addr::new(o[12], o[13], o[14], o[15])
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return non_public_v4(v4);
    }
    let s = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    Some(match s {
        // NAT64, well-known prefix: where it leads is the embedded IPv4 address.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => return non_public_v4(low_v4(ip)),
        // 6to4: the IPv4 address in bits 16 to 48.
        [0x2002, hi, lo, ..] => {
            let [a, b] = hi.to_be_bytes();
            let [c, d] = lo.to_be_bytes();
            return non_public_v4(Ipv4Addr::new(a, b, c, d));
        }
        [0x64, 0xff9b, 1, ..] => "private",
        [0, 0, 0, 0, 0, 0, _, _] => "reserved", // IPv4-compatible, deprecated
        [0x100, 0, 0, 0, ..] => "reserved",     // discard-only
        [0x2001, 0xdb8, ..] => "documentation",
        [0x3fff, b, ..] if b < 0x1000 => "documentation",
        [0x2001, b, ..] if b < 0x200 => "reserved", // IETF protocol assignments, Teredo
        [a, ..] if a & 0xfe00 == 0xfc00 => "private", // unique local
        [a, ..] if a & 0xffc0 == 0xfe80 => "link-local",
        [a, ..] if a & 0xffc0 == 0xfec0 => "private", // site-local, deprecated
        [a, ..] if a & 0xff00 == 0xff00 => "multicast",
        [a, ..] if a & 0xe000 != 0x2000 => "reserved", // outside global unicast
        _ => return None,
    })
}

/// True when `base` (a configured base URL) is on loopback: `localhost` or a loopback
/// address. Its answers may then name loopback URLs (a local test server's files).
pub fn is_loopback_base(base: &str) -> bool {
    let Ok(url) = Url::parse(base) else {
        return false;
    };
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => non_public(ip.into()) == Some("loopback"),
        Some(Host::Ipv6(ip)) => non_public(ip.into()) == Some("loopback"),
        None => false,
    }
}

/// A URL from an answer, checked, with the addresses its host resolved to.
#[derive(Debug)]
pub struct Target {
    pub url: Url,
    /// The host name and the checked addresses to connect to; `None` for an IP literal.
    pinned: Option<(String, Vec<SocketAddr>)>,
}

/// A refusal of the URL named in an answer. The message names the kind of address, never
/// the URL itself (it is the answer's content, and its query may be a credential).
fn refused(why: impl std::fmt::Display) -> BackendError {
    BackendError::Final(format!(
        "the image URL in the answer was not fetched: {why}"
    ))
}

fn check(ip: IpAddr, allow_loopback: bool) -> Result<(), BackendError> {
    match non_public(ip) {
        None => Ok(()),
        Some("loopback") if allow_loopback => Ok(()),
        Some(kind) => {
            let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            Err(refused(format_args!(
                "its host is {article} {kind} address; only public addresses are fetched (loopback too when the API's base URL is on loopback)"
            )))
        }
    }
}

/// Checks `link` (scheme, host, every address the host resolves to) before anything
/// connects to it. `lookup_timeout` bounds the name resolution.
pub async fn check_url(
    link: &str,
    allow_loopback: bool,
    lookup_timeout: Duration,
) -> Result<Target, BackendError> {
    let url = Url::parse(link).map_err(|_| refused("it is not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refused("only http and https URLs are fetched"));
    }
    let port = url
        .port_or_known_default()
        .ok_or_else(|| refused("it has no port"))?;
    let name = match url.host() {
        Some(Host::Ipv4(ip)) => return check(ip.into(), allow_loopback).map(|_| unpinned(url)),
        Some(Host::Ipv6(ip)) => return check(ip.into(), allow_loopback).map(|_| unpinned(url)),
        Some(Host::Domain(name)) => name.to_owned(),
        None => return Err(refused("it has no host")),
    };
    let lookup = tokio::net::lookup_host((name.as_str(), port));
    let addrs: Vec<SocketAddr> = tokio::time::timeout(lookup_timeout, lookup)
        .await
        .map_err(|_| {
            BackendError::Transient(format!(
                "image download: resolving the image URL's host took more than {lookup_timeout:?}"
            ))
        })?
        .map_err(|e| {
            BackendError::Transient(format!(
                "image download: cannot resolve the image URL's host: {e}"
            ))
        })?
        .collect();
    if addrs.is_empty() {
        return Err(BackendError::Transient(
            "image download: the image URL's host resolves to no address".into(),
        ));
    }
    for addr in &addrs {
        check(addr.ip(), allow_loopback)?;
    }
    Ok(Target {
        url,
        pinned: Some((name, addrs)),
    })
}

fn unpinned(url: Url) -> Target {
    Target { url, pinned: None }
}

impl Target {
    /// A client that reaches this target's host only at the checked addresses, through no
    /// proxy (a proxy would connect where it likes), following redirects only on the same
    /// scheme, host and port (so to the same checked addresses).
    pub fn client(&self) -> Result<reqwest::Client, BackendError> {
        let mut builder = super::client_builder().no_proxy();
        if let Some((name, addrs)) = &self.pinned {
            builder = builder.resolve_to_addrs(name, addrs);
        }
        builder
            .build()
            .map_err(|e| BackendError::Transient(format!("cannot build the HTTP client: {e}")))
    }

    /// The host name whose addresses were checked; `None` for an IP literal.
    pub fn pinned_host(&self) -> Option<&str> {
        self.pinned.as_ref().map(|(name, _)| name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<&'static str> {
        non_public(text.parse().unwrap())
    }

    #[test]
    fn ipv4_ranges() {
        for (ip, expected) in [
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("172.15.255.255", None),
            ("172.32.0.1", None),
            ("100.63.255.255", None),
            ("100.128.0.0", None),
            ("223.255.255.255", None),
            ("0.0.0.0", Some("unspecified")),
            ("0.1.2.3", Some("unspecified")),
            ("127.0.0.1", Some("loopback")),
            ("127.255.0.9", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("192.168.1.1", Some("private")),
            ("100.64.0.1", Some("shared (carrier-grade NAT)")),
            ("169.254.169.254", Some("link-local")),
            ("192.0.2.1", Some("documentation")),
            ("198.51.100.7", Some("documentation")),
            ("203.0.113.9", Some("documentation")),
            ("198.18.0.1", Some("benchmarking")),
            ("192.0.0.8", Some("reserved")),
            ("224.0.0.1", Some("multicast")),
            ("239.255.255.250", Some("multicast")),
            ("240.0.0.1", Some("reserved")),
            ("255.255.255.255", Some("reserved")),
        ] {
            assert_eq!(kind(ip), expected, "{ip}");
        }
    }

    #[test]
    fn ipv6_ranges_and_embedded_ipv4() {
        for (ip, expected) in [
            ("2606:4700:4700::1111", None),
            ("2a00:1450:4001:82a::200e", None),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::808:808", None),
            ("2002:808:808::1", None),
            ("::", Some("unspecified")),
            ("::1", Some("loopback")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:10.0.0.1", Some("private")),
            ("::ffff:169.254.169.254", Some("link-local")),
            ("::ffff:0.0.0.0", Some("unspecified")),
            ("64:ff9b::a9fe:a9fe", Some("link-local")),
            ("64:ff9b::7f00:1", Some("loopback")),
            ("64:ff9b:1::1", Some("private")),
            ("2002:c0a8:101::1", Some("private")),
            ("2002:7f00:1::1", Some("loopback")),
            ("::127.0.0.1", Some("reserved")),
            ("100::1", Some("reserved")),
            ("2001:db8::1", Some("documentation")),
            ("3fff::1", Some("documentation")),
            ("2001::1", Some("reserved")),
            ("2001:2::1", Some("reserved")),
            ("fc00::1", Some("private")),
            ("fd12:3456::1", Some("private")),
            ("fe80::1", Some("link-local")),
            ("febf::1", Some("link-local")),
            ("fec0::1", Some("private")),
            ("ff02::1", Some("multicast")),
            ("4000::1", Some("reserved")),
        ] {
            assert_eq!(kind(ip), expected, "{ip}");
        }
    }

    #[test]
    fn loopback_bases() {
        for base in [
            "http://127.0.0.1:8080/v1",
            "http://127.5.6.7",
            "http://localhost:1234",
            "http://LOCALHOST",
            "http://[::1]:80/v1",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(is_loopback_base(base), "{base}");
        }
        for base in [
            "https://api.openai.com/v1",
            "http://10.0.0.5:8080",
            "http://localhost.example.com",
            "http://[::]/",
            "not a url",
        ] {
            assert!(!is_loopback_base(base), "{base}");
        }
    }

    fn refusal(result: Result<Target, BackendError>) -> String {
        match result {
            Err(BackendError::Final(message)) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn urls_are_checked_before_connecting() {
        let t = Duration::from_secs(5);
        let secret = "sig=SECRET";
        for (link, says) in [
            ("file:///etc/passwd", "only http and https"),
            ("ftp://8.8.8.8/x.png", "only http and https"),
            ("gopher://8.8.8.8/", "only http and https"),
            ("/relative/x.png", "not an absolute URL"),
            (
                "http://169.254.169.254/latest/meta-data?sig=SECRET",
                "a link-local address",
            ),
            ("http://10.0.0.1/x.png?sig=SECRET", "a private address"),
            (
                "http://[::ffff:192.168.0.1]/x?sig=SECRET",
                "a private address",
            ),
            ("http://[fe80::1]/x?sig=SECRET", "a link-local address"),
            ("http://0.0.0.0:8080/?sig=SECRET", "an unspecified address"),
            ("http://2130706433/?sig=SECRET", "a loopback address"), // 127.0.0.1 as a number
            ("http://localhost:9/x.png?sig=SECRET", "a loopback address"),
        ] {
            let message = refusal(check_url(link, false, t).await);
            assert!(message.contains(says), "{link}: {message}");
            assert!(!message.contains(secret), "{message}");
        }
        // Loopback is allowed when the base URL is on loopback; the rest never is.
        assert!(check_url("http://127.0.0.1:9/x.png", true, t).await.is_ok());
        let local = check_url("http://localhost:9/x.png", true, t)
            .await
            .unwrap();
        assert_eq!(local.pinned_host(), Some("localhost"));
        assert!(check_url("http://169.254.169.254/", true, t).await.is_err());
        assert!(check_url("http://[fd00::1]/", true, t).await.is_err());
    }

    #[tokio::test]
    async fn the_download_connects_to_the_checked_addresses_only() {
        // A name that no resolver knows, pinned to a local server: the client connects
        // there without asking DNS again, so a second answer (rebinding) is never used.
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0; 1024];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        let target = Target {
            url: Url::parse(&format!("http://rebind.invalid:{}/x", addr.port())).unwrap(),
            pinned: Some(("rebind.invalid".into(), vec![addr])),
        };
        let answer = target
            .client()
            .unwrap()
            .get(target.url.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.text().await.unwrap(), "ok");
    }
}
