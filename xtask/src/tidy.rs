//! Checks of the codebase's shape that `cargo test` runs: every file says why it exists, files stay small,
//! and each outside library stays in the one crate allowed to name it (see ARCHITECTURE.md).

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() && name != "target" && name != "node_modules" && !name.starts_with('.')
            {
                rust_files(&path, files);
            } else if name.ends_with(".rs") {
                files.push(path);
            }
        }
    }

    fn all_rust_files() -> Vec<PathBuf> {
        let root = crate::workspace_root();
        let mut files = Vec::new();
        rust_files(&root.join("crates"), &mut files);
        rust_files(&root.join("xtask"), &mut files);
        files
    }

    #[test]
    fn every_file_opens_with_a_doc_comment_and_stays_small() {
        let mut problems = Vec::new();
        for file in all_rust_files() {
            let text = std::fs::read_to_string(&file).unwrap();
            if !text.trim_start().starts_with("//!") {
                problems.push(format!(
                    "{}: no //! line saying why it exists",
                    file.display()
                ));
            }
            let lines = text.lines().count();
            if lines > 800 {
                problems.push(format!(
                    "{}: {lines} lines (keep under 800)",
                    file.display()
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// (what, where it may appear, how to recognise it in source). The gateway proxies the engine's HTTP and
    /// must recognise its `101 Switching Protocols`; it reads status codes, it never chooses one for the API.
    const CONFINED: &[(&str, &[&str], &str)] = &[
        ("bollard", &["crates/berth-docker"], "bollard::"),
        ("sqlx", &["crates/berth-store"], "sqlx::"),
        (
            "HTTP status codes",
            &["crates/berth-server", "crates/berth-docker/src/gateway.rs"],
            "StatusCode",
        ),
        ("axum", &["crates/berth-server"], "axum::"),
    ];

    #[test]
    fn libraries_stay_in_their_crate() {
        let root = crate::workspace_root();
        let mut problems = Vec::new();
        for file in all_rust_files() {
            let relative = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            if relative.starts_with("xtask/") || relative.contains("/tests/") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for (what, homes, marker) in CONFINED {
                let at_home = homes.iter().any(|home| relative.starts_with(home));
                if !at_home && text.contains(marker) {
                    problems.push(format!(
                        "{relative} uses {what}, which belongs in {}",
                        homes[0]
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn crate_dependencies_point_one_way() {
        // Each crate may depend only on the internal crates listed for it.
        let allowed: &[(&str, &[&str])] = &[
            ("berth-model", &[]),
            ("berth-store", &["berth-model"]),
            ("berth-docker", &["berth-model"]),
            (
                "berth-core",
                &["berth-model", "berth-store", "berth-docker"],
            ),
            ("berth-server", &["berth-model", "berth-core"]),
            (
                "berth",
                &["berth-model", "berth-core", "berth-server", "berth-testkit"],
            ),
            ("berth-testkit", &[]),
        ];
        let root = crate::workspace_root();
        let mut problems = Vec::new();
        for (krate, permitted) in allowed {
            let manifest =
                std::fs::read_to_string(root.join("crates").join(krate).join("Cargo.toml"))
                    .unwrap();
            for line in manifest.lines() {
                let Some(name) = line.split(['.', ' ', '=']).next() else {
                    continue;
                };
                if name.starts_with("berth") && name != *krate && !permitted.contains(&name) {
                    problems.push(format!("{krate} depends on {name}"));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
