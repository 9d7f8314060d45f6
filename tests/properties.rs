//! Property tests over generated Python modules.
//!
//! The generator builds realistic modules out of the repository's own Python:
//! every top-level statement of `tests/fixtures/*.py` and `examples/**/*.py`
//! is a *block* (imports are kept apart). A module is a docstring, a random
//! subset of the imports, and a few items, each some blocks nested at random
//! depth inside `def`, `async def`, `class`, `if`/`else`, `try`/`except`/
//! `finally`, `with`, `for` and `while`, with blank lines and comments in
//! between. One-line statements sometimes share a line (`a; b`), follow a
//! compound header (`if x: a`, `except E: a`) or continue with a backslash
//! after `=`; comments sometimes follow a header or sit dedented at column
//! 0, blank lines sometimes hold whitespace. The module is then restyled:
//! indentation unit (two or four spaces, or a tab), LF or CRLF, an optional
//! BOM, an optional missing final newline. Every
//! codemod runs with its default options; so the fixtures' `# OK` look-alikes
//! sit next to the `# CHANGE` cases, in contexts the fixtures never show.
//!
//! Properties, each over both fix policies (safe only, and unsafe fixes):
//! - the pipeline accepts every generated module, drops no fix for breaking
//!   the file, and the output re-parses without errors;
//! - fixing is idempotent: the fixed text gets no further change;
//! - changes stay local: the output is the input with only the ranges of the
//!   applicable findings (their fixes' edits, including ensured imports and
//!   module loggers) rewritten;
//! - the file's style survives: BOM, line endings, tab indentation;
//! - the output compiles with CPython whenever the input does (one Python
//!   process for a batch of modules);
//! - the CLI's preview and `--write` are byte-identical for 1 and several
//!   worker threads (`-j`, `RAYON_NUM_THREADS`, the default).
//!
//! `PROPTEST_CASES=N` runs more cases. Failures are not persisted (no
//! `proptest-regressions/` files): proptest prints the shrunk module, which
//! belongs in a fixture or in the regression tests at the end of this file.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use assert_cmd::Command;
use auditfix::codemod::{Engine, Finding};
use auditfix::codemods::CATALOGUE;
use auditfix::diff::{file_diff, Style};
use auditfix::driver::{process, FileOutcome, FixPolicy};
use auditfix::project::{ModuleFacts, Project};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

// ---------------------------------------------------------------------------
// The pool of blocks
// ---------------------------------------------------------------------------

/// Top-level statements of the repository's Python files, in the canonical
/// style (LF, four spaces), without trailing newline.
struct Pool {
    imports: Vec<String>,
    blocks: Vec<Block>,
}

struct Block {
    text: String,
    /// A one-line simple statement without its trailing comment, which can
    /// share a line with others (`a; b`, `if x: a`).
    simple: Option<String>,
    /// The same assignment with its value on a backslash-continued line.
    continued: Option<String>,
    /// Only a comment: no statement for a wrapper's body.
    comment: bool,
    /// Indices into `Pool::imports`: the imports of the block's file.
    imports: Vec<usize>,
}

static POOL: LazyLock<Pool> = LazyLock::new(build_pool);

fn python_sources() -> Vec<PathBuf> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files: Vec<PathBuf> = ["tests/fixtures/*.py", "examples/**/*.py"]
        .iter()
        .flat_map(|pattern| glob::glob(&format!("{root}/{pattern}")).unwrap())
        .map(Result::unwrap)
        .collect();
    files.sort();
    files
}

/// Top-level node kinds that cannot follow `;` or `if x:` on one line.
const COMPOUND: &[&str] = &[
    "comment",
    "class_definition",
    "decorated_definition",
    "for_statement",
    "function_definition",
    "if_statement",
    "match_statement",
    "try_statement",
    "while_statement",
    "with_statement",
];

fn build_pool() -> Pool {
    let mut imports = Vec::new();
    let mut blocks = Vec::new();
    for path in python_sources() {
        let mut file_imports = Vec::new();
        let first_block = blocks.len();
        let raw = std::fs::read_to_string(&path).unwrap();
        let text = raw.trim_start_matches('\u{feff}').replace("\r\n", "\n");
        let tree = auditfix::parse::parse(&text);
        assert!(
            !tree.root_node().has_error(),
            "{} does not parse",
            path.display()
        );
        let lines: Vec<&str> = text.split('\n').collect();
        let mut covered_to: Option<usize> = None;
        let root = tree.root_node();
        for index in 0..root.named_child_count() {
            let node = root.named_child(index as u32).unwrap();
            let (first, last) = (node.start_position().row, node.end_position().row);
            // A comment after a statement on its line is part of that block.
            if covered_to.is_some_and(|row| first <= row) {
                continue;
            }
            covered_to = Some(last);
            let block = lines[first..=last].join("\n");
            match node.kind() {
                "future_import_statement" => {}
                "import_statement" | "import_from_statement" => {
                    let index = match imports.iter().position(|i| *i == block) {
                        Some(index) => index,
                        None => {
                            imports.push(block);
                            imports.len() - 1
                        }
                    };
                    file_imports.push(index);
                }
                kind => blocks.push(Block {
                    continued: (first == last)
                        .then(|| continued(&text, node, lines[first]))
                        .flatten(),
                    comment: kind == "comment",
                    simple: (first == last && !COMPOUND.contains(&kind))
                        .then(|| text[node.byte_range()].to_owned()),
                    text: block,
                    imports: Vec::new(),
                }),
            }
        }
        for block in &mut blocks[first_block..] {
            block.imports.clone_from(&file_imports);
        }
    }
    assert!(blocks.len() > 100, "only {} blocks", blocks.len());
    Pool { imports, blocks }
}

/// `x = value  # c` → `x = \` and `    value  # c`, for a one-line
/// assignment statement.
fn continued(text: &str, statement: tree_sitter::Node, line: &str) -> Option<String> {
    let assignment = statement.named_child(0)?;
    if statement.kind() != "expression_statement" || assignment.kind() != "assignment" {
        return None;
    }
    let right = assignment.child_by_field_name("right")?;
    let column = right.start_position().column;
    let head = text[statement.start_byte()..right.start_byte()].trim_end();
    Some(format!("{head} \\\n    {}", &line[column..]))
}

// ---------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------

/// A compound statement the blocks of an item are nested in.
#[derive(Clone, Copy, Debug)]
enum Wrapper {
    Def,
    AsyncDef,
    Class,
    If,
    IfElse,
    Else,
    Try,
    TryFinally,
    Except,
    With,
    For,
    While,
}

impl Wrapper {
    const ALL: [Wrapper; 12] = [
        Wrapper::Def,
        Wrapper::AsyncDef,
        Wrapper::Class,
        Wrapper::If,
        Wrapper::IfElse,
        Wrapper::Else,
        Wrapper::Try,
        Wrapper::TryFinally,
        Wrapper::Except,
        Wrapper::With,
        Wrapper::For,
        Wrapper::While,
    ];

    /// Lines before and after the nested blocks (canonical style, relative
    /// to the wrapper's own indentation).
    fn head_tail(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Wrapper::Def => (&["def generated(self, conn, *args, **kwargs):"], &[]),
            Wrapper::AsyncDef => (&["async def generated_async(db, *args):"], &[]),
            Wrapper::Class => (&["class Generated(Base):"], &[]),
            Wrapper::If => (&["if settings.enabled:"], &[]),
            Wrapper::IfElse => (&["if settings.enabled:"], &["else:", "    pass"]),
            Wrapper::Else => (&["if not settings:", "    pass", "else:"], &[]),
            Wrapper::Try => (&["try:"], &["except ValueError:", "    raise"]),
            Wrapper::TryFinally => (&["try:"], &["finally:", "    release()"]),
            Wrapper::Except => (&["try:", "    prepare()", "except OSError as err:"], &[]),
            Wrapper::With => (&["with lock:"], &[]),
            Wrapper::For => (&["for item in items:"], &[]),
            Wrapper::While => (&["while running:"], &[]),
        }
    }
}

/// How an item puts its simple one-line blocks (others keep their lines).
#[derive(Clone, Copy, Debug)]
enum Layout {
    /// Each block on its own lines.
    Lines,
    /// Consecutive simple blocks on one line: `a; b`.
    Semicolons,
    /// Each simple block as the body of a one-line compound statement:
    /// `if x: a`, `except E: a`, ….
    Inline(&'static str),
}

const LAYOUTS: &[Layout] = &[
    Layout::Lines,
    Layout::Lines,
    Layout::Lines,
    Layout::Semicolons,
    Layout::Inline("if settings.enabled: "),
    Layout::Inline("for item in items: "),
    Layout::Inline("while running: "),
    Layout::Inline("with lock: "),
    Layout::Inline("try: pass\nexcept Exception: "),
    Layout::Inline("try: "),
];

/// Some blocks nested in some wrappers, after blank lines and a comment.
#[derive(Clone, Debug)]
struct Item {
    wrappers: Vec<Wrapper>,
    blocks: Vec<usize>,
    layout: Layout,
    blank_lines: usize,
    noise: Noise,
}

/// Things real files have that fixtures rarely show next to a finding.
#[derive(Clone, Copy, Debug)]
struct Noise {
    /// A comment line before the blocks.
    comment: bool,
    /// A comment after the wrappers' first header: `if x:  # why`.
    header_comment: bool,
    /// A comment at column 0 after the blocks, inside the wrappers.
    dedented_comment: bool,
    /// Blank lines inside blocks carry the indentation (whitespace only).
    whitespace_lines: bool,
    /// One-line assignments split after `=` with a backslash.
    continued: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Indent {
    TwoSpaces,
    FourSpaces,
    Tab,
}

impl Indent {
    fn unit(self) -> &'static str {
        match self {
            Indent::TwoSpaces => "  ",
            Indent::FourSpaces => "    ",
            Indent::Tab => "\t",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Restyle {
    indent: Indent,
    crlf: bool,
    bom: bool,
    final_newline: bool,
}

/// A generated module: where it lives and its bytes.
#[derive(Clone)]
struct Case {
    path: &'static str,
    text: String,
    style: Restyle,
}

impl std::fmt::Debug for Case {
    // The text as a Rust literal, ready to paste into a regression test.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}\n{:?}", self.path, self.style, self.text)
    }
}

/// Paths decide some codemods' behaviour (test modules, scripts, CLIs):
/// mostly library modules, sometimes not.
const PATHS: &[&str] = &[
    "app/service.py",
    "app/db/store.py",
    "lib/util.py",
    "app/handlers.py",
    "app/cli.py",
    "scripts/tool.py",
    "tests/test_generated.py",
];

fn item() -> impl Strategy<Value = Item> {
    (
        prop::collection::vec(prop::sample::select(&Wrapper::ALL[..]), 0..4),
        prop::collection::vec(0..POOL.blocks.len(), 1..4),
        prop::sample::select(LAYOUTS),
        0..3usize,
        noise(),
    )
        .prop_map(|(wrappers, blocks, layout, blank_lines, noise)| Item {
            wrappers,
            blocks,
            layout,
            blank_lines,
            noise,
        })
}

fn noise() -> impl Strategy<Value = Noise> {
    let sometimes = || prop::bool::weighted(0.15);
    (
        sometimes(),
        sometimes(),
        sometimes(),
        sometimes(),
        sometimes(),
    )
        .prop_map(
            |(comment, header_comment, dedented_comment, whitespace_lines, continued)| Noise {
                comment,
                header_comment,
                dedented_comment,
                whitespace_lines,
                continued,
            },
        )
}

fn restyle() -> impl Strategy<Value = Restyle> {
    (
        prop::sample::select(&[Indent::FourSpaces, Indent::TwoSpaces, Indent::Tab][..]),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.85),
    )
        .prop_map(|(indent, crlf, bom, final_newline)| Restyle {
            indent,
            crlf,
            bom,
            final_newline,
        })
}

/// Which imports a generated module has.
#[derive(Clone, Copy, Debug)]
enum Imports {
    /// A random subset of all imports: names are often used without their
    /// import, so fixes that ensure an import get exercised.
    Random,
    /// Every import of the files the blocks come from (plus random others):
    /// the module imports what it uses, as real code does.
    Complete,
}

fn module(imports: Imports) -> impl Strategy<Value = Case> {
    let all = POOL.imports.len();
    (
        prop::sample::select(PATHS),
        prop::bool::weighted(0.5),
        prop::sample::subsequence((0..all).collect::<Vec<_>>(), 0..=all.min(12)),
        prop::collection::vec(item(), 1..6),
        restyle(),
    )
        .prop_map(move |(path, docstring, mut chosen, items, style)| {
            if let Imports::Complete = imports {
                for item in &items {
                    for &block in &item.blocks {
                        chosen.extend(&POOL.blocks[block].imports);
                    }
                }
                chosen.sort_unstable();
                chosen.dedup();
            }
            Case {
                path,
                text: render(docstring, &chosen, &items, style),
                style,
            }
        })
}

fn render(docstring: bool, imports: &[usize], items: &[Item], style: Restyle) -> String {
    let mut lines: Vec<String> = Vec::new();
    if docstring {
        lines.push("\"\"\"A generated module.\"\"\"".to_owned());
    }
    for &import in imports {
        lines.push(POOL.imports[import].clone());
    }
    for item in items {
        lines.extend(std::iter::repeat_n(String::new(), item.blank_lines));
        let noise = item.noise;
        let mut depth = 0;
        for (index, wrapper) in item.wrappers.iter().enumerate() {
            let (head, _) = wrapper.head_tail();
            let start = lines.len();
            push_indented(&mut lines, head, depth);
            if index == 0 && noise.header_comment {
                lines[start].push_str("  # header comment");
            }
            depth += 1;
        }
        if noise.comment {
            push_indented(&mut lines, &["# a comment between statements"], depth);
        }
        let start = lines.len();
        let mut joined: Option<String> = None;
        for &block in &item.blocks {
            let block = &POOL.blocks[block];
            match (item.layout, &block.simple) {
                (Layout::Semicolons, Some(simple)) => match &mut joined {
                    Some(line) => {
                        line.push_str("; ");
                        line.push_str(simple);
                    }
                    None => joined = Some(simple.clone()),
                },
                (Layout::Inline(header), Some(simple)) => {
                    let statement = format!("{header}{simple}");
                    let statement: Vec<&str> = statement.split('\n').collect();
                    push_indented(&mut lines, &statement, depth);
                    if header == "try: " {
                        push_indented(&mut lines, &["finally: release()"], depth);
                    }
                }
                _ => {
                    if let Some(line) = joined.take() {
                        push_indented(&mut lines, &[&line], depth);
                    }
                    let text = match &block.continued {
                        Some(continued) if noise.continued => continued,
                        _ => &block.text,
                    };
                    let block: Vec<&str> = text.split('\n').collect();
                    push_indented(&mut lines, &block, depth);
                }
            }
        }
        if let Some(line) = joined.take() {
            push_indented(&mut lines, &[&line], depth);
        }
        if item.blocks.iter().all(|&b| POOL.blocks[b].comment) {
            push_indented(&mut lines, &["pass"], depth);
        }
        if noise.whitespace_lines {
            for line in &mut lines[start..] {
                if line.is_empty() {
                    *line = "    ".repeat(depth);
                }
            }
        }
        if noise.dedented_comment && depth > 0 {
            lines.push("# a dedented comment".to_owned());
        }
        for wrapper in item.wrappers.iter().rev() {
            depth -= 1;
            let (_, tail) = wrapper.head_tail();
            push_indented(&mut lines, tail, depth);
        }
    }
    let eol = if style.crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    if style.bom {
        text.push('\u{feff}');
    }
    let restyled: Vec<String> = lines.iter().map(|l| reindent(l, style.indent)).collect();
    text.push_str(&restyled.join(eol));
    if style.final_newline {
        text.push_str(eol);
    }
    text
}

/// Canonical lines moved `depth` levels in (blank lines stay empty).
fn push_indented(lines: &mut Vec<String>, block: &[&str], depth: usize) {
    for line in block {
        if line.trim().is_empty() {
            lines.push(line.to_string());
        } else {
            lines.push(format!("{}{line}", "    ".repeat(depth)));
        }
    }
}

/// Each leading group of four spaces becomes one `indent` unit. Lines of
/// multi-line strings change too: their contents are data, any is valid.
fn reindent(line: &str, indent: Indent) -> String {
    let rest = line.trim_start_matches(' ');
    let spaces = line.len() - rest.len();
    format!(
        "{}{}{rest}",
        indent.unit().repeat(spaces / 4),
        " ".repeat(spaces % 4)
    )
}

// ---------------------------------------------------------------------------
// Running the pipeline
// ---------------------------------------------------------------------------

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    Engine::new(
        CATALOGUE
            .iter()
            .map(|e| e.build(&toml::Table::new()).unwrap())
            .collect(),
    )
});

const POLICIES: [bool; 2] = [false, true];

fn policy_name(unsafe_fixes: bool) -> &'static str {
    if unsafe_fixes {
        "unsafe fixes"
    } else {
        "safe fixes"
    }
}

fn run(case: &Case, text: &str, unsafe_fixes: bool) -> FileOutcome {
    process(
        Path::new(case.path),
        text.as_bytes(),
        &ENGINE,
        FixPolicy::new(unsafe_fixes),
    )
}

fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The diff of a failing case, for the assertion message.
fn show(case: &Case, old: &str, new: &str) -> String {
    file_diff(case.path, old, new, Style::Plain)
}

// ---------------------------------------------------------------------------
// Locality
// ---------------------------------------------------------------------------

/// The byte ranges of `text` (BOM stripped) that fixes may rewrite: the
/// lines of every finding's range (what the audit matched) and of every
/// edit of each fix that applies under the policy (which includes the
/// imports and module loggers a fix ensures). Ranges are closed (an
/// insertion point is a range of length 0), sorted and merged.
///
/// Findings are those of the original text, and every applicable fix counts
/// whether or not it won its round: a fix that lost to an overlapping one in
/// round 0 applies in a later round, on text whose other parts are as
/// before. Two kinds of cascade make this the honest bound rather than
/// "exactly the edits of round 0":
/// - a later round may fix what an earlier fix wrote: loop-failures-aggregate
///   turns `logger.info(…, err)` into `logger.error`, then
///   log-exception-context adds `exc_info=True` to that call. The finding is
///   not in the original text; its edit lands next to the first fix's edit,
///   on the same line: hence whole lines.
/// - a finding may get a fix only once another fix has run: a `print()`
///   whose function uses an unbound `logger` is report-only until
///   print-to-logger creates the module logger for another `print()`. Hence
///   findings of every applicability, not just those fixed under the
///   policy.
fn allowed_ranges(text: &str, findings: &[Finding], unsafe_fixes: bool) -> Vec<(usize, usize)> {
    use auditfix::source::{line_start, next_line_start};
    let policy = FixPolicy::new(unsafe_fixes);
    let edits = findings
        .iter()
        .filter_map(|f| f.fix.as_ref().filter(|fix| policy.applies(fix)))
        .flat_map(|fix| fix.edits().iter().map(|e| e.range));
    let mut ranges: Vec<(usize, usize)> = findings
        .iter()
        .map(|f| f.range)
        .chain(edits)
        .map(|range| {
            (
                line_start(text, range.start),
                next_line_start(text, range.end),
            )
        })
        .collect();
    ranges.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Whether `new` is `old` with only the `allowed` ranges replaced: the text
/// between them must appear in `new`, in order, the first piece at the start
/// and the last at the end. An error names the first line of `old` that was
/// changed outside every allowed range.
fn changed_only_inside(old: &str, new: &str, allowed: &[(usize, usize)]) -> Result<(), String> {
    let mut kept = Vec::new();
    let mut from = 0;
    for &(start, end) in allowed {
        kept.push(from..start);
        from = end;
    }
    kept.push(from..old.len());
    let line_of = |offset: usize| old[..offset].matches('\n').count() + 1;
    let lost = |range: &std::ops::Range<usize>| {
        let piece: String = old[range.clone()].chars().take(100).collect();
        Err(format!(
            "text at line {} changed outside the fixed ranges: {piece:?}",
            line_of(range.start),
        ))
    };
    let first = &kept[0];
    let last = kept.last().unwrap();
    if !new.starts_with(&old[first.clone()]) {
        return lost(first);
    }
    if kept.len() == 1 {
        return if new == old { Ok(()) } else { lost(first) };
    }
    let Some(limit) = new.len().checked_sub(last.len()) else {
        return lost(last);
    };
    if !new.ends_with(&old[last.clone()]) || limit < first.len() {
        return lost(last);
    }
    let mut at = first.len();
    for piece in &kept[1..kept.len() - 1] {
        match new[at..limit].find(&old[piece.clone()]) {
            Some(found) => at += found + piece.len(),
            None => return lost(piece),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(96))]

    /// Generated modules are accepted whole: no syntax error, no fix
    /// dropped because it would break the file, convergence, and an output
    /// that re-parses without errors.
    #[test]
    fn every_fix_applies_cleanly(case in module(Imports::Random)) {
        for unsafe_fixes in POLICIES {
            let outcome = run(&case, &case.text, unsafe_fixes);
            prop_assert!(outcome.error.is_none(), "{}: {:?}", policy_name(unsafe_fixes), outcome.error);
            prop_assert!(outcome.notes.is_empty(), "{}: {:?}", policy_name(unsafe_fixes), outcome.notes);
            if let Some(fixed) = &outcome.fixed {
                let tree = auditfix::parse::parse(fixed.trim_start_matches('\u{feff}'));
                prop_assert!(!tree.root_node().has_error(), "output does not parse:\n{}", show(&case, &case.text, fixed));
            }
        }
    }

    /// Fixing the fixed text changes nothing.
    #[test]
    fn fixing_is_idempotent(case in module(Imports::Random)) {
        for unsafe_fixes in POLICIES {
            let first = run(&case, &case.text, unsafe_fixes);
            let Some(fixed) = &first.fixed else { continue };
            let second = run(&case, fixed, unsafe_fixes);
            prop_assert!(second.error.is_none(), "{}: {:?}", policy_name(unsafe_fixes), second.error);
            if let Some(again) = &second.fixed {
                prop_assert!(false, "{}: the second run changed the file again:\n{}", policy_name(unsafe_fixes), show(&case, fixed, again));
            }
        }
    }

    /// The output differs from the input only inside the ranges of the
    /// findings whose fixes apply (imports and loggers a fix ensures are
    /// edits of that fix).
    #[test]
    fn changes_stay_inside_the_fixed_ranges(case in module(Imports::Complete)) {
        for unsafe_fixes in POLICIES {
            let outcome = run(&case, &case.text, unsafe_fixes);
            let Some(fixed) = &outcome.fixed else { continue };
            let old = case.text.trim_start_matches('\u{feff}');
            let new = fixed.trim_start_matches('\u{feff}');
            let allowed = allowed_ranges(old, &outcome.findings, unsafe_fixes);
            if let Err(why) = changed_only_inside(old, new, &allowed) {
                prop_assert!(false, "{}: {why}\n{}", policy_name(unsafe_fixes), show(&case, old, new));
            }
        }
    }

    /// Fixes write in the file's style: the BOM stays, CRLF files get no
    /// bare LF (and LF files no CR), tab-indented files get no line that
    /// starts with four spaces.
    #[test]
    fn fixes_keep_the_file_style(case in module(Imports::Random)) {
        for unsafe_fixes in POLICIES {
            let outcome = run(&case, &case.text, unsafe_fixes);
            let Some(fixed) = &outcome.fixed else { continue };
            let diff = || show(&case, &case.text, fixed);
            prop_assert_eq!(fixed.starts_with('\u{feff}'), case.style.bom, "BOM:\n{}", diff());
            let bare_lf = fixed.replace("\r\n", "").contains('\n');
            let cr = fixed.contains('\r');
            if case.style.crlf {
                prop_assert!(!bare_lf, "{}: bare LF in a CRLF file:\n{}", policy_name(unsafe_fixes), diff());
            } else {
                prop_assert!(!cr, "{}: CR in an LF file:\n{}", policy_name(unsafe_fixes), diff());
            }
            if case.style.indent == Indent::Tab {
                let added = fixed
                    .lines()
                    .find(|l| l.starts_with("    ") && !case.text.lines().any(|o| o == *l));
                prop_assert!(added.is_none(), "{}: space-indented line {:?} in a tab file:\n{}", policy_name(unsafe_fixes), added, diff());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Batches: CPython and the CLI
// ---------------------------------------------------------------------------

/// `count` modules drawn with a fixed seed, so a batch is the same on every
/// run (proptest's shrinking needs one process per case, which is too slow
/// for CPython or the binary).
fn seeded_modules(count: usize, imports: Imports) -> Vec<Case> {
    let mut runner = TestRunner::deterministic();
    let strategy = module(imports);
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// Compiles every `*.py` of the directory given as argument with CPython
/// (from bytes, as the interpreter would read the file), printing
/// `name=ok` or `name=<error>`.
const COMPILE_ALL: &str = r#"
import pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.py")):
    try:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        print(f"{path.name}=ok")
    except (SyntaxError, ValueError) as err:
        print(f"{path.name}={type(err).__name__}: {err}".replace("\n", " "))
"#;

/// The output compiles with CPython whenever the input does (and every
/// generated input does), for a seeded batch compiled by one Python
/// process. The batch also checks that the generator exercises every
/// codemod's fix, so the properties above are not vacuous.
#[test]
fn fixed_modules_compile_with_cpython() {
    let cases = seeded_modules(160, Imports::Random);
    let dir = tempfile::tempdir().unwrap();
    let mut fixed_by: BTreeMap<&str, usize> = BTreeMap::new();
    let mut outputs = BTreeMap::new();
    for (index, case) in cases.iter().enumerate() {
        let input = format!("case{index:03}_input.py");
        std::fs::write(dir.path().join(&input), &case.text).unwrap();
        for unsafe_fixes in POLICIES {
            let outcome = run(case, &case.text, unsafe_fixes);
            assert!(outcome.error.is_none(), "{case:?}: {:?}", outcome.error);
            for (&id, &count) in &outcome.applied {
                *fixed_by.entry(id).or_default() += count;
            }
            if let Some(fixed) = outcome.fixed {
                let name = format!(
                    "case{index:03}_{}.py",
                    policy_name(unsafe_fixes).replace(' ', "_")
                );
                std::fs::write(dir.path().join(&name), &fixed).unwrap();
                outputs.insert(name, (index, fixed));
            }
        }
    }
    let script = dir.path().join("compile_all.txt");
    std::fs::write(&script, COMPILE_ALL).unwrap();
    let verdicts = common::drive_python(&script, dir.path());
    for (index, case) in cases.iter().enumerate() {
        let verdict = &verdicts[&format!("case{index:03}_input.py")];
        assert_eq!(verdict, "ok", "generated input does not compile: {case:?}");
    }
    for (name, (index, fixed)) in &outputs {
        let case = &cases[*index];
        assert_eq!(
            verdicts[name],
            "ok",
            "{name}: the fixed module does not compile:\n{}",
            show(case, &case.text, fixed)
        );
    }
    for entry in CATALOGUE {
        if entry.meta.fix > auditfix::fix::Applicability::ReportOnly {
            assert!(
                fixed_by.contains_key(entry.meta.id),
                "no generated module got a {} fix: {fixed_by:?}",
                entry.meta.id
            );
        }
    }
}

/// A tree of generated modules (and two files that cannot be processed)
/// under `root`.
fn write_tree(root: &Path, cases: &[Case]) {
    for (index, case) in cases.iter().enumerate() {
        let path = Path::new(case.path);
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let file = path.with_file_name(format!("{stem}_{index}.py"));
        let target = root.join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, &case.text).unwrap();
    }
    std::fs::write(root.join("app/broken.py"), "def f(:\n    print('x')\n").unwrap();
    std::fs::write(root.join("app/latin1.py"), b"print('caf\xe9')\n").unwrap();
}

/// Every file under `root`, by relative path.
fn read_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    glob::glob(&format!("{}/**/*", root.display()))
        .unwrap()
        .map(Result::unwrap)
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.strip_prefix(root).unwrap().to_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// How to size the worker pool: `-j N`, `RAYON_NUM_THREADS`, or neither.
#[derive(Clone, Copy, Debug)]
enum Threads {
    Flag(&'static str),
    Env(&'static str),
    Default,
}

const THREADS: [Threads; 4] = [
    Threads::Flag("1"),
    Threads::Flag("4"),
    Threads::Env("3"),
    Threads::Default,
];

/// Exit code, stdout and stderr of `auditfix ARGS [-j N] .` in `dir`.
fn auditfix(dir: &Path, args: &[&str], threads: Threads) -> (Option<i32>, String, String) {
    let mut cmd = Command::cargo_bin("auditfix").unwrap();
    cmd.current_dir(dir)
        .args(args)
        .env_remove("RAYON_NUM_THREADS")
        .env_remove("NO_COLOR");
    match threads {
        Threads::Flag(n) => {
            cmd.args(["-j", n]);
        }
        Threads::Env(n) => {
            cmd.env("RAYON_NUM_THREADS", n);
        }
        Threads::Default => {}
    }
    let output = cmd.arg(".").output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The preview, `check` and `--write` are byte-identical whatever the
/// number of worker threads, and `--write` writes what the library
/// computes for each file.
#[test]
fn cli_output_is_the_same_for_any_number_of_threads() {
    let cases = seeded_modules(40, Imports::Random);
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write_tree(&tree, &cases);
    let original = read_tree(&tree);

    for args in [
        &["fix", "--unsafe-fixes", "--color", "never"][..],
        &["check"],
    ] {
        let runs: Vec<_> = THREADS.iter().map(|&t| auditfix(&tree, args, t)).collect();
        assert!(!runs[0].1.is_empty(), "{args:?}: nothing to compare");
        assert_eq!(
            runs[0].0,
            Some(2),
            "{args:?}: two files cannot be processed"
        );
        for (threads, run) in THREADS.iter().zip(&runs).skip(1) {
            assert!(
                run == &runs[0],
                "{args:?} with {threads:?} differs from -j 1"
            );
        }
    }
    assert_eq!(read_tree(&tree), original, "the preview wrote");

    let mut written = Vec::new();
    for threads in THREADS {
        let copy = dir.path().join(format!("{threads:?}"));
        write_tree(&copy, &cases);
        auditfix(&copy, &["fix", "--unsafe-fixes", "--write"], threads);
        written.push(read_tree(&copy));
        let again = auditfix(
            &copy,
            &["fix", "--unsafe-fixes", "--color", "never"],
            threads,
        );
        assert_eq!(
            again.1, "",
            "{threads:?}: a preview after --write shows changes"
        );
    }
    for (threads, tree) in THREADS.iter().zip(&written).skip(1) {
        assert!(
            tree == &written[0],
            "--write with {threads:?} differs from -j 1"
        );
    }
    // The library with the same project facts as the CLI's run.
    let facts: Vec<(PathBuf, ModuleFacts)> = original
        .iter()
        .map(|(path, bytes)| (path.clone(), ModuleFacts::scan(bytes)))
        .collect();
    let engine = Engine::new(
        CATALOGUE
            .iter()
            .map(|e| e.build(&toml::Table::new()).unwrap())
            .collect(),
    )
    .with_project(std::sync::Arc::new(Project::from_facts(&facts)));
    for (path, bytes) in &original {
        let outcome = process(path, bytes, &engine, FixPolicy::new(true));
        let expected = outcome
            .fixed
            .map_or_else(|| bytes.clone(), String::into_bytes);
        assert!(
            written[0][path] == expected,
            "{}: --write differs from the library's fix",
            path.display()
        );
    }
}
