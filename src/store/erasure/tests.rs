use std::time::Duration;

use super::*;
use crate::store::checkpoint::DEFAULT_WAIT;
use crate::store::images::ImageRecord;
use crate::store::knowledge::KnowledgeEntry;
use crate::store::test_support::{drop_memory_index, files_holding, reader_in_transaction};
use crate::wire::memory::Memory;
use crate::wire::memory::MemoryKind;

fn knowledge(id: &str, user: &str, text: &str) -> KnowledgeEntry {
    KnowledgeEntry {
        id: id.into(),
        category: "tips".into(),
        title: text.into(),
        summary: text.into(),
        content: format!("{text} and more words about it"),
        keywords: vec![text.into()],
        word_count: 6,
        content_hash: "h".into(),
        source: "test".into(),
        user_id: Some(user.into()),
        workflow_id: None,
        created_at: 1.0,
    }
}

/// Everything a workflow of `user` would leave, each part holding `text`.
fn store_everything(store: &Store, user: &str, text: &str) {
    let entry = knowledge(&format!("kn-{user}"), user, text);
    store.insert_knowledge(&entry).unwrap();
    store.catch_up_knowledge_json().unwrap();
    let images = store.data_dir().join(IMAGES_FOLDER);
    std::fs::create_dir_all(&images).unwrap();
    let image = images.join(format!("local_{user}.png"));
    std::fs::write(&image, format!("PNG tEXt prompt {text}")).unwrap();
    store
        .insert_image(&ImageRecord {
            workflow_id: format!("image-{user}"),
            image_path: image.to_string_lossy().into_owned(),
            prompt: text.into(),
            style: "anime".into(),
            size: "64x64".into(),
            backend: "local".into(),
            sha256: "h".into(),
            bytes: 1,
            user_id: Some(user.into()),
            metadata: serde_json::json!({"prompt": text}),
            created_at: 1.0,
        })
        .unwrap();
    let folder =
        crate::domain::analysis::access::output_folder(store.data_dir(), &format!("data-{user}"));
    store
        .record_analysis_output(&folder, Some("data-1"), Some(user))
        .unwrap();
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("results.json"),
        format!("{{\"column\": \"{text}\"}}"),
    )
    .unwrap();
    let memory = Memory {
        kind: MemoryKind::Message,
        text: format!("remember {text} please"),
        subject: None,
        value: None,
        role: "user".into(),
        message_index: 0,
        timestamp: None,
        confidence: 1.0,
    };
    store
        .insert_memories(&format!("conv-{user}"), Some(user), None, &[memory])
        .unwrap();
    store.index_pending_memories().unwrap();
}

#[test]
fn a_user_is_erased_from_every_file_while_a_reader_is_open_and_others_stay() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store_everything(&store, "u1", "zorblaxian");
    store_everything(&store, "u2", "quibbletoad");
    assert!(!files_holding(dir.path(), "zorblaxian").is_empty());
    let reader = reader_in_transaction(&store);
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        drop(reader);
    });
    let erased = store.forget_user("u1", DEFAULT_WAIT).unwrap();
    release.join().unwrap();
    assert_eq!(
        erased,
        Erased {
            memories: 1,
            knowledge: 1,
            knowledge_json_entries: 1,
            images: 1,
            image_files: 1,
            analysis_outputs: 1,
        }
    );
    assert_eq!(
        files_holding(dir.path(), "zorblaxian"),
        Vec::<String>::new()
    );
    // The other user's data is whole and still found.
    assert_eq!(
        files_holding(dir.path(), "quibbletoad").len(),
        4,
        "db, json, image, results"
    );
    assert_eq!(
        store
            .search_knowledge("quibbletoad", None, 10)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .search_memories("quibbletoad", None, None, 10)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.image_history(10).unwrap().len(), 1);
    // Again: nothing left to erase.
    assert_eq!(
        store.forget_user("u1", DEFAULT_WAIT).unwrap(),
        Erased::default()
    );
}

#[test]
fn bad_arguments_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let e = store.forget_user(" ", DEFAULT_WAIT).unwrap_err();
    assert!(matches!(e, StoreError::Query(_)) && e.to_string().contains("user_id is empty"));
    let e = store
        .forget_user("u1", Duration::from_secs(7200))
        .unwrap_err();
    assert!(e.to_string().contains("at most 3600 s"), "{e}");
    for bad in ["", ".", "..", "a/../../b", "x\\y"] {
        assert!(analysis_folder(dir.path(), bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_store_that_held_data_before_secure_delete_is_rebuilt_at_its_first_erasure() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store
        .insert_knowledge(&knowledge("kn-1", "u1", "oldtext"))
        .unwrap();
    // As a store of schema version 3 that held data when this version first opened it.
    store
        .connection()
        .execute_batch(
            "DROP TABLE knowledge_shared; DROP TABLE knowledge_unmirrored; DROP TABLE analysis_outputs;
             DROP TABLE erasure_state; DROP INDEX images_user;
             DROP INDEX knowledge_user; PRAGMA user_version = 3;",
        )
        .unwrap();
    drop_memory_index(&store.connection());
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let marked = |store: &Store| -> i64 {
        store
            .connection()
            .query_row("SELECT count(*) FROM erasure_state", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(marked(&store), 1);
    store.forget_user("nobody", DEFAULT_WAIT).unwrap();
    assert_eq!(marked(&store), 0, "rebuilt once");
    assert_eq!(store.knowledge_count().unwrap(), 1);
}
