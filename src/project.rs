//! Project-level facts: what one module cannot tell about itself, gathered
//! by one cheap pass over every file before the per-file work.
//!
//! The pass reads each file's text (no parse: a scan of its import lines
//! and of its logging calls, see [`python::scan_imports`] and
//! [`python::scan_logging_setup`]) and combines the results into a
//! [`Project`], which the [`Engine`](crate::codemod::Engine) hands to every
//! [`Checker`](crate::codemod::Checker) (`cx.project()`). It is computed on
//! one set of files — those discovered on disk, or those of the base
//! commit in branch mode — and is the same for every file, so the per-file
//! stage stays pure and its result deterministic.
//!
//! Facts:
//! - which modules another module of the project imports for their code
//!   ([`Project::is_imported`]; `from .tool import main` runs a program,
//!   and does not count): an absolute import `a.b` is looked up
//!   from the importing file's directory upwards (the nearest `a/b.py` or
//!   `a/b/__init__.py` wins: a script's directory is on `sys.path`, and so
//!   is the project root), a relative one from its package; names of the
//!   standard library are never project modules;
//! - whether anything configures logging, and which named loggers get a
//!   handler ([`Project::configures_logging`], [`Project::logger_convention`]).
//!
//! A project made of nothing ([`Project::default`], as in unit tests)
//! knows no module as imported and nothing about logging.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::python::{self, ImportLine, LoggingSetup};

/// What one file contributes to the [`Project`].
#[derive(Debug, Clone, Default)]
pub struct ModuleFacts {
    imports: Vec<ImportLine>,
    logging: LoggingSetup,
    /// Names of the module-level functions, one per line (one allocation
    /// per file: these facts are held for every file of the tree).
    function_names: String,
    /// Name and source of the small ones that mention a fetch
    /// (`fetchone`, `fetchrow`, …), for [`Project::imported_function`].
    guard_sources: Vec<(String, String)>,
}

/// The longest function source kept for [`Project::imported_function`]:
/// a guard such as `exists()` is a few lines.
const MAX_GUARD_SOURCE: usize = 1500;

impl ModuleFacts {
    /// Scan one file's bytes (undecodable bytes are replaced, never an error).
    pub fn scan(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes);
        let functions = python::scan_top_level_functions(&text);
        // Held for every file of the tree until the project is combined:
        // no spare capacity.
        let mut imports = python::scan_imports(&text);
        for import in &mut imports {
            import.names.shrink_to_fit();
        }
        imports.shrink_to_fit();
        Self {
            imports,
            logging: python::scan_logging_setup(&text),
            function_names: functions
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join("\n"),
            guard_sources: functions
                .into_iter()
                // Only small functions can be the row guards this is for
                // (`exists()`); keeping every large function that mentions
                // a fetch made memory grow with the tree.
                .filter(|(_, source)| source.len() <= MAX_GUARD_SOURCE && source.contains("fetch"))
                .map(|(name, source)| (name.to_owned(), source.to_owned()))
                .collect(),
        }
    }
}

/// Facts about the whole set of files checked together.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// Whether the facts come from a scan (false for [`Project::default`]).
    known: bool,
    /// Normalized paths (see [`module_key`]) of imported modules.
    imported: HashSet<String>,
    /// Imported modules whose every name other modules may use (`import
    /// a.b`, `from a import *`, `from pkg import module`).
    wholly_used: HashSet<String>,
    /// The names other modules import from a module (`from a import f`).
    used_names: HashMap<String, HashSet<String>>,
    configures_root: bool,
    handler_loggers: HashSet<String>,
    convention: Option<String>,
    /// `(importer key, name)` → the source (when it fetches) of the
    /// module-level function `from m import name` brings in.
    imported_functions: HashMap<(String, String), String>,
    /// Hashes of `(importer key, name)` for imported project functions
    /// that fetch nothing (a hash, not the strings: there is one per
    /// `from m import f` of the whole tree).
    non_fetching_imports: HashSet<u64>,
}

impl Project {
    /// Read and scan `paths` in parallel; a file that cannot be read
    /// contributes nothing (the per-file stage reports it).
    pub fn scan_paths(paths: &[PathBuf]) -> Self {
        let facts: Vec<(PathBuf, ModuleFacts)> = paths
            .par_iter()
            .map(|path| {
                let facts = std::fs::read(path)
                    .map(|bytes| ModuleFacts::scan(&bytes))
                    .unwrap_or_default();
                (path.clone(), facts)
            })
            .collect();
        Self::from_facts(&facts)
    }

    /// Combine the facts of every file (in any order: the result does not
    /// depend on it).
    pub fn from_facts(files: &[(PathBuf, ModuleFacts)]) -> Self {
        let keys: Vec<String> = files.iter().map(|(p, _)| module_key(p)).collect();
        let modules: HashSet<&str> = keys.iter().map(String::as_str).collect();
        let mut imported = HashSet::new();
        let mut wholly_used = HashSet::new();
        let mut used_names: HashMap<String, HashSet<String>> = HashMap::new();
        let functions_of: HashMap<&str, &ModuleFacts> = keys
            .iter()
            .zip(files)
            .map(|(key, (_, facts))| (key.as_str(), facts))
            .collect();
        let mut imported_functions = HashMap::new();
        let mut non_fetching_imports = HashSet::new();
        for ((path, facts), key) in files.iter().zip(&keys) {
            let package = path.file_stem().is_some_and(|s| s == "__init__");
            let directory = parent_dir(key, package);
            for import in &facts.imports {
                for (target, used) in resolve(import, &directory, &modules) {
                    if target == *key {
                        continue;
                    }
                    match used {
                        Use::Entry => continue,
                        Use::Names => {
                            let defined = functions_of.get(target.as_str()).copied();
                            for name in &import.names {
                                let Some(facts) = defined else {
                                    continue;
                                };
                                if let Some((_, source)) =
                                    facts.guard_sources.iter().find(|(n, _)| n == name)
                                {
                                    imported_functions
                                        .entry((key.clone(), name.clone()))
                                        .or_insert_with(|| source.clone());
                                } else if facts.function_names.split('\n').any(|n| n == name) {
                                    non_fetching_imports.insert(import_hash(key, name));
                                }
                            }
                            used_names
                                .entry(target.clone())
                                .or_default()
                                .extend(import.names.iter().cloned())
                        }
                        Use::Whole => {
                            wholly_used.insert(target.clone());
                        }
                        Use::Package => {}
                    }
                    imported.insert(target);
                }
            }
        }
        let configures_root = files.iter().any(|(_, f)| f.logging.configures_root);
        let handler_loggers: HashSet<String> = files
            .iter()
            .flat_map(|(_, f)| f.logging.handler_loggers.iter().cloned())
            .collect();
        // The convention: a named logger with a handler that more modules
        // ask for by name than by `__name__` (at least two). A root
        // configuration does not change it: it may belong to another
        // program of the project, and the convention is the style anyway.
        let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, facts) in files {
            let mut seen = HashSet::new();
            for name in &facts.logging.named_loggers {
                if seen.insert(name.as_str()) {
                    *by_name.entry(name.as_str()).or_default() += 1;
                }
            }
        }
        let module_named = files
            .iter()
            .filter(|(_, f)| f.logging.module_named_logger)
            .count();
        let convention = by_name
            .iter()
            .filter(|(name, count)| {
                **count >= 2 && **count > module_named && handler_loggers.contains(**name)
            })
            .max_by_key(|(name, count)| (**count, std::cmp::Reverse(**name)))
            .map(|(name, _)| (*name).to_owned());
        Self {
            known: true,
            imported,
            wholly_used,
            used_names,
            configures_root,
            handler_loggers,
            convention,
            imported_functions,
            non_fetching_imports,
        }
    }

    /// The module-level function `name` that the module at `importer`
    /// imports by name from a project module (`from utils import exists`):
    /// `Some(Some(source))` when its source mentions a fetch, `Some(None)`
    /// when it does not, `None` when `name` is not such an import.
    pub fn imported_function(&self, importer: &Path, name: &str) -> Option<Option<&str>> {
        let key = module_key(importer);
        if let Some(source) = self.imported_functions.get(&(key.clone(), name.to_owned())) {
            return Some(Some(source.as_str()));
        }
        self.non_fetching_imports
            .contains(&import_hash(&key, name))
            .then_some(None)
    }

    /// Whether another module of the project imports the module at `path`
    /// (false when nothing is known).
    pub fn is_imported(&self, path: &Path) -> bool {
        self.imported.contains(&module_key(path))
    }

    /// Whether other modules may use `name` of the module at `path`: they
    /// import it by name, or import the whole module (`import a.b`).
    pub fn may_use(&self, path: &Path, name: &str) -> bool {
        let key = module_key(path);
        self.wholly_used.contains(&key)
            || self
                .used_names
                .get(&key)
                .is_some_and(|names| names.contains(name))
    }

    /// Whether anything in the project configures logging (the root logger
    /// or a handler of a named logger); `None` when nothing is known.
    pub fn configures_logging(&self) -> Option<bool> {
        self.known
            .then_some(self.configures_root || !self.handler_loggers.is_empty())
    }

    /// Whether records of a new `logging.getLogger(__name__)` logger reach
    /// a handler: the root logger is configured. `None` when nothing is known.
    pub fn module_loggers_shown(&self) -> Option<bool> {
        self.known.then_some(self.configures_root)
    }

    /// The literal logger name the project logs through instead of
    /// `__name__` (`logging.getLogger("discord")` in most modules, with a
    /// handler on it and no root configuration).
    pub fn logger_convention(&self) -> Option<&str> {
        self.convention.as_deref()
    }
}

fn import_hash(importer: &str, name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (importer, name).hash(&mut hasher);
    hasher.finish()
}

/// A path as the `/`-separated module path, without `.py` (or `.pyi`),
/// and without a final `__init__` (a package is its directory); `.`
/// components dropped, so `./pkg/a.py` and `pkg/a.py` are the same module.
fn module_key(path: &Path) -> String {
    let mut parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            Component::RootDir => Some(String::new()),
            _ => None,
        })
        .collect();
    if let Some(last) = parts.last_mut() {
        for suffix in [".py", ".pyi"] {
            if let Some(stem) = last.strip_suffix(suffix) {
                *last = stem.to_owned();
                break;
            }
        }
        if last == "__init__" {
            parts.pop();
        }
    }
    parts.join("/")
}

/// The directory a module's relative imports start from: the package
/// itself for an `__init__`, else the directory of the file.
fn parent_dir(key: &str, package: bool) -> String {
    if package {
        return key.to_owned();
    }
    key.rsplit_once('/')
        .map_or(String::new(), |(dir, _)| dir.to_owned())
}

/// Names whose import alone (`from .tool import main`) uses a module as
/// a program: its entry point, not its code.
const ENTRY_POINTS: [&str; 4] = ["main", "_main", "cli", "run"];

/// How an import uses a module it loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    /// `from .tool import main`: runs it as a program, its code unused.
    Entry,
    /// `from a import f, g`: those names.
    Names,
    /// `import a`, `from a import *`, `from pkg import module`: anything.
    Whole,
    /// A package on the way (`import a.b` runs `a/__init__.py`).
    Package,
}

/// The project modules `import` loads (a module and the packages above
/// it), each with how the import uses it.
fn resolve(import: &ImportLine, directory: &str, modules: &HashSet<&str>) -> Vec<(String, Use)> {
    let join = |base: &str, dotted: &str| -> String {
        let tail = dotted.replace('.', "/");
        match (base.is_empty(), tail.is_empty()) {
            (_, true) => base.to_owned(),
            (true, false) => tail,
            (false, false) => format!("{base}/{tail}"),
        }
    };
    let entry_only = !import.names.is_empty()
        && import
            .names
            .iter()
            .all(|n| ENTRY_POINTS.contains(&n.as_str()));
    // The module named after `from`/`import`, and what `from` imports.
    let star = import.names.iter().any(|n| n == "*");
    let module_use = if entry_only {
        Use::Entry
    } else if import.names.is_empty() || star {
        Use::Whole
    } else {
        Use::Names
    };
    let wanted = |base: &str| -> Vec<(String, Use)> {
        let module = join(base, &import.module);
        let mut out = vec![(module.clone(), module_use)];
        out.extend(
            import
                .names
                .iter()
                .filter(|n| *n != "*")
                .map(|n| (join(&module, n), Use::Whole)),
        );
        // The packages on the way: `import a.b` runs `a/__init__.py`.
        let mut package = base.to_owned();
        for part in import.module.split('.').filter(|p| !p.is_empty()) {
            package = join(&package, part);
            if package != module {
                out.push((package.clone(), Use::Package));
            }
        }
        out.retain(|(m, _)| modules.contains(m.as_str()));
        out
    };
    if import.level > 0 {
        let mut base = directory.to_owned();
        for _ in 1..import.level {
            base = base
                .rsplit_once('/')
                .map_or(String::new(), |(up, _)| up.to_owned());
        }
        return wanted(&base);
    }
    let top = import.module.split('.').next().unwrap_or("");
    if top.is_empty() || python::is_stdlib_module(top) {
        return Vec::new();
    }
    // From the importer's directory up to the root: the nearest wins.
    let mut base = Some(directory.to_owned());
    while let Some(dir) = base {
        let found = wanted(&dir);
        let module = join(&dir, &import.module);
        if found.iter().any(|(m, _)| *m == module) {
            return found;
        }
        base = (!dir.is_empty()).then(|| {
            dir.rsplit_once('/')
                .map_or(String::new(), |(up, _)| up.to_owned())
        });
    }
    Vec::new()
}

/// Facts by path, for tests: `(path, text)` pairs.
#[cfg(test)]
pub fn from_texts(files: &[(&str, &str)]) -> Project {
    let facts: Vec<(PathBuf, ModuleFacts)> = files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), ModuleFacts::scan(t.as_bytes())))
        .collect();
    Project::from_facts(&facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_modules_absolute_relative_and_from_a_script_directory() {
        let project = from_texts(&[
            (
                "./bot.py",
                "from cogs import utils\nimport logging\nfrom util.defs import x\n",
            ),
            ("./cogs/__init__.py", ""),
            ("./cogs/utils.py", "from .helpers import h\n"),
            ("./cogs/helpers.py", ""),
            ("./cogs/logging.py", "import logging\n"),
            ("./cogs/alone.py", "import os\n"),
            ("./util/defs.py", ""),
            ("tools/crawler/webcrawler.py", "from lib.log import log\n"),
            ("tools/crawler/lib/log.py", ""),
            ("tools/other.py", "import webcrawler\n"),
            ("cmd/__init__.py", "from .tool import main as tool\n"),
            ("cmd/tool.py", ""),
        ]);
        for imported in [
            "cogs/utils.py",
            "cogs/__init__.py",
            "./cogs/helpers.py",
            "util/defs.py",
            "tools/crawler/lib/log.py",
        ] {
            assert!(project.is_imported(Path::new(imported)), "{imported}");
        }
        for alone in [
            "bot.py",
            "cogs/logging.py",
            "cogs/alone.py",
            "tools/crawler/webcrawler.py",
            "cmd/tool.py",
        ] {
            assert!(!project.is_imported(Path::new(alone)), "{alone}");
        }
        assert!(!Project::default().is_imported(Path::new("cogs/utils.py")));
        assert!(project.may_use(Path::new("cogs/helpers.py"), "h"));
        assert!(!project.may_use(Path::new("cogs/helpers.py"), "other"));
        assert!(project.may_use(Path::new("cogs/utils.py"), "anything"));
    }

    #[test]
    fn functions_imported_from_project_modules() {
        let project = from_texts(&[
            (
                "bot/handlers/a.py",
                "from utils import exists, helper\nimport os\n",
            ),
            (
                "bot/utils.py",
                "async def exists(e):\n    return await db.fetchrow(q) is not None\n\ndef helper():\n    pass\n",
            ),
        ]);
        let importer = Path::new("bot/handlers/a.py");
        assert!(matches!(
            project.imported_function(importer, "exists"),
            Some(Some(source)) if source.starts_with("async def exists(e):")
        ));
        assert_eq!(project.imported_function(importer, "helper"), Some(None));
        assert_eq!(project.imported_function(importer, "os"), None);
        assert_eq!(
            project.imported_function(Path::new("bot/utils.py"), "exists"),
            None
        );
    }

    #[test]
    fn logging_facts() {
        assert_eq!(Project::default().configures_logging(), None);
        let none = from_texts(&[(
            "a.py",
            "import logging\nlog = logging.getLogger(__name__)\n",
        )]);
        assert_eq!(none.configures_logging(), Some(false));
        assert_eq!(none.module_loggers_shown(), Some(false));
        let named = from_texts(&[
            (
                "bot.py",
                "logger = logging.getLogger('discord')\nlogger.addHandler(h)\n",
            ),
            ("cogs/a.py", "log = logging.getLogger('discord')\n"),
            ("cogs/b.py", "log = logging.getLogger(\"discord\")\n"),
        ]);
        assert_eq!(named.configures_logging(), Some(true));
        assert_eq!(named.module_loggers_shown(), Some(false));
        assert_eq!(named.logger_convention(), Some("discord"));
        let root = from_texts(&[
            ("main.py", "logging.basicConfig(level=logging.INFO)\n"),
            ("a.py", "log = logging.getLogger('app')\n"),
            ("b.py", "log = logging.getLogger('app')\n"),
        ]);
        assert_eq!(root.module_loggers_shown(), Some(true));
        // No handler on "app": no convention to follow.
        assert_eq!(root.logger_convention(), None);
    }
}
