//! The codemod contract and the single traversal that serves all codemods.
//!
//! A codemod declares the node kinds it wants to see and, optionally, byte
//! strings ("triggers") without which it has nothing to do. The [`Engine`]
//! builds, once per run, a table from tree-sitter kind id to the codemods
//! interested in it, and an Aho–Corasick automaton over every trigger. Per
//! file it scans the bytes once for triggers (no trigger of any codemod: the
//! file is not even parsed), then walks the tree ONCE with a cursor,
//! handing each node to the active codemods registered for its kind.
//! Codemods return [`Finding`]s through the [`Checker`]; they never touch
//! files, git or stdout.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use aho_corasick::AhoCorasick;
use tree_sitter::{Node, Tree};

use crate::fix::{Applicability, Fix, TextRange};
use crate::project::Project;
use crate::source::{LineIndex, Location, Stylist};

/// Audit priority: P1 is the most urgent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = match self {
            Priority::P1 => 1,
            Priority::P2 => 2,
            Priority::P3 => 3,
            Priority::P4 => 4,
        };
        write!(f, "P{n}")
    }
}

/// What a codemod is, independent of its options.
#[derive(Debug)]
pub struct Meta {
    /// kebab-case id, also the file name in snake case.
    pub id: &'static str,
    /// Category for the audit report (e.g. "reliability", "security").
    pub category: &'static str,
    pub priority: Priority,
    /// The best applicability this codemod's fixes can have.
    pub fix: Applicability,
    /// One line for `auditfix list`.
    pub summary: &'static str,
}

/// A codemod: sees dispatched nodes, reports findings.
pub trait Codemod: Send + Sync {
    fn meta(&self) -> &'static Meta;

    /// Node kinds (named kinds of tree-sitter-python) to be dispatched.
    fn kinds(&self) -> &'static [&'static str];

    /// Byte strings of which at least one must occur in a file for this
    /// codemod to find anything there. Empty: always run.
    fn triggers(&self) -> Vec<String> {
        Vec::new()
    }

    /// Look at one node of a dispatched kind and report through `cx`.
    fn check(&self, node: Node<'_>, cx: &mut Checker<'_>);

    /// Whether it reads [`Checker::project`]: the project pass runs only
    /// when an enabled codemod does.
    fn uses_project(&self) -> bool {
        false
    }
}

/// What we saw (and, if we know how, what we would change).
#[derive(Clone, Debug)]
pub struct Finding {
    pub codemod: &'static str,
    pub priority: Priority,
    pub range: TextRange,
    pub location: Location,
    pub message: String,
    pub fix: Option<Fix>,
}

impl Finding {
    /// The applicability of the fix, `ReportOnly` when there is none.
    pub fn applicability(&self) -> Applicability {
        self.fix
            .as_ref()
            .map_or(Applicability::ReportOnly, |f| f.applicability)
    }
}

/// File-wide facts by name and argument (see [`Checker::memo`]).
type Memo = HashMap<(&'static str, String), Box<dyn Any>>;

/// The per-file context handed to codemods.
pub struct Checker<'a> {
    pub text: &'a str,
    pub stylist: &'a Stylist,
    pub root: Node<'a>,
    lines: &'a LineIndex,
    meta: &'static Meta,
    findings: Vec<Finding>,
    /// Comment ranges of the file, collected on first need.
    comments: std::cell::OnceCell<Vec<TextRange>>,
    /// Whether the path is a test module, decided on first need.
    test_file: std::cell::OnceCell<bool>,
    /// Module-level import bindings, collected on first need.
    imports: std::cell::OnceCell<std::collections::HashMap<String, String>>,
    /// The file's path as the driver got it (see [`Checker::path`]).
    path: Option<&'a Path>,
    /// File-wide facts computed once (see [`Checker::memo`]).
    memo: std::cell::RefCell<Memo>,
    /// Facts about the whole project (see [`Checker::project`]).
    project: &'a Project,
    /// What codemods deliberately did not report (see [`Checker::leave_alone`]).
    left_alone: LeftAlone,
}

/// Counts of what codemods looked at and deliberately left alone, by
/// codemod id and reason: the policy at work, for the audit report.
pub type LeftAlone = std::collections::BTreeMap<(&'static str, &'static str), usize>;

impl<'a> Checker<'a> {
    pub fn new(text: &'a str, tree: &'a Tree, stylist: &'a Stylist, lines: &'a LineIndex) -> Self {
        Self {
            text,
            stylist,
            root: tree.root_node(),
            lines,
            meta: &PLACEHOLDER_META,
            findings: Vec::new(),
            comments: std::cell::OnceCell::new(),
            imports: std::cell::OnceCell::new(),
            test_file: std::cell::OnceCell::new(),
            path: None,
            memo: std::cell::RefCell::new(HashMap::new()),
            project: &NO_PROJECT,
            left_alone: LeftAlone::new(),
        }
    }

    /// The same checker, told the facts of the project the file is part of.
    pub fn with_project(mut self, project: &'a Project) -> Self {
        self.project = project;
        self
    }

    /// Facts about the whole set of files checked together (see
    /// [`crate::project`]): which modules other modules import, how the
    /// project sets logging up. Empty when the file is checked alone.
    pub fn project(&self) -> &'a Project {
        self.project
    }

    /// The same checker, told the path of the file it checks.
    pub fn with_path(mut self, path: &'a Path) -> Self {
        self.path = Some(path);
        self
    }

    /// The path of the file being checked, as discovered (relative to the
    /// working directory, or to the repository root in branch mode; may be
    /// absolute). `None` when the text has no file (unit tests). Codemods
    /// use it for conventions that live in paths — test modules, scripts —
    /// never to read anything.
    pub fn path(&self) -> Option<&'a Path> {
        self.path
    }

    /// Whether the file's path matches one of `globs`; false when there is
    /// no path.
    pub fn path_matches(&self, globs: &PathGlobs) -> bool {
        self.path.is_some_and(|path| globs.matches(path))
    }

    /// Whether the file is a test module by the pytest / unittest
    /// conventions: `test_*.py`, `*_test.py`, `tests.py`, `conftest.py`, or
    /// any file under a `tests`, `test` or `testing` (test support) directory.
    pub fn is_test_file(&self) -> bool {
        *self
            .test_file
            .get_or_init(|| self.path_matches(test_file_globs()))
    }

    /// A file-wide fact, computed by `compute` on first need and kept for
    /// the rest of this check of the file. `key` names the fact (and its
    /// argument, if any). Anything that scans the whole module on behalf
    /// of one finding goes through here: done per finding, a file with
    /// many findings would cost time quadratic in its size.
    pub fn memo<T: Clone + 'static>(
        &self,
        key: (&'static str, &str),
        compute: impl FnOnce() -> T,
    ) -> T {
        let found = self
            .memo
            .borrow()
            .get(&(key.0, key.1.to_owned()))
            .and_then(|value| value.downcast_ref::<T>())
            .cloned();
        if let Some(value) = found {
            return value;
        }
        // Not borrowed while computing: `compute` may use other facts.
        let value = compute();
        self.memo
            .borrow_mut()
            .insert((key.0, key.1.to_owned()), Box::new(value.clone()));
        value
    }

    /// The module-level import bindings of the file (see
    /// [`python::module_import_bindings`](crate::python::module_import_bindings)),
    /// computed once per file.
    pub fn import_bindings(&self) -> &std::collections::HashMap<String, String> {
        self.imports
            .get_or_init(|| crate::python::module_import_bindings(self.text, self.root))
    }

    /// What the module-level import bound `name` to.
    pub fn import_binding(&self, name: &str) -> Option<&str> {
        self.import_bindings().get(name).map(String::as_str)
    }

    /// `sp.run` → `subprocess.run` through the module's imports (see
    /// [`python::qualified_name_with`](crate::python::qualified_name_with)).
    pub fn qualified_name(&self, expr: Node) -> Option<String> {
        crate::python::qualified_name_with(self.import_bindings(), self.text, expr)
    }

    /// [`qualified_name`](Self::qualified_name) only when the first name
    /// is bound by a module-level import (see
    /// [`python::imported_qualified_name_with`](crate::python::imported_qualified_name_with)).
    pub fn imported_name(&self, expr: Node) -> Option<String> {
        crate::python::imported_qualified_name_with(self.import_bindings(), self.text, expr)
    }

    /// The source text of a node.
    pub fn node_text(&self, node: Node) -> &'a str {
        &self.text[node.byte_range()]
    }

    /// Report a finding on `range`, for the codemod currently running.
    pub fn report(
        &mut self,
        range: impl Into<TextRange>,
        message: impl Into<String>,
        fix: Option<Fix>,
    ) {
        let range = range.into();
        let fix = fix.map(|fix| self.keep_comments(fix));
        self.findings.push(Finding {
            codemod: self.meta.id,
            priority: self.meta.priority,
            range,
            location: self.lines.location(self.text, range.start),
            message: message.into(),
            fix,
        });
    }

    /// A safe fix that would delete a comment (one inside a replaced range
    /// whose text none of the fix's edits puts back) becomes unsafe: the
    /// comment may carry meaning a reviewer must see go.
    fn keep_comments(&self, fix: Fix) -> Fix {
        if fix.applicability != Applicability::Safe {
            return fix;
        }
        // A comment starts with `#`: a fix whose replaced text has none
        // cannot delete one, and the tree is not walked for it.
        let text = self.text.as_bytes();
        if !fix
            .edits()
            .iter()
            .any(|edit| text[edit.range.as_range()].contains(&b'#'))
        {
            return fix;
        }
        let comments = self.comments.get_or_init(|| {
            let mut found = Vec::new();
            crate::python::walk_descendants(self.root, |node| {
                if node.kind() == "comment" {
                    found.push(TextRange::from(node.byte_range()));
                }
                true
            });
            found
        });
        let lost = fix.edits().iter().any(|edit| {
            comments.iter().any(|comment| {
                edit.range.contains_range(*comment)
                    && !fix
                        .edits()
                        .iter()
                        .any(|e| e.content.contains(&self.text[comment.as_range()]))
            })
        });
        if lost {
            Fix::new(fix.edits().to_vec(), Applicability::Unsafe)
        } else {
            fix
        }
    }

    /// Count one instance of the pattern that the running codemod leaves
    /// alone on purpose, with the reason (a short phrase, e.g. "marked
    /// `# nosec`", "a script module"): a reviewer reads these counts in the
    /// audit report to see the policy at work.
    pub fn leave_alone(&mut self, reason: &'static str) {
        *self.left_alone.entry((self.meta.id, reason)).or_default() += 1;
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// The findings and the left-alone counts.
    pub fn into_parts(self) -> (Vec<Finding>, LeftAlone) {
        (self.findings, self.left_alone)
    }
}

static NO_PROJECT: std::sync::LazyLock<Project> = std::sync::LazyLock::new(Project::default);

static PLACEHOLDER_META: Meta = Meta {
    id: "",
    category: "",
    priority: Priority::P4,
    fix: Applicability::ReportOnly,
    summary: "",
};

/// The enabled codemods, with the dispatch table and trigger automaton
/// built once and shared (read-only) by every worker thread.
pub struct Engine {
    codemods: Vec<Arc<dyn Codemod>>,
    /// kind id → indices into `codemods`.
    dispatch: Vec<Vec<usize>>,
    triggers: Option<AhoCorasick>,
    /// pattern index → codemod index.
    trigger_owner: Vec<usize>,
    /// codemods without triggers (always active).
    always: Vec<bool>,
    /// Whether trigger scanning may skip codemods (off only to measure).
    use_triggers: bool,
    /// The project the files belong to (see [`Engine::with_project`]).
    project: Arc<Project>,
}

impl Engine {
    pub fn new(codemods: Vec<Arc<dyn Codemod>>) -> Self {
        let language = crate::parse::language();
        let mut dispatch = vec![Vec::new(); language.node_kind_count()];
        for (index, codemod) in codemods.iter().enumerate() {
            for kind in codemod.kinds() {
                let id = language.id_for_node_kind(kind, true);
                assert!(
                    id != 0,
                    "codemod {} asks for unknown node kind `{kind}`",
                    codemod.meta().id
                );
                dispatch[usize::from(id)].push(index);
            }
        }
        let mut patterns = Vec::new();
        let mut trigger_owner = Vec::new();
        let mut always = Vec::new();
        for (index, codemod) in codemods.iter().enumerate() {
            let triggers = codemod.triggers();
            always.push(triggers.is_empty());
            for trigger in triggers {
                patterns.push(trigger);
                trigger_owner.push(index);
            }
        }
        let triggers = (!patterns.is_empty()).then(|| {
            // A DFA: more memory than the default automaton (still
            // small for these literals), fewer instructions per byte
            // of every file scanned.
            AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&patterns)
                .expect("trigger strings are plain literals")
        });
        Self {
            codemods,
            dispatch,
            triggers,
            trigger_owner,
            always,
            use_triggers: true,
            project: Arc::new(Project::default()),
        }
    }

    /// The same engine, checking files of `project` (handed to every
    /// checker as [`Checker::project`]).
    pub fn with_project(mut self, project: Arc<Project>) -> Self {
        self.project = project;
        self
    }

    pub fn project(&self) -> &Project {
        &self.project
    }

    /// Run every codemod on every file, ignoring triggers: for benchmarks
    /// that measure the traversal itself.
    pub fn without_triggers(mut self) -> Self {
        self.use_triggers = false;
        self
    }

    pub fn codemods(&self) -> &[Arc<dyn Codemod>] {
        &self.codemods
    }

    /// Which codemods can find something in `text` (by their triggers).
    pub fn active(&self, text: &str) -> Vec<bool> {
        if !self.use_triggers {
            return vec![true; self.codemods.len()];
        }
        let mut active = self.always.clone();
        if let Some(automaton) = &self.triggers {
            for m in automaton.find_overlapping_iter(text) {
                active[self.trigger_owner[m.pattern().as_usize()]] = true;
            }
        }
        active
    }

    /// Walk the tree once, dispatching each node to the active codemods
    /// registered for its kind. Iterative: deep nesting cannot overflow.
    pub fn check(&self, cx: &mut Checker<'_>, tree: &Tree, active: &[bool]) {
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            if let Some(interested) = self.dispatch.get(usize::from(node.kind_id())) {
                for &index in interested {
                    if active[index] {
                        let codemod = &self.codemods[index];
                        cx.meta = codemod.meta();
                        codemod.check(node, cx);
                    }
                }
            }
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            loop {
                if !cursor.goto_parent() {
                    return;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
            }
        }
    }
}

/// Reads a codemod's `[tool.auditfix.<id>]` table with errors that name
/// the key. Unknown keys are an error (a typo must not be silently ignored).
pub struct Options<'t> {
    id: &'static str,
    table: &'t toml::Table,
    used: Vec<&'static str>,
}

/// A bad codemod option: the message names the table and key.
#[derive(Debug, thiserror::Error)]
#[error("[tool.auditfix.{id}] {key}: {reason}")]
pub struct OptionError {
    pub id: &'static str,
    pub key: String,
    pub reason: String,
}

impl<'t> Options<'t> {
    pub fn new(id: &'static str, table: &'t toml::Table) -> Self {
        Self {
            id,
            table,
            used: Vec::new(),
        }
    }

    pub fn error(&self, key: &str, reason: impl Into<String>) -> OptionError {
        OptionError {
            id: self.id,
            key: key.to_owned(),
            reason: reason.into(),
        }
    }

    pub fn string(&mut self, key: &'static str) -> Result<Option<String>, OptionError> {
        self.used.push(key);
        match self.table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.error(
                key,
                format!("expected a string, found {}", other.type_str()),
            )),
        }
    }

    pub fn string_list(&mut self, key: &'static str) -> Result<Option<Vec<String>>, OptionError> {
        self.used.push(key);
        let Some(value) = self.table.get(key) else {
            return Ok(None);
        };
        let Some(items) = value.as_array() else {
            return Err(self.error(
                key,
                format!("expected a list of strings, found {}", value.type_str()),
            ));
        };
        items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.error(key, "expected a list of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// A number (TOML integer or float).
    pub fn number(&mut self, key: &'static str) -> Result<Option<f64>, OptionError> {
        self.used.push(key);
        match self.table.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(n)) => Ok(Some(*n as f64)),
            Some(toml::Value::Float(x)) => Ok(Some(*x)),
            Some(other) => Err(self.error(
                key,
                format!("expected a number, found {}", other.type_str()),
            )),
        }
    }

    /// A boolean.
    pub fn bool(&mut self, key: &'static str) -> Result<Option<bool>, OptionError> {
        self.used.push(key);
        match self.table.get(key) {
            None => Ok(None),
            Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
            Some(other) => Err(self.error(
                key,
                format!("expected true or false, found {}", other.type_str()),
            )),
        }
    }

    /// Call last: rejects keys nobody asked for.
    pub fn finish(self) -> Result<(), OptionError> {
        match self.table.keys().find(|k| !self.used.contains(&k.as_str())) {
            Some(key) => Err(self.error(
                key,
                format!(
                    "unknown option (known: {})",
                    if self.used.is_empty() {
                        "none".to_owned()
                    } else {
                        self.used.join(", ")
                    }
                ),
            )),
            None => Ok(()),
        }
    }
}

/// Whether `text` (a comment or a line) holds `auditfix: ignore` for all
/// codemods or `auditfix: ignore[id, …]` naming `id` (see
/// [`python::auditfix_ignore_covers`](crate::python::auditfix_ignore_covers),
/// the one marker parser).
pub fn ignore_comment_covers(text: &str, id: &str) -> bool {
    crate::python::auditfix_ignore_covers(text, id)
}

/// Path globs, compiled once (globset; gitignore-like syntax: `*` and `?`
/// stay within a path component, `**` spans components). A pattern is
/// matched against the *end* of a path, so it needs no leading `**/`:
/// `scripts/*` matches `scripts/seed.py` and `tools/scripts/seed.py` (not
/// `scripts/sub/seed.py`: use `scripts/**`), and `manage.py` matches a
/// `manage.py` in any directory.
#[derive(Debug, Clone)]
pub struct PathGlobs(globset::GlobSet);

impl PathGlobs {
    pub fn new<S: AsRef<str>>(globs: &[S]) -> Result<Self, String> {
        let mut builder = globset::GlobSetBuilder::new();
        for glob in globs {
            let glob = glob.as_ref().trim_start_matches("./");
            if glob.is_empty() {
                return Err("empty glob".to_owned());
            }
            let anchored = format!("**/{}", glob.trim_start_matches('/'));
            let compiled = globset::GlobBuilder::new(&anchored)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("`{glob}`: {e}"))?;
            builder.add(compiled);
        }
        builder.build().map(Self).map_err(|e| e.to_string())
    }

    pub fn matches(&self, path: &Path) -> bool {
        self.0.is_match(path)
    }
}

/// The pytest / unittest conventions for test modules.
fn test_file_globs() -> &'static PathGlobs {
    static GLOBS: std::sync::OnceLock<PathGlobs> = std::sync::OnceLock::new();
    GLOBS.get_or_init(|| {
        PathGlobs::new(&[
            "test_*.py",
            "*_test.py",
            "tests.py",
            "conftest.py",
            "tests/**",
            "test/**",
            "testing/**",
        ])
        .expect("built-in globs are valid")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::Edit;

    #[test]
    fn bool_options() {
        let table: toml::Table = "a = true\nb = \"yes\"\n".parse().unwrap();
        let mut options = Options::new("x", &table);
        assert_eq!(options.bool("a").unwrap(), Some(true));
        assert!(options
            .bool("b")
            .unwrap_err()
            .to_string()
            .contains("true or false"));
        assert_eq!(options.bool("c").unwrap(), None);
        assert!(options.finish().is_ok());
    }

    #[test]
    fn test_paths_are_recognised() {
        for path in [
            "tests/settings.py",
            "pkg/test/util.py",
            "test_app.py",
            "app/settings_test.py",
            "conftest.py",
            "app/tests.py",
        ] {
            assert!(test_file_globs().matches(Path::new(path)), "{path}");
        }
        for path in [
            "settings.py",
            "testing.py",
            "contest.py",
            "latest_news.py",
            "pytest_plugin/app.py",
            "attest/app.py",
        ] {
            assert!(!test_file_globs().matches(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn a_safe_fix_that_drops_a_comment_becomes_unsafe() {
        let text = "x = (1  # keep me\n)\n";
        let tree = crate::parse::parse(text);
        let stylist = Stylist::detect(text, &tree);
        let lines = LineIndex::new(text);
        let mut cx = Checker::new(text, &tree, &stylist, &lines);
        let all = TextRange::new(4, 19);
        cx.report(
            all,
            "drops",
            Some(Fix::safe(vec![Edit::replacement(all, "2")])),
        );
        let kept = Edit::replacement(all, "(2  # keep me\n)");
        cx.report(all, "keeps", Some(Fix::safe(vec![kept])));
        let moved = vec![
            Edit::replacement(all, "2"),
            Edit::insertion(0, "# keep me\n"),
        ];
        cx.report(all, "moves", Some(Fix::safe(moved)));
        let applicabilities: Vec<_> = cx
            .into_findings()
            .iter()
            .map(Finding::applicability)
            .collect();
        assert_eq!(
            applicabilities,
            vec![
                Applicability::Unsafe,
                Applicability::Safe,
                Applicability::Safe
            ]
        );
    }

    #[test]
    fn path_globs_match_the_end_of_the_path() {
        let matches =
            |path: &str, glob: &str| PathGlobs::new(&[glob]).unwrap().matches(Path::new(path));
        assert!(matches("scripts/seed.py", "scripts/*"));
        assert!(matches("/repo/tools/scripts/seed.py", "scripts/*"));
        assert!(!matches("scripts/sub/seed.py", "scripts/*"));
        assert!(matches("scripts/sub/seed.py", "scripts/**"));
        assert!(matches("./app/manage.py", "manage.py"));
        assert!(!matches("app/manage.pyc", "manage.py"));
        assert!(matches("pkg/tests/unit/x.py", "tests/**"));
        assert!(matches("pkg/test_models.py", "test_*.py"));
        assert!(!matches("pkg/contest.py", "test_*.py"));
        assert!(matches(
            "a/management/commands/load.py",
            "management/commands/*.py"
        ));
        assert!(matches("x_test.py", "*_test.py"));
        assert!(matches("ab.py", "a?.py"));
        assert!(matches("aXbYc.py", "a*b*c.py"));
        assert!(PathGlobs::new(&[""]).is_err());
        assert!(matches("a/b/c/d.py", "b/**/d.py"));
    }

    #[test]
    fn the_checker_knows_its_path() {
        let text = "x = 1\n";
        let tree = crate::parse::parse(text);
        let stylist = Stylist::detect(text, &tree);
        let lines = LineIndex::new(text);
        let cx = Checker::new(text, &tree, &stylist, &lines);
        assert!(cx.path().is_none() && !cx.is_test_file());
        let path = Path::new("pkg/tests/helpers.py");
        let cx = Checker::new(text, &tree, &stylist, &lines).with_path(path);
        assert_eq!(cx.path(), Some(path));
        assert!(cx.is_test_file() && cx.path_matches(&PathGlobs::new(&["helpers.py"]).unwrap()));
    }
}
