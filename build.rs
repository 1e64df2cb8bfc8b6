//! Hands the Temporal API's protobuf descriptors (written by temporalio-protos' build) to
//! the crate, which embeds them to read histories in protobuf's JSON mapping.

fn main() {
    const VAR: &str = "DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH";
    println!("cargo:rerun-if-env-changed={VAR}");
    let path = std::env::var(VAR).expect("temporalio-protos states where its descriptors are");
    println!("cargo:rerun-if-changed={path}");
    println!("cargo:rustc-env=TEMPORAL_API_DESCRIPTORS={path}");
}
