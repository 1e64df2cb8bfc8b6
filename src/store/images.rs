//! Image metadata: one row per ImageGenerationWorkflow (keyed by its workflow id, so a
//! retry or a replay stores nothing twice), with history and statistics for the app.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

/// Images land here, under the data dir.
pub const IMAGES_FOLDER: &str = "generated_images";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    pub workflow_id: String,
    pub image_path: String,
    pub prompt: String,
    pub style: String,
    pub size: String,
    pub backend: String,
    pub sha256: String,
    pub bytes: u64,
    pub user_id: Option<String>,
    pub metadata: serde_json::Value,
    pub created_at: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImageStatistics {
    pub total: u64,
    pub total_bytes: u64,
    pub by_backend: BTreeMap<String, u64>,
    pub by_style: BTreeMap<String, u64>,
}

impl Store {
    /// Stores the record unless its workflow already has one; true when it was new.
    pub fn insert_image(&self, r: &ImageRecord) -> Result<bool, StoreError> {
        if let Some(shared) = self.shared() {
            return shared.insert_image(r);
        }
        let metadata =
            serde_json::to_string(&r.metadata).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let inserted = self
            .connection()
            .execute(
                "INSERT INTO images (workflow_id, image_path, prompt, style, size, backend, sha256, bytes, user_id, metadata, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT(workflow_id) DO NOTHING",
                params![
                    r.workflow_id,
                    r.image_path,
                    r.prompt,
                    r.style,
                    r.size,
                    r.backend,
                    r.sha256,
                    i64::try_from(r.bytes).unwrap_or(i64::MAX),
                    r.user_id,
                    metadata,
                    r.created_at
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(inserted == 1)
    }

    /// The newest records first.
    pub fn image_history(&self, limit: u32) -> Result<Vec<ImageRecord>, StoreError> {
        if let Some(shared) = self.shared() {
            return shared.image_history(limit);
        }
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached(
                "SELECT workflow_id, image_path, prompt, style, size, backend, sha256, bytes, user_id, metadata, created_at
                 FROM images ORDER BY created_at DESC, workflow_id LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        statement
            .query_map([limit], |row| {
                let metadata: String = row.get(9)?;
                Ok(ImageRecord {
                    workflow_id: row.get(0)?,
                    image_path: row.get(1)?,
                    prompt: row.get(2)?,
                    style: row.get(3)?,
                    size: row.get(4)?,
                    backend: row.get(5)?,
                    sha256: row.get(6)?,
                    bytes: row.get::<_, i64>(7)?.max(0) as u64,
                    user_id: row.get(8)?,
                    metadata: serde_json::from_str(&metadata).unwrap_or_default(),
                    created_at: row.get(10)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    pub fn image_statistics(&self) -> Result<ImageStatistics, StoreError> {
        if let Some(shared) = self.shared() {
            return shared.image_statistics();
        }
        let connection = self.connection();
        let mut stats = ImageStatistics::default();
        let (total, bytes): (i64, i64) = connection
            .query_row(
                "SELECT count(*), coalesce(sum(bytes), 0) FROM images",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))?;
        (stats.total, stats.total_bytes) = (total.max(0) as u64, bytes.max(0) as u64);
        for (column, into) in [
            ("backend", &mut stats.by_backend),
            ("style", &mut stats.by_style),
        ] {
            let mut statement = connection
                .prepare_cached(&format!(
                    "SELECT {column}, count(*) FROM images GROUP BY {column}"
                ))
                .map_err(|e| self.err(e))?;
            let rows = statement
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| self.err(e))?;
            into.extend(rows.into_iter().map(|(k, n)| (k, n.max(0) as u64)));
        }
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, backend: &str, at: f64) -> ImageRecord {
        ImageRecord {
            workflow_id: id.into(),
            image_path: format!("/x/{id}.png"),
            prompt: "p".into(),
            style: "anime".into(),
            size: "64x64".into(),
            backend: backend.into(),
            sha256: "h".into(),
            bytes: 10,
            user_id: None,
            metadata: serde_json::json!({"seed": 1}),
            created_at: at,
        }
    }

    #[test]
    fn once_per_workflow_history_and_statistics() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(store.insert_image(&record("a", "local", 1.0)).unwrap());
        assert!(!store.insert_image(&record("a", "local", 1.0)).unwrap());
        store.insert_image(&record("b", "openai", 2.0)).unwrap();
        let history = store.image_history(10).unwrap();
        assert_eq!(
            history
                .iter()
                .map(|r| r.workflow_id.as_str())
                .collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(history[1].metadata["seed"], 1);
        let stats = store.image_statistics().unwrap();
        assert_eq!((stats.total, stats.total_bytes), (2, 20));
        assert_eq!(stats.by_backend["openai"], 1);
        assert_eq!(stats.by_style["anime"], 2);
    }
}
