//! The spec hash: what decides whether a kept container still matches its spec.
//!
//! It covers a fixed encoding, not `ContainerSpec`'s layout, so reorganising the struct changes no
//! hash. Encoding version 1 is the JSON below, in this field order, with the nested spec types'
//! serde forms; it is what earlier releases hashed, so containers they kept stay fresh. The rule
//! that keeps it stable: a field added to the encoding (here or in a nested type) is left out
//! while it holds its default, so adding one makes no kept container stale unless it is set
//! (`run` and `copies` were added so). A change that cannot follow the rule starts version 2,
//! whose input begins with a version line, so no v2 hash equals a v1 one.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{ContainerSpec, CopyIn, HealthCheck, ImageSource, Mount, PortSpec, RunOptions};

/// Version 1 of the encoding.
#[derive(Serialize)]
struct V1<'a> {
    name: &'a str,
    image: &'a ImageSource,
    cmd: &'a Option<Vec<String>>,
    entrypoint: &'a Option<Vec<String>>,
    env: &'a BTreeMap<String, String>,
    working_dir: &'a Option<String>,
    user: &'a Option<String>,
    ports: &'a [PortSpec],
    mounts: &'a [Mount],
    aliases: &'a [String],
    labels: &'a BTreeMap<String, String>,
    healthcheck: &'a Option<HealthCheck>,
    #[serde(skip_serializing_if = "default_run")]
    run: &'a RunOptions,
    #[serde(skip_serializing_if = "no_copies")]
    copies: &'a [CopyIn],
}

fn default_run(run: &&RunOptions) -> bool {
    run.is_default()
}

fn no_copies(copies: &&[CopyIn]) -> bool {
    copies.is_empty()
}

/// The bytes the hash is taken of. Readiness, stop timeout and pull policy are not in it: they
/// change no container.
pub(super) fn encoding(spec: &ContainerSpec) -> Vec<u8> {
    let v1 = V1 {
        name: &spec.name,
        image: &spec.image,
        cmd: &spec.cmd,
        entrypoint: &spec.entrypoint,
        env: &spec.env,
        working_dir: &spec.working_dir,
        user: &spec.user,
        ports: &spec.ports,
        mounts: &spec.mounts,
        aliases: &spec.aliases,
        labels: &spec.labels,
        healthcheck: &spec.healthcheck,
        run: &spec.run,
        copies: &spec.copies,
    };
    serde_json::to_vec(&v1).expect("a spec always serialises")
}

/// The first 8 bytes of the SHA-256 of the encoding, in hex.
pub(super) fn spec_hash(spec: &ContainerSpec) -> String {
    let digest = Sha256::digest(encoding(spec));
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::spec::readiness::Readiness;

    /// Every field of the v1 encoding set: a change to the encoding of any of them (a renamed
    /// field, a new one not skipped at its default) changes this hash and fails here.
    #[test]
    fn version_1_is_pinned_with_every_field_set() {
        let spec = ContainerSpec::from_image("web", "busybox:1.35")
            .cmd(["httpd", "-f"])
            .entrypoint(["/bin/sh", "-c"])
            .env("A", "1")
            .working_dir("/srv")
            .user("1000:1000")
            .port(8080)
            .publish(PortSpec::udp(53).host_port(5353))
            .mount(Mount::volume("data", "/data"))
            .tmpfs("/tmp")
            .alias("www")
            .label("team", "web")
            .healthcheck(HealthCheck::cmd(["true"]).interval(Duration::from_secs(1)))
            .init()
            .ulimit("nofile", 1024, 2048)
            .copy_bytes("x", "/x");
        // Computed by the release before this encoding was split from the struct: kept containers stay fresh.
        assert_eq!(spec_hash(&spec), "1331be798284a795");
        let unchanged = spec.clone().ready(Readiness::log("up")).stop_timeout(Duration::from_secs(3));
        assert_eq!(spec_hash(&unchanged), spec_hash(&spec), "readiness and stop timeout are not hashed");
    }
}
