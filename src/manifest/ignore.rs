//! The files of a calendar postcal never reads: one list, used by the walk that finds manifests
//! ([`super::load`]) and by the watcher that notices edits ([`crate::reconcile::watch`](mod@crate::reconcile::watch)), so a
//! file one of them skips is never waited for by the other, and a folder the walk reads is
//! always watched.
//!
//! Ignored: hidden names (`.git/`, `.postcal/`, `.#lock`, `.a.yaml.swp`), and editor or
//! download temporaries (`a.yaml~`, `#a.yaml#`, vim's `4913` probe, `*.swp`, `*.swo`, `*.swx`,
//! `*.tmp`, `*.bak`, `*.orig`, `*.part`). Nothing else: a folder called `target` or `build` is
//! an ordinary folder.

use std::path::{Component, Path};

/// Endings of editor and download temporaries.
const TEMPORARY_ENDINGS: [&str; 7] = [".swp", ".swo", ".swx", ".tmp", ".bak", ".orig", ".part"];

/// Whether a file or directory called `name` is skipped (and its contents with it).
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || TEMPORARY_ENDINGS.iter().any(|end| name.ends_with(end))
}

/// Whether `rel` (relative to the calendar root) is or lies under an ignored name. A name that
/// is not UTF-8 is judged by its lossy form, as the walk does (which reports such names).
pub fn is_ignored_path(rel: &Path) -> bool {
    rel.components().any(|c| match c {
        Component::Normal(name) => is_ignored(&name.to_string_lossy()),
        _ => false,
    })
}

/// Whether a file called `name` is read as a manifest: `.yaml` or `.yml`, in any case.
pub fn is_manifest_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_names_and_temporaries_are_ignored_and_nothing_else() {
        let cases = [
            (".git", true),
            (".postcal", true),
            (".post.yaml.swp", true),
            ("post.yaml~", true),
            ("#post.yaml#", true),
            ("4913", true),
            ("a.yaml.tmp", true),
            ("a.yaml.bak", true),
            ("clip.mp4.part", true),
            ("post.yaml", false),
            ("2026-12-launch.yml", false),
            ("target", false),
            ("build", false),
            ("49130", false),
        ];
        for (name, ignored) in cases {
            assert_eq!(is_ignored(name), ignored, "{name}");
        }
    }

    #[test]
    fn a_path_is_ignored_when_any_of_its_names_is() {
        let cases = [
            ("posts/a.yaml", false),
            ("target/a.yaml", false),
            ("postcal.yaml", false),
            (".git/index", true),
            (".postcal/status.json", true),
            ("posts/.drafts/a.yaml", true),
            ("posts/old.bak/a.yaml", true),
            ("posts/a.yaml~", true),
        ];
        for (path, ignored) in cases {
            assert_eq!(is_ignored_path(Path::new(path)), ignored, "{path}");
        }
    }

    #[test]
    fn manifests_are_yaml_files_in_any_case() {
        for name in ["a.yaml", "a.yml", "A.YAML"] {
            assert!(is_manifest_name(name), "{name}");
        }
        for name in ["a.json", "yaml", "a.yaml.txt"] {
            assert!(!is_manifest_name(name), "{name}");
        }
    }
}
