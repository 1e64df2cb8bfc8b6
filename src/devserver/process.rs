//! Starting and stopping one `temporal server start-dev` process.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{DevServerError, ready};
use crate::platform;

#[derive(Debug, Clone)]
pub struct DevServerOptions {
    pub executable: PathBuf,
    /// Address the frontend binds; loopback unless a caller knows better.
    pub ip: String,
    /// Frontend gRPC port; `None` picks a free one.
    pub port: Option<u16>,
    /// Web UI port; `None` picks a free one. Unused when `headless`.
    pub ui_port: Option<u16>,
    pub headless: bool,
    /// SQLite file for state that survives a restart; `None` keeps it in memory.
    pub db_filename: Option<PathBuf>,
    /// Namespaces besides `default` to create.
    pub namespaces: Vec<String>,
    /// `KEY=JSON` pairs for `--dynamic-config-value`.
    pub dynamic_config: Vec<String>,
    /// Where the server's own output goes; `None` is a file in the temp folder.
    pub log_file: Option<PathBuf>,
    pub log_level: String,
    pub start_timeout: Duration,
}

/// A running dev server. Dropping it stops it.
#[derive(Debug)]
pub struct DevServer {
    child: Option<Child>,
    pub pid: u32,
    pub address: String,
    pub ui_url: Option<String>,
    pub log_file: PathBuf,
    /// Where this start's output begins in `log_file`.
    log_start: u64,
}

/// A port that was free a moment ago on `ip`.
pub fn free_port(ip: &str) -> std::io::Result<u16> {
    Ok(TcpListener::bind((ip, 0))?.local_addr()?.port())
}

/// Refuses a port something already listens on: the readiness check would get its answer
/// from that process and take our server, which cannot bind, for started. Other bind errors
/// are left to the server, which reports them in its own words.
fn check_port_free(ip: &str, port: u16, what: &'static str) -> Result<(), DevServerError> {
    match TcpListener::bind((ip, port)) {
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Err(DevServerError::PortInUse {
            what,
            address: format_address(ip, port),
        }),
        _ => Ok(()),
    }
}

/// How many times a start is tried when it failed only because a port it was to use was
/// taken meanwhile: the ports picked here, and the HTTP port the CLI picks itself, are free
/// when picked, not when bound.
const START_ATTEMPTS: u32 = 3;

impl DevServer {
    /// Starts the server and returns once its frontend answers.
    pub async fn start(options: &DevServerOptions) -> Result<DevServer, DevServerError> {
        let mut attempt = 1;
        loop {
            match Self::start_once(options).await {
                Err(DevServerError::ExitedEarly { log_tail, .. })
                    if attempt < START_ATTEMPTS && log_tail.contains("address already in use") =>
                {
                    tracing::warn!(
                        attempt,
                        "a port of the dev server was taken; starting again"
                    );
                    attempt += 1;
                }
                done => return done,
            }
        }
    }

    async fn start_once(options: &DevServerOptions) -> Result<DevServer, DevServerError> {
        let port = match options.port {
            Some(port) => {
                check_port_free(&options.ip, port, "the gRPC port")?;
                port
            }
            None => free_port(&options.ip)?,
        };
        let address = format_address(&options.ip, port);
        let mut command = Command::new(&options.executable);
        command.args([
            "server",
            "start-dev",
            "--ip",
            &options.ip,
            "--port",
            &port.to_string(),
        ]);
        command.args(["--log-level", &options.log_level]);
        let ui_url = if options.headless {
            command.arg("--headless");
            None
        } else {
            let ui_port = match options.ui_port {
                Some(p) => {
                    check_port_free(&options.ip, p, "the Web UI port")?;
                    p
                }
                None => free_port(&options.ip)?,
            };
            command.args(["--ui-port", &ui_port.to_string()]);
            Some(format!("http://{}", format_address(&options.ip, ui_port)))
        };
        if let Some(db) = &options.db_filename {
            if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            command.arg("--db-filename").arg(db);
        }
        for namespace in &options.namespaces {
            command.args(["--namespace", namespace]);
        }
        for pair in &options.dynamic_config {
            command.args(["--dynamic-config-value", pair]);
        }
        let log_file = options.log_file.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!(
                "project-ai-temporal-dev-{}-{port}.log",
                std::process::id()
            ))
        });
        let log = File::options().create(true).append(true).open(&log_file)?;
        // The log keeps earlier starts; errors quote only what this one wrote.
        let log_start = log.metadata()?.len();
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        // Its own process group: a Ctrl-C meant for the app must not take the server down
        // before the app's worker has drained.
        platform::own_process_group(&mut command);
        let child = command.spawn().map_err(|source| DevServerError::Spawn {
            executable: options.executable.clone(),
            source,
        })?;
        let mut server = DevServer {
            pid: child.id(),
            child: Some(child),
            address,
            ui_url,
            log_file,
            log_start,
        };
        server.wait_ready(options).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, options: &DevServerOptions) -> Result<(), DevServerError> {
        let started = Instant::now();
        let namespaces: Vec<String> = std::iter::once("default".to_owned())
            .chain(options.namespaces.clone())
            .collect();
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                return Err(DevServerError::ExitedEarly {
                    status: status.to_string(),
                    log_tail: self.log_tail(),
                });
            }
            if ready::answers(&self.address, &namespaces).await {
                return Ok(());
            }
            if started.elapsed() > options.start_timeout {
                self.stop(Duration::from_secs(2));
                return Err(DevServerError::StartTimeout {
                    address: self.address.clone(),
                    waited: options.start_timeout,
                    log_tail: self.log_tail(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// True while the process lives.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Ends this process (and only it): asked to stop (SIGTERM; Ctrl-Break on Windows), then
    /// killed after `grace`. Safe to repeat.
    pub fn stop(&mut self, grace: Duration) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        platform::ask_to_stop(&child);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// The last lines the server wrote, for error messages.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log_file) {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let from = len.saturating_sub(4096).max(self.log_start);
            let _ = file.seek(SeekFrom::Start(from));
            let _ = file.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

fn format_address(ip: &str, port: u16) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(executable: &str, port: Option<u16>, log_file: PathBuf) -> DevServerOptions {
        DevServerOptions {
            executable: executable.into(),
            ip: "127.0.0.1".into(),
            port,
            ui_port: None,
            headless: true,
            db_filename: None,
            namespaces: Vec::new(),
            dynamic_config: Vec::new(),
            log_file: Some(log_file),
            log_level: "warn".into(),
            start_timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn a_port_in_use_is_refused_before_starting() {
        let taken = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        // Nothing is started: the executable does not even exist.
        let error = DevServer::start(&options("/nonexistent/temporal", Some(port), log.clone()))
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("the gRPC port 127.0.0.1:{port} is already in use")),
            "{message}"
        );
        assert!(!log.exists());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn an_early_exit_quotes_only_this_starts_output() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        std::fs::write(&log, "an earlier start's error\n").unwrap();
        let script = dir.path().join("temporal");
        std::fs::write(&script, "#!/bin/sh\necho \"this start's error\"\nexit 3\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let error = DevServer::start(&options(script.to_str().unwrap(), None, log.clone()))
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("this start's error"), "{message}");
        assert!(!message.contains("earlier"), "{message}");
        // The file keeps both.
        assert!(std::fs::read_to_string(&log).unwrap().contains("earlier"));
    }
}
