use scenario_runtime::prelude::*;
use scenario_runtime::Exec;

async fn too_early(scope: &Scope) -> scenario_runtime::Result<()> {
    let started = scope.configure(ContainerSpec::from_image("db", "busybox:1.35"))?.start().await?;
    // Exec and copying out need a Ready container: a Started one may not run its process yet.
    let _ = started.exec_stream(Exec::new(["true"])).await?;
    let _ = started.copy_from("/etc/hostname").await?;
    Ok(())
}

fn main() {
    let _ = too_early;
}
