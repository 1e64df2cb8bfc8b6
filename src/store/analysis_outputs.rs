//! Whose analysis output folders are: DataAnalysisWorkflow's files carry no user id, so
//! load_data records its folder with the workflow's user id before it writes there, and an
//! erasure finds the user's folders here. Folders made before this record existed are not
//! attributed to anyone.

use std::path::{Path, PathBuf};

use rusqlite::params;

use super::{Store, StoreError, now};

/// Analysis output lands in `<data_dir>/analysis/<workflow folder>/` (see
/// `domain::analysis::access::output_folder`).
pub const ANALYSIS_FOLDER: &str = "analysis";

/// `<artifacts_dir>/analysis/<folder>`, when `folder` is one folder name (as
/// `output_folder` makes them), never a path that leads elsewhere.
pub fn analysis_folder(artifacts_dir: &Path, folder: &str) -> Result<PathBuf, StoreError> {
    let plain = !folder.is_empty()
        && folder != "."
        && folder != ".."
        && !folder.contains(['/', '\\', '\0']);
    if plain {
        Ok(artifacts_dir.join(ANALYSIS_FOLDER).join(folder))
    } else {
        Err(StoreError::Invalid(format!(
            "{folder:?} is not the name of a folder in {ANALYSIS_FOLDER}/"
        )))
    }
}

impl Store {
    /// Records that `folder` (`<artifacts_dir>/analysis/<folder>`) holds the output of
    /// `workflow_id` for `user_id`; a retry records nothing twice.
    pub fn record_analysis_output(
        &self,
        folder: &Path,
        workflow_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        analysis_folder(self.artifacts_dir(), &name)?;
        if let Some(shared) = self.shared() {
            return shared.record_analysis_output(&name, workflow_id, user_id);
        }
        self.connection()
            .execute(
                "INSERT INTO analysis_outputs (folder, workflow_id, user_id, created_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT(folder) DO NOTHING",
                params![name, workflow_id, user_id, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}
