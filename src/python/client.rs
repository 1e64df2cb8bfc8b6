//! The client for Python: `ClientCore` wraps a connected `TemporalClient`; every operation
//! returns a `Pending` call that Python awaits (asyncio) or waits for (plain threads).

use std::path::PathBuf;
use std::sync::RwLock;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::config::TemporalConfig;
use super::errors::{ErrorClass, client_error, python_error, python_error_with};
use super::runtime::{LazyErr, Outcome, Pending, ToPython, runtime};
use crate::client::{
    ClientError, ConnectSettings, IdConflictPolicy, IdReusePolicy, Pem, RetryPolicySpec,
    StartOptions, TemporalClient, TlsRequest,
};

/// `app.temporal.TLSConfig`, read by its field names. Named as the Python class: a
/// conversion error names the struct ("failed to extract field TLSConfig.client_cert").
#[derive(FromPyObject)]
#[allow(clippy::upper_case_acronyms)]
struct TLSConfig {
    server_root_ca_cert: Option<PemArg>,
    client_cert: Option<PemArg>,
    client_private_key: Option<PemArg>,
    domain: Option<String>,
}

/// `app.temporal.RetryPolicy`, read by its field names (and named as it, as `TLSConfig`).
#[derive(FromPyObject)]
struct RetryPolicy {
    initial_interval: Option<SecondsArg>,
    backoff_coefficient: Option<f64>,
    maximum_interval: Option<SecondsArg>,
    maximum_attempts: u32,
    non_retryable_error_types: Vec<String>,
}

/// A duration from Python, in seconds: a number, or a `timedelta` (a negative one too, so
/// that the check of the value names it).
struct SecondsArg(f64);

impl<'py> FromPyObject<'_, 'py> for SecondsArg {
    type Error = PyErr;

    fn extract(value: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(seconds) = value.extract::<f64>() {
            return Ok(SecondsArg(seconds));
        }
        value
            .call_method0("total_seconds")
            .and_then(|seconds| seconds.extract::<f64>())
            .map(SecondsArg)
            .map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(
                    "a duration must be a number of seconds or a datetime.timedelta",
                )
            })
    }
}

/// PEM given by Python: `bytes` or PEM text are the data; any other text, or a path,
/// names a file.
struct PemArg(Pem);

impl<'py> FromPyObject<'_, 'py> for PemArg {
    type Error = PyErr;

    fn extract(value: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = value.cast::<PyBytes>() {
            return Ok(PemArg(Pem::Data(bytes.as_bytes().to_vec())));
        }
        if let Ok(text) = value.extract::<String>()
            && text.trim_start().starts_with("-----BEGIN")
        {
            return Ok(PemArg(Pem::Data(text.into_bytes())));
        }
        let path: PathBuf = value.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(
                "a PEM item must be bytes, PEM text, or the path of a PEM file",
            )
        })?;
        Ok(PemArg(Pem::File(path)))
    }
}

fn seconds(value: Option<f64>, what: &str) -> Result<Option<Duration>, ClientError> {
    value
        .map(|s| {
            Duration::try_from_secs_f64(s).map_err(|_| {
                ClientError::Settings(format!(
                    "{what} must be a non-negative number of seconds, got {s}"
                ))
            })
        })
        .transpose()
}

/// Turns a core result into a Python value, or the matching Python exception.
fn finish<T>(result: Result<T, ClientError>) -> Outcome
where
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    result
        .map(ToPython::new)
        .map_err(|e| LazyErr::new(move |py| client_error(py, &e)))
}

fn json_text<T: serde::Serialize>(value: &T) -> Result<String, ClientError> {
    serde_json::to_string(value).map_err(|e| ClientError::Payload(e.to_string()))
}

/// Bytes for Python (`bytes`, not a list of ints).
struct Json(Vec<u8>);

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyBytes;
    type Output = Bound<'py, PyBytes>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Bound<'py, PyBytes>, Self::Error> {
        Ok(PyBytes::new(py, &self.0))
    }
}

/// A connection to Temporal for one namespace. `close()` drops it.
#[pyclass(frozen, module = "app.temporal._core")]
pub struct ClientCore {
    client: RwLock<Option<TemporalClient>>,
    address: String,
    namespace: String,
}

impl ClientCore {
    pub(crate) fn client(&self, py: Python<'_>) -> PyResult<TemporalClient> {
        runtime(py)?;
        let guard = self
            .client
            .read()
            .map_err(|_| python_error(py, ErrorClass::Temporal, "client lock poisoned"))?;
        guard.clone().ok_or_else(|| {
            let message = format!(
                "the client for {} is disconnected; connect again",
                self.address
            );
            python_error_with(py, ErrorClass::Connection, message, |kw| {
                kw.set_item("address", &self.address)?;
                kw.set_item("cause", "disconnected")
            })
        })
    }

    /// A `Pending` running `work` with a clone of the client.
    fn call<F, Fut, T>(&self, py: Python<'_>, work: F) -> PyResult<Pending>
    where
        F: FnOnce(TemporalClient) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T, ClientError>> + Send + 'static,
        T: for<'py> IntoPyObject<'py> + Send + 'static,
    {
        let client = self.client(py)?;
        Ok(Pending::new(async move { finish(work(client).await) }))
    }
}

#[pymethods]
impl ClientCore {
    /// Connects with the configuration's settings, each override replacing its setting.
    #[staticmethod]
    #[pyo3(signature = (config, *, target_host=None, namespace=None, api_key=None, identity=None, tls=None))]
    fn connect(
        py: Python<'_>,
        config: &TemporalConfig,
        target_host: Option<String>,
        namespace: Option<String>,
        api_key: Option<String>,
        identity: Option<String>,
        tls: Option<TLSConfig>,
    ) -> PyResult<Pending> {
        runtime(py)?;
        let mut settings = ConnectSettings::from_config(config.core());
        settings.address = target_host.unwrap_or(settings.address);
        settings.namespace = namespace.unwrap_or(settings.namespace);
        settings.api_key = api_key.or(settings.api_key);
        settings.identity = identity.unwrap_or(settings.identity);
        if let Some(tls) = tls {
            settings.tls = Some(TlsRequest {
                server_root_ca_cert: tls.server_root_ca_cert.map(|p| p.0),
                client_cert: tls.client_cert.map(|p| p.0),
                client_private_key: tls.client_private_key.map(|p| p.0),
                domain: tls.domain,
            });
        } else if settings.api_key.is_some()
            && settings.tls.is_none()
            && config.core().tls.is_none()
        {
            // An API key travels over TLS unless TLS was switched off on purpose.
            settings.tls = Some(TlsRequest::default());
        }
        Ok(Pending::new(async move {
            let address = settings.address.clone();
            let namespace = settings.namespace.clone();
            finish(
                TemporalClient::connect(&settings)
                    .await
                    .map(|client| ClientCore {
                        client: RwLock::new(Some(client)),
                        address,
                        namespace,
                    }),
            )
        }))
    }

    #[getter]
    fn address(&self) -> String {
        self.address.clone()
    }

    #[getter]
    fn namespace(&self) -> String {
        self.namespace.clone()
    }

    /// Drops the connection; calls made afterwards fail. Safe to repeat.
    fn close(&self) {
        if let Ok(mut guard) = self.client.write() {
            guard.take();
        }
    }

    fn health_check(&self, py: Python<'_>) -> PyResult<Pending> {
        self.call(py, |c| async move { c.health_check().await.map(|()| true) })
    }

    /// The namespace as DescribeNamespace reports it, as JSON text.
    fn describe_namespace(&self, py: Python<'_>) -> PyResult<Pending> {
        self.call(
            py,
            |c| async move { json_text(&c.describe_namespace().await?) },
        )
    }

    #[pyo3(signature = (workflow_type, workflow_id, task_queue, args, *, execution_timeout=None, run_timeout=None, task_timeout=None, id_reuse_policy="allow_duplicate", id_conflict_policy="fail", retry_policy=None, memo=Vec::new(), search_attributes=Vec::new(), request_eager_start=false))]
    #[allow(clippy::too_many_arguments)]
    fn start_workflow(
        &self,
        py: Python<'_>,
        workflow_type: String,
        workflow_id: String,
        task_queue: String,
        args: Vec<Vec<u8>>,
        execution_timeout: Option<f64>,
        run_timeout: Option<f64>,
        task_timeout: Option<f64>,
        id_reuse_policy: &str,
        id_conflict_policy: &str,
        retry_policy: Option<RetryPolicy>,
        memo: Vec<(String, Vec<u8>)>,
        search_attributes: Vec<(String, Vec<u8>)>,
        request_eager_start: bool,
    ) -> PyResult<Pending> {
        let options = (|| -> Result<StartOptions, ClientError> {
            Ok(StartOptions {
                workflow_type,
                workflow_id,
                task_queue,
                args,
                execution_timeout: seconds(execution_timeout, "execution_timeout")?,
                run_timeout: seconds(run_timeout, "run_timeout")?,
                task_timeout: seconds(task_timeout, "task_timeout")?,
                id_reuse_policy: IdReusePolicy::parse(id_reuse_policy)?,
                id_conflict_policy: IdConflictPolicy::parse(id_conflict_policy)?,
                retry_policy: retry_policy
                    .map(|policy| -> Result<RetryPolicySpec, ClientError> {
                        let interval = |value: &Option<SecondsArg>, what| {
                            seconds(value.as_ref().map(|s| s.0), what)
                        };
                        Ok(RetryPolicySpec {
                            initial_interval: interval(
                                &policy.initial_interval,
                                "retry_policy.initial_interval",
                            )?,
                            backoff_coefficient: policy.backoff_coefficient,
                            maximum_interval: interval(
                                &policy.maximum_interval,
                                "retry_policy.maximum_interval",
                            )?,
                            maximum_attempts: policy.maximum_attempts,
                            non_retryable_error_types: policy.non_retryable_error_types,
                        })
                    })
                    .transpose()?,
                memo,
                search_attributes,
                eager: request_eager_start,
            })
        })()
        .map_err(|e| client_error(py, &e))?;
        self.call(py, move |c| async move { c.start_workflow(&options).await })
    }

    /// The workflow's result as JSON bytes.
    #[pyo3(signature = (workflow_id, run_id=None, *, follow_runs=true, timeout=None))]
    fn result(
        &self,
        py: Python<'_>,
        workflow_id: String,
        run_id: Option<String>,
        follow_runs: bool,
        timeout: Option<f64>,
    ) -> PyResult<Pending> {
        let timeout = seconds(timeout, "timeout").map_err(|e| client_error(py, &e))?;
        self.call(py, move |c| async move {
            let wait = c.result(&workflow_id, run_id.as_deref(), follow_runs);
            let json = match timeout {
                Some(limit) => tokio::time::timeout(limit, wait)
                    .await
                    .map_err(|_| ClientError::ResultTimeout(limit))??,
                None => wait.await?,
            };
            Ok(Json(json))
        })
    }

    #[pyo3(signature = (workflow_id, run_id, query, args, reject_condition = "none"))]
    fn query(
        &self,
        py: Python<'_>,
        workflow_id: String,
        run_id: Option<String>,
        query: String,
        args: Vec<Vec<u8>>,
        reject_condition: &str,
    ) -> PyResult<Pending> {
        let reject_condition = reject_condition.to_owned();
        self.call(py, move |c| async move {
            c.query(
                &workflow_id,
                run_id.as_deref(),
                &query,
                &args,
                &reject_condition,
            )
            .await
            .map(Json)
        })
    }

    #[pyo3(signature = (workflow_id, run_id, signal, args))]
    fn signal(
        &self,
        py: Python<'_>,
        workflow_id: String,
        run_id: Option<String>,
        signal: String,
        args: Vec<Vec<u8>>,
    ) -> PyResult<Pending> {
        self.call(py, move |c| async move {
            c.signal(&workflow_id, run_id.as_deref(), &signal, &args)
                .await
        })
    }

    #[pyo3(signature = (workflow_id, run_id=None, reason=None))]
    fn cancel(
        &self,
        py: Python<'_>,
        workflow_id: String,
        run_id: Option<String>,
        reason: Option<String>,
    ) -> PyResult<Pending> {
        self.call(py, move |c| async move {
            c.cancel(&workflow_id, run_id.as_deref(), reason.as_deref())
                .await
        })
    }

    #[pyo3(signature = (workflow_id, run_id=None, reason=None))]
    fn terminate(
        &self,
        py: Python<'_>,
        workflow_id: String,
        run_id: Option<String>,
        reason: Option<String>,
    ) -> PyResult<Pending> {
        self.call(py, move |c| async move {
            c.terminate(&workflow_id, run_id.as_deref(), reason.as_deref())
                .await
        })
    }

    /// The execution's description as JSON text.
    #[pyo3(signature = (workflow_id, run_id=None))]
    fn describe(
        &self,
        py: Python<'_>,
        workflow_id: String,
        run_id: Option<String>,
    ) -> PyResult<Pending> {
        self.call(py, move |c| async move {
            json_text(&c.describe(&workflow_id, run_id.as_deref()).await?)
        })
    }

    /// The run's events as JSON text.
    #[pyo3(signature = (workflow_id, run_id=None))]
    fn history(
        &self,
        py: Python<'_>,
        workflow_id: String,
        run_id: Option<String>,
    ) -> PyResult<Pending> {
        self.call(py, move |c| async move {
            json_text(&c.history(&workflow_id, run_id.as_deref()).await?)
        })
    }

    /// One page of matching executions as JSON text, and the next page's token (empty at the end).
    fn list_page(
        &self,
        py: Python<'_>,
        query: String,
        page_size: i32,
        token: Vec<u8>,
    ) -> PyResult<Pending> {
        self.call(py, move |c| async move {
            let (items, next) = c.list_page(&query, page_size, token).await?;
            Ok((json_text(&items)?, Json(next)))
        })
    }

    fn count(&self, py: Python<'_>, query: String) -> PyResult<Pending> {
        self.call(py, move |c| async move { c.count(&query).await })
    }
}

/// The Temporal Cloud address of a namespace: ``<namespace>.tmprl.cloud:7233``.
#[pyfunction]
pub fn cloud_address(namespace: &str) -> String {
    crate::client::cloud_address(namespace)
}
