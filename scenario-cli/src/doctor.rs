//! `cargo scenario doctor`: which engine the runtime would use and why, and whether everything it
//! needs from that engine works. Each check prints what it saw; a failed one prints the fix, and
//! the command then exits non-zero.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::time::Instant;

use scenario_runtime::__private::discovery::{self, Outcome};
use scenario_runtime::__private::image;
use scenario_runtime::BuildContext;
use scenario_runtime::{Engine, ImageSource, ProjectId};

/// A check that failed: what is wrong, and what to do about it.
struct Problem {
    what: String,
    fix: String,
}

/// Runs every check; `Err` lists the problems (the caller exits non-zero).
pub async fn run(project: &ProjectId) -> Result<(), String> {
    let mut problems = Vec::new();
    let discovery = discovery::discover();
    println!("engine discovery (the docker CLI's order):");
    for step in &discovery.steps {
        println!("  {step}");
    }
    let why = match &discovery.outcome {
        Outcome::Configured(endpoint) => format!("configured by {}", endpoint.origin),
        Outcome::Sockets(found) if !found.is_empty() => "the first default socket that answers".to_string(),
        Outcome::Sockets(_) => "nothing configured and no default socket exists".to_string(),
        Outcome::Broken(_) => "the configuration cannot be used".to_string(),
    };
    let engine = match Engine::connect_with(discovery).await {
        Ok(engine) => engine,
        Err(e) => {
            println!("\nengine: none ({why})");
            return Err(report(vec![Problem {
                what: e.to_string(),
                fix: "see the hint above; `DOCKER_HOST=... cargo scenario doctor` checks another engine".into(),
            }]));
        }
    };
    let target = engine.target();
    println!("\nengine: {} ({why})", target.host);
    if let Some(tls) = &target.tls {
        println!("  TLS: client certificates and CA from {}", tls.display());
    }

    match engine.docker().version().await {
        Ok(version) => {
            let product = version
                .components
                .as_ref()
                .and_then(|c| c.first())
                .map(|c| if c.name == "Engine" { "Docker Engine".into() } else { c.name.clone() })
                .unwrap_or_else(|| "Docker Engine".into());
            // bollard 0.21's requests carry no API version: the engine answers in its own.
            println!(
                "  version: {product} {}, API {} (minimum {}), which answers this client's unversioned requests",
                version.version.unwrap_or_default(),
                version.api_version.unwrap_or_default(),
                version.min_api_version.unwrap_or_default(),
            );
        }
        Err(e) => problems.push(Problem {
            what: format!("the engine does not tell its version: {e}"),
            fix: "check that the endpoint is a Docker API (docker version) and not another service".into(),
        }),
    }
    let rootless = match engine.docker().info().await {
        Ok(info) => {
            let options = info.security_options.unwrap_or_default();
            let rootless = options.iter().any(|o| o.contains("name=rootless")) || podman_says_rootless(&engine).await;
            println!("  rootless: {}", if rootless { "yes" } else { "no" });
            rootless
        }
        Err(e) => {
            println!("  rootless: unknown (info failed: {e})");
            false
        }
    };

    println!("  published ports: bound on {}, reached at {}", engine.publish_ip(), engine.port_host());
    if !target.is_local() && target.publish.is_none() {
        println!(
            "    (a remote engine: its ports are open to that host's network while tests run; \
             ?publish=IP in SCENARIO_DOCKER_HOSTS or SCENARIO_PUBLISH_ADDRESS narrows that)"
        );
    }
    println!("  container addresses: {}", routability(&engine, rootless).await);

    match build_works(&engine).await {
        Ok(ms) => println!("  building: works (a FROM scratch image built and removed in {ms} ms)"),
        Err(e) => problems.push(Problem {
            what: format!("building an image fails: {e}"),
            fix: "scenarios with `build = ...` need the engine's build API; check `docker build` against \
                  this engine, and its free disk space"
                .into(),
        }),
    }

    match crate::kept::list(&engine, project).await {
        Ok(kept) if kept.is_empty() => println!("  --reuse: nothing kept alive for project {project}"),
        Ok(kept) => {
            let stale = kept.iter().filter(|k| k.verdict.starts_with("stale")).count();
            println!(
                "  --reuse: {} containers kept alive for project {project} ({} up to date, {stale} stale; \
                 `cargo scenario ls` lists them)",
                kept.len(),
                kept.len() - stale
            );
        }
        Err(e) => problems.push(Problem {
            what: format!("listing the containers kept alive failed: {e}"),
            fix: "the engine refused a label-filtered container list; check its logs".into(),
        }),
    }

    if let Ok(list) = std::env::var("SCENARIO_DOCKER_HOSTS") {
        let entries: Vec<&str> =
            list.split(|c: char| c == ',' || c.is_whitespace()).filter(|e| !e.is_empty()).collect();
        if !entries.is_empty() {
            println!("\nSCENARIO_DOCKER_HOSTS (the harness spreads scenario instances over these):");
        }
        for entry in entries {
            match Engine::connect_entry(entry, "SCENARIO_DOCKER_HOSTS").await {
                Ok(other) => println!(
                    "  {entry}: answers; ports bound on {}, reached at {}",
                    other.publish_ip(),
                    other.port_host()
                ),
                Err(e) => problems.push(Problem {
                    what: format!("SCENARIO_DOCKER_HOSTS entry `{entry}`: {e}"),
                    fix: "correct or remove the entry".into(),
                }),
            }
        }
    }

    if problems.is_empty() {
        println!("\nok: everything scenario needs from this engine works");
        Ok(())
    } else {
        Err(report(problems))
    }
}

fn report(problems: Vec<Problem>) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("{}\n  fix: {}", p.what, p.fix)).collect();
    format!("{} problem(s):\n{}", lines.len(), lines.join("\n"))
}

/// Podman's /info says `"Rootless": true` (its own field, which bollard's model does not carry)
/// instead of Docker's `name=rootless` security option. Read raw, over a socket only.
async fn podman_says_rootless(engine: &Engine) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(path) = engine.target().host.strip_prefix("unix://") else { return false };
    let Ok(mut stream) = tokio::net::UnixStream::connect(path).await else { return false };
    let mut response = Vec::new();
    let asked = stream.write_all(b"GET /info HTTP/1.0\r\nHost: engine\r\n\r\n").await;
    if asked.is_err() || stream.read_to_end(&mut response).await.is_err() {
        return false;
    }
    let body = response.windows(4).position(|w| w == b"\r\n\r\n").map(|at| &response[at + 4..]);
    let info: Option<serde_json::Value> = body.and_then(|b| serde_json::from_slice(b).ok());
    info.and_then(|i| i.get("Rootless").and_then(|r| r.as_bool())).unwrap_or(false)
}

/// Whether this process reaches the engine's container addresses: the port probe's choice
/// between connecting to a container directly and judging through its published port.
async fn routability(engine: &Engine, rootless: bool) -> String {
    if !engine.target().is_local() {
        return "not routable (a remote engine's; the port probe judges through published ports)".into();
    }
    if rootless {
        // Its networks live in the user namespace the engine made, whatever subnets they name.
        return "not routable (a rootless engine's networks are inside its own namespace; the port probe \
                judges through published ports)"
            .into();
    }
    if std::env::var("SCENARIO_PORT_PROBE").is_ok_and(|v| v == "proxy") {
        return "not used (SCENARIO_PORT_PROBE=proxy: the port probe judges through published ports)".into();
    }
    let networks = match engine.docker().list_networks(None::<bollard::query_parameters::ListNetworksOptions>).await {
        Ok(networks) => networks,
        Err(e) => return format!("unknown (listing networks failed: {e})"),
    };
    let subnets = networks
        .iter()
        .filter(|n| n.driver.as_deref() == Some("bridge"))
        .flat_map(|n| n.ipam.iter().flat_map(|ipam| ipam.config.iter().flatten()))
        .filter_map(|config| config.subnet.as_deref().and_then(parse_subnet));
    for (network, prefix) in subnets {
        if on_this_machine(network, prefix) {
            return format!(
                "routable from here ({network}/{prefix} is on this machine; the port probe connects to containers directly)"
            );
        }
    }
    "not routable from here (the engine's bridge networks are elsewhere, e.g. in a VM; the port probe judges \
     through published ports)"
        .into()
}

/// `172.17.0.0/16` as its IPv4 network and prefix length.
fn parse_subnet(subnet: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, prefix) = subnet.split_once('/')?;
    Some((addr.parse().ok()?, prefix.parse().ok().filter(|p| *p <= 32)?))
}

fn contains(network: Ipv4Addr, prefix: u8, ip: Ipv4Addr) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    u32::from(network) & mask == u32::from(ip) & mask
}

/// True when the kernel sends to the subnet from an address inside it: this machine has an
/// interface on that network (the engine's bridge), so container addresses are reachable.
fn on_this_machine(network: Ipv4Addr, prefix: u8) -> bool {
    let probe = Ipv4Addr::from(u32::from(network) | 2);
    let Ok(socket) = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)) else { return false };
    // A UDP connect only picks the route and source address; nothing is sent.
    if socket.connect((probe, 9)).is_err() {
        return false;
    }
    matches!(socket.local_addr().map(|a| a.ip()), Ok(IpAddr::V4(source)) if contains(network, prefix, source))
}

/// Builds and removes a `FROM scratch` image (no base to pull), timing it.
async fn build_works(engine: &Engine) -> Result<u128, String> {
    let dir = std::env::temp_dir().join(format!("scenario-doctor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let written = std::fs::write(dir.join("Dockerfile"), "FROM scratch\nLABEL dev.scenario.doctor=true\n");
    written.map_err(|e| format!("cannot write a Dockerfile in {}: {e}", dir.display()))?;
    let context = BuildContext::new(dir.clone());
    let started = Instant::now();
    let built = image::ensure(engine, &ImageSource::Build(context)).await;
    let elapsed = started.elapsed().as_millis();
    let _ = std::fs::remove_dir_all(&dir);
    let built = built.map_err(|e| e.to_string())?;
    let options = bollard::query_parameters::RemoveImageOptionsBuilder::new().force(true).build();
    engine
        .docker()
        .remove_image(&built.reference, Some(options), None)
        .await
        .map_err(|e| format!("built, but removing {} failed: {e}", built.reference))?;
    Ok(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_contain_their_addresses_only() {
        let (net, prefix) = parse_subnet("172.17.0.0/16").unwrap();
        assert!(contains(net, prefix, "172.17.3.4".parse().unwrap()));
        assert!(!contains(net, prefix, "172.18.0.1".parse().unwrap()));
        assert_eq!(parse_subnet("fd00::/64"), None);
        assert_eq!(parse_subnet("10.0.0.0/33"), None);
    }

    #[test]
    fn loopback_is_on_this_machine_and_a_documentation_network_is_not() {
        assert!(on_this_machine(Ipv4Addr::new(127, 0, 0, 0), 8));
        assert!(!on_this_machine(Ipv4Addr::new(203, 0, 113, 0), 24));
    }
}
