//! A resolved compose service as the spec model both front ends share: values written with
//! interpolation stay interpolations, resolved by the runtime's `ComposeVariables` when the
//! spec is built.

use proc_macro2::Span;
use syn::{Expr, Ident};

use super::extras::RestartModel;
use super::model::{EnvValue, HealthModel, HostPath as ComposePath, ImageModel, MountModel, ReadyModel, ServiceModel};
use super::ports::PortModel;
use super::text::{Text, Words as ComposeWords};
use crate::spec::model::{
    HealthCheck, HostPath, HostPort, Image, Mount, Port, Readiness, ReadyKind, Restart, Spec, Value, Words,
};

/// The spec of `service`; `context` is its build folder when the attribute computes it, and
/// `folder` the project's, where `.env` is read.
pub(super) fn spec(service: &ServiceModel, context: Option<&Expr>, folder: &ComposePath) -> Spec {
    let image = match &service.image {
        ImageModel::Reference(reference) => Image::Reference(value(reference)),
        ImageModel::Build { context: written, dockerfile, args } => Image::Build {
            context: context.map_or_else(|| host_path(written), |expr| HostPath::Computed(expr.clone())),
            dockerfile: dockerfile.as_ref().map(value),
            args: args.iter().map(|(key, v)| (key.clone(), value(v))).collect(),
        },
    };
    let mut spec = Spec::new(image);
    spec.cmd = service.command.as_ref().map(words);
    spec.entrypoint = service.entrypoint.as_ref().map(words);
    spec.env_files = service.env_files.iter().map(host_path).collect();
    for (key, env) in &service.env {
        match env {
            EnvValue::Value(v) => spec.env.push((key.clone(), value(v))),
            EnvValue::FromHost => spec.env_from_host.push(key.clone()),
        }
    }
    spec.working_dir = service.working_dir.as_ref().map(value);
    spec.user = service.user.as_ref().map(value);
    spec.ports = service.ports.iter().map(port).collect();
    spec.mounts = service.mounts.iter().map(mount).collect();
    spec.aliases = service.aliases.iter().map(value).collect();
    spec.labels = service.labels.iter().map(|(key, v)| (key.clone(), value(v))).collect();
    spec.healthcheck = service.healthcheck.as_ref().map(healthcheck);
    let extras = &service.extras;
    spec.restart = extras.restart.map(|restart| match restart {
        RestartModel::Always => Restart::Always,
        RestartModel::UnlessStopped => Restart::UnlessStopped,
        RestartModel::OnFailure(n) => Restart::OnFailure(n),
    });
    spec.pull = extras.pull.map(|policy| Ident::new(policy, Span::call_site()));
    spec.init = extras.init;
    spec.privileged = extras.privileged;
    spec.stop_signal = extras.stop_signal.as_ref().map(value);
    spec.stop_timeout = extras.stop_grace_period;
    spec.extra_hosts = extras.extra_hosts.iter().map(|(host, address)| (host.clone(), value(address))).collect();
    spec.shm_size = extras.shm_size;
    spec.ulimits = extras.ulimits.clone();
    spec.cap_add = extras.cap_add.clone();
    spec.cap_drop = extras.cap_drop.clone();
    spec.memory = extras.memory;
    spec.cpus = extras.cpus;
    let kind = match service.ready {
        ReadyModel::None => ReadyKind::None,
        ReadyModel::Port(port) => ReadyKind::Port(port),
        ReadyModel::Healthy => ReadyKind::Healthy,
        ReadyModel::Completed => ReadyKind::Completed,
    };
    spec.ready = Some(Readiness { kind, timeout: None });
    spec.variables = Some(host_path(folder));
    spec
}

fn value(text: &Text) -> Value {
    match text {
        Text::Literal(literal) => Value::known(literal),
        Text::Variable { raw, at } => Value::Interpolated { raw: raw.clone(), at: at.clone() },
    }
}

fn words(words: &ComposeWords) -> Words {
    match words {
        ComposeWords::List(list) => Words::List(list.iter().map(value).collect()),
        ComposeWords::Line { raw, at } => Words::Interpolated { raw: raw.clone(), at: at.clone() },
    }
}

fn host_path(path: &ComposePath) -> HostPath {
    match path {
        ComposePath::InCrate(relative) => HostPath::InCrate(relative.clone()),
        ComposePath::Absolute(path) => HostPath::Absolute(path.clone()),
        ComposePath::Variable { raw, at, folder } => {
            HostPath::Interpolated { raw: raw.clone(), at: at.clone(), folder: Box::new(host_path(folder)) }
        }
    }
}

fn port(port: &PortModel) -> Port {
    let host_port = port.host_port.as_ref().map(|host_port| match host_port {
        Text::Literal(number) => HostPort::Fixed(number.parse().expect("checked by the model")),
        Text::Variable { raw, at } => HostPort::Interpolated { raw: raw.clone(), at: at.clone() },
    });
    Port { container: port.container, udp: port.udp, host_ip: port.host_ip.as_ref().map(value), host_port }
}

fn mount(mount: &MountModel) -> Mount {
    match mount {
        MountModel::Volume { name, target, read_only } => {
            Mount::Volume { name: name.clone(), target: target.clone(), read_only: *read_only }
        }
        MountModel::Bind { source, target, read_only } => {
            Mount::Bind { source: host_path(source), target: target.clone(), read_only: *read_only }
        }
        MountModel::Tmpfs { target, options } => Mount::Tmpfs { target: target.clone(), options: options.clone() },
    }
}

fn healthcheck(check: &HealthModel) -> HealthCheck {
    HealthCheck {
        command: check.command.iter().map(value).collect(),
        interval: check.interval,
        timeout: check.timeout,
        start_period: check.start_period,
        retries: check.retries,
    }
}
