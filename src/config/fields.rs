//! The one table of configuration settings: names, types, defaults, environment variables,
//! the `temporal.toml` keys they map to, and which ones are secret.
//!
//! Everything else (loading, validation, the Python class, the docs table) reads this table,
//! so a setting is added here once.

/// How a setting's text is parsed and what it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Text that must not be empty.
    Text,
    /// Optional text; empty means unset.
    OptionalText,
    /// A filesystem path.
    Path,
    /// An optional filesystem path; empty means unset.
    OptionalPath,
    /// A whole number of at least `min`.
    Count { min: u64 },
    /// A decimal number of at least 0 (a factor, seconds).
    Decimal,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    Flag,
    /// An optional flag; unset means "decide from the other settings".
    OptionalFlag,
    /// One of a fixed list of words, case-insensitive.
    Choice(&'static [&'static str]),
    /// An optional token sent in a header (an API key): visible ASCII characters only, no
    /// spaces, quotes or backslashes; empty means unset.
    Token,
    /// An optional private key as PEM text: one -----BEGIN/-----END block of base64 lines;
    /// empty means unset.
    PrivateKeyPem,
    /// Where the stores live (`store_url`): `sqlite:` or a PostgreSQL URL, shown without
    /// its password; empty means unset (the embedded store).
    StoreUrl,
}

/// One configuration setting.
#[derive(Debug)]
pub struct FieldSpec {
    pub name: &'static str,
    pub kind: FieldKind,
    /// The default as it would be written in the environment; `None` for unset.
    pub default: Option<&'static str>,
    /// The environment variable (also read from `.env.temporal`).
    pub env: &'static str,
    /// Other environment variables with the same meaning (the official Temporal names).
    pub aliases: &'static [&'static str],
    /// The key in a `temporal.toml` profile, `tls.` prefixed for the `[profile.X.tls]` table.
    pub profile_key: Option<&'static str>,
    /// Never shown in repr, logs or errors.
    pub secret: bool,
    /// For settings that come as a `_path` / `_data` pair: the other half.
    pub exclusive_with: Option<&'static str>,
    pub doc: &'static str,
}

pub const LOG_LEVELS: &[&str] = &["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

const fn field(name: &'static str, kind: FieldKind, env: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        default: None,
        env,
        aliases: &[],
        profile_key: None,
        secret: false,
        exclusive_with: None,
        doc: "",
    }
}

const fn count(min: u64) -> FieldKind {
    FieldKind::Count { min }
}

/// Every setting, in the order the docs and `to_map` list them: its field and Rust type,
/// then its entry in the table (kind, environment variable, options; doc).
/// `with_settings!(callback)` hands this one list to `callback!`: the table `FIELDS`
/// below, the config struct with its access by name (config/mod.rs) and the Python class
/// (python/config.rs, checked against `_core.pyi` by stubtest) are all made from it, so a
/// setting is added here once; a test checks each field's type against its kind.
macro_rules! with_settings {
    ($callback:ident) => {
        $callback! {
            host: String => { FieldKind::Text, "TEMPORAL_HOST", default = Some("localhost:7233"),
                aliases = &["TEMPORAL_ADDRESS"], profile_key = Some("address");
                "Temporal frontend address as host:port." }
            namespace: String => { FieldKind::Text, "TEMPORAL_NAMESPACE", default = Some("default"),
                profile_key = Some("namespace");
                "Temporal namespace." }
            task_queue: String => { FieldKind::Text, "TEMPORAL_TASK_QUEUE", default = Some("project-ai-tasks");
                "Task queue the worker polls and workflows are started on." }
            cloud_namespace: Option<String> => { FieldKind::OptionalText, "TEMPORAL_CLOUD_NAMESPACE";
                "Temporal Cloud namespace (for example my-namespace.a2b3c); set means Temporal Cloud." }
            cloud_cert_path: Option<PathBuf> => { FieldKind::OptionalPath, "TEMPORAL_CLOUD_CERT_PATH",
                aliases = &["TEMPORAL_TLS_CLIENT_CERT_PATH"], profile_key = Some("tls.client_cert_path"),
                exclusive_with = Some("tls_client_cert_data");
                "Client certificate (PEM file) for mTLS." }
            cloud_key_path: Option<PathBuf> => { FieldKind::OptionalPath, "TEMPORAL_CLOUD_KEY_PATH",
                aliases = &["TEMPORAL_TLS_CLIENT_KEY_PATH"], profile_key = Some("tls.client_key_path"),
                exclusive_with = Some("tls_client_key_data");
                "Client private key (PEM file) for mTLS." }
            cloud_api_key: Option<String> => { FieldKind::Token, "TEMPORAL_CLOUD_API_KEY",
                aliases = &["TEMPORAL_API_KEY"], profile_key = Some("api_key"), secret = true;
                "API key, sent as a bearer token: visible ASCII characters, no spaces, quotes or backslashes. Implies TLS; with tls false it is refused unless the host is a loopback address (localhost, 127.0.0.1, ::1)." }
            max_concurrent_activities: u64 => { count(1), "TEMPORAL_MAX_CONCURRENT_ACTIVITIES", default = Some("50");
                "Activities one worker runs at once." }
            max_concurrent_workflows: u64 => { count(1), "TEMPORAL_MAX_CONCURRENT_WORKFLOWS", default = Some("50");
                "Workflow tasks one worker runs at once." }
            worker_identity: String => { FieldKind::Text, "TEMPORAL_WORKER_IDENTITY", default = Some("project-ai-worker");
                "Worker identity shown in Temporal's UI and histories; left at the default, a worker reports `<pid>@<host>-project-ai-worker`." }
            worker_build_id: Option<String> => { FieldKind::OptionalText, "TEMPORAL_WORKER_BUILD_ID";
                "Build id a worker announces: every workflow task it completes records it, and worker versioning routes by it. Unset: the installed wheel's version (e.g. 0.1.0); set it when you deploy builds of one version that differ." }
            worker_deployment_name: String => { FieldKind::Text, "TEMPORAL_WORKER_DEPLOYMENT_NAME", default = Some("project-ai");
                "Worker Deployment the workers belong to; with worker_build_id it names a worker's deployment version (project-ai:0.1.0)." }
            worker_versioning: bool => { FieldKind::Flag, "TEMPORAL_WORKER_VERSIONING", default = Some("false");
                "Worker Versioning: a worker takes only the tasks of its deployment version; new workflows start on the deployment's current version (`temporal worker deployment set-current-version`) and each running one stays pinned to the version that started it, so a rollout never replays old workflows on new code. false: any worker on the task queue takes any task." }
            workflow_execution_timeout: u64 => { count(1), "TEMPORAL_WORKFLOW_EXECUTION_TIMEOUT", default = Some("3600");
                "Seconds a workflow may take in all, retries and continue-as-new included." }
            workflow_run_timeout: u64 => { count(1), "TEMPORAL_WORKFLOW_RUN_TIMEOUT", default = Some("1800");
                "Seconds one workflow run may take." }
            activity_start_to_close_timeout: u64 => { count(1), "TEMPORAL_ACTIVITY_START_TO_CLOSE_TIMEOUT", default = Some("300");
                "Seconds one activity attempt may take, where a workflow sets no timeout of its own." }
            max_retry_attempts: u64 => { count(1), "TEMPORAL_MAX_RETRY_ATTEMPTS", default = Some("3");
                "Attempts per activity, the first included, where a workflow sets no policy of its own." }
            initial_retry_interval: u64 => { count(1), "TEMPORAL_INITIAL_RETRY_INTERVAL", default = Some("1");
                "Seconds before the first retry." }
            max_retry_interval: u64 => { count(1), "TEMPORAL_MAX_RETRY_INTERVAL", default = Some("30");
                "Longest wait between retries, in seconds; at least initial_retry_interval." }
            tls: Option<bool> => { FieldKind::OptionalFlag, "TEMPORAL_TLS", profile_key = Some("tls.disabled");
                "Use TLS; unset means on when certificates, an API key or a cloud namespace are set." }
            tls_client_cert_data: Option<String> => { FieldKind::OptionalText, "TEMPORAL_TLS_CLIENT_CERT_DATA",
                profile_key = Some("tls.client_cert_data"), exclusive_with = Some("cloud_cert_path");
                "Client certificate as PEM text, instead of cloud_cert_path." }
            tls_client_key_data: Option<String> => { FieldKind::PrivateKeyPem, "TEMPORAL_TLS_CLIENT_KEY_DATA",
                profile_key = Some("tls.client_key_data"), secret = true, exclusive_with = Some("cloud_key_path");
                "Client private key as PEM text (one -----BEGIN/-----END block), instead of cloud_key_path." }
            tls_server_ca_cert_path: Option<PathBuf> => { FieldKind::OptionalPath, "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
                profile_key = Some("tls.server_ca_cert_path"), exclusive_with = Some("tls_server_ca_cert_data");
                "CA certificate (PEM file) that signed the server's certificate; unset means the system roots." }
            tls_server_ca_cert_data: Option<String> => { FieldKind::OptionalText, "TEMPORAL_TLS_SERVER_CA_CERT_DATA",
                profile_key = Some("tls.server_ca_cert_data"), exclusive_with = Some("tls_server_ca_cert_path");
                "CA certificate as PEM text, instead of tls_server_ca_cert_path." }
            tls_server_name: Option<String> => { FieldKind::OptionalText, "TEMPORAL_TLS_SERVER_NAME",
                profile_key = Some("tls.server_name");
                "Name expected in the server's certificate, when it differs from the host." }
            tls_disable_host_verification: bool => { FieldKind::Flag, "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION",
                default = Some("false"), profile_key = Some("tls.disable_host_verification");
                "Accepted for compatibility with the official variable, but only false is allowed: the Rust client always checks the server's name (use tls_server_name)." }
            data_dir: PathBuf => { FieldKind::Path, "PROJECT_AI_DATA_DIR", default = Some("data");
                "Folder for the embedded stores, generated images, analysis output and the dev server state." }
            artifacts_dir: Option<PathBuf> => { FieldKind::OptionalPath, "PROJECT_AI_ARTIFACTS_DIR";
                "Folder for generated images (generated_images/) and analysis output folders (analysis/); unset means data_dir. A folder every host mounts lets any host read (and erase) what another made; results carry paths relative to it besides absolute ones." }
            store_url: Option<String> => { FieldKind::StoreUrl, "PROJECT_AI_STORE_URL";
                "Where knowledge, memories and image records live: unset or sqlite: is the embedded store in data_dir (one machine); postgresql://user:password@host:port/database is a PostgreSQL database that workers on many hosts share. TLS: sslmode=disable, prefer (the default) or require (verify-ca and verify-full mean require), sslrootcert=<CA certificates, PEM>; whenever TLS is used the server's certificate is checked (against sslrootcert, else the Mozilla roots). Shown without its password." }
            connect_timeout: u64 => { count(1), "TEMPORAL_CONNECT_TIMEOUT", default = Some("10");
                "Seconds a connection attempt may take before it fails." }
            graceful_shutdown_timeout: u64 => { count(0), "TEMPORAL_GRACEFUL_SHUTDOWN_TIMEOUT", default = Some("30");
                "Seconds a stopping worker lets running activities finish; 0 cancels them at once." }
            log_level: String => { FieldKind::Choice(LOG_LEVELS), "TEMPORAL_LOG_LEVEL", default = Some("INFO");
                "Level of the app.temporal logger." }
            analysis_allowed_roots: Option<String> => { FieldKind::OptionalText, "TEMPORAL_ANALYSIS_ALLOWED_ROOTS";
                "Folders (separated by ':') data analysis may read files from, besides data_dir/inputs. Inside data_dir only inputs/ is ever read, whatever this says." }
            analysis_max_file_bytes: u64 => { count(1), "TEMPORAL_ANALYSIS_MAX_FILE_BYTES", default = Some("1073741824");
                "Largest file data analysis reads, in bytes (1 GiB)." }
            analysis_max_cells: u64 => { count(1), "TEMPORAL_ANALYSIS_MAX_CELLS", default = Some("100000000");
                "Largest table data analysis builds, in cells (rows x columns); a file over it is refused before its table is built." }
            analysis_max_columns: u64 => { count(1), "TEMPORAL_ANALYSIS_MAX_COLUMNS", default = Some("10000");
                "Most columns a data file may have (CSV header fields, distinct JSON keys, the width of an XLSX sheet, Parquet columns)." }
            analysis_max_numeric_columns: u64 => { count(1), "TEMPORAL_ANALYSIS_MAX_NUMERIC_COLUMNS", default = Some("500");
                "Most numeric columns a correlation matrix or a clustering (with its PCA) takes." }
            analysis_max_decompressed_bytes: u64 => { count(1), "TEMPORAL_ANALYSIS_MAX_DECOMPRESSED_BYTES", default = Some("1073741824");
                "Largest decompressed size of one part of an XLSX workbook (a sheet, the shared strings), in bytes (1 GiB)." }
            analysis_isolation: bool => { FieldKind::Flag, "TEMPORAL_ANALYSIS_ISOLATION", default = Some("true");
                "Runs the heavy analysis steps (load_data, perform_analysis, generate_visualizations) in a child process under analysis_memory_limit, so that a crash or an allocation the budgets did not foresee fails that step, never the worker. false runs them in the worker's own process." }
            analysis_memory_limit: u64 => { count(0), "TEMPORAL_ANALYSIS_MEMORY_LIMIT", default = Some("0");
                "Address-space limit of the analysis child process, in bytes; a step that needs more fails for good, naming this setting. 0: half of the machine's physical memory, at least 1 GiB." }
            metrics_address: Option<String> => { FieldKind::OptionalText, "TEMPORAL_METRICS_ADDRESS";
                "host:port where a worker serves the Temporal SDK's metrics for Prometheus (/metrics); unset serves none." }
            image_max_bytes: u64 => { count(1), "TEMPORAL_IMAGE_MAX_BYTES", default = Some("52428800");
                "Largest image an image API may send, in bytes (50 MiB); a JSON answer may be 4/3 of it plus 64 KiB, for an image in base64." }
            openai_api_key: Option<String> => { FieldKind::Token, "OPENAI_API_KEY", secret = true;
                "API key of the openai image backend (Project-AI's own variable)." }
            openai_base_url: String => { FieldKind::Text, "OPENAI_BASE_URL", default = Some("https://api.openai.com/v1");
                "Base URL of the openai image backend, for OpenAI-compatible servers." }
            huggingface_api_key: Option<String> => { FieldKind::Token, "HUGGINGFACE_API_KEY", secret = true;
                "API key of the huggingface image backend (Project-AI's own variable)." }
            huggingface_api_url: String => { FieldKind::Text, "HUGGINGFACE_API_URL", default = Some("https://api-inference.huggingface.co");
                "Base URL of the huggingface image backend, for self-hosted inference endpoints." }
            huggingface_model: String => { FieldKind::Text, "HUGGINGFACE_MODEL", default = Some("stabilityai/stable-diffusion-2-1");
                "Model the huggingface image backend runs." }
            image_api_max_retries: u64 => { count(1), "IMAGE_API_MAX_RETRIES", default = Some("3");
                "Attempts per image API request, the first included (rate limits, 5xx answers, network errors)." }
            image_api_backoff_factor: f64 => { FieldKind::Decimal, "IMAGE_API_BACKOFF_FACTOR", default = Some("0.8");
                "Seconds: the wait after the n-th failed image API attempt is this times 2^(n-1)." }
        }
    };
}
pub(crate) use with_settings;

/// The table from the list.
macro_rules! field_table {
    ($($name:ident: $ty:ty => {
        $kind:expr, $env:literal $(, $key:ident = $value:expr)* ; $doc:literal
    })*) => {
        pub const FIELDS: &[FieldSpec] = &[
            $(FieldSpec { $($key: $value,)* doc: $doc, ..field(stringify!($name), $kind, $env) },)*
        ];
    };
}

with_settings!(field_table);

/// Environment variables that belong to Temporal tooling but are not settings of ours;
/// they may stand in `.env.temporal` without being reported as unknown.
pub const OTHER_KNOWN_VARIABLES: &[&str] = &[
    "TEMPORAL_CONFIG_FILE",
    "TEMPORAL_PROFILE",
    "TEMPORAL_CLI_PATH",
];

/// The setting of that name.
pub fn spec(name: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.name == name)
}

/// The setting an environment variable sets, by its own name or an alias (case-insensitive).
pub fn spec_for_variable(variable: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| {
        f.env.eq_ignore_ascii_case(variable)
            || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(variable))
    })
}

/// The setting a `temporal.toml` profile key sets.
pub fn spec_for_profile_key(key: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.profile_key == Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_variables_and_keys_are_unique() {
        let (mut names, mut variables, mut keys) = (Vec::new(), Vec::new(), Vec::new());
        for f in FIELDS {
            assert!(!names.contains(&f.name), "duplicate name {}", f.name);
            names.push(f.name);
            for v in std::iter::once(&f.env).chain(f.aliases) {
                assert!(!variables.contains(v), "duplicate variable {v}");
                variables.push(v);
            }
            if let Some(k) = f.profile_key {
                assert!(!keys.contains(&k), "duplicate profile key {k}");
                keys.push(k);
            }
            assert!(!f.doc.is_empty(), "{} has no doc", f.name);
        }
    }

    #[test]
    fn exclusive_pairs_point_at_each_other() {
        for f in FIELDS {
            if let Some(other) = f.exclusive_with {
                assert_eq!(spec(other).and_then(|o| o.exclusive_with), Some(f.name));
            }
        }
    }
}
