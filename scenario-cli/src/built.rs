//! The images built from the project's build contexts: listed with their sizes, and removed
//! by `prune --images` (never one a container still uses, never one of another project).

use scenario_runtime::__private::image;
use scenario_runtime::{Engine, ProjectId};

pub async fn print(engine: &Engine, project: &ProjectId) -> Result<(), String> {
    let images = image::built_images(engine, project).await.map_err(|e| e.to_string())?;
    if images.is_empty() {
        println!("\nno images built for project {project}");
        return Ok(());
    }
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    println!("\n{:<48} {:>9} {:>5}  {:<6}  CONTEXT", "IMAGE", "SIZE", "AGE", "USED");
    let mut total = 0;
    for built in &images {
        total += built.size;
        let name = built.tags.first().cloned().unwrap_or_else(|| built.id.clone());
        let used = if built.in_use { "in use" } else { "-" };
        println!(
            "{name:<48} {:>9} {:>5}  {used:<6}  {}",
            size(built.size),
            crate::kept::age(now - built.created),
            built.context_dir
        );
    }
    let noun = if images.len() == 1 { "image" } else { "images" };
    println!(
        "{} {noun}, {} in all (a layer shared by several, such as the base, counted in each)",
        images.len(),
        size(total)
    );
    Ok(())
}

pub async fn prune(engine: &Engine, project: &ProjectId) -> Result<(), String> {
    let (removed, in_use) = image::remove_built_images(engine, project).await.map_err(|e| e.to_string())?;
    println!("project {project}: removed {removed} built images");
    if !in_use.is_empty() {
        println!("kept, because a container uses them: {}", in_use.join(", "));
    }
    Ok(())
}

/// `812 B`, `3.4 MB`, `1.2 GB` (decimal, as `docker images` shows them).
pub fn size(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    match bytes {
        b if b < 1e3 => format!("{b} B"),
        b if b < 1e6 => format!("{:.1} kB", b / 1e3),
        b if b < 1e9 => format!("{:.1} MB", b / 1e6),
        b => format!("{:.2} GB", b / 1e9),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_as_docker_shows_them() {
        assert_eq!(super::size(812), "812 B");
        assert_eq!(super::size(3_400_000), "3.4 MB");
        assert_eq!(super::size(1_234_000_000), "1.23 GB");
    }
}
