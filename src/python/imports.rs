//! The import table: what each module-level name is bound to by an
//! import, and qualified names through aliases (`import subprocess as sp;
//! sp.run` → `subprocess.run`).

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use std::collections::HashMap;
#[allow(unused_imports)]
use tree_sitter::Node;

/// One name bound by an import statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// The module imported (`a.b` for `import a.b` and `from a.b import c`;
    /// relative imports keep their dots: `.models`).
    pub module: String,
    /// The member imported by `from … import name` (`*` for a star import).
    pub name: Option<String>,
    /// The name bound in the module: `a` for `import a.b`, the alias for
    /// `as`, the member otherwise.
    pub alias: String,
}

/// The imports of a module: module-level import statements, also inside
/// `if`, `try` and `with` blocks (`try: import ujson as json`), but not
/// those inside functions or classes. In source order.
pub fn module_imports(text: &str, root: Node<'_>) -> Vec<Import> {
    let mut imports = Vec::new();
    walk_descendants(root, |node| match node.kind() {
        "module"
        | "block"
        | "if_statement"
        | "elif_clause"
        | "else_clause"
        | "try_statement"
        | "except_clause"
        | "except_group_clause"
        | "finally_clause"
        | "with_statement" => true,
        "import_statement" => {
            for child in named_children(node) {
                let (dotted, alias) = match child.kind() {
                    "dotted_name" => (child, None),
                    "aliased_import" => match (child.field("name"), child.field("alias")) {
                        (Some(name), Some(alias)) => (name, Some(alias)),
                        _ => continue,
                    },
                    _ => continue,
                };
                let module = self::text(text, dotted).to_owned();
                let alias = match alias {
                    Some(alias) => self::text(text, alias).to_owned(),
                    None => module.split('.').next().unwrap_or("").to_owned(),
                };
                imports.push(Import {
                    module,
                    name: None,
                    alias,
                });
            }
            false
        }
        "import_from_statement" => {
            let Some(module) = node.field("module_name") else {
                return false;
            };
            let module = self::text(text, module).to_owned();
            let mut cursor = node.walk();
            let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
            for child in names {
                let (name, alias) = match child.kind() {
                    "aliased_import" => match (child.field("name"), child.field("alias")) {
                        (Some(name), Some(alias)) => (name, alias),
                        _ => continue,
                    },
                    _ => (child, child),
                };
                imports.push(Import {
                    module: module.clone(),
                    name: Some(self::text(text, name).to_owned()),
                    alias: self::text(text, alias).to_owned(),
                });
            }
            if named_children(node)
                .iter()
                .any(|c| c.kind() == "wildcard_import")
            {
                imports.push(Import {
                    module,
                    name: Some("*".to_owned()),
                    alias: "*".to_owned(),
                });
            }
            false
        }
        _ => false,
    });
    imports
}

/// Every name the module-level imports bind, with the qualified name it is
/// bound to: `import a.b` binds `a` to `a`; `import a.b as x` binds `x` to
/// `a.b`; `from a import b as c` binds `c` to `a.b` (relative imports keep
/// their dots: `.m.b`). Imports nested in module-level `if` / `try` blocks
/// count; imports inside functions and classes do not. The last binding in
/// the file wins. Built once per file (see [`Checker::qualified_name`](crate::codemod::Checker::qualified_name)).
pub fn module_import_bindings(text: &str, root: Node<'_>) -> HashMap<String, String> {
    let mut found: HashMap<String, (usize, String)> = HashMap::new();
    let mut keep = |at: usize, (bound, target): (String, String)| {
        let later = found
            .get(&bound)
            .is_none_or(|(previous, _)| *previous <= at);
        if later {
            found.insert(bound, (at, target));
        }
    };
    let mut blocks = vec![root];
    while let Some(block) = blocks.pop() {
        for statement in named_children(block) {
            let from = match statement.kind() {
                "import_statement" => None,
                "import_from_statement" => match statement.field("module_name") {
                    Some(module) => Some(self::text(text, module)),
                    None => continue,
                },
                "if_statement" | "try_statement" | "elif_clause" | "else_clause"
                | "except_clause" | "finally_clause" | "block" => {
                    blocks.push(statement);
                    continue;
                }
                _ => continue,
            };
            let mut cursor = statement.walk();
            for imported in statement.children_by_field_name("name", &mut cursor) {
                if let Some(binding) = import_binding(text, imported, from) {
                    keep(statement.start_byte(), binding);
                }
            }
        }
    }
    found
        .into_iter()
        .map(|(name, (_, target))| (name, target))
        .collect()
}

/// The qualified name a module-level import binds `name` to (see
/// [`module_import_bindings`]).
pub fn module_import_binding(text: &str, root: Node<'_>, name: &str) -> Option<String> {
    module_import_bindings(text, root).remove(name)
}

/// The name one imported item binds, and what it binds it to.
fn import_binding(text: &str, imported: Node<'_>, from: Option<&str>) -> Option<(String, String)> {
    let (dotted, alias) = match imported.kind() {
        "aliased_import" => (
            self::text(text, imported.field("name")?),
            Some(self::text(text, imported.field("alias")?)),
        ),
        "dotted_name" => (self::text(text, imported), None),
        _ => return None,
    };
    Some(match (from, alias) {
        (None, Some(alias)) => (alias.to_owned(), dotted.to_owned()),
        (None, None) => {
            let head = dotted.split('.').next()?;
            (head.to_owned(), head.to_owned())
        }
        (Some(module), alias) => {
            let joined = if module.ends_with('.') {
                format!("{module}{dotted}")
            } else {
                format!("{module}.{dotted}")
            };
            (alias.unwrap_or(dotted).to_owned(), joined)
        }
    })
}

/// `a.b.c` with its first name resolved through `bindings` (see
/// [`module_import_bindings`]): `sp.run` → `subprocess.run` after `import
/// subprocess as sp`, `loads` → `json.loads` after `from json import
/// loads`. A first name no module-level import binds is kept as written
/// (it may be imported inside the function).
pub fn qualified_name_with(
    bindings: &HashMap<String, String>,
    text: &str,
    expr: Node<'_>,
) -> Option<String> {
    let dotted = dotted_name(text, expr)?;
    let (head, rest) = match dotted.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (dotted.as_str(), None),
    };
    let head = bindings.get(head).map_or(head, String::as_str);
    Some(match rest {
        Some(rest) => format!("{head}.{rest}"),
        None => head.to_owned(),
    })
}

/// [`qualified_name_with`] the module's bindings, computed for this one
/// call: codemods use [`Checker::qualified_name`](crate::codemod::Checker::qualified_name),
/// which computes them once per file.
pub fn qualified_name(text: &str, root: Node<'_>, expr: Node<'_>) -> Option<String> {
    qualified_name_with(&module_import_bindings(text, root), text, expr)
}

/// Whether `dotted` (`np`, `os.path`, `osp`) is a module bound by an
/// `import` statement: `import numpy as np`, `import os.path as osp`,
/// `import os.path` (which makes `os` and `os.path` modules). Names bound by
/// `from m import x` are not counted: `x` may be a module or anything else
/// (callers that know a member is a module check its qualified name).
pub fn names_imported_module(imports: &[Import], dotted: &str) -> bool {
    imports.iter().any(|import| {
        if import.name.is_some() {
            return false;
        }
        if import.alias == dotted {
            return true;
        }
        // `import a.b.c` binds `a`: `a`, `a.b` and `a.b.c` are modules.
        let head = import.module.split('.').next().unwrap_or_default();
        import.alias == head
            && (import.module == dotted
                || import
                    .module
                    .strip_prefix(dotted)
                    .is_some_and(|rest| rest.starts_with('.')))
    })
}

/// [`qualified_name_with`] only when the first name is bound by a
/// module-level import: `os.getenv` is `Some("os.getenv")` after `import
/// os` and `None` when `os` is not imported (it may be a parameter, a local
/// object of the same name).
pub fn imported_qualified_name_with(
    bindings: &HashMap<String, String>,
    text: &str,
    expr: Node<'_>,
) -> Option<String> {
    let dotted = dotted_name(text, expr)?;
    let head = dotted.split('.').next()?;
    bindings.contains_key(head).then_some(())?;
    qualified_name_with(bindings, text, expr)
}

/// One import statement found by [`scan_imports`]: how many leading dots
/// (0 for an absolute import), the module named after `from` / `import`,
/// and the names imported from it (empty for `import a.b`; `*` kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLine {
    pub level: usize,
    pub module: String,
    pub names: Vec<String>,
}

/// The import statements of a module by a scan of its lines, without
/// parsing: `import a.b, c as d` (one [`ImportLine`] per module), `from
/// .x import (y, z)` over several lines, backslash continuations, and
/// statements after `;`. Imports inside functions and `try` blocks count
/// too; lines inside a triple-quoted string are skipped (a line that opens
/// or closes one is judged by its text before the quotes). Cheap enough to
/// run over a whole project before the per-file work.
pub fn scan_imports(text: &str) -> Vec<ImportLine> {
    // Only lines with a triple quote (which may open or close a string),
    // `import` or `from ` (`from m \\` continued by `import x`) can change
    // the scan's state or start an import: one pass of an automaton finds
    // them, and the lines between are skipped.
    static INTERESTING: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::new(["\"\"\"", "'''", "import", "from "])
                .expect("fixed patterns")
        });
    let mut out = Vec::new();
    let mut in_string: Option<u8> = None;
    // Where the next unread line starts.
    let mut next = 0;
    for found in INTERESTING.find_iter(text) {
        if found.start() < next {
            continue;
        }
        let start = text[..found.start()].rfind('\n').map_or(0, |i| i + 1);
        let mut lines = Lines { text, at: start };
        let Some(line) = lines.next() else { break };
        scan_import_line(line, &mut lines, &mut in_string, &mut out);
        next = lines.at;
    }
    out
}

/// The lines of `text` from byte `at` on, as `str::lines` splits them,
/// telling where the next one starts.
struct Lines<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> Iterator for Lines<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        let rest = self.text.get(self.at..).filter(|r| !r.is_empty())?;
        let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
        self.at += end;
        let line = &rest[..end];
        let line = line.strip_suffix('\n').unwrap_or(line);
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// One line of [`scan_imports`]: the triple-quoted string state it leaves,
/// and the import statement it starts (reading its continuation lines).
fn scan_import_line<'t>(
    line: &str,
    lines: &mut impl Iterator<Item = &'t str>,
    in_string: &mut Option<u8>,
    out: &mut Vec<ImportLine>,
) {
    let started_in_string = in_string.is_some();
    *in_string = triple_quotes_after(line, *in_string);
    if started_in_string {
        return;
    }
    let trimmed = line.trim_start();
    if !(trimmed.starts_with("import ") || trimmed.starts_with("from ")) {
        return;
    }
    let mut statement = strip_comment(trimmed).to_owned();
    // Continuations: a backslash, or an open parenthesis.
    loop {
        let open = statement.matches('(').count() > statement.matches(')').count();
        let backslash = statement.trim_end().ends_with('\\');
        if !open && !backslash {
            break;
        }
        let Some(next) = lines.next() else { break };
        if backslash {
            statement.truncate(statement.trim_end().len() - 1);
        }
        statement.push(' ');
        statement.push_str(strip_comment(next));
    }
    for part in statement.split(';') {
        out.extend(parse_import_statement(part.trim()));
    }
}

/// Whether a triple-quoted string is open after `line`, given the one open
/// before it (`Some(b'"')` for `"""`): the line's triple quotes are read
/// from the left, each opening a string or closing the one of its kind.
fn triple_quotes_after(line: &str, mut open: Option<u8>) -> Option<u8> {
    let bytes = line.as_bytes();
    if !bytes.contains(&b'"') && !bytes.contains(&b'\'') {
        return open;
    }
    let mut at = 0;
    while at + 3 <= bytes.len() {
        let quote = bytes[at];
        if matches!(quote, b'"' | b'\'')
            && bytes[at + 1] == quote
            && bytes[at + 2] == quote
            && open.is_none_or(|q| q == quote)
        {
            open = if open.is_some() { None } else { Some(quote) };
            at += 3;
        } else {
            at += 1;
        }
    }
    open
}

fn strip_comment(line: &str) -> &str {
    // Import statements hold no strings: the first `#` starts a comment.
    line.split('#').next().unwrap_or("")
}

fn parse_import_statement(statement: &str) -> Vec<ImportLine> {
    let is_name = |s: &str| {
        !s.is_empty()
            && s.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
    };
    let first = |item: &str| item.split_whitespace().next().unwrap_or("").to_owned();
    if let Some(rest) = statement.strip_prefix("import ") {
        return rest
            .split(',')
            .map(first)
            .filter(|m| is_name(m))
            .map(|module| ImportLine {
                level: 0,
                module,
                names: Vec::new(),
            })
            .collect();
    }
    let Some(rest) = statement.strip_prefix("from ") else {
        return Vec::new();
    };
    let Some((module, names)) = rest.split_once(" import") else {
        return Vec::new();
    };
    let module = module.trim();
    let level = module.len() - module.trim_start_matches('.').len();
    let module = module.trim_start_matches('.').to_owned();
    if !(module.is_empty() && level > 0 || is_name(&module)) {
        return Vec::new();
    }
    let names = names
        .replace(['(', ')'], " ")
        .split(',')
        .map(first)
        .filter(|n| n == "*" || is_name(n))
        .collect();
    vec![ImportLine {
        level,
        module,
        names,
    }]
}

/// Whether `name` (a top-level module name) is a module of the standard
/// library (Python 3.11's `sys.stdlib_module_names`, private ones left out).
pub fn is_stdlib_module(name: &str) -> bool {
    STDLIB_MODULES.binary_search(&name).is_ok()
}

/// Top-level modules of the standard library (sorted for binary search).
pub const STDLIB_MODULES: [&str; 217] = [
    "abc",
    "aifc",
    "antigravity",
    "argparse",
    "array",
    "ast",
    "asynchat",
    "asyncio",
    "asyncore",
    "atexit",
    "audioop",
    "base64",
    "bdb",
    "binascii",
    "bisect",
    "builtins",
    "bz2",
    "cProfile",
    "calendar",
    "cgi",
    "cgitb",
    "chunk",
    "cmath",
    "cmd",
    "code",
    "codecs",
    "codeop",
    "collections",
    "colorsys",
    "compileall",
    "concurrent",
    "configparser",
    "contextlib",
    "contextvars",
    "copy",
    "copyreg",
    "crypt",
    "csv",
    "ctypes",
    "curses",
    "dataclasses",
    "datetime",
    "dbm",
    "decimal",
    "difflib",
    "dis",
    "distutils",
    "doctest",
    "email",
    "encodings",
    "ensurepip",
    "enum",
    "errno",
    "faulthandler",
    "fcntl",
    "filecmp",
    "fileinput",
    "fnmatch",
    "fractions",
    "ftplib",
    "functools",
    "gc",
    "genericpath",
    "getopt",
    "getpass",
    "gettext",
    "glob",
    "graphlib",
    "grp",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "idlelib",
    "imaplib",
    "imghdr",
    "imp",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "lib2to3",
    "linecache",
    "locale",
    "logging",
    "lzma",
    "mailbox",
    "mailcap",
    "marshal",
    "math",
    "mimetypes",
    "mmap",
    "modulefinder",
    "msilib",
    "msvcrt",
    "multiprocessing",
    "netrc",
    "nis",
    "nntplib",
    "nt",
    "ntpath",
    "nturl2path",
    "numbers",
    "opcode",
    "operator",
    "optparse",
    "os",
    "ossaudiodev",
    "pathlib",
    "pdb",
    "pickle",
    "pickletools",
    "pipes",
    "pkgutil",
    "platform",
    "plistlib",
    "poplib",
    "posix",
    "posixpath",
    "pprint",
    "profile",
    "pstats",
    "pty",
    "pwd",
    "py_compile",
    "pyclbr",
    "pydoc",
    "pydoc_data",
    "pyexpat",
    "queue",
    "quopri",
    "random",
    "re",
    "readline",
    "reprlib",
    "resource",
    "rlcompleter",
    "runpy",
    "sched",
    "secrets",
    "select",
    "selectors",
    "shelve",
    "shlex",
    "shutil",
    "signal",
    "site",
    "smtpd",
    "smtplib",
    "sndhdr",
    "socket",
    "socketserver",
    "spwd",
    "sqlite3",
    "sre_compile",
    "sre_constants",
    "sre_parse",
    "ssl",
    "stat",
    "statistics",
    "string",
    "stringprep",
    "struct",
    "subprocess",
    "sunau",
    "symtable",
    "sys",
    "sysconfig",
    "syslog",
    "tabnanny",
    "tarfile",
    "telnetlib",
    "tempfile",
    "termios",
    "textwrap",
    "this",
    "threading",
    "time",
    "timeit",
    "tkinter",
    "token",
    "tokenize",
    "tomllib",
    "trace",
    "traceback",
    "tracemalloc",
    "tty",
    "turtle",
    "turtledemo",
    "types",
    "typing",
    "unicodedata",
    "unittest",
    "urllib",
    "uu",
    "uuid",
    "venv",
    "warnings",
    "wave",
    "weakref",
    "webbrowser",
    "winreg",
    "winsound",
    "wsgiref",
    "xdrlib",
    "xml",
    "xmlrpc",
    "zipapp",
    "zipfile",
    "zipimport",
    "zlib",
    "zoneinfo",
];

#[cfg(test)]
mod imported_module_tests {
    use super::*;

    fn imports_of(source: &str) -> Vec<Import> {
        let tree = crate::parse::parse(source);
        module_imports(source, tree.root_node())
    }

    #[test]
    fn modules_bound_by_import_statements() {
        let imports = imports_of("import numpy as np\nimport os.path\nfrom os import path\n");
        for module in ["np", "os", "os.path"] {
            assert!(names_imported_module(&imports, module), "{module}");
        }
        for other in ["numpy", "path", "os.pathx", "config"] {
            assert!(!names_imported_module(&imports, other), "{other}");
        }
    }

    #[test]
    fn triple_quotes_open_and_close_strings_from_the_left() {
        let dq = Some(b'"');
        let sq = Some(b'\'');
        for (line, before, after) in [
            ("x = 1", None, None),
            ("x = 1", dq, dq),
            (r#"s = """"#, None, dq),
            (r#"s = """ab""""#, None, None),
            (r#"end""""#, dq, None),
            (r#"y = """ '''"#, None, dq),
            (r#"''' inside """"#, dq, None),
            (r#"''' then """"#, None, sq),
            ("''''''", None, None),
        ] {
            assert_eq!(triple_quotes_after(line, before), after, "{line}");
        }
    }

    #[test]
    fn imported_qualified_names_need_an_import() {
        let source = "import os as _os\nfrom os import environ\n_os.getenv('A')\nenviron.get('B')\nos.getenv('C')\n";
        let tree = crate::parse::parse(source);
        let bindings = module_import_bindings(source, tree.root_node());
        let mut names = Vec::new();
        walk_descendants(tree.root_node(), |n| {
            if n.kind() == "call" {
                let function = n.field("function").unwrap();
                names.push(imported_qualified_name_with(&bindings, source, function));
            }
            true
        });
        assert_eq!(
            names,
            [
                Some("os.getenv".to_owned()),
                Some("os.environ.get".to_owned()),
                None
            ]
        );
    }
}

#[cfg(test)]
mod scan_tests {
    use super::*;

    fn scan(text: &str) -> Vec<(usize, String, Vec<String>)> {
        scan_imports(text)
            .into_iter()
            .map(|i| (i.level, i.module, i.names))
            .collect()
    }

    #[test]
    fn import_lines_are_found_without_parsing() {
        let text = "import os, pkg.sub as s  # c\nfrom . import a, b as c\nfrom ..x.y import (\n    z,  # why\n    w,\n)\ndef f():\n    from m import \\\n        n\nimport a; import b\n\"\"\"\nimport not_me\n\"\"\"\nfrom x import *\n";
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            scan(text),
            vec![
                (0, "os".into(), vec![]),
                (0, "pkg.sub".into(), vec![]),
                (1, "".into(), owned(&["a", "b"])),
                (2, "x.y".into(), owned(&["z", "w"])),
                (0, "m".into(), owned(&["n"])),
                (0, "a".into(), vec![]),
                (0, "b".into(), vec![]),
                (0, "x".into(), owned(&["*"])),
            ]
        );
    }

    #[test]
    fn continued_and_quoted_import_lines() {
        let text = "from m \\\n    import n\r\nx = '''\r\nimport hidden\r\n''' ; import after\r\ny = \"\"\" '''\nimport hidden_too\n\"\"\"\nimport last";
        let names: Vec<String> = scan(text).into_iter().map(|(_, m, _)| m).collect();
        assert_eq!(names, ["m", "last"]);
    }

    #[test]
    fn stdlib_names() {
        assert!(is_stdlib_module("logging") && is_stdlib_module("asyncio"));
        assert!(!is_stdlib_module("cogs") && !is_stdlib_module("requests"));
        assert!(STDLIB_MODULES.windows(2).all(|w| w[0] < w[1]));
    }
}
