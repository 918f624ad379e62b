//! `healthcheck`, and compose's durations.

use std::time::Duration;

use super::super::file::{self, StringOrList};
use super::super::text::{Sites, Text};
use super::HealthModel;
use crate::duration::parse_duration;

pub(super) fn healthcheck(
    check: &file::Healthcheck,
    sites: &Sites,
    problem: &mut impl FnMut(String),
) -> Option<HealthModel> {
    if check.disable == Some(true) {
        problem("`healthcheck.disable` (turning off the image's healthcheck) is not supported".into());
        return None;
    }
    let command = match &check.test {
        None => {
            problem("a `healthcheck` without `test` (tuning the image's own) is not supported; give `test`".into());
            return None;
        }
        Some(StringOrList::String(line)) => vec![shell(), Text::Literal("-c".into()), sites.text(line)],
        Some(StringOrList::List(items)) => {
            let kind = items.first().map(|k| k.0.as_str());
            let rest = items.get(1..).unwrap_or_default();
            match (kind, rest) {
                (Some("CMD"), rest) if !rest.is_empty() => rest.iter().map(|s| sites.text(&s.0)).collect(),
                (Some("CMD-SHELL"), [line]) => vec![shell(), Text::Literal("-c".into()), sites.text(&line.0)],
                (Some("NONE"), _) => {
                    problem("a `NONE` healthcheck (turning off the image's) is not supported".into());
                    return None;
                }
                _ => {
                    problem("`healthcheck.test` is `[\"CMD\", ...]`, `[\"CMD-SHELL\", \"...\"]` or a string".into());
                    return None;
                }
            }
        }
    };
    let mut duration = |key: &str, value: &Option<String>| {
        value.as_deref().and_then(|text| match go_duration(text) {
            Ok(d) => Some(d),
            Err(e) => {
                problem(format!("`healthcheck.{key}`: {e}"));
                None
            }
        })
    };
    Some(HealthModel {
        command,
        interval: duration("interval", &check.interval),
        timeout: duration("timeout", &check.timeout),
        start_period: duration("start_period", &check.start_period),
        retries: check.retries,
    })
}

fn shell() -> Text {
    Text::Literal("/bin/sh".into())
}

/// Compose durations: `1m30s`, `500ms`, `10s` (units run together, as Go writes them).
pub(in crate::compose) fn go_duration(text: &str) -> Result<Duration, String> {
    let mut total = Duration::ZERO;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("an empty duration".into());
    }
    while !rest.is_empty() {
        let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let unit_end =
            rest[number_end..].find(|c: char| c.is_ascii_digit() || c == '.').map_or(rest.len(), |e| number_end + e);
        total += parse_duration(&rest[..unit_end])?;
        rest = &rest[unit_end..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_run_units_together() {
        assert_eq!(go_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(go_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(go_duration("2s").unwrap(), Duration::from_secs(2));
        assert!(go_duration("soon").is_err());
    }
}
