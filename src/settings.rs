//! Validated settings: the configuration file merged with the command line.
//!
//! Configuration lives in `[tool.auditfix]` of `pyproject.toml`, or at the
//! top level of `auditfix.toml`; the first of those found walking up from
//! the working directory is used (`auditfix.toml` wins in the same folder),
//! unless `--config` names one. Command-line flags win over the file.
//! Nothing below the CLI sees clap: it sees [`Settings`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::codemod::Codemod;
use crate::codemods::{self, CATALOGUE};
use crate::walk::ExcludePatterns;

/// A configuration problem: exit code 2, with the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("{0}")]
    Usage(String),
}

/// What the configuration file says.
#[derive(Debug, Default, Clone)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub unsafe_fixes: Option<bool>,
    pub exclude: Vec<String>,
    pub options: BTreeMap<String, toml::Table>,
}

impl Config {
    /// Load `explicit`, or discover a configuration from `start` upwards.
    pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Self, ConfigError> {
        if let Some(path) = explicit {
            let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
            return Self::from_file(path, is_pyproject).map(|c| c.unwrap_or_default());
        }
        for dir in start.ancestors() {
            let own = dir.join("auditfix.toml");
            if own.is_file() {
                return Self::from_file(&own, false).map(|c| c.unwrap_or_default());
            }
            let pyproject = dir.join("pyproject.toml");
            if pyproject.is_file() {
                if let Some(config) = Self::from_file(&pyproject, true)? {
                    return Ok(config);
                }
            }
        }
        Ok(Self::default())
    }

    /// Parse one file; `None` for a pyproject.toml without `[tool.auditfix]`.
    fn from_file(path: &Path, pyproject: bool) -> Result<Option<Self>, ConfigError> {
        let fail = |reason: String| ConfigError::File {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let document: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| fail(e.to_string().trim_end().to_owned()))?;
        let (table, prefix) = if pyproject {
            match document.get("tool").and_then(|t| t.get("auditfix")) {
                Some(toml::Value::Table(t)) => (t.clone(), "[tool.auditfix]"),
                Some(_) => return Err(fail("[tool.auditfix] must be a table".into())),
                None => return Ok(None),
            }
        } else {
            (document, "top level")
        };
        let mut config = Config {
            path: Some(path.to_owned()),
            ..Config::default()
        };
        for (key, value) in &table {
            let wrong = |expected: &str| {
                fail(format!(
                    "{prefix} `{key}`: expected {expected}, found {}",
                    value.type_str()
                ))
            };
            match key.as_str() {
                "select" => config.select = Some(string_list(value).ok_or_else(|| wrong("a list of codemod ids"))?),
                "ignore" => config.ignore = string_list(value).ok_or_else(|| wrong("a list of codemod ids"))?,
                "exclude" => config.exclude = string_list(value).ok_or_else(|| wrong("a list of glob patterns"))?,
                "unsafe-fixes" => config.unsafe_fixes = Some(value.as_bool().ok_or_else(|| wrong("true or false"))?),
                id if codemods::find(id).is_some() => {
                    let table = value.as_table().ok_or_else(|| wrong("a table of options"))?;
                    config.options.insert(id.to_owned(), table.clone());
                }
                other => {
                    return Err(fail(format!(
                        "{prefix}: unknown key `{other}` (expected select, ignore, exclude, unsafe-fixes, or a codemod id; see `auditfix list`)"
                    )))
                }
            }
        }
        for id in config.select.iter().flatten().chain(&config.ignore) {
            if codemods::find(id).is_none() {
                return Err(fail(format!(
                    "{prefix}: unknown codemod id `{id}` (see `auditfix list`)"
                )));
            }
        }
        Ok(Some(config))
    }

    /// The codemods to run: the catalogue, narrowed by `select` then
    /// `ignore` (the command line's lists win over the file's), each built
    /// with its options.
    pub fn codemods(
        &self,
        select: Option<&[String]>,
        ignore: &[String],
    ) -> Result<Vec<Arc<dyn Codemod>>, ConfigError> {
        for id in select.into_iter().flatten().chain(ignore) {
            if codemods::find(id).is_none() {
                return Err(ConfigError::Usage(format!(
                    "unknown codemod id `{id}` (see `auditfix list`)"
                )));
            }
        }
        let select = select.or(self.select.as_deref());
        let ignore: Vec<&String> = if ignore.is_empty() {
            self.ignore.iter().collect()
        } else {
            ignore.iter().collect()
        };
        let empty = toml::Table::new();
        let mut built = Vec::new();
        for entry in CATALOGUE {
            let id = entry.meta.id;
            if select.is_some_and(|s| !s.iter().any(|x| x == id)) || ignore.iter().any(|x| *x == id)
            {
                continue;
            }
            let options = self.options.get(id).unwrap_or(&empty);
            let codemod = entry.build(options).map_err(|e| match &self.path {
                Some(path) => ConfigError::File {
                    path: path.clone(),
                    reason: e.to_string(),
                },
                None => ConfigError::Usage(e.to_string()),
            })?;
            built.push(codemod);
        }
        if built.is_empty() {
            return Err(ConfigError::Usage("no codemod selected".into()));
        }
        Ok(built)
    }
}

fn string_list(value: &toml::Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Where `fix` sends its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Diff on stdout, nothing written.
    Preview,
    /// Rewrite files in place.
    Write,
    /// Write a patch file.
    Patch(PathBuf),
    /// Commit onto a new branch through libgit2.
    Branch {
        name: String,
        base: Option<String>,
        force: bool,
        /// `Name <email>` for the commits' author.
        author: Option<String>,
    },
    /// One `git format-patch`-style mail per codemod in a directory.
    Series {
        dir: PathBuf,
        base: Option<String>,
        author: Option<String>,
    },
}

/// Everything a run needs, validated.
pub struct Settings {
    pub paths: Vec<PathBuf>,
    pub codemods: Vec<Arc<dyn Codemod>>,
    pub unsafe_fixes: bool,
    /// The configuration's patterns (anchored at its directory), then the
    /// command line's (anchored at the working directory).
    pub exclude: Vec<ExcludePatterns>,
    /// The working directory, absolute.
    pub cwd: PathBuf,
    pub threads: Option<usize>,
    pub color: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn pyproject_section_is_read_with_codemod_options() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "pyproject.toml",
            "[project]\nname='x'\n[tool.auditfix]\nselect = ['fetchone-null-guard', 'backup-failure-raises', 'cors-restrict-headers']\nignore = ['cors-restrict-headers']\nunsafe-fixes = true\n[tool.auditfix.fetchone-null-guard]\nmethods = ['fetchone']\n",
        );
        let nested = dir.path().join("src/pkg");
        std::fs::create_dir_all(&nested).unwrap();
        let config = Config::load(None, &nested).unwrap();
        assert_eq!(config.unsafe_fixes, Some(true));
        let ids: Vec<_> = config
            .codemods(None, &[])
            .unwrap()
            .iter()
            .map(|c| c.meta().id)
            .collect();
        assert_eq!(ids, vec!["backup-failure-raises", "fetchone-null-guard"]);
        // The command line's lists win.
        let ids: Vec<_> = config
            .codemods(
                Some(&["cors-restrict-headers".into()]),
                &["fetchone-null-guard".into()],
            )
            .unwrap()
            .iter()
            .map(|c| c.meta().id)
            .collect();
        assert_eq!(ids, vec!["cors-restrict-headers"]);
    }

    #[test]
    fn bad_files_name_the_path_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let syntax = write(dir.path(), "auditfix.toml", "select = [\n");
        let err = Config::load(Some(&syntax), dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("auditfix.toml") && err.contains("line"),
            "{err}"
        );

        let unknown = write(dir.path(), "auditfix.toml", "selec = ['x']\n");
        let err = Config::load(Some(&unknown), dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `selec`"), "{err}");

        let bad_id = write(dir.path(), "auditfix.toml", "ignore = ['nope']\n");
        let err = Config::load(Some(&bad_id), dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown codemod id `nope`"), "{err}");

        let bad_option = write(
            dir.path(),
            "auditfix.toml",
            "[cors-restrict-headers]\nheaders = 3\n",
        );
        let config = Config::load(Some(&bad_option), dir.path()).unwrap();
        let err = config.codemods(None, &[]).err().unwrap().to_string();
        assert!(
            err.contains("[tool.auditfix.cors-restrict-headers] headers"),
            "{err}"
        );
    }

    #[test]
    fn pyproject_without_section_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "pyproject.toml", "[project]\nname = 'x'\n");
        let config = Config::load(None, dir.path()).unwrap();
        assert!(config.path.is_none());
    }
}
