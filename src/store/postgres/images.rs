//! Image records on PostgreSQL: one per workflow, as in the embedded store.

use postgres::Row;

use super::{Postgres, StoreError};
use crate::store::images::{ImageRecord, ImageStatistics};

fn record(row: &Row) -> ImageRecord {
    let metadata: String = row.get(9);
    ImageRecord {
        workflow_id: row.get(0),
        image_path: row.get(1),
        prompt: row.get(2),
        style: row.get(3),
        size: row.get(4),
        backend: row.get(5),
        sha256: row.get(6),
        bytes: row.get::<_, i64>(7).max(0) as u64,
        user_id: row.get(8),
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        created_at: row.get(10),
    }
}

impl Postgres {
    /// Stores the record unless its workflow already has one; true when it was new.
    pub fn insert_image(&self, r: &ImageRecord) -> Result<bool, StoreError> {
        let metadata =
            serde_json::to_string(&r.metadata).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let bytes = i64::try_from(r.bytes).unwrap_or(i64::MAX);
        let inserted = self
            .client()?
            .execute(
                "INSERT INTO images (workflow_id, image_path, prompt, style, size, backend, sha256, bytes, user_id, metadata, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (workflow_id) DO NOTHING",
                &[
                    &r.workflow_id,
                    &r.image_path,
                    &r.prompt,
                    &r.style,
                    &r.size,
                    &r.backend,
                    &r.sha256,
                    &bytes,
                    &r.user_id,
                    &metadata,
                    &r.created_at,
                ],
            )
            .map_err(|e| self.err(&e))?;
        Ok(inserted == 1)
    }

    /// The newest records first.
    pub fn image_history(&self, limit: u32) -> Result<Vec<ImageRecord>, StoreError> {
        let rows = self
            .client()?
            .query(
                "SELECT workflow_id, image_path, prompt, style, size, backend, sha256, bytes, user_id, metadata, created_at
                 FROM images ORDER BY created_at DESC, workflow_id LIMIT $1",
                &[&i64::from(limit)],
            )
            .map_err(|e| self.err(&e))?;
        Ok(rows.iter().map(record).collect())
    }

    pub fn image_statistics(&self) -> Result<ImageStatistics, StoreError> {
        let mut client = self.client()?;
        let mut stats = ImageStatistics::default();
        let totals = client
            .query_one(
                "SELECT count(*), coalesce(sum(bytes), 0)::bigint FROM images",
                &[],
            )
            .map_err(|e| self.err(&e))?;
        stats.total = totals.get::<_, i64>(0).max(0) as u64;
        stats.total_bytes = totals.get::<_, i64>(1).max(0) as u64;
        for (column, into) in [
            ("backend", &mut stats.by_backend),
            ("style", &mut stats.by_style),
        ] {
            let rows = client
                .query(
                    &format!("SELECT {column}, count(*) FROM images GROUP BY {column}"),
                    &[],
                )
                .map_err(|e| self.err(&e))?;
            into.extend(
                rows.iter()
                    .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1).max(0) as u64)),
            );
        }
        Ok(stats)
    }
}
