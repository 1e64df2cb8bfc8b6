//! The worker: all workflows and activities on the configured task queue with the
//! configured limits and identity, on an OS thread of its own (the SDK's `Worker::run` is not
//! `Send`), stopped gracefully: polling stops, running activities get the graceful shutdown
//! timeout to finish.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};
use tokio::runtime::Handle;
use tokio::sync::watch;

use crate::activities::data::{self, DataActivities, Runner, Step};
use crate::activities::faults::Faults;
use crate::activities::image::ImageActivities;
use crate::activities::learning::LearningActivities;
use crate::activities::memory::MemoryActivities;
use crate::activities::probe::ProbeActivities;
use crate::client::TemporalClient;
use crate::config::TemporalConfig;
use crate::config::store_url::StoreLocation;
use crate::domain::analysis::limits::Limits;
use crate::domain::image::http;
use crate::domain::image::settings::ImageSettings;
use crate::store::Store;
use crate::store::black_vault::BlackVault;
use crate::store::postgres::pool_size;
use crate::workflows::policy::RetryDefaults;
pub use deployment::Deployment;
use registry::Implementers;
pub use registry::{HostedGroup, Selection, choose, hosted_groups, workflow_types};

mod deployment;
mod metrics;
pub mod registry;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("cannot start the worker: {0}")]
    Start(String),
    #[error("the worker stopped with an error: {0}")]
    Run(String),
}

/// What a worker needs beyond its client.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    pub task_queue: String,
    pub identity: String,
    pub max_concurrent_activities: usize,
    pub max_concurrent_workflows: usize,
    pub graceful_shutdown: Duration,
    pub data_dir: PathBuf,
    /// Where images and analysis output folders go (`artifacts_dir`, else the data dir).
    pub artifacts_dir: PathBuf,
    /// The `store_url` setting: where the records live (see `config::store_url`).
    pub store_url: Option<String>,
    pub retry_defaults: RetryDefaults,
    /// Where to serve Prometheus metrics, if anywhere.
    pub metrics_address: Option<String>,
    /// Folders data analysis may read besides `<data_dir>/inputs`.
    pub analysis_roots: Vec<PathBuf>,
    pub analysis_max_file_bytes: u64,
    pub analysis_limits: Limits,
    /// Where the heavy analysis steps run: in this process unless a child program is set
    /// (the Python package sets its interpreter when `analysis_isolation` is on).
    pub analysis_runner: Runner,
    /// The image backends' keys, URLs, retries and answer size limit.
    pub image: ImageSettings,
    /// The workflow types to register (all by default).
    pub workflows: Selection,
    /// The activities to register (all by default).
    pub activities: Selection,
    /// The deployment version the worker announces, and whether it takes only that
    /// version's tasks (Worker Versioning).
    pub deployment: Deployment,
}

/// The identity a worker reports: the configured one, except that the default name gets
/// this process's `<pid>@<host>` in front (the official SDKs' default identity), so that
/// histories and the Web UI tell apart the workers of a fleet that all keep the default.
pub fn identity(configured: &str) -> String {
    let default = crate::config::fields::spec("worker_identity").and_then(|f| f.default);
    if Some(configured) != default {
        return configured.to_owned();
    }
    let host = gethostname::gethostname();
    format!(
        "{}@{}-{configured}",
        std::process::id(),
        host.to_string_lossy()
    )
}

impl WorkerSpec {
    pub fn from_config(config: &TemporalConfig) -> Self {
        WorkerSpec {
            task_queue: config.task_queue.clone(),
            identity: identity(&config.worker_identity),
            max_concurrent_activities: usize::try_from(config.max_concurrent_activities)
                .unwrap_or(usize::MAX),
            max_concurrent_workflows: usize::try_from(config.max_concurrent_workflows)
                .unwrap_or(usize::MAX),
            graceful_shutdown: Duration::from_secs(config.graceful_shutdown_timeout),
            data_dir: config.data_dir.clone(),
            artifacts_dir: config.artifacts(),
            store_url: config.store_url.clone(),
            retry_defaults: RetryDefaults::from_config(config),
            metrics_address: config.metrics_address.clone(),
            analysis_roots: config.analysis_roots(),
            analysis_max_file_bytes: config.analysis_max_file_bytes,
            analysis_limits: Limits::from_config(config),
            analysis_runner: Runner::InProcess,
            image: ImageSettings::from_config(config),
            workflows: Selection::All,
            activities: Selection::All,
            deployment: Deployment::from_config(config),
        }
    }

    /// Registers exactly the named workflow types and activities (`None`: all of that kind);
    /// an unknown name is an error naming the ones a worker can host.
    pub fn hosting(
        mut self,
        workflows: Option<Vec<String>>,
        activities: Option<Vec<String>>,
    ) -> Result<Self, WorkerError> {
        (self.workflows, self.activities) = choose(workflows, activities)?;
        Ok(self)
    }
}

type Shutdown = Box<dyn Fn() + Send + Sync>;

/// A running worker. `shutdown()` starts a graceful stop; `wait()` returns when it is over.
pub struct RunningWorker {
    shutdown: Shutdown,
    handle: Handle,
    finished: watch::Receiver<Option<Result<(), String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub task_queue: String,
}

/// The worker's options, and its store (whose knowledge.json writer it waits for when it
/// stops).
fn options(spec: &WorkerSpec) -> Result<(WorkerOptions, Store), WorkerError> {
    let location = StoreLocation::parse(spec.store_url.as_deref()).map_err(WorkerError::Start)?;
    let pool = pool_size(spec.max_concurrent_activities as u64);
    let store = Store::open_at(&spec.data_dir, &location, pool)
        .map_err(|e| WorkerError::Start(e.to_string()))?
        .with_artifacts_dir(&spec.artifacts_dir);
    // Entries a process stored but died before writing to knowledge.json. Not fatal: the
    // next batch or the next start writes them.
    match store.catch_up_knowledge_json() {
        Ok(0) => {}
        Ok(n) => tracing::info!(entries = n, "knowledge.json caught up with the store"),
        Err(e) => tracing::warn!(error = %e, "cannot bring knowledge.json up to date"),
    }
    let faults = Faults::from_env().map_err(WorkerError::Start)?;
    if !faults.is_empty() {
        tracing::warn!(?faults, "test-only fault injection is ON");
    }
    let tuner = TunerHolder::builder()
        .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(spec.max_concurrent_workflows))
        .activity_task_slot_supplier(FixedSizeSlotSupplier::new(spec.max_concurrent_activities))
        .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(
            spec.max_concurrent_activities,
        ))
        .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .build();
    let image_settings = spec.image.clone();
    tracing::info!(settings = ?image_settings, "image backends");
    let http = http::client().map_err(WorkerError::Start)?;
    let image = ImageActivities {
        store: store.clone(),
        settings: image_settings,
        http,
        faults: faults.clone(),
    };
    let memory = MemoryActivities {
        store: store.clone(),
        faults: faults.clone(),
    };
    let probe = ProbeActivities {
        faults: faults.clone(),
    };
    let learning = LearningActivities {
        vault: BlackVault::new(&spec.data_dir),
        store: store.clone(),
        faults: faults.clone(),
    };
    let data = DataActivities {
        store: store.clone(),
        policy: data::file_policy(
            &spec.data_dir,
            &spec.analysis_roots,
            spec.analysis_max_file_bytes,
        )
        .keeping_out(&spec.artifacts_dir),
        limits: spec.analysis_limits,
        runner: spec.analysis_runner.clone(),
        faults,
    };
    let implementers = Implementers {
        learning: Arc::new(learning),
        image: Arc::new(image),
        data: Arc::new(data),
        memory: Arc::new(memory),
        probe: Arc::new(probe),
    };
    let mut options = WorkerOptions::new(spec.task_queue.clone())
        .client_identity_override(spec.identity.clone())
        .tuner(tuner)
        .graceful_shutdown_period(spec.graceful_shutdown)
        .deployment_options(spec.deployment.options())
        .build();
    registry::register_activities(&mut options, &implementers, &spec.activities);
    registry::register_workflows(&mut options, &spec.workflows, spec.retry_defaults)?;
    Ok((options, store))
}

/// How long a stopping worker waits for knowledge.json to take what was queued (what it
/// does not take is written at the next start).
const KNOWLEDGE_JSON_WAIT: Duration = Duration::from_secs(10);
/// How often a worker on a shared store brings this host's knowledge.json to it (entries
/// other hosts stored or erased).
const SHARED_KNOWLEDGE_EVERY: Duration = Duration::from_secs(60);

/// Brings this host's knowledge.json to the shared store every `SHARED_KNOWLEDGE_EVERY`.
async fn follow_shared_knowledge(store: Store) {
    let mut tick = tokio::time::interval(SHARED_KNOWLEDGE_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        let store = store.clone();
        match tokio::task::spawn_blocking(move || store.catch_up_knowledge_json()).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(entries = n, "knowledge.json follows the shared store"),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot bring knowledge.json to the shared store; trying again later")
            }
            Err(e) => tracing::warn!(error = %e, "the knowledge.json catch-up stopped"),
        }
    }
}

impl RunningWorker {
    /// Builds the worker on its own thread, driven by `handle`'s runtime, and returns once it
    /// is polling (or failed to start).
    pub fn start(
        handle: Handle,
        client: &TemporalClient,
        spec: WorkerSpec,
    ) -> Result<RunningWorker, WorkerError> {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<Shutdown, WorkerError>>();
        let (finished_tx, finished) = watch::channel(None);
        let sdk_client = client.sdk_client().clone();
        let thread_handle = handle.clone();
        let task_queue = spec.task_queue.clone();
        let thread = std::thread::Builder::new()
            .name(format!("temporal-worker-{}", spec.task_queue))
            .spawn(move || {
                // Outside the runtime: the store's PostgreSQL client blocks on a runtime of
                // its own, which tokio does not allow inside another's async code.
                let prepared = options(&spec);
                let outcome = thread_handle.block_on(async move {
                    let built = (|| {
                        let (runtime_options, metrics) = metrics::runtime_options(spec.metrics_address.as_deref())?;
                        let runtime = Runtime::from_current_tokio(runtime_options).map_err(|e| WorkerError::Start(e.to_string()))?;
                        let (options, store) = prepared?;
                        let worker = Worker::new(&runtime, sdk_client, options).map_err(|e| WorkerError::Start(e.to_string()))?;
                        Ok::<_, WorkerError>((runtime, worker, metrics, store))
                    })();
                    let (_runtime, mut worker, metrics, store) = match built {
                        Ok(built) => built,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return Ok(());
                        }
                    };
                    let _ = ready_tx.send(Ok(Box::new(worker.shutdown_handle())));
                    if Step::ACTIVITIES.iter().any(|a| spec.activities.includes(a)) {
                        spec.analysis_runner.prepare();
                    }
                    let resync = store.is_shared().then(|| tokio::spawn(follow_shared_knowledge(store.clone())));
                    tracing::info!(task_queue = %spec.task_queue, identity = %spec.identity, "worker polling");
                    let outcome = worker.run().await.map_err(|e| e.to_string());
                    if let Some(endpoint) = metrics {
                        endpoint.abort();
                    }
                    if let Some(task) = resync {
                        task.abort();
                    }
                    if !store.wait_for_knowledge_json(KNOWLEDGE_JSON_WAIT) {
                        tracing::warn!("knowledge.json is still being written as the worker stops; the next start writes what is left");
                    }
                    outcome
                });
                let _ = finished_tx.send(Some(outcome));
            })
            .map_err(|e| WorkerError::Start(e.to_string()))?;
        let shutdown = ready_rx
            .recv()
            .map_err(|_| WorkerError::Start("the worker thread ended while starting".into()))??;
        Ok(RunningWorker {
            shutdown,
            handle,
            finished,
            thread: Some(thread),
            task_queue,
        })
    }

    /// Starts a graceful stop: no new tasks are polled, running activities get the graceful
    /// shutdown timeout, then are cancelled. Safe to call more than once.
    pub fn shutdown(&self) {
        // The SDK spawns the shutdown RPC, so this must run inside the runtime.
        let _entered = self.handle.enter();
        (self.shutdown)();
    }

    /// Waits until the worker has stopped.
    pub async fn wait(&self) -> Result<(), WorkerError> {
        let mut finished = self.finished.clone();
        let outcome = finished
            .wait_for(Option::is_some)
            .await
            .map(|o| o.clone())
            .ok()
            .flatten();
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(WorkerError::Run(e)),
            None => Err(WorkerError::Run(
                "the worker thread ended without saying why".into(),
            )),
        }
    }

    pub fn is_finished(&self) -> bool {
        self.finished.borrow().is_some()
    }
}

impl Drop for RunningWorker {
    fn drop(&mut self) {
        if !self.is_finished() {
            self.shutdown();
        }
        if let Some(thread) = self.thread.take()
            && !thread.is_finished()
        {
            // Detach: the thread ends once the worker has drained; never block a dropping caller.
            drop(thread);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::identity;

    #[test]
    fn the_default_identity_names_the_process_and_a_chosen_one_is_kept() {
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        assert_eq!(
            identity("project-ai-worker"),
            format!("{}@{host}-project-ai-worker", std::process::id())
        );
        assert_eq!(identity("worker-a"), "worker-a");
    }
}
