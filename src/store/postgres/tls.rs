//! TLS to the database on rustls. The URL's `sslmode` says whether to use it: `disable`
//! never, `prefer` (the default) when the server offers it, `require` always
//! (`verify-ca` and `verify-full` mean `require`). Whenever TLS is used the server's
//! certificate is checked, chain and host name, against the PEM file `sslrootcert=` names,
//! else the Mozilla roots: unlike libpq, `prefer` and `require` never accept a certificate
//! they cannot check.

use std::path::PathBuf;
use std::sync::Arc;

use postgres::config::SslMode;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;
use url::Url;

/// The parts of a store URL that libpq knows and the client library does not.
pub struct Target {
    /// The URL without `sslmode` and `sslrootcert`.
    pub url: String,
    pub ssl_mode: SslMode,
    pub root_cert: Option<PathBuf>,
}

/// Splits `url` into what the client library parses and the TLS settings; the reasons
/// never quote the URL.
pub fn target(url: &str) -> Result<Target, String> {
    let mut parsed = Url::parse(url).map_err(|e| format!("the URL is not valid: {e}"))?;
    let (mut ssl_mode, mut root_cert) = (SslMode::Prefer, None);
    let mut kept = Vec::new();
    for (key, value) in parsed.query_pairs() {
        match key.as_ref() {
            "sslmode" => {
                ssl_mode = match value.as_ref() {
                    "disable" => SslMode::Disable,
                    "prefer" | "allow" => SslMode::Prefer,
                    "require" | "verify-ca" | "verify-full" => SslMode::Require,
                    _ => {
                        return Err(
                            "sslmode must be disable, prefer, require, verify-ca or verify-full"
                                .into(),
                        );
                    }
                }
            }
            "sslrootcert" => root_cert = Some(PathBuf::from(value.as_ref())),
            _ => kept.push((key.into_owned(), value.into_owned())),
        }
    }
    parsed.set_query(None);
    if !kept.is_empty() {
        parsed.query_pairs_mut().extend_pairs(kept);
    }
    Ok(Target {
        url: parsed.to_string(),
        ssl_mode,
        root_cert,
    })
}

/// The TLS connector: certificates checked against `root_cert` (a PEM file of one or more
/// certificates) or the Mozilla roots.
pub fn connector(root_cert: Option<&PathBuf>) -> Result<MakeRustlsConnect, String> {
    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        Some(path) => {
            let certificates = CertificateDer::pem_file_iter(path)
                .and_then(|all| all.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("cannot read sslrootcert {}: {e}", path.display()))?;
            let (added, _) = roots.add_parsable_certificates(certificates);
            if added == 0 {
                return Err(format!(
                    "sslrootcert {} holds no certificate (a PEM file of CA certificates is expected)",
                    path.display()
                ));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_are_taken_out_of_the_url() {
        let t = target(
            "postgresql://a:pw@h:5/d?sslmode=verify-full&sslrootcert=/ca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(t.url, "postgresql://a:pw@h:5/d?application_name=x");
        assert!(matches!(t.ssl_mode, SslMode::Require));
        assert_eq!(t.root_cert, Some(PathBuf::from("/ca.pem")));
        let plain = target("postgresql://a@h/d").unwrap();
        assert_eq!(plain.url, "postgresql://a@h/d");
        assert!(matches!(plain.ssl_mode, SslMode::Prefer));
        let wrong = target("postgresql://a:pw@h/d?sslmode=sometimes")
            .err()
            .unwrap();
        assert!(wrong.contains("sslmode must be") && !wrong.contains("pw"));
        assert!(connector(Some(&PathBuf::from("/nowhere.pem"))).is_err());
        assert!(connector(None).is_ok());
    }
}
