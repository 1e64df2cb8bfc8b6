//! The activities called directly, outside a workflow: what Python's
//! `app.temporal.activities` functions run, with the original module's arguments and
//! results (a bool, a knowledge id, a dict, ...). Each runs the plain function of its name
//! that the worker's activity runs, as a first attempt without a workflow: no workflow id
//! (records are keyed as the activity keys them then), no heartbeats, and a file name or
//! folder unique to the call. Arguments are checked first; a problem is an `InvalidInput`
//! error that names it and says what is allowed.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::data::{
    self, Analysed, AnalysisRequest, ChartRequest, Charted, LoadRequest, Loaded, Runner, Step,
    TABLE_FILE,
};
use super::errors::{StepError, blocking};
use super::image::{self, GeneratedImage, ImageToStore};
use super::learning;
use super::memory;
use crate::client::payload::MAX_PAYLOAD_BYTES;
use crate::config::TemporalConfig;
use crate::config::store_url::StoreLocation;
use crate::domain::analysis::access::{FilePolicy, output_folder};
use crate::domain::analysis::limits::Limits;
use crate::domain::image::http;
use crate::domain::image::settings::ImageSettings;
use crate::domain::memory::request;
use crate::store::Store;
use crate::store::analysis_outputs::ANALYSIS_FOLDER;
use crate::store::black_vault::BlackVault;
use crate::store::postgres::pool_size;
use crate::wire::input::{allowed, decode_value};
use crate::wire::memory::Memory;
use crate::wire::types::{DataAnalysisRequest, ImageGenerationRequest, LearningRequest, Schema};

/// The error type of an argument a direct call cannot use.
pub const INVALID: &str = "InvalidInput";
/// A direct call is its activity's first attempt.
const ATTEMPT: u32 = 1;

const KNOWLEDGE_SHAPE: &str = "expected an object (a dict) with knowledge_id (required: what process_learning_request returned) and request (required: the learning request)";
const IMAGE_SHAPE: &str = "expected an object (a dict) with image_path and metadata (what generate_image returned) and optionally the request's fields (prompt, style, size, backend, user_id)";
const ANALYSIS_SHAPE: &str = "expected an object (a dict) with data (required: what load_data returned), type (statistics, clustering, correlation, visualization or full; default statistics), columns (column names to cluster on; default every numeric column), n_clusters (default 3)";
const RESULTS_SHAPE: &str = "expected an object (a dict): what perform_analysis returned";
const MEMORIES_SHAPE: &str = "expected an object (a dict) with conversation_id (required), info (required: what extract_memory_information returned), user_id";

/// What the direct calls work on: the stores, files and settings of one configuration.
pub struct DirectActivities {
    store: Store,
    vault: BlackVault,
    policy: FilePolicy,
    limits: Limits,
    runner: Runner,
    http: reqwest::Client,
    image: ImageSettings,
}

fn invalid(message: impl Into<String>) -> StepError {
    StepError::invalid(INVALID, message)
}

/// The argument (JSON text) as a value, within the payload limit an activity's input has.
fn parse(argument: &str) -> Result<Value, StepError> {
    if argument.len() > MAX_PAYLOAD_BYTES {
        return Err(invalid(format!(
            "the argument is {} bytes of JSON; at most {MAX_PAYLOAD_BYTES} are allowed (Temporal's payload limit): keep large data on disk and pass its path",
            argument.len()
        )));
    }
    serde_json::from_str(argument).map_err(|e| invalid(format!("the argument is not JSON: {e}")))
}

fn string(value: Value, name: &str) -> Result<String, StepError> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(invalid(format!(
            "{name} must be a string, got {}",
            request::type_name(&other)
        ))),
    }
}

fn object(value: Value, name: &str, shape: &str) -> Result<Map<String, Value>, StepError> {
    match value {
        Value::Object(fields) => Ok(fields),
        other => Err(invalid(format!(
            "{name} must be an object (a dict), got {}; {shape}",
            request::type_name(&other)
        ))),
    }
}

/// The field `key` of the object `name`, which must be there.
fn field(
    fields: &mut Map<String, Value>,
    name: &str,
    key: &str,
    shape: &str,
) -> Result<Value, StepError> {
    fields
        .remove(key)
        .ok_or_else(|| invalid(format!("{name}[{key:?}] is missing; {shape}")))
}

/// `value` as a `T`; the error names the field that does not fit and says what is allowed.
fn decode<T: DeserializeOwned>(value: Value, name: &str, shape: &str) -> Result<T, StepError> {
    decode_value(value).map_err(|problem| invalid(format!("{name}: {problem}; {shape}")))
}

/// A workflow request type, from an object.
fn request_of<T: DeserializeOwned + Schema>(value: Value, name: &str) -> Result<T, StepError> {
    let shape = allowed::<T>();
    let fields = object(value, name, &shape)?;
    decode(Value::Object(fields), name, &shape)
}

/// perform_analysis' argument: the original's `{"data": <load_data result>, "type": ...}`.
#[derive(Deserialize)]
struct AnalysisCall {
    data: LoadedTable,
    #[serde(rename = "type", default = "statistics")]
    analysis_type: String,
    #[serde(default)]
    columns: Option<Vec<String>>,
    #[serde(default = "default_clusters")]
    n_clusters: u64,
}

#[derive(Deserialize)]
struct LoadedTable {
    table_path: String,
}

fn statistics() -> String {
    "statistics".into()
}

fn default_clusters() -> u64 {
    DataAnalysisRequest::default().n_clusters
}

/// The calls, written once: `NAMES` lists them and `call` dispatches to the method of each
/// name.
macro_rules! direct_calls {
    ($($name:ident),+ $(,)?) => {
        /// The activities a direct call runs, in the original module's order.
        pub const NAMES: &[&str] = &[$(stringify!($name)),+];

        impl DirectActivities {
            /// Runs the activity `name` on its argument (JSON text); its result in the
            /// original module's shape.
            pub async fn call(&self, name: &str, argument: &str) -> Result<Value, StepError> {
                let argument = parse(argument)?;
                match name {
                    $(stringify!($name) => self.$name(argument).await,)+
                    other => Err(invalid(format!(
                        "no activity is named {other:?}; the activities are {}",
                        NAMES.join(", ")
                    ))),
                }
            }
        }
    };
}

direct_calls!(
    validate_learning_content,
    check_black_vault,
    process_learning_request,
    store_knowledge,
    check_content_safety,
    generate_image,
    store_image_metadata,
    validate_data_file,
    load_data,
    perform_analysis,
    generate_visualizations,
    extract_memory_information,
    store_memories,
    update_memory_indexes,
);

impl DirectActivities {
    /// The stores and the file policy of `config`, as a worker with it would have them; the
    /// heavy data steps run where `runner` runs them.
    pub fn open(config: &TemporalConfig, runner: Runner) -> Result<Self, StepError> {
        let location =
            StoreLocation::parse(config.store_url.as_deref()).map_err(StepError::Config)?;
        let pool = pool_size(config.max_concurrent_activities);
        let store = Store::open_at(&config.data_dir, &location, pool)
            .map_err(|e| StepError::Store(e.to_string()))?
            .with_artifacts_dir(&config.artifacts());
        Ok(DirectActivities {
            vault: BlackVault::new(&config.data_dir),
            policy: data::file_policy(
                &config.data_dir,
                &config.analysis_roots(),
                config.analysis_max_file_bytes,
            )
            .keeping_out(&config.artifacts()),
            limits: Limits::from_config(config),
            runner,
            http: http::client().map_err(StepError::Transient)?,
            image: ImageSettings::from_config(config),
            store,
        })
    }

    /// Where images and analysis output folders go.
    fn artifacts_dir(&self) -> &Path {
        self.store.artifacts_dir()
    }

    /// True when the request is valid; a request with a missing field or a field of the
    /// wrong type is simply not valid.
    async fn validate_learning_content(&self, argument: Value) -> Result<Value, StepError> {
        let fields = object(argument, "request", &allowed::<LearningRequest>())?;
        let valid = decode_value::<LearningRequest>(Value::Object(fields))
            .is_ok_and(|request| learning::validate_learning_content(&request, ATTEMPT).valid);
        Ok(json!(valid))
    }

    /// True when the Black Vault allows the content.
    async fn check_black_vault(&self, argument: Value) -> Result<Value, StepError> {
        let content = string(argument, "content")?;
        let check = learning::check_black_vault(self.vault.clone(), content, ATTEMPT).await?;
        Ok(json!(!check.blocked))
    }

    /// The knowledge id the request derives.
    async fn process_learning_request(&self, argument: Value) -> Result<Value, StepError> {
        let request: LearningRequest = request_of(argument, "request")?;
        let knowledge = learning::process_learning_request(request, ATTEMPT).await?;
        Ok(json!(knowledge.knowledge_id))
    }

    /// Stores the knowledge `{"knowledge_id", "request"}` stands for; true.
    async fn store_knowledge(&self, argument: Value) -> Result<Value, StepError> {
        let mut data = object(argument, "data", KNOWLEDGE_SHAPE)?;
        let given = field(&mut data, "data", "knowledge_id", KNOWLEDGE_SHAPE)?;
        let given = string(given, "data[\"knowledge_id\"]")?;
        let request = field(&mut data, "data", "request", KNOWLEDGE_SHAPE)?;
        let request: LearningRequest = request_of(request, "data[\"request\"]")?;
        let knowledge = learning::process_learning_request(request, ATTEMPT).await?;
        if knowledge.knowledge_id != given {
            return Err(invalid(format!(
                "data[\"knowledge_id\"] is {given:?}, but the request derives {:?}; pass the id process_learning_request returned for this request",
                knowledge.knowledge_id
            )));
        }
        let stored = learning::store_knowledge(
            self.store.clone(),
            self.vault.clone(),
            knowledge,
            None,
            ATTEMPT,
        )
        .await?;
        // A direct call returns with its entry in knowledge.json, as the original did (a
        // script may read the file next, or exit).
        let store = self.store.clone();
        blocking(move || {
            store.wait_for_knowledge_json(std::time::Duration::from_secs(30));
            store
                .catch_up_knowledge_json()
                .map_err(|e| StepError::Store(format!("cannot update knowledge.json: {e}")))
        })
        .await?;
        Ok(json!(!stored.blocked))
    }

    /// True when the prompt is safe.
    async fn check_content_safety(&self, argument: Value) -> Result<Value, StepError> {
        let prompt = string(argument, "prompt")?;
        Ok(json!(image::check_content_safety(&prompt, ATTEMPT).safe))
    }

    /// `{"image_path", "metadata"}` of a new image, with the backends' settings of the
    /// configuration.
    async fn generate_image(&self, argument: Value) -> Result<Value, StepError> {
        let request: ImageGenerationRequest = request_of(argument, "request")?;
        let stem = format!("{}_direct_{}", request.backend, Uuid::new_v4().simple());
        let made = image::generate_image(
            &self.image,
            &self.http,
            self.artifacts_dir(),
            request,
            &stem,
            ATTEMPT,
        )
        .await?;
        Ok(json!({"image_path": made.image_path, "metadata": made.metadata}))
    }

    /// Stores what generate_image returned (the request's fields beside it, or else those its
    /// metadata records), keyed by the image path; true.
    async fn store_image_metadata(&self, argument: Value) -> Result<Value, StepError> {
        let mut result = object(argument, "result", IMAGE_SHAPE)?;
        let image_path = field(&mut result, "result", "image_path", IMAGE_SHAPE)?;
        let image_path = string(image_path, "result[\"image_path\"]")?;
        let metadata = field(&mut result, "result", "metadata", IMAGE_SHAPE)?;
        let metadata = object(metadata, "result[\"metadata\"]", IMAGE_SHAPE)?;
        let mut request: Map<String, Value> = ["prompt", "style", "size", "backend"]
            .into_iter()
            .filter_map(|key| Some((key.to_owned(), metadata.get(key)?.clone())))
            .collect();
        request.extend(result);
        let request: ImageGenerationRequest = request_of(Value::Object(request), "result")?;
        let stored = ImageToStore {
            request,
            image: GeneratedImage {
                image_path,
                metadata: Value::Object(metadata),
                attempt: ATTEMPT,
                relative_path: None,
            },
        };
        image::store_image_metadata(self.store.clone(), stored, None, ATTEMPT).await?;
        Ok(json!(true))
    }

    /// True when analysis may read the file.
    async fn validate_data_file(&self, argument: Value) -> Result<Value, StepError> {
        let file_path = string(argument, "file_path")?;
        let check = data::validate_data_file(self.policy.clone(), file_path, ATTEMPT).await?;
        Ok(json!(check.valid))
    }

    /// The file loaded into an analysis folder of its own; a summary (never the data).
    async fn load_data(&self, argument: Value) -> Result<Value, StepError> {
        let file_path = string(argument, "file_path")?;
        let id = format!("direct-{}", Uuid::new_v4().simple());
        let folder = output_folder(self.artifacts_dir(), &id);
        let request = LoadRequest {
            path: file_path.clone(),
            sheet: None,
            user_id: None,
        };
        let step = Step::Load {
            policy: self.policy.clone(),
            limits: self.limits,
            request,
            folder,
            attempt: ATTEMPT,
        };
        let loaded: Loaded = self.runner.run(step).await?;
        Ok(json!({
            "file_path": file_path,
            "table_path": loaded.table_path,
            "schema": loaded.schema,
            "rows": loaded.rows,
            "columns": loaded.columns,
        }))
    }

    /// The results, with the table's path for generate_visualizations.
    async fn perform_analysis(&self, argument: Value) -> Result<Value, StepError> {
        let call: AnalysisCall = decode(
            Value::Object(object(argument, "data", ANALYSIS_SHAPE)?),
            "data",
            ANALYSIS_SHAPE,
        )?;
        let (table_path, folder) = self.analysis_table(&call.data.table_path)?;
        let request = AnalysisRequest {
            table_path: table_path.clone(),
            analysis_type: call.analysis_type,
            columns: call.columns.unwrap_or_default(),
            n_clusters: call.n_clusters,
        };
        let step = Step::Analyse {
            limits: self.limits,
            request,
            folder,
            attempt: ATTEMPT,
        };
        let mut results = self.runner.run::<Analysed>(step).await?.results;
        if let Value::Object(fields) = &mut results {
            fields.insert("table_path".into(), json!(table_path));
        }
        Ok(results)
    }

    /// The folder with the charts and the report.
    async fn generate_visualizations(&self, argument: Value) -> Result<Value, StepError> {
        let mut results = object(argument, "results", RESULTS_SHAPE)?;
        let table_path = field(&mut results, "results", "table_path", RESULTS_SHAPE)?;
        let (table_path, folder) =
            self.analysis_table(&string(table_path, "results[\"table_path\"]")?)?;
        let request = ChartRequest {
            table_path,
            results: Value::Object(results),
        };
        let step = Step::Chart {
            request,
            folder,
            attempt: ATTEMPT,
        };
        let charted: Charted = self.runner.run(step).await?;
        Ok(json!(charted.output_path))
    }

    /// The real path of a table load_data wrote, and its folder. The later steps write
    /// beside it, so it must be a `table.arrow` inside `<data_dir>/analysis/`.
    fn analysis_table(&self, table_path: &str) -> Result<(String, PathBuf), StepError> {
        let root = self.artifacts_dir().join(ANALYSIS_FOLDER);
        let real = PathBuf::from(table_path)
            .canonicalize()
            .ok()
            .filter(|real| {
                real.file_name().is_some_and(|name| name == TABLE_FILE)
                    && root.canonicalize().is_ok_and(|root| real.starts_with(root))
            });
        real.and_then(|path| {
            let folder = path.parent()?.to_path_buf();
            Some((path.to_string_lossy().into_owned(), folder))
        })
        .ok_or_else(|| {
            invalid(format!(
                "table_path {table_path:?} is not a {TABLE_FILE} that load_data wrote under {}",
                root.display()
            ))
        })
    }

    /// The kept messages and the typed memories, as stored.
    async fn extract_memory_information(&self, argument: Value) -> Result<Value, StepError> {
        let messages = request::messages(Some(&argument)).map_err(invalid)?;
        let extracted = memory::extract_memory_information(messages.clone(), ATTEMPT).await?;
        let memories = memory::extracted_memories(&messages, extracted.info)?;
        serde_json::to_value(memories).map_err(|e| StepError::Transient(e.to_string()))
    }

    /// The number of memories that were not stored before.
    async fn store_memories(&self, argument: Value) -> Result<Value, StepError> {
        let mut data = object(argument, "data", MEMORIES_SHAPE)?;
        let id = |name: &str, required: bool| {
            request::id(data.get(name), name, required)
                .map_err(|e| invalid(format!("{e}; {MEMORIES_SHAPE}")))
        };
        let conversation_id = id("conversation_id", true)?.unwrap_or_default();
        let user_id = id("user_id", false)?;
        let info = field(&mut data, "data", "info", MEMORIES_SHAPE)?;
        let memories: Vec<Memory> = decode(
            info,
            "data[\"info\"]",
            "expected the list extract_memory_information returned",
        )?;
        let stored = memory::store_memories(
            self.store.clone(),
            conversation_id,
            user_id,
            None,
            memories,
            ATTEMPT,
        )
        .await?;
        Ok(json!(stored.new))
    }

    /// Brings the full-text index up to date; true.
    async fn update_memory_indexes(&self, argument: Value) -> Result<Value, StepError> {
        let conversation_id = request::id(Some(&argument), "conversation_id", true)
            .map_err(invalid)?
            .unwrap_or_default();
        memory::update_memory_indexes(self.store.clone(), conversation_id, ATTEMPT).await?;
        Ok(json!(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(data_dir: &Path) -> DirectActivities {
        let mut config = TemporalConfig::defaults();
        config.data_dir = data_dir.to_path_buf();
        DirectActivities::open(&config, Runner::InProcess).unwrap()
    }

    async fn call(
        direct: &DirectActivities,
        name: &str,
        argument: Value,
    ) -> Result<Value, StepError> {
        direct.call(name, &argument.to_string()).await
    }

    fn problem(outcome: Result<Value, StepError>) -> String {
        match outcome {
            Err(StepError::Invalid { message, .. }) => message,
            other => panic!("not an invalid argument: {other:?}"),
        }
    }

    #[tokio::test]
    async fn learning_runs_the_activities_work() {
        let dir = tempfile::tempdir().unwrap();
        let direct = open(dir.path());
        let request = json!({"content": "Rust has no garbage collector.", "source": "docs", "category": "facts"});
        assert_eq!(
            call(&direct, "validate_learning_content", request.clone()).await,
            Ok(json!(true))
        );
        let no_source = json!({"content": "Rust has no garbage collector.", "category": "facts"});
        assert_eq!(
            call(&direct, "validate_learning_content", no_source).await,
            Ok(json!(false))
        );
        assert!(
            problem(call(&direct, "validate_learning_content", json!("text")).await)
                .contains("request must be an object (a dict), got a string")
        );

        let id = call(&direct, "process_learning_request", request.clone())
            .await
            .unwrap();
        let expected =
            learning::process_learning_request(decode_value(request.clone()).unwrap(), 1)
                .await
                .unwrap();
        assert_eq!(id, json!(expected.knowledge_id));
        let data = json!({"knowledge_id": id, "request": request});
        assert_eq!(
            call(&direct, "store_knowledge", data.clone()).await,
            Ok(json!(true))
        );
        assert_eq!(
            call(&direct, "store_knowledge", data).await,
            Ok(json!(true))
        );
        assert_eq!(direct.store.knowledge_count().unwrap(), 1);
        let wrong = json!({"knowledge_id": "kn-other", "request": request});
        let message = problem(call(&direct, "store_knowledge", wrong).await);
        assert!(
            message.contains("\"kn-other\"") && message.contains(id.as_str().unwrap()),
            "{message}"
        );

        assert_eq!(
            call(&direct, "check_black_vault", json!("secret plans")).await,
            Ok(json!(true))
        );
        direct.vault.add("secret plans").unwrap();
        assert_eq!(
            call(&direct, "check_black_vault", json!("secret plans")).await,
            Ok(json!(false))
        );
        assert_eq!(
            call(&direct, "check_black_vault", json!("\nsecret  plans \r\n")).await,
            Ok(json!(false)),
            "a variant that reads the same"
        );

        // Denied after the check: storing stores nothing and answers false.
        let denied = json!({"content": "Rust  has no garbage collector!\r\n", "source": "docs", "category": "facts"});
        let id = call(&direct, "process_learning_request", denied.clone())
            .await
            .unwrap();
        direct.vault.add("Rust has no garbage collector!").unwrap();
        let data = json!({"knowledge_id": id, "request": denied});
        assert_eq!(
            call(&direct, "store_knowledge", data).await,
            Ok(json!(false))
        );
        assert_eq!(direct.store.knowledge_count().unwrap(), 1);
    }

    #[tokio::test]
    async fn arguments_are_checked_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let direct = open(dir.path());
        let big = Value::String("x".repeat(MAX_PAYLOAD_BYTES));
        assert!(problem(call(&direct, "check_black_vault", big).await).contains("at most 2097152"));
        assert!(problem(direct.call("check_black_vault", "{").await).contains("not JSON"));
        assert!(
            problem(call(&direct, "nothing", json!(1)).await)
                .contains("validate_learning_content, check_black_vault")
        );
        let message = problem(
            call(
                &direct,
                "process_learning_request",
                json!({"content": "long enough text", "source": "s", "category": 5}),
            )
            .await,
        );
        assert!(
            message.contains("field \"category\": invalid type: integer `5`"),
            "{message}"
        );
        assert!(message.contains("category (required)"), "{message}");
        let outside = dir.path().join("table.arrow");
        std::fs::write(&outside, b"").unwrap();
        let message = problem(
            call(
                &direct,
                "perform_analysis",
                json!({"data": {"table_path": outside}}),
            )
            .await,
        );
        assert!(
            message.contains("is not a table.arrow that load_data wrote"),
            "{message}"
        );
        let message = problem(
            call(
                &direct,
                "store_memories",
                json!({"conversation_id": "", "info": []}),
            )
            .await,
        );
        assert!(
            message.contains("conversation_id must be a non-empty string"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn memories_are_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let direct = open(dir.path());
        let messages =
            json!([{"role": "user", "content": "My name is Alice Martin and I live in Lyon."}]);
        let info = call(&direct, "extract_memory_information", messages)
            .await
            .unwrap();
        let kinds: Vec<&str> = info
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["kind"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains(&"message") && kinds.contains(&"fact"),
            "{kinds:?}"
        );
        let data = json!({"conversation_id": "c1", "user_id": "alice", "info": info});
        let new = call(&direct, "store_memories", data.clone()).await.unwrap();
        assert_eq!(new, json!(kinds.len()));
        assert_eq!(call(&direct, "store_memories", data).await, Ok(json!(0)));
        assert_eq!(
            call(&direct, "update_memory_indexes", json!("c1")).await,
            Ok(json!(true))
        );
        let hits = direct
            .store
            .search_memories("lyon", Some("alice"), None, 10)
            .unwrap();
        assert!(!hits.is_empty());
    }
}
