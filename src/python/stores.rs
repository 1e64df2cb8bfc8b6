//! The stores for Python: knowledge entries, images, memories and Project-AI's Black Vault.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::prelude::*;

use super::errors::{ErrorClass, python_error};
use super::plain_values::{Plain, plain};
use super::runtime::without_gil;
use crate::canonical::canonical;
use crate::config::store_url::StoreLocation;
use crate::store::black_vault::{BlackVault, content_hash};
use crate::store::checkpoint;
use crate::store::{Store, StoreError};
use crate::wire::memory::MemoryKind;

fn store_error(py: Python<'_>, error: &StoreError) -> PyErr {
    python_error(py, ErrorClass::Store, error.to_string())
}

/// Connections an application process keeps to a shared store.
const APP_POOL: u32 = 4;

/// The store under `data_dir`, at `store_url` (None: the embedded one).
fn open_store(py: Python<'_>, data_dir: PathBuf, store_url: Option<String>) -> PyResult<Store> {
    let location = StoreLocation::parse(store_url.as_deref())
        .map_err(|e| python_error(py, ErrorClass::Config, e))?;
    without_gil(py, move || Store::open_at(&data_dir, &location, APP_POOL))?
        .map_err(|e| store_error(py, &e))
}

/// The knowledge entries under a data dir.
#[pyclass(frozen, module = "app.temporal._core")]
pub struct KnowledgeStoreCore {
    store: Store,
}

#[pymethods]
impl KnowledgeStoreCore {
    #[new]
    #[pyo3(signature = (data_dir, store_url=None))]
    fn new(py: Python<'_>, data_dir: PathBuf, store_url: Option<String>) -> PyResult<Self> {
        open_store(py, data_dir, store_url).map(|store| KnowledgeStoreCore { store })
    }

    /// The entry, or None.
    fn get(&self, py: Python<'_>, id: String) -> PyResult<Option<Plain>> {
        let store = self.store.clone();
        let entry =
            without_gil(py, move || store.knowledge(&id))?.map_err(|e| store_error(py, &e))?;
        entry.map(|e| plain(py, &e)).transpose()
    }

    /// Hits, best first.
    #[pyo3(signature = (text, category=None, limit=10))]
    fn search(
        &self,
        py: Python<'_>,
        text: String,
        category: Option<String>,
        limit: u32,
    ) -> PyResult<Plain> {
        let store = self.store.clone();
        let hits = without_gil(py, move || {
            store.search_knowledge(&text, category.as_deref(), limit)
        })?
        .map_err(|e| store_error(py, &e))?;
        plain(py, &hits)
    }

    fn count(&self, py: Python<'_>) -> PyResult<u64> {
        let store = self.store.clone();
        without_gil(py, move || store.knowledge_count())?.map_err(|e| store_error(py, &e))
    }

    /// Where the records live (a shared store's URL without its password).
    #[getter]
    fn location(&self) -> String {
        self.store.location()
    }

    /// Writes to knowledge.json the entries stored but not yet there; how many.
    fn sync_knowledge_json(&self, py: Python<'_>) -> PyResult<usize> {
        let store = self.store.clone();
        without_gil(py, move || store.catch_up_knowledge_json())?.map_err(|e| store_error(py, &e))
    }
}

/// The image metadata under a data dir.
#[pyclass(frozen, module = "app.temporal._core")]
pub struct ImageStoreCore {
    store: Store,
}

#[pymethods]
impl ImageStoreCore {
    #[new]
    #[pyo3(signature = (data_dir, store_url=None))]
    fn new(py: Python<'_>, data_dir: PathBuf, store_url: Option<String>) -> PyResult<Self> {
        open_store(py, data_dir, store_url).map(|store| ImageStoreCore { store })
    }

    /// The newest records first.
    #[pyo3(signature = (limit=10))]
    fn history(&self, py: Python<'_>, limit: u32) -> PyResult<Plain> {
        let store = self.store.clone();
        let records = without_gil(py, move || store.image_history(limit))?
            .map_err(|e| store_error(py, &e))?;
        plain(py, &records)
    }

    /// Totals.
    fn statistics(&self, py: Python<'_>) -> PyResult<Plain> {
        let store = self.store.clone();
        let stats =
            without_gil(py, move || store.image_statistics())?.map_err(|e| store_error(py, &e))?;
        plain(py, &stats)
    }
}

/// Project-AI's Black Vault under a data dir.
#[pyclass(frozen, module = "app.temporal._core")]
pub struct BlackVaultCore {
    vault: BlackVault,
}

#[pymethods]
impl BlackVaultCore {
    #[new]
    fn new(data_dir: PathBuf) -> Self {
        BlackVaultCore {
            vault: BlackVault::new(&data_dir),
        }
    }

    fn add(&self, py: Python<'_>, content: String) -> PyResult<bool> {
        let vault = self.vault.clone();
        without_gil(py, move || vault.add(&content))?.map_err(|e| store_error(py, &e))
    }

    fn remove(&self, py: Python<'_>, content: String) -> PyResult<bool> {
        let vault = self.vault.clone();
        without_gil(py, move || vault.remove(&content))?.map_err(|e| store_error(py, &e))
    }

    fn contains(&self, py: Python<'_>, content: String) -> PyResult<bool> {
        let vault = self.vault.clone();
        without_gil(py, move || vault.denies(&content))?.map_err(|e| store_error(py, &e))
    }

    #[getter]
    fn database(&self) -> PathBuf {
        self.vault.database()
    }
}

/// Project-AI's Black Vault hash of a text: hex SHA-256 of its UTF-8 bytes.
#[pyfunction]
#[pyo3(name = "content_hash")]
pub fn vault_hash(content: &str) -> String {
    content_hash(content)
}

/// The canonical form of a text: what the Black Vault hashes besides the raw text, and
/// what the knowledge store keeps.
#[pyfunction]
pub fn canonical_text(content: &str) -> String {
    canonical(content)
}

/// The memories MemoryExpansionWorkflow stored under a data dir.
#[pyclass(frozen, module = "app.temporal._core")]
pub struct MemoryStoreCore {
    store: Store,
}

fn memory_error(py: Python<'_>, error: &StoreError) -> PyErr {
    match error {
        StoreError::Query(message) => python_error(py, ErrorClass::InvalidQuery, message.clone()),
        other => store_error(py, other),
    }
}

#[pymethods]
impl MemoryStoreCore {
    #[new]
    #[pyo3(signature = (data_dir, store_url=None))]
    fn new(py: Python<'_>, data_dir: PathBuf, store_url: Option<String>) -> PyResult<Self> {
        open_store(py, data_dir, store_url).map(|store| MemoryStoreCore { store })
    }

    /// Hits, best first.
    #[pyo3(signature = (query, user_id=None, kind=None, limit=10))]
    fn search(
        &self,
        py: Python<'_>,
        query: String,
        user_id: Option<String>,
        kind: Option<String>,
        limit: i64,
    ) -> PyResult<Plain> {
        let kind = kind
            .map(|k| MemoryKind::parse(&k))
            .transpose()
            .map_err(|e| memory_error(py, &StoreError::Query(e)))?;
        let store = self.store.clone();
        let hits = without_gil(py, move || {
            store.search_memories(&query, user_id.as_deref(), kind, limit)
        })?
        .map_err(|e| memory_error(py, &e))?;
        plain(py, &hits)
    }

    /// The conversation's memories, in message order.
    fn for_conversation(&self, py: Python<'_>, conversation_id: String) -> PyResult<Plain> {
        let store = self.store.clone();
        let memories = without_gil(py, move || store.conversation_memories(&conversation_id))?
            .map_err(|e| memory_error(py, &e))?;
        plain(py, &memories)
    }

    #[pyo3(signature = (conversation_id=None, user_id=None, timeout=None))]
    fn forget(
        &self,
        py: Python<'_>,
        conversation_id: Option<String>,
        user_id: Option<String>,
        timeout: Option<f64>,
    ) -> PyResult<u64> {
        let wait = wait_of(py, timeout)?;
        let store = self.store.clone();
        without_gil(py, move || {
            store.forget_memories(conversation_id.as_deref(), user_id.as_deref(), wait)
        })?
        .map_err(|e| memory_error(py, &e))
    }

    fn count(&self, py: Python<'_>) -> PyResult<u64> {
        let store = self.store.clone();
        without_gil(py, move || store.memory_count())?.map_err(|e| memory_error(py, &e))
    }
}

/// How long an erasure may wait for readers, from seconds (None: the default).
fn wait_of(py: Python<'_>, timeout: Option<f64>) -> PyResult<Duration> {
    let Some(timeout) = timeout else {
        return Ok(checkpoint::DEFAULT_WAIT);
    };
    Duration::try_from_secs_f64(timeout).map_err(|_| {
        let message = format!(
            "timeout {timeout} is not a number of seconds from 0 to {}",
            checkpoint::MAX_WAIT.as_secs()
        );
        memory_error(py, &StoreError::Query(message))
    })
}

/// Erases everything stored for a user under a data dir; the counts.
#[pyfunction]
#[pyo3(signature = (data_dir, user_id, timeout=None, store_url=None, artifacts_dir=None))]
pub fn forget_user(
    py: Python<'_>,
    data_dir: PathBuf,
    user_id: String,
    timeout: Option<f64>,
    store_url: Option<String>,
    artifacts_dir: Option<PathBuf>,
) -> PyResult<Plain> {
    let wait = wait_of(py, timeout)?;
    let artifacts_dir = artifacts_dir.unwrap_or_else(|| data_dir.clone());
    let store = open_store(py, data_dir, store_url)?.with_artifacts_dir(&artifacts_dir);
    let erased = without_gil(py, move || store.forget_user(&user_id, wait))?
        .map_err(|e| memory_error(py, &e))?;
    plain(py, &erased)
}
