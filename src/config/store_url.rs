//! The `store_url` setting: where knowledge, memories and image records live. Unset or
//! `sqlite:` is the embedded store in the data dir (one machine); a `postgresql://` URL is a
//! PostgreSQL database that a fleet of workers on many hosts shares. The URL may hold a
//! password, so what is shown of it (messages, `to_map`, logs) has the password replaced,
//! and a URL too malformed to tell where its password is is not shown at all.

use url::Url;

/// How the setting may be written, for messages.
pub const STORE_URL_FORMS: &str = "sqlite: (the embedded store in data_dir) or \
     postgresql://user[:password]@host[:port]/database[?sslmode=...&sslrootcert=...]";

/// Where the stores live.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// The embedded SQLite store under the data dir.
    Embedded,
    /// A PostgreSQL database; the URL as written (password included).
    Postgres(String),
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Embedded => f.write_str("Embedded"),
            StoreLocation::Postgres(url) => write!(f, "Postgres({})", redacted(url)),
        }
    }
}

impl StoreLocation {
    /// The setting's value (None: unset) as a location, or why it is not one. The reason
    /// never holds a character of the value past its scheme.
    pub fn parse(text: Option<&str>) -> Result<Self, String> {
        let text = text.map(str::trim).unwrap_or_default();
        if text.is_empty() || text.eq_ignore_ascii_case("sqlite:") {
            return Ok(StoreLocation::Embedded);
        }
        let scheme = text.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("postgresql" | "postgres")) {
            return Err(format!("store_url must be {STORE_URL_FORMS}"));
        }
        if let Some(at) = text
            .chars()
            .position(|c| c.is_whitespace() || c.is_control())
        {
            return Err(format!(
                "store_url must be {STORE_URL_FORMS}, but character {} is a space or a control \
                 character (the value is not shown)",
                at + 1
            ));
        }
        let url = Url::parse(text).map_err(|e| {
            format!("store_url is not a valid URL: {e} (the value is not shown); it must be {STORE_URL_FORMS}")
        })?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!(
                "store_url names no host (the value is not shown); it must be {STORE_URL_FORMS}"
            ));
        }
        if url.path().trim_start_matches('/').is_empty() {
            return Err(format!(
                "store_url names no database (the value is not shown); it must be {STORE_URL_FORMS}"
            ));
        }
        Ok(StoreLocation::Postgres(text.to_owned()))
    }

    /// What may be shown of it: the URL without its password.
    pub fn shown(&self) -> String {
        match self {
            StoreLocation::Embedded => "sqlite: (the embedded store in data_dir)".to_owned(),
            StoreLocation::Postgres(url) => redacted(url),
        }
    }
}

/// `text` with the password of its user part, and any `password=` parameter, replaced by
/// `***`; a text that is not a URL is not shown at all.
pub fn redacted(text: &str) -> String {
    let Ok(mut url) = Url::parse(text.trim()) else {
        return "'***' (not a URL)".to_owned();
    };
    if url.password().is_some() && url.set_password(Some("***")).is_err() {
        return "'***'".to_owned();
    }
    let query: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let secret =
                k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("sslpassword");
            (
                k.into_owned(),
                if secret {
                    "***".to_owned()
                } else {
                    v.into_owned()
                },
            )
        })
        .collect();
    if !query.is_empty() {
        url.query_pairs_mut().clear().extend_pairs(query);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_by_default_and_postgres_by_url() {
        assert_eq!(StoreLocation::parse(None), Ok(StoreLocation::Embedded));
        assert_eq!(
            StoreLocation::parse(Some(" sqlite: ")),
            Ok(StoreLocation::Embedded)
        );
        let url = "postgresql://ai:pw@db.internal:5433/project_ai?sslmode=require";
        assert_eq!(
            StoreLocation::parse(Some(url)),
            Ok(StoreLocation::Postgres(url.into()))
        );
    }

    #[test]
    fn bad_urls_say_what_is_allowed_and_never_echo_the_value() {
        for (text, why) in [
            ("mysql://u:s3cr3t@h/db", "must be sqlite:"),
            ("postgresql://u:s3cr3t@/db", "empty host"),
            ("postgresql://u:s3cr3t@:5432/db", "host"),
            ("postgresql://u:s3cr3t@h", "names no database"),
            (
                "postgresql://u:s3cr3t@h:99999/db",
                "not a valid URL: invalid port",
            ),
            ("postgresql://u:s3 cr3t@h/db", "character 18 is a space"),
            ("postgresql://u:s3cr3t\n@h/db", "control character"),
        ] {
            let problem = StoreLocation::parse(Some(text)).unwrap_err();
            assert!(problem.contains(why), "{text:?}: {problem}");
            assert!(!problem.contains("s3"), "{text:?}: {problem}");
        }
    }

    #[test]
    fn shown_without_passwords() {
        let shown = redacted("postgresql://ai:s3cr3t@db:5432/p?sslmode=require&password=s3cr3t");
        assert_eq!(
            shown,
            "postgresql://ai:***@db:5432/p?sslmode=require&password=***"
        );
        assert_eq!(redacted("postgresql://ai@db/p"), "postgresql://ai@db/p");
        assert!(!redacted("postgresql://ai:s3cr3t@[bad/p").contains("s3"));
        let location = StoreLocation::parse(Some("postgres://a:s3cr3t@h/d")).unwrap();
        assert!(!format!("{location:?} {}", location.shown()).contains("s3"));
    }
}
