//! The deployment version a worker announces to Temporal, and Worker Versioning: with it
//! on, a rollout leaves every running workflow on the build that started it.

use temporalio_common::worker::{
    VersioningBehavior, WorkerDeploymentOptions, WorkerDeploymentVersion,
};

use crate::config::TemporalConfig;

/// A worker's deployment version (`worker_deployment_name`, `worker_build_id`) and whether
/// it opts in to Worker Versioning (`worker_versioning`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub name: String,
    pub build_id: String,
    pub versioning: bool,
}

impl Deployment {
    pub fn from_config(config: &TemporalConfig) -> Self {
        Deployment {
            name: config.worker_deployment_name.clone(),
            build_id: config
                .worker_build_id
                .clone()
                .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned()),
            versioning: config.worker_versioning,
        }
    }

    /// The SDK's options: with versioning on, a workflow stays pinned to the version that
    /// started it (none of ours declares a behaviour of its own).
    pub fn options(&self) -> WorkerDeploymentOptions {
        let version = WorkerDeploymentVersion::builder()
            .deployment_name(self.name.clone())
            .build_id(self.build_id.clone())
            .build();
        WorkerDeploymentOptions::new(version)
            .use_worker_versioning(self.versioning)
            .maybe_default_versioning_behavior(
                self.versioning.then_some(VersioningBehavior::Pinned),
            )
            .build()
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_id_is_the_wheels_version_unless_set() {
        let mut config = TemporalConfig::default();
        config.worker_deployment_name = "project-ai".into();
        let deployment = Deployment::from_config(&config);
        assert_eq!(deployment.build_id, env!("CARGO_PKG_VERSION"));
        let options = deployment.options();
        assert!(!options.use_worker_versioning);
        assert_eq!(options.default_versioning_behavior, None);
        config.worker_build_id = Some("0.2.0-rc1".into());
        config.worker_versioning = true;
        let options = Deployment::from_config(&config).options();
        assert_eq!(options.version.build_id, "0.2.0-rc1");
        assert_eq!(options.version.deployment_name, "project-ai");
        assert!(options.use_worker_versioning);
        assert_eq!(
            options.default_versioning_behavior,
            Some(VersioningBehavior::Pinned)
        );
    }
}
