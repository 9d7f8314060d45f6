//! The audit report of a run, in Markdown (`check --format markdown`,
//! `fix --report FILE.md`) or as a self-contained HTML page rendering the
//! same Markdown (`fix --report FILE.html`).
//!
//! Sections: executive summary; found / fixed / remaining per category,
//! the remaining split by reason (unsafe fix not applied, needs a manual
//! fix, left alone as acceptable — counted by the codemods as they decide);
//! one section per priority with, per codemod, the risk and how to validate
//! the fix, and per finding its place, the function, what became of it and
//! its own diff; testing recommendations naming the changed functions;
//! verification (re-parse, `py_compile`, a second pass, the files
//! modified).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::codemod::Priority;
use crate::codemods;
use crate::driver::Resolution;

use super::{doc_section, FindingRecord, RunRecord};

/// What the run did with the fixes, for the report's wording.
#[derive(Clone, Debug)]
pub enum Mode {
    /// `check`: nothing is changed; counts say what `fix --write` would do.
    Check,
    /// `fix` without an output option: the diff was shown, nothing written.
    Preview,
    /// `fix --write`.
    Write,
    /// `fix --patch FILE`.
    Patch(String),
    /// `fix --branch NAME`.
    Branch(String),
    /// `fix --patch-series DIR`.
    Series(String),
}

impl Mode {
    /// How the change is described: "`auditfix fix --write` would fix".
    fn fixes(&self) -> String {
        match self {
            Mode::Check => "`auditfix fix --write` would fix".into(),
            Mode::Preview => "the previewed change fixes (nothing was written)".into(),
            Mode::Write => "the fixes written fix".into(),
            Mode::Patch(path) => format!("the patch `{path}` fixes"),
            Mode::Branch(name) => format!("the branch `{name}` fixes"),
            Mode::Series(dir) => format!("the patch series in `{dir}` fixes"),
        }
    }

    /// The command that made the run.
    fn command(&self) -> String {
        match self {
            Mode::Check => "auditfix check".to_owned(),
            Mode::Preview => "auditfix fix".to_owned(),
            Mode::Write => "auditfix fix --write".to_owned(),
            Mode::Patch(p) => format!("auditfix fix --patch {p}"),
            Mode::Branch(b) => format!("auditfix fix --branch {b}"),
            Mode::Series(d) => format!("auditfix fix --patch-series {d}"),
        }
    }

    fn modified(&self) -> &'static str {
        match self {
            Mode::Write => "Files modified",
            _ => "Files the change modifies",
        }
    }
}

/// What the report says about the run besides its record.
#[derive(Clone, Debug)]
pub struct Context {
    pub mode: Mode,
    /// The paths checked, as given.
    pub paths: Vec<String>,
    /// The enabled codemods.
    pub codemods: Vec<&'static str>,
    pub unsafe_fixes: bool,
    /// The fix branch's commits (`id` subject), for its pull-request
    /// description.
    pub commits: Vec<String>,
}

fn doc(codemod: &str) -> String {
    codemods::find(codemod).map(|e| e.doc()).unwrap_or_default()
}

/// The first paragraph of a doc section, on one line.
fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or("").replace('\n', " ")
}

/// The first sentence of a paragraph.
fn first_sentence(paragraph: &str) -> &str {
    paragraph.find(". ").map_or(paragraph, |i| &paragraph[..=i])
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn status(f: &FindingRecord, unsafe_fixes: bool) -> String {
    let reason = f.reason.as_deref().unwrap_or("");
    match f.resolution {
        Resolution::Fixed => format!("fixed ({} fix)", f.applicability),
        Resolution::UnsafePending if !unsafe_fixes => {
            format!("unsafe fix, not applied (it needs `--unsafe-fixes` and a review): {reason}")
        }
        Resolution::UnsafePending => format!("unsafe fix, not applied: {reason}"),
        Resolution::NotApplied => {
            "fix not applied: it was dropped (it would have broken the file) or the file was left untouched".into()
        }
        Resolution::NoFix => format!("no automatic fix: {reason}"),
    }
}

/// Per category: found, fixed, unsafe fix not applied, needs a manual
/// fix, left alone as acceptable.
pub fn categories(run: &RunRecord) -> BTreeMap<&'static str, [usize; 5]> {
    let category_of = |codemod: &str| codemods::find(codemod).map_or("other", |e| e.meta.category);
    let mut categories: BTreeMap<&'static str, [usize; 5]> = BTreeMap::new();
    for f in &run.findings {
        let row = categories.entry(f.category).or_default();
        row[0] += 1;
        match f.resolution {
            Resolution::Fixed => row[1] += 1,
            Resolution::UnsafePending => row[2] += 1,
            Resolution::NoFix | Resolution::NotApplied => row[3] += 1,
        }
    }
    for ((codemod, _), count) in &run.left_alone {
        categories.entry(category_of(codemod)).or_default()[4] += count;
    }
    categories
}

/// The Markdown report.
pub fn markdown(run: &RunRecord, cx: &Context) -> String {
    let mut out = String::new();
    let tally = run.tally();
    let paths = cx
        .paths
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(out, "# Audit report: {paths}\n");
    let _ = writeln!(
        out,
        "Produced by auditfix {} (`{}`).\n",
        env!("CARGO_PKG_VERSION"),
        cx.mode.command()
    );

    // Executive summary.
    let by_priority = |p: Priority| run.findings.iter().filter(|f| f.priority == p).count();
    let left_alone: usize = run.left_alone.values().sum();
    out.push_str("## Executive summary\n\n");
    let _ = writeln!(
        out,
        "- **Scanned:** {}, {}, with {} ({}).",
        plural(run.files, "Python file", "Python files"),
        plural(run.lines, "line", "lines"),
        plural(cx.codemods.len(), "codemod", "codemods"),
        if cx.codemods.len() == codemods::CATALOGUE.len() {
            "the whole catalogue".to_owned()
        } else {
            cx.codemods
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let _ = writeln!(
        out,
        "- **Findings:** {} — P1 {} · P2 {} · P3 {} · P4 {}.",
        tally.findings,
        by_priority(Priority::P1),
        by_priority(Priority::P2),
        by_priority(Priority::P3),
        by_priority(Priority::P4)
    );
    let mut per_codemod: BTreeMap<(Priority, &str), Vec<&FindingRecord>> = BTreeMap::new();
    for f in &run.findings {
        per_codemod
            .entry((f.priority, f.codemod))
            .or_default()
            .push(f);
    }
    if !per_codemod.is_empty() {
        out.push_str("- **Top risks:**\n");
        for ((priority, codemod), findings) in per_codemod.iter().take(5) {
            let why = first_sentence(&first_paragraph(
                &doc_section(&doc(codemod), "## Why").unwrap_or_default(),
            ))
            .to_owned();
            let summary = codemods::find(codemod).map_or("", |e| e.meta.summary);
            let _ = writeln!(
                out,
                "  - `{codemod}` ({priority}, {}): {summary}. {why}",
                plural(findings.len(), "finding", "findings")
            );
        }
    }
    let _ = writeln!(
        out,
        "- **The change:** {} {} of the {} in {}; {} more {} an unsafe fix that is not applied{}; {} a manual fix.{}",
        cx.mode.fixes(),
        tally.fixes_applied,
        plural(tally.findings, "finding", "findings"),
        plural(tally.files_changed, "file", "files"),
        tally.unsafe_pending,
        if tally.unsafe_pending == 1 { "has" } else { "have" },
        if cx.unsafe_fixes { "" } else { " (`--unsafe-fixes`)" },
        plural(tally.manual, "needs", "need"),
        if left_alone > 0 {
            format!(
                " The codemods also left {} alone on purpose (see below).",
                plural(left_alone, "instance", "instances")
            )
        } else {
            String::new()
        }
    );
    if !run.errors.is_empty() {
        let _ = writeln!(
            out,
            "- **Not processed:** {} (listed under Verification).",
            plural(run.errors.len(), "file", "files")
        );
    }
    out.push('\n');

    if !cx.commits.is_empty() {
        let _ = writeln!(
            out,
            "## Commits\n\nOne commit per codemod, each listing the findings it fixes (`git log -p`):\n"
        );
        for commit in &cx.commits {
            let _ = writeln!(out, "- {commit}");
        }
        out.push('\n');
    }

    // Found / fixed / remaining.
    out.push_str("## Found, fixed and remaining\n\n");
    out.push_str("| Category | Found | Fixed | Unsafe fix not applied | Needs a manual fix | Left alone as acceptable |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|\n");
    let categories = categories(run);
    let mut total = [0usize; 5];
    for (category, row) in &categories {
        let _ = writeln!(
            out,
            "| {category} | {} | {} | {} | {} | {} |",
            row[0], row[1], row[2], row[3], row[4]
        );
        for (t, r) in total.iter_mut().zip(row) {
            *t += r;
        }
    }
    let _ = writeln!(
        out,
        "| **all** | **{}** | **{}** | **{}** | **{}** | **{}** |\n",
        total[0], total[1], total[2], total[3], total[4]
    );
    let reasons = |wanted: &dyn Fn(&FindingRecord) -> bool| {
        let mut grouped: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for f in run.findings.iter().filter(|f| wanted(f)) {
            *grouped
                .entry((f.codemod, f.reason.as_deref().unwrap_or("no reason given")))
                .or_default() += 1;
        }
        grouped
    };
    let unsafe_pending = reasons(&|f| f.resolution == Resolution::UnsafePending);
    let manual = reasons(&|f| matches!(f.resolution, Resolution::NoFix | Resolution::NotApplied));
    if !unsafe_pending.is_empty() || !manual.is_empty() || !run.left_alone.is_empty() {
        out.push_str("### Why the rest remains\n\n");
    }
    for (title, grouped) in [
        (
            "Unsafe fix not applied (each needs a review)",
            &unsafe_pending,
        ),
        ("Needs a manual fix", &manual),
    ] {
        if grouped.is_empty() {
            continue;
        }
        let _ = writeln!(out, "**{title}:**\n");
        for ((codemod, reason), count) in grouped {
            let _ = writeln!(out, "- `{codemod}` × {count}: {reason}");
        }
        out.push('\n');
    }
    if !run.left_alone.is_empty() {
        out.push_str("**Left alone as acceptable** (what the codemods looked at and deliberately did not report):\n\n");
        for ((codemod, reason), count) in &run.left_alone {
            let _ = writeln!(out, "- `{codemod}` × {count}: {reason}");
        }
        out.push('\n');
    }

    // Priority sections.
    for priority in [Priority::P1, Priority::P2, Priority::P3, Priority::P4] {
        let groups: Vec<_> = per_codemod
            .iter()
            .filter(|((p, _), _)| *p == priority)
            .collect();
        if groups.is_empty() {
            continue;
        }
        let count: usize = groups.iter().map(|(_, f)| f.len()).sum();
        let _ = writeln!(
            out,
            "## {priority}: {}\n",
            plural(count, "finding", "findings")
        );
        for ((_, codemod), findings) in groups {
            let doc = doc(codemod);
            let _ = writeln!(
                out,
                "### `{codemod}` ({})\n",
                plural(findings.len(), "finding", "findings")
            );
            if let Some(why) = doc_section(&doc, "## Why") {
                let _ = writeln!(out, "**Risk.** {}\n", first_paragraph(&why));
            }
            if let Some(validate) = doc_section(&doc, "## How to validate") {
                let _ = writeln!(out, "**How to validate.**\n\n{validate}\n");
            }
            for (index, f) in findings.iter().enumerate() {
                let scope = if f.scope.is_empty() {
                    String::new()
                } else {
                    format!(" in `{}`", f.scope)
                };
                let _ = writeln!(
                    out,
                    "#### {priority}.{} `{}:{}`{scope}\n",
                    index + 1,
                    f.path,
                    f.start.line
                );
                let _ = writeln!(out, "{}\n", f.message);
                let _ = writeln!(out, "*Status:* {}\n", status(f, cx.unsafe_fixes));
                if let Some(diff) = &f.diff {
                    let _ = writeln!(out, "```diff\n{}```\n", diff);
                }
            }
        }
    }

    // Testing recommendations.
    // codemod → path → the functions its fixes changed.
    let mut changed: BTreeMap<&str, BTreeMap<&str, BTreeSet<&str>>> = BTreeMap::new();
    for f in run
        .findings
        .iter()
        .filter(|f| f.resolution == Resolution::Fixed)
    {
        let scope = if f.scope.is_empty() {
            "module level"
        } else {
            f.scope.as_str()
        };
        changed
            .entry(f.codemod)
            .or_default()
            .entry(f.path.as_str())
            .or_default()
            .insert(scope);
    }
    if !changed.is_empty() {
        out.push_str("## Testing recommendations\n\n");
        for (codemod, files) in &changed {
            let _ = writeln!(out, "### `{codemod}`\n");
            out.push_str("Changed:\n\n");
            for (path, scopes) in files {
                let scopes: Vec<String> = scopes
                    .iter()
                    .map(|s| {
                        if *s == "module level" {
                            (*s).to_owned()
                        } else {
                            format!("`{s}`")
                        }
                    })
                    .collect();
                let _ = writeln!(out, "- `{path}`: {}", scopes.join(", "));
            }
            out.push('\n');
            match doc_section(&doc(codemod), "## Tests to add") {
                Some(tests) => {
                    let _ = writeln!(out, "Tests to add:\n\n{tests}\n");
                }
                None => {
                    let _ = writeln!(out, "See `auditfix explain {codemod}`.\n");
                }
            }
        }
    }

    // Verification.
    out.push_str("## Verification\n\n");
    let _ = writeln!(
        out,
        "- **Re-parsed:** every fix was re-parsed with the rest of its file before it was kept; {}.",
        if run.dropped.is_empty() {
            "none would have left a syntax error".to_owned()
        } else {
            format!(
                "{} that would have left a syntax error were dropped: {}",
                plural(run.dropped.len(), "fix", "fixes"),
                run.dropped.join("; ")
            )
        }
    );
    let failed: Vec<_> = run
        .modified
        .iter()
        .filter(|m| matches!(m.compiled, Some(Err(_))))
        .collect();
    match run.python() {
        None if !run.modified.is_empty() => {
            out.push_str("- **Compiled:** not checked: no `python3` on PATH.\n")
        }
        _ if run.modified.is_empty() => out.push_str("- **Compiled:** no file is modified.\n"),
        Some(version) if failed.is_empty() => {
            let _ = writeln!(
                out,
                "- **Compiled:** all {} compile with `python3 -m py_compile` ({version}).",
                plural(run.modified.len(), "modified file", "modified files")
            );
        }
        Some(version) => {
            let _ = writeln!(
                out,
                "- **Compiled:** {} of {} do not compile with `python3 -m py_compile` ({version}): {}.",
                failed.len(),
                plural(run.modified.len(), "modified file", "modified files"),
                failed
                    .iter()
                    .map(|m| format!("`{}`", m.path))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        None => {}
    }
    let unstable: Vec<_> = run.modified.iter().filter(|m| !m.stable).collect();
    if !run.modified.is_empty() {
        if unstable.is_empty() {
            out.push_str("- **Second pass:** auditfix run again over every modified file finds nothing more to fix.\n");
        } else {
            let _ = writeln!(
                out,
                "- **Second pass:** more to fix in {}.",
                unstable
                    .iter()
                    .map(|m| format!("`{}`", m.path))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    if !run.errors.is_empty() {
        out.push_str("- **Not processed:**\n");
        for e in &run.errors {
            let _ = writeln!(out, "  - `{}`: {}", e.path, e.message);
        }
    }
    if !run.modified.is_empty() {
        let _ = writeln!(out, "\n{}:\n", cx.mode.modified());
        for m in &run.modified {
            let _ = writeln!(out, "- `{}`", m.path);
        }
    }
    out
}

/// The report as one self-contained HTML page (no outside resources).
pub fn html(run: &RunRecord, cx: &Context) -> String {
    let markdown = markdown(run, cx);
    let parser = pulldown_cmark::Parser::new_ext(&markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, parser);
    let title = markdown
        .lines()
        .next()
        .unwrap_or("Audit report")
        .trim_start_matches("# ")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('`', "");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )
}

const STYLE: &str = "body { margin: 0; background: #f6f7f9; color: #1f2328; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff; }
h1 { font-size: 1.8rem; border-bottom: 2px solid #d0d7de; padding-bottom: .3rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
h4 { font-size: .95rem; margin: 1.2rem 0 .3rem; }
code { font: .88em ui-monospace, SFMono-Regular, Menlo, monospace; background: #eff1f3; padding: .1em .3em; border-radius: 4px; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .7rem; overflow-x: auto; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; margin: .8rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; }
th { background: #f6f8fa; }
td:not(:first-child) { text-align: right; }
";
