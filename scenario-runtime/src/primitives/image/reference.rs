//! Image references read as the docker CLI reads them: which registry an image comes from (Docker
//! Hub unless the first path part looks like a host), Docker Hub's aliases folded into one, the
//! `library/` prefix of Hub's official images, and the key Hub's credentials are stored under.

use std::fmt;

/// Docker Hub as references name it after normalisation.
pub const DOCKER_HUB: &str = "docker.io";

/// The key the docker CLI stores Docker Hub's credentials under (in `auths` and in helpers).
pub const DOCKER_HUB_AUTH_KEY: &str = "https://index.docker.io/v1/";

/// A parsed image reference: `registry/repository[:tag][@digest]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// `docker.io` for Docker Hub (whichever of its names was written), else the host as written
    /// (`127.0.0.1:5000`, `ghcr.io`).
    pub registry: String,
    /// The repository within the registry (`library/postgres` on Hub).
    pub repository: String,
    /// The tag as written, if any ([`ImageRef::tag_or_latest`] fills in `latest`).
    pub tag: Option<String>,
    /// `sha256:...`: the image's content, which no push can move.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses `reference`, or says what is wrong with it.
    pub fn parse(reference: &str) -> Result<ImageRef, String> {
        let bad = |why: &str| Err(format!("`{reference}` is not an image reference: {why}"));
        if reference.is_empty() {
            return bad("it is empty");
        }
        let (name, digest) = match reference.split_once('@') {
            Some((name, digest)) => {
                let Some((algorithm, hex)) = digest.split_once(':') else {
                    return bad("a digest is `sha256:<hex>`");
                };
                if algorithm.is_empty() || hex.len() < 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return bad("a digest is `sha256:<hex>`");
                }
                (name, Some(digest.to_string()))
            }
            None => (reference, None),
        };
        // A tag follows the last `:` after the last `/` (a `:` before it is a registry's port).
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (path, tag) = match name[last_slash..].rfind(':') {
            Some(colon) => (&name[..last_slash + colon], Some(name[last_slash + colon + 1..].to_string())),
            None => (name, None),
        };
        if let Some(tag) = &tag {
            let valid = !tag.is_empty()
                && tag.len() <= 128
                && !tag.starts_with(['.', '-'])
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            if !valid {
                return bad("a tag is up to 128 letters, digits, `_`, `.` and `-`");
            }
        }
        let (registry, repository) = match path.split_once('/') {
            // As the CLI decides: a first part with a `.` or `:`, or `localhost`, is a host.
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                (first.to_string(), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), path.to_string()),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_string(),
            _ => registry,
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-'))
                && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
                && c.ends_with(|ch: char| ch.is_ascii_alphanumeric())
        };
        if !repository.split('/').all(component_ok) {
            return bad("a repository is lower-case letters, digits and separators (`.`, `_`, `-`) between `/`");
        }
        Ok(ImageRef { registry, repository, tag, digest })
    }

    /// Is this Docker Hub?
    pub fn is_docker_hub(&self) -> bool {
        self.registry == DOCKER_HUB
    }

    /// The name credentials are stored under: Hub's v1 URL, or the registry's host.
    pub fn auth_key(&self) -> &str {
        if self.is_docker_hub() {
            DOCKER_HUB_AUTH_KEY
        } else {
            &self.registry
        }
    }

    /// Pinned to content: pulling it again can never bring another image.
    pub fn is_digest(&self) -> bool {
        self.digest.is_some()
    }

    /// The tag, `latest` when neither a tag nor a digest was given (as the CLI pulls it).
    pub fn tag_or_latest(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => Some(tag),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }
}

/// The fully spelled reference: `docker.io/library/busybox:1.35`.
impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = self.tag_or_latest() {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// The host part of a key in `auths` (`https://index.docker.io/v1/` -> `index.docker.io`), with
/// Hub's names folded into `docker.io`, as the CLI matches stored keys against a registry.
pub fn auth_key_host(key: &str) -> String {
    let rest = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    let host = rest.split('/').next().unwrap_or(rest);
    match host {
        "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(reference: &str) -> (String, String, Option<String>, Option<String>) {
        let r = ImageRef::parse(reference).unwrap();
        (r.registry, r.repository, r.tag, r.digest)
    }

    #[test]
    fn docker_hub_is_the_default_and_its_aliases_fold_into_one() {
        for reference in ["busybox:1.35", "docker.io/busybox:1.35", "index.docker.io/library/busybox:1.35"] {
            let r = ImageRef::parse(reference).unwrap();
            assert_eq!(r.to_string(), "docker.io/library/busybox:1.35", "{reference}");
            assert_eq!(r.auth_key(), DOCKER_HUB_AUTH_KEY);
        }
        let user = ImageRef::parse("registry-1.docker.io/someone/app").unwrap();
        assert_eq!(user.to_string(), "docker.io/someone/app:latest");
        assert_eq!(parsed("someone/app:2"), ("docker.io".into(), "someone/app".into(), Some("2".into()), None));
    }

    #[test]
    fn a_first_part_with_a_dot_a_port_or_localhost_is_a_registry() {
        assert_eq!(parsed("127.0.0.1:5000/team/app:v1").0, "127.0.0.1:5000");
        assert_eq!(parsed("ghcr.io/org/app").0, "ghcr.io");
        assert_eq!(parsed("localhost/app").0, "localhost");
        let port_no_tag = ImageRef::parse("127.0.0.1:5000/app").unwrap();
        assert_eq!((port_no_tag.tag.as_deref(), port_no_tag.auth_key()), (None, "127.0.0.1:5000"));
        assert_eq!(port_no_tag.to_string(), "127.0.0.1:5000/app:latest");
    }

    #[test]
    fn digests_pin_the_content() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        let r = ImageRef::parse(&format!("127.0.0.1:5000/app@{digest}")).unwrap();
        assert!(r.is_digest());
        assert_eq!(r.tag_or_latest(), None);
        assert_eq!(r.to_string(), format!("127.0.0.1:5000/app@{digest}"));
        let both = ImageRef::parse(&format!("app:1@{digest}")).unwrap();
        assert_eq!(both.to_string(), format!("docker.io/library/app:1@{digest}"));
    }

    #[test]
    fn malformed_references_say_why() {
        for bad in ["", "App:1", "app:", "app@sha256:xyz", "app@md5", "a//b", "app:bad tag"] {
            let err = ImageRef::parse(bad).unwrap_err();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn stored_keys_match_by_host() {
        assert_eq!(auth_key_host("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(auth_key_host("127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(auth_key_host("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
    }
}
