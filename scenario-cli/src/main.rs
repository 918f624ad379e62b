//! `cargo scenario`: the containers that `cargo test -- --reuse` keeps alive, listed with
//! whether they are still up to date, and removed per scenario or for the whole project (with
//! this user's idle spare networks); and
//! `doctor`, which shows the engine chosen and checks what scenario needs from it.

mod args;
mod built;
mod doctor;
mod kept;
mod test_command;

use std::process::ExitCode;

use args::Command;
use scenario_runtime::__private::{cleanup, labels, remove_idle_spare_networks};
use scenario_runtime::{Engine, ProjectId};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let invocation = match args::parse(std::env::args()) {
        Ok(invocation) => invocation,
        Err(why) => {
            eprintln!("error: {why}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    if let Command::Test(run) = &invocation.command {
        if run.cargo_args.iter().any(|a| a == "-h" || a == "--help") {
            println!("{}", test_command::USAGE);
            return ExitCode::SUCCESS;
        }
        return run.run().await;
    }
    if invocation.command == Command::Help {
        println!("{}", args::USAGE);
        return ExitCode::SUCCESS;
    }
    let project = invocation.project.as_deref().map(ProjectId::new).unwrap_or_else(ProjectId::detect);
    if invocation.command == Command::Doctor {
        return match doctor::run(&project).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(problems) => {
                eprintln!("\n{problems}");
                ExitCode::FAILURE
            }
        };
    }
    match run(invocation.command, &project).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, project: &ProjectId) -> Result<(), String> {
    let engine = Engine::connect().await.map_err(|e| e.to_string())?;
    let project_filter = format!("{}={project}", labels::PROJECT);
    match command {
        Command::List => {
            let kept = kept::list(&engine, project).await?;
            if kept.is_empty() {
                println!("no containers kept alive for project {project}");
            } else {
                println!("{:<20} {:>4} {:<16} {:>5}  STATUS", "SCENARIO", "INST", "CONTAINER", "AGE");
                for k in kept {
                    println!(
                        "{:<20} {:>4} {:<16} {:>5}  {}",
                        k.scenario,
                        k.instance,
                        k.container,
                        kept::age(k.age_secs),
                        k.verdict
                    );
                }
            }
            built::print(&engine, project).await?;
        }
        Command::Down { scenario } => {
            let filters = [project_filter, format!("{}={scenario}", labels::SCENARIO)];
            let removed = cleanup::remove_including_kept(&engine, &filters).await.map_err(|e| e.to_string())?;
            println!(
                "{scenario}: removed {} containers, {} networks, {} volumes",
                removed.containers, removed.networks, removed.volumes
            );
        }
        Command::Prune { images } => {
            let removed =
                cleanup::remove_including_kept(&engine, &[project_filter]).await.map_err(|e| e.to_string())?;
            println!(
                "project {project}: removed {} containers, {} networks, {} volumes",
                removed.containers, removed.networks, removed.volumes
            );
            // Spare networks belong to no project but to this user on this machine; the idle
            // ones go too (one being borrowed is locked and stays).
            let spares =
                remove_idle_spare_networks(&engine, std::time::Duration::ZERO).await.map_err(|e| e.to_string())?;
            println!("removed {spares} idle spare networks of this user");
            if images {
                built::prune(&engine, project).await?;
            }
        }
        Command::Help | Command::Test(_) | Command::Doctor => unreachable!("handled before connecting"),
    }
    Ok(())
}
