//! The validated arguments of `#[container]` as the spec model both front ends share.

use super::computed::StrValue;
use super::parse::{ReadyArgs, ReadyKind as ReadyArg, Source};
use super::validate::{BuildDir, ContainerModel, HostPath as ArgPath, Image as ArgImage, MountSpec};
use crate::spec::model::{CopyIn, HealthCheck, HostPath, Image, Mount, Port, Readiness, ReadyKind, Spec, Value, Words};

pub(super) fn spec(model: &ContainerModel) -> Spec {
    let image = match &model.image {
        ArgImage::Reference(Source::Literal(lit)) => Image::Reference(Value::Literal(lit.clone())),
        ArgImage::Reference(Source::Computed(expr)) => Image::Reference(Value::Computed(expr.clone())),
        ArgImage::Build { dir, dockerfile, args } => Image::Build {
            context: match dir {
                BuildDir::InCrate(relative) => HostPath::InCrate(relative.clone()),
                BuildDir::Absolute(path) => HostPath::Absolute(path.clone()),
                BuildDir::Computed(expr) => HostPath::Computed(expr.clone()),
            },
            dockerfile: dockerfile.clone().map(Value::Literal),
            args: args.iter().map(|(key, value)| (key.clone(), Value::Literal(value.clone()))).collect(),
        },
    };
    let mut spec = Spec::new(image);
    spec.pull = model.pull.clone();
    spec.cmd = model.cmd.as_ref().map(|cmd| Words::List(cmd.iter().map(value).collect()));
    spec.entrypoint = model.entrypoint.as_ref().map(|e| Words::List(e.iter().cloned().map(Value::Literal).collect()));
    spec.env = model.env.iter().map(|(key, v)| (key.clone(), value(v))).collect();
    spec.working_dir = model.working_dir.clone().map(Value::Literal);
    spec.user = model.user.clone().map(Value::Literal);
    spec.ports =
        model.ports.iter().map(|&container| Port { container, udp: false, host_ip: None, host_port: None }).collect();
    spec.mounts = model.mounts.iter().map(mount).collect();
    spec.copies = model
        .copies
        .iter()
        .map(|copy| CopyIn { source: host_path(&copy.source), target: copy.target.clone() })
        .collect();
    spec.aliases = model.aliases.iter().cloned().map(Value::Literal).collect();
    spec.labels = model.labels.iter().map(|(key, v)| (key.clone(), value(v))).collect();
    spec.healthcheck = model.healthcheck.as_ref().map(|check| HealthCheck {
        command: check.cmd.iter().cloned().map(Value::Literal).collect(),
        interval: check.interval.as_ref().map(|i| i.value),
        timeout: None,
        start_period: None,
        // Parsed within 1..=u32::MAX.
        retries: check.retries.map(|r| r as u32),
    });
    spec.ready = model.ready.as_ref().map(readiness);
    spec.stop_timeout = model.stop_timeout;
    spec.memory = model.limits.memory;
    spec.cpus = model.limits.cpus;
    spec
}

fn value(value: &StrValue) -> Value {
    match value {
        StrValue::Literal(lit) => Value::Literal(lit.clone()),
        StrValue::Computed(expr) => Value::Computed(expr.clone()),
    }
}

fn host_path(path: &ArgPath) -> HostPath {
    match path {
        ArgPath::Absolute(path) => HostPath::Absolute(path.clone()),
        ArgPath::InCrate(relative) => HostPath::InCrate(relative.clone()),
    }
}

fn mount(mount: &MountSpec) -> Mount {
    match mount {
        MountSpec::Volume { name, target, read_only } => {
            Mount::Volume { name: name.clone(), target: target.clone(), read_only: *read_only }
        }
        MountSpec::Bind { source, target, read_only } => {
            Mount::Bind { source: host_path(source), target: target.clone(), read_only: *read_only }
        }
        MountSpec::Tmpfs { target } => Mount::Tmpfs { target: target.clone(), options: String::new() },
    }
}

fn readiness(ready: &ReadyArgs) -> Readiness {
    let kind = match &ready.kind {
        ReadyArg::None => ReadyKind::None,
        // Parsed within 1..=1_000_000.
        ReadyArg::Log { text, times } => {
            ReadyKind::Log { text: Value::Literal(text.clone()), times: times.map(|t| t as usize) }
        }
        ReadyArg::Port(port) => ReadyKind::Port(port.value),
        ReadyArg::Http { port, path, status, body } => ReadyKind::Http {
            port: port.value,
            path: Value::Literal(path.clone()),
            // Parsed within 100..=599.
            status: status.map(|s| s as u16),
            body: body.clone().map(Value::Literal),
        },
        ReadyArg::Healthy => ReadyKind::Healthy,
        ReadyArg::Exec { command } => ReadyKind::Exec(command.iter().cloned().map(Value::Literal).collect()),
        ReadyArg::All(parts) => ReadyKind::All(parts.iter().map(readiness).collect()),
        ReadyArg::Any(parts) => ReadyKind::Any(parts.iter().map(readiness).collect()),
    };
    Readiness { kind, timeout: ready.timeout.as_ref().map(|t| t.value) }
}
