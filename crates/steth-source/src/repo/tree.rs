//! The repository's files: one bounded walk of the work tree, then bounded reads.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Directories never descended into: VCS data, dependency caches and build output.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    "dist",
    "build",
    ".next",
    ".terraform",
    "bower_components",
];

/// At most this many files are listed; a larger tree is cut (and still read in part).
const MAX_FILES: usize = 200_000;

/// Files larger than this are read only up to it.
pub(super) const MAX_READ_BYTES: u64 = 8 << 20;

/// Why the repository could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    /// The root is not a readable directory.
    #[error("read the repository at {path}: {source}")]
    Root {
        /// The root as given.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// An exclude glob does not parse.
    #[error("exclude glob `{glob}`: {source}")]
    Glob {
        /// The glob as configured.
        glob: String,
        /// The cause.
        source: globset::Error,
    },
}

/// The files of the work tree, relative to its root with `/` separators, sorted.
#[derive(Debug)]
pub(super) struct Tree {
    pub(super) root: PathBuf,
    pub(super) files: Vec<String>,
}

impl Tree {
    /// Lists the files under `root`, skipping dependency and build directories and `exclude`.
    pub(super) fn walk(root: &Path, exclude: &[String]) -> Result<Tree, TreeError> {
        let exclude = glob_set(exclude)?;
        let mut files = Vec::new();
        let mut pending = vec![PathBuf::new()];
        std::fs::read_dir(root).map_err(|source| TreeError::Root { path: root.display().to_string(), source })?;
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(root.join(&dir)) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel = if dir.as_os_str().is_empty() { name.clone() } else { format!("{}/{name}", slashed(&dir)) };
                if exclude.is_match(&rel) {
                    continue;
                }
                // Symlinks are not followed: a link out of the tree must not be read.
                let Ok(kind) = entry.file_type() else { continue };
                if kind.is_dir() {
                    if !SKIPPED_DIRS.contains(&name.as_str()) {
                        pending.push(dir.join(&name));
                    }
                } else if kind.is_file() && files.len() < MAX_FILES {
                    files.push(rel);
                }
            }
        }
        files.sort();
        Ok(Tree { root: root.to_path_buf(), files })
    }

    /// The file's text (lossy UTF-8), at most [`MAX_READ_BYTES`]; `None` when unreadable.
    pub(super) fn read(&self, rel: &str) -> Option<String> {
        let file = std::fs::File::open(self.root.join(rel)).ok()?;
        let mut bytes = Vec::new();
        file.take(MAX_READ_BYTES).read_to_end(&mut bytes).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Files whose path matches `pred`.
    pub(super) fn matching<'a>(&'a self, pred: impl Fn(&str) -> bool + 'a) -> impl Iterator<Item = &'a str> + 'a {
        self.files.iter().map(String::as_str).filter(move |f| pred(f))
    }

    /// Whether the file exists in the walked tree.
    pub(super) fn contains(&self, rel: &str) -> bool {
        self.files.binary_search_by(|f| f.as_str().cmp(rel)).is_ok()
    }
}

/// The file name of a relative path.
pub(super) fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// The 1-based line of a byte offset in `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// A glob set from configured globs; a glob without `/` also matches in any directory.
pub(super) fn glob_set(globs: &[String]) -> Result<GlobSet, TreeError> {
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        let err = |source| TreeError::Glob { glob: glob.clone(), source };
        set.add(Glob::new(glob).map_err(err)?);
        if !glob.contains('/') {
            set.add(Glob::new(&format!("**/{glob}")).map_err(err)?);
        }
    }
    set.build().map_err(|source| TreeError::Glob { glob: globs.join(", "), source })
}

fn slashed(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_skips_dependency_dirs_and_excluded_globs() {
        let dir = tempfile::tempdir().unwrap();
        for f in [".github/workflows/ci.yml", "node_modules/x/package.json", "src/a.rs", "gen/b.rs"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x\n").unwrap();
        }
        let tree = Tree::walk(dir.path(), &["gen/**".into()]).unwrap();
        assert_eq!(tree.files, [".github/workflows/ci.yml", "src/a.rs"]);
        assert!(tree.contains("src/a.rs"));
        assert!(Tree::walk(&dir.path().join("missing"), &[]).is_err());
        assert!(matches!(Tree::walk(dir.path(), &["a{".into()]), Err(TreeError::Glob { .. })));
    }

    #[test]
    fn lines_are_one_based() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
