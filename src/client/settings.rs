//! What a connection needs, resolved from `TemporalConfig` plus per-call overrides: the
//! address, namespace, identity, TLS material (read from files here) and the API key.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::TemporalConfig;
pub use crate::config::address::cloud_address;
use crate::files::capped::read_capped;

/// PEM material given either as bytes or as a file to read.
#[derive(Clone)]
pub enum Pem {
    Data(Vec<u8>),
    File(PathBuf),
}

/// The largest PEM file read: a bundle of many CA certificates fits many times over, and
/// a path that names a device or a huge file costs nothing.
const MAX_PEM_BYTES: u64 = 1024 * 1024;

impl Pem {
    /// The PEM bytes. For a `secret` item (a private key) no message repeats the path:
    /// key text handed over where a path was expected would be shown as that path.
    fn read(&self, what: &str, secret: bool) -> Result<Vec<u8>, String> {
        let (bytes, source) = match self {
            Pem::Data(bytes) => (bytes.clone(), "given as data".to_owned()),
            Pem::File(path) if secret => {
                let bytes = read_capped(path, MAX_PEM_BYTES).map_err(|_| {
                    format!(
                        "cannot read the {what}: the path given is not a readable regular file of at most {MAX_PEM_BYTES} bytes"
                    )
                })?;
                (bytes, "the file given".to_owned())
            }
            Pem::File(path) => {
                let bytes = read_capped(path, MAX_PEM_BYTES)
                    .map_err(|e| format!("cannot read the {what}: {e}"))?;
                (bytes, path.display().to_string())
            }
        };
        if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            return Err(format!(
                "the {what} ({source}) is not PEM: it has no -----BEGIN line"
            ));
        }
        Ok(bytes)
    }
}

/// TLS as the caller asked for it; files are read when the connection is made.
#[derive(Clone, Default)]
pub struct TlsRequest {
    pub server_root_ca_cert: Option<Pem>,
    pub client_cert: Option<Pem>,
    pub client_private_key: Option<Pem>,
    pub domain: Option<String>,
}

/// TLS material, read and checked.
#[derive(Clone, Default)]
pub struct TlsMaterial {
    pub server_root_ca_cert: Option<Vec<u8>>,
    pub client_cert: Option<Vec<u8>>,
    pub client_private_key: Option<Vec<u8>>,
    pub domain: Option<String>,
}

/// Says what is present, never the key.
impl fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("server_root_ca_cert", &self.server_root_ca_cert.is_some())
            .field("client_cert", &self.client_cert.is_some())
            .field(
                "client_private_key",
                &self
                    .client_private_key
                    .as_ref()
                    .map(|_| crate::config::REDACTED),
            )
            .field("domain", &self.domain)
            .finish()
    }
}

impl TlsRequest {
    pub fn read(&self) -> Result<TlsMaterial, String> {
        let read = |pem: &Option<Pem>, what: &str, secret| {
            pem.as_ref().map(|p| p.read(what, secret)).transpose()
        };
        let material = TlsMaterial {
            server_root_ca_cert: read(&self.server_root_ca_cert, "server CA certificate", false)?,
            client_cert: read(&self.client_cert, "client certificate", false)?,
            client_private_key: read(&self.client_private_key, "client private key", true)?,
            domain: self.domain.clone(),
        };
        match (&material.client_cert, &material.client_private_key) {
            (Some(_), None) => {
                Err("a client certificate needs its private key (client_private_key)".into())
            }
            (None, Some(_)) => {
                Err("a client private key needs its certificate (client_cert)".into())
            }
            _ => Ok(material),
        }
    }
}

/// Everything `connect` needs.
#[derive(Clone)]
pub struct ConnectSettings {
    /// `host:port`.
    pub address: String,
    pub namespace: String,
    pub identity: String,
    pub tls: Option<TlsRequest>,
    pub api_key: Option<String>,
    pub connect_timeout: Duration,
}

/// Redacted: the key never shows.
impl fmt::Debug for ConnectSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectSettings")
            .field("address", &self.address)
            .field("namespace", &self.namespace)
            .field("identity", &self.identity)
            .field("tls", &self.tls.is_some())
            .field(
                "api_key",
                &self.api_key.as_ref().map(|_| crate::config::REDACTED),
            )
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl ConnectSettings {
    /// The settings a configuration describes. A cloud namespace without an explicit host
    /// means the Temporal Cloud address `<namespace>.tmprl.cloud:7233`.
    pub fn from_config(config: &TemporalConfig) -> Self {
        let tls = config.tls_enabled().then(|| TlsRequest {
            server_root_ca_cert: pem(
                &config.tls_server_ca_cert_data,
                &config.tls_server_ca_cert_path,
            ),
            client_cert: pem(&config.tls_client_cert_data, &config.cloud_cert_path),
            client_private_key: pem(&config.tls_client_key_data, &config.cloud_key_path),
            domain: config.tls_server_name.clone(),
        });
        let namespace = match &config.cloud_namespace {
            Some(ns)
                if config.is_cloud()
                    && config
                        .origin("namespace")
                        .is_some_and(|o| o.precedence() == 0) =>
            {
                ns.clone()
            }
            _ => config.namespace.clone(),
        };
        let address = config.target_address();
        ConnectSettings {
            address,
            namespace,
            identity: config.worker_identity.clone(),
            tls,
            api_key: config.cloud_api_key.clone(),
            connect_timeout: Duration::from_secs(config.connect_timeout),
        }
    }
}

fn pem(data: &Option<String>, path: &Option<PathBuf>) -> Option<Pem> {
    match (data, path) {
        (Some(text), _) => Some(Pem::Data(text.clone().into_bytes())),
        (None, Some(path)) => Some(Pem::File(path.clone())),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_namespace_gives_the_cloud_address() {
        let mut config = TemporalConfig::defaults();
        config.cloud_namespace = Some("acme.a1b2c".into());
        let settings = ConnectSettings::from_config(&config);
        assert_eq!(settings.address, "acme.a1b2c.tmprl.cloud:7233");
        assert_eq!(settings.namespace, "acme.a1b2c");
        assert!(settings.tls.is_some());
    }

    #[test]
    fn api_key_is_redacted() {
        let mut config = TemporalConfig::defaults();
        config.cloud_api_key = Some("sk-abc".into());
        let shown = format!("{:?}", ConnectSettings::from_config(&config));
        assert!(
            !shown.contains("sk-abc") && shown.contains("api_key"),
            "{shown}"
        );
    }

    #[test]
    fn pem_files_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.pem");
        std::fs::write(&file, "not a pem").unwrap();
        let request = TlsRequest {
            server_root_ca_cert: Some(Pem::File(file)),
            ..Default::default()
        };
        assert!(request.read().unwrap_err().contains("is not PEM"));
        let request = TlsRequest {
            server_root_ca_cert: Some(Pem::Data(b"junk".to_vec())),
            ..Default::default()
        };
        assert!(request.read().unwrap_err().contains("given as data"));
        // Neither a device nor an endless file is read; key text taken for a path is
        // never repeated.
        let request = TlsRequest {
            server_root_ca_cert: Some(Pem::File("/dev/zero".into())),
            ..Default::default()
        };
        assert!(request.read().unwrap_err().contains("not a regular file"));
        let key_text = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC";
        let request = TlsRequest {
            client_cert: Some(Pem::Data(b"-----BEGIN X".to_vec())),
            client_private_key: Some(Pem::File(key_text.into())),
            ..Default::default()
        };
        let error = request.read().unwrap_err();
        assert!(
            error.contains("client private key") && !error.contains(key_text),
            "{error}"
        );
        let request = TlsRequest {
            client_cert: Some(Pem::Data(b"-----BEGIN X".to_vec())),
            ..Default::default()
        };
        assert!(
            request
                .read()
                .unwrap_err()
                .contains("needs its private key")
        );
    }
}
