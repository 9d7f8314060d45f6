//! The command line: clap stops here. Arguments become [`Settings`] once;
//! this module then runs the pipeline, prints, writes, and decides the exit
//! code in one place ([`ExitStatus`]).

use std::io::{IsTerminal, Write as _};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::codemod::{Codemod, Engine, Priority};
use crate::codemods::{self, CATALOGUE};
use crate::driver::{self, FileOutcome, FixPolicy, Resolution, Steps};
use crate::git::{CommitStep, FixRepo};
use crate::interrupt;
use crate::output::report::{Context as ReportContext, Mode};
use crate::output::{self, RunRecord};
use crate::project::{ModuleFacts, Project};
use crate::report::{self, Tally};
use crate::settings::{Config, ConfigError, Output, Settings};
use crate::walk::{self, ExcludePatterns, Excluder};

mod modes;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing to do, or everything applied.
    Clean = 0,
    /// Findings, or changes pending (preview, patch, check).
    ChangesOrFindings = 1,
    /// Usage or configuration error, or a file that could not be processed.
    Error = 2,
    /// Stopped by Ctrl-C, SIGTERM or SIGHUP during a write (outside one the
    /// signal ends the process with the same code: [`interrupt::EXIT_CODE`]).
    Interrupted = 130,
}

#[derive(Parser)]
#[command(
    name = "auditfix",
    version,
    about = "Turn Python code-audit findings into reviewable fixes."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show (default), write, export as a patch, or commit to a branch the fixes.
    Fix(FixArgs),
    /// List findings (as `path:line:col: id message`, or --format json,
    /// sarif, github, gitlab); exit 1 when there are any.
    Check(CheckArgs),
    /// List the codemods: id, priority, category, fix applicability.
    List,
    /// Print a codemod's documentation.
    Explain {
        /// A codemod id, as shown by `auditfix list`.
        id: String,
    },
}

#[derive(Args)]
struct CommonArgs {
    /// Files or directories (default: the current directory).
    paths: Vec<PathBuf>,
    /// Only these codemods (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// Skip these codemods (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Paths to skip, in gitignore syntax anchored at the current directory
    /// (in addition to .gitignore).
    #[arg(long)]
    exclude: Vec<String>,
    /// Configuration file (default: auditfix.toml or pyproject.toml, searched upwards).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Worker threads (default: all cores; RAYON_NUM_THREADS is honoured).
    #[arg(short = 'j', long)]
    threads: Option<usize>,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Output format: text lines (default), json (auditfix's schema),
    /// sarif (2.1.0, for code scanning), github (workflow annotations),
    /// gitlab (Code Quality report), markdown (the audit report).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the findings to FILE (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `check --format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Gitlab,
    Markdown,
}

#[derive(Args)]
struct FixArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Apply the fixes in place (atomically).
    #[arg(long, group = "output")]
    write: bool,
    /// Write the fixes as a patch file for `git apply` / `patch -p1`.
    #[arg(long, value_name = "FILE", group = "output")]
    patch: Option<PathBuf>,
    /// Commit the fixes onto a new branch (one commit per codemod); the
    /// working tree, index and HEAD are not touched.
    #[arg(long, value_name = "NAME", group = "output")]
    branch: Option<String>,
    /// Write one `git format-patch`-style mail per codemod into DIR
    /// (`0001-auditfix-<id>.patch`, …), for `git am` on the base commit.
    #[arg(long, value_name = "DIR", group = "output")]
    patch_series: Option<PathBuf>,
    /// Base revision for --branch and --patch-series (default: HEAD).
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Author of the commits of --branch and --patch-series, as
    /// `Name <email>` (default: the repository's git configuration).
    #[arg(long, value_name = "NAME <EMAIL>")]
    author: Option<String>,
    /// Replace an existing branch.
    #[arg(long, requires = "branch")]
    force: bool,
    /// Also apply fixes marked unsafe (they need review).
    #[arg(long)]
    unsafe_fixes: bool,
    /// Write the audit report of the run to FILE: Markdown, or a
    /// self-contained HTML page when FILE ends in .html. With --branch it
    /// is the pull-request description of the branch.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Colour the preview: auto (on a terminal), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Parse the command line, run, and return the exit status.
pub fn main() -> ExitStatus {
    let cli = Cli::parse();
    if let Err(err) = interrupt::install() {
        eprintln!("warning: cannot handle interrupts ({err}); Ctrl-C will stop auditfix at once");
    }
    match run(cli) {
        Ok(status) => status,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitStatus::Error
        }
    }
}

fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::List => {
            list();
            Ok(ExitStatus::Clean)
        }
        Command::Explain { id } => match codemods::find(&id) {
            Some(entry) => {
                print!("{}", entry.doc());
                Ok(ExitStatus::Clean)
            }
            None => {
                eprintln!("error: unknown codemod id `{id}` (see `auditfix list`)");
                Ok(ExitStatus::Error)
            }
        },
        Command::Check(args) => {
            let Some(settings) = settings(&args.common, false, ColorChoice::Never)? else {
                return Ok(ExitStatus::Error);
            };
            configure_threads(&settings);
            check(&settings, args.format, args.output.as_deref())
        }
        Command::Fix(args) => {
            let output = if args.write {
                Output::Write
            } else if let Some(path) = &args.patch {
                Output::Patch(path.clone())
            } else if let Some(name) = &args.branch {
                Output::Branch {
                    name: name.clone(),
                    base: args.base.clone(),
                    force: args.force,
                    author: args.author.clone(),
                }
            } else if let Some(dir) = &args.patch_series {
                Output::Series {
                    dir: dir.clone(),
                    base: args.base.clone(),
                    author: args.author.clone(),
                }
            } else {
                Output::Preview
            };
            if !matches!(output, Output::Branch { .. } | Output::Series { .. }) {
                for (given, option) in [
                    (args.base.is_some(), "--base"),
                    (args.author.is_some(), "--author"),
                ] {
                    if given {
                        eprintln!("error: {option} needs --branch or --patch-series");
                        return Ok(ExitStatus::Error);
                    }
                }
            }
            let Some(settings) = settings(&args.common, args.unsafe_fixes, args.color)? else {
                return Ok(ExitStatus::Error);
            };
            configure_threads(&settings);
            fix(&settings, &output, args.report.as_deref())
        }
    }
}

/// Build the validated settings; a configuration error is printed and
/// gives `None` (exit 2).
fn settings(
    common: &CommonArgs,
    unsafe_fixes: bool,
    color: ColorChoice,
) -> Result<Option<Settings>> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let built = Config::load(common.config.as_deref(), &cwd).and_then(|config| {
        let codemods = config.codemods(common.select.as_deref(), &common.ignore)?;
        Ok((config, codemods))
    });
    let (config, codemods) = match built {
        Ok(pair) => pair,
        Err(err @ (ConfigError::File { .. } | ConfigError::Usage(_))) => {
            eprintln!("error: {err}");
            return Ok(None);
        }
    };
    if common.threads == Some(0) {
        eprintln!("error: --threads must be at least 1");
        return Ok(None);
    }
    let paths = if common.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        common.paths.clone()
    };
    // Configured patterns are anchored at the configuration file's
    // directory, the command line's at the working directory.
    let config_dir = config
        .path
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| cwd.clone(), |dir| walk::normalize(&cwd.join(dir)));
    let exclude = vec![
        ExcludePatterns {
            base: config_dir,
            patterns: config.exclude.clone(),
        },
        ExcludePatterns {
            base: cwd.clone(),
            patterns: common.exclude.clone(),
        },
    ];
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let settings = Settings {
        paths,
        codemods,
        unsafe_fixes: unsafe_fixes || config.unsafe_fixes.unwrap_or(false),
        exclude,
        cwd,
        threads: common.threads,
        color,
    };
    Ok(Some(settings))
}

/// Size rayon's pool: `--threads`, else rayon's default (all cores, or
/// `RAYON_NUM_THREADS`).
fn configure_threads(settings: &Settings) {
    if let Some(threads) = settings.threads {
        // Fails only if a pool was already built, which `main` never does.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global();
    }
}

fn list() {
    println!(
        "{:<24} {:<4} {:<14} {:<12} summary",
        "id", "prio", "category", "fix"
    );
    for entry in CATALOGUE {
        let m = entry.meta;
        println!(
            "{:<24} {:<4} {:<14} {:<12} {}",
            m.id,
            m.priority.to_string(),
            m.category,
            m.fix.as_str(),
            m.summary
        );
    }
}

/// How a streamed run over the files on disk ended.
struct DiskRun {
    tally: Tally,
    /// A file or path could not be processed (exit 2).
    failed: bool,
    /// Stopped by a signal before every file was seen.
    interrupted: bool,
}

/// The files on disk to process.
struct Found {
    files: Vec<PathBuf>,
    /// A path could not be walked (printed already).
    failed: bool,
}

/// Discover the files on disk; paths that cannot be walked are printed.
fn discover(settings: &Settings) -> Result<Found> {
    let excluded = Excluder::new(&settings.cwd, &settings.exclude).map_err(anyhow::Error::msg)?;
    let (files, walk_errors) = walk::discover(&settings.paths, &excluded);
    for err in &walk_errors {
        eprintln!("error: {}: {}", err.path.display(), err.reason);
    }
    Ok(Found {
        files,
        failed: !walk_errors.is_empty(),
    })
}

/// Hand each found file's outcome to `sink`, in path order, as soon as its
/// batch is done; per-file problems are printed on the way. Only one batch
/// of files is held in memory.
fn for_each_disk_outcome(
    settings: &Settings,
    found: &Found,
    mut record: Option<&mut RunRecord>,
    mut sink: impl FnMut(&FileOutcome) -> Result<()>,
) -> Result<DiskRun> {
    let files = &found.files;
    // Project facts first (one cheap scan of every file), then the
    // per-file work, which reads them.
    let project = Arc::new(if uses_project(settings) {
        Project::scan_paths(files)
    } else {
        Project::default()
    });
    let engine = Engine::new(settings.codemods.clone()).with_project(project);
    let policy = FixPolicy::new(settings.unsafe_fixes);
    let mut run = DiskRun {
        tally: Tally::default(),
        failed: found.failed,
        interrupted: false,
    };
    let mut sink_error = None;
    let flow = driver::for_each_outcome(files, &engine, policy, &interrupt::requested, |outcome| {
        for line in report::problems(std::slice::from_ref(&outcome)) {
            eprintln!("{line}");
        }
        run.failed |= outcome.error.is_some();
        run.tally.add(&outcome, policy);
        if let Some(record) = record.as_deref_mut() {
            let again = |path: &Path, text: &str| {
                driver::process(path, text.as_bytes(), &engine, policy)
                    .fixed
                    .is_none()
            };
            record.add(&outcome, policy, Some(&again));
        }
        match sink(&outcome) {
            Ok(()) => ControlFlow::Continue(()),
            Err(err) => {
                sink_error = Some(err);
                ControlFlow::Break(())
            }
        }
    });
    if let Some(err) = sink_error {
        return Err(err);
    }
    run.interrupted = flow.is_break();
    if run.interrupted {
        eprintln!("Interrupted: stopped between files; every file is either untouched or completely processed.");
    }
    Ok(run)
}

/// Whether an enabled codemod reads the project facts.
fn uses_project(settings: &Settings) -> bool {
    settings.codemods.iter().any(|c| c.uses_project())
}

fn check(settings: &Settings, format: Format, output: Option<&Path>) -> Result<ExitStatus> {
    let mut text = String::new();
    let mut record = if format == Format::Markdown {
        RunRecord::detailed()
    } else {
        RunRecord::default()
    };
    let collect = (format != Format::Text).then_some(&mut record);
    let run = for_each_disk_outcome(settings, &discover(settings)?, collect, |outcome| {
        if format == Format::Text {
            for finding in &outcome.findings {
                let line = report::finding_line(&outcome.path, finding);
                if output.is_some() {
                    text.push_str(&line);
                    text.push('\n');
                } else {
                    writeln!(std::io::stdout().lock(), "{line}")?;
                }
            }
        }
        Ok(())
    })?;
    let rendered = match format {
        Format::Text => text,
        Format::Json => output::json::render(&record),
        Format::Sarif => output::sarif::render(&record, &settings.cwd),
        Format::Github => output::github::render(&record),
        Format::Gitlab => output::gitlab::render(&record),
        Format::Markdown => {
            output::report::markdown(&record, &report_context(settings, Mode::Check))
        }
    };
    match output {
        Some(path) => write_output(path, rendered.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(rendered.as_bytes())?;
            stdout.flush()?;
        }
    }
    eprintln!("{}", run.tally.sentence("`auditfix fix --write` would fix"));
    Ok(if run.interrupted {
        ExitStatus::Interrupted
    } else if run.failed {
        ExitStatus::Error
    } else if run.tally.findings > 0 {
        ExitStatus::ChangesOrFindings
    } else {
        ExitStatus::Clean
    })
}

/// The audit report's context: the run's mode, paths and codemods.
fn report_context(settings: &Settings, mode: Mode) -> ReportContext {
    ReportContext {
        mode,
        paths: settings
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        codemods: settings.codemods.iter().map(|c| c.meta().id).collect(),
        unsafe_fixes: settings.unsafe_fixes,
        commits: Vec::new(),
    }
}

/// Write the audit report: HTML for a `.html` / `.htm` path, else Markdown.
fn write_report(path: &Path, record: &RunRecord, cx: &ReportContext) -> Result<()> {
    let html = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    let text = if html {
        output::report::html(record, cx)
    } else {
        output::report::markdown(record, cx)
    };
    write_output(path, text.as_bytes())
        .with_context(|| format!("cannot write report {}", path.display()))?;
    eprintln!("Audit report written to {}.", path.display());
    Ok(())
}

/// Write a whole output file atomically: a reader never sees half of it.
fn write_output(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |file| Ok(file.write_all(bytes)?))
}

/// Write `path` through `fill` into a temporary file beside it, synced and
/// renamed into place.
fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".auditfix-")
        .tempfile_in(dir)?;
    fill(temp.as_file_mut())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Print the findings this run leaves for a human (or for --unsafe-fixes).
fn report_unfixed(outcome: &FileOutcome, policy: FixPolicy) {
    for (index, finding) in outcome.findings.iter().enumerate() {
        let resolution = outcome.resolution(index, policy);
        if resolution != Resolution::Fixed {
            eprintln!(
                "{}",
                report::finding_line_with_fix(&outcome.path, finding, resolution)
            );
        }
    }
}

fn fix(settings: &Settings, output: &Output, report_path: Option<&Path>) -> Result<ExitStatus> {
    match output {
        Output::Branch {
            name,
            base,
            force,
            author,
        } => branch(
            settings,
            name,
            base.as_deref(),
            *force,
            author.as_deref(),
            report_path,
        ),
        Output::Series { dir, base, author } => series(
            settings,
            dir,
            base.as_deref(),
            author.as_deref(),
            report_path,
        ),
        Output::Preview => disk_mode(
            settings,
            modes::Preview::new(&settings.cwd, settings.color),
            report_path,
        ),
        Output::Write => disk_mode(settings, modes::Write::default(), report_path),
        Output::Patch(path) => {
            let found = discover(settings)?;
            let root = patch_root(&settings.cwd, &found.files)?;
            let policy = FixPolicy::new(settings.unsafe_fixes);
            let mode = modes::Patch::new(path, root, policy)?;
            run_disk_mode(settings, found, mode, report_path)
        }
    }
}

/// Run a disk mode over the files the settings name.
fn disk_mode(
    settings: &Settings,
    mode: impl modes::DiskMode,
    report_path: Option<&Path>,
) -> Result<ExitStatus> {
    run_disk_mode(settings, discover(settings)?, mode, report_path)
}

/// The one loop of every disk mode: each file's outcome to the mode (after
/// its unfixed findings are printed) and to the report's record, then the
/// mode's end, the report and the exit status.
fn run_disk_mode(
    settings: &Settings,
    found: Found,
    mut mode: impl modes::DiskMode,
    report_path: Option<&Path>,
) -> Result<ExitStatus> {
    let policy = FixPolicy::new(settings.unsafe_fixes);
    let mut record = report_path.map(|_| RunRecord::detailed());
    let run = for_each_disk_outcome(settings, &found, record.as_mut(), |outcome| {
        report_unfixed(outcome, policy);
        mode.file(outcome)
    })?;
    mode.finish(&run)?;
    if let (Some(path), Some(record)) = (report_path, &record) {
        if !run.interrupted {
            write_report(path, record, &report_context(settings, mode.report_mode()))?;
        }
    }
    Ok(if run.interrupted {
        ExitStatus::Interrupted
    } else if run.failed || mode.failed() {
        ExitStatus::Error
    } else {
        mode.status(&run.tally)
    })
}

/// Write `header` then the scratch `body` to `path`, atomically: a temp
/// file beside it, renamed into place.
fn write_patch(path: &Path, header: &str, body: &mut std::fs::File) -> Result<()> {
    use std::io::Seek as _;
    write_atomically(path, |temp| {
        temp.write_all(header.as_bytes())?;
        body.rewind()?;
        std::io::copy(body, temp)?;
        Ok(())
    })
}

/// The summary at the top of a patch file. `git apply` and `patch` skip
/// text before the first `diff --git` line; none of these lines starts
/// with `---`, `+++` or `diff`.
fn patch_header(tally: &Tally, root: &PatchRoot, record: &RunRecord) -> String {
    let mut header = format!(
        "auditfix {}: {}\n",
        env!("CARGO_PKG_VERSION"),
        tally.sentence("fixes")
    );
    let by_priority: Vec<String> = [Priority::P1, Priority::P2, Priority::P3, Priority::P4]
        .iter()
        .map(|p| {
            let of = record.findings.iter().filter(|f| f.priority == *p);
            let fixed = of
                .clone()
                .filter(|f| f.resolution == Resolution::Fixed)
                .count();
            format!("{p} {} ({fixed} fixed)", of.count())
        })
        .collect();
    header.push_str(&format!(
        "Findings by priority: {}\n",
        by_priority.join(", ")
    ));
    header.push_str("By category (found, fixed, unsafe fix not applied, needs a manual fix):\n");
    for (category, row) in output::report::categories(record) {
        header.push_str(&format!(
            "  {category}: {}, {}, {}, {}\n",
            row[0], row[1], row[2], row[3]
        ));
    }
    header.push_str("Fixes per codemod:\n");
    for (id, n) in &tally.applied {
        header.push_str(&format!("  {id}: {n}\n"));
    }
    let from = if root.in_repository {
        "the repository root".to_owned()
    } else {
        root.dir.display().to_string()
    };
    header.push_str(&format!(
        "Apply from {from}: git apply FILE (or patch -p1 < FILE)\n\n"
    ));
    header
}

/// Where a patch applies from.
struct PatchRoot {
    /// Absolute and canonical.
    dir: PathBuf,
    in_repository: bool,
}

/// The working tree root of the repository holding the working directory;
/// outside a repository, the working directory, or, when some of `files`
/// lie outside it, the deepest directory holding it and all of them:
/// `git apply` and `patch` refuse paths with `..`.
fn patch_root(cwd: &Path, files: &[PathBuf]) -> Result<PatchRoot> {
    if let Some(workdir) = git2::Repository::discover(cwd)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_owned))
    {
        return Ok(PatchRoot {
            dir: workdir.canonicalize()?,
            in_repository: true,
        });
    }
    let mut dir = cwd.canonicalize()?;
    for file in files {
        // Unreadable paths are reported when the file is read.
        let Ok(file) = file.canonicalize() else {
            continue;
        };
        while !file.starts_with(&dir) {
            if !dir.pop() {
                break;
            }
        }
    }
    Ok(PatchRoot {
        dir,
        in_repository: false,
    })
}

/// How the preview names a file: relative to the working directory, with
/// `..` components when it lies outside (as `git diff --no-index` does).
/// Relative paths are kept as the user wrote them.
fn preview_path(cwd: &Path, path: &Path) -> String {
    if path.is_relative() {
        return slash_path(path);
    }
    let path = walk::normalize(path);
    let mut base = walk::normalize(cwd);
    let mut ups = 0;
    while !path.starts_with(&base) {
        if !base.pop() {
            break;
        }
        ups += 1;
    }
    let below = path.strip_prefix(&base).unwrap_or(&path);
    let mut relative: PathBuf = std::iter::repeat_n("..", ups).collect();
    relative.push(below);
    slash_path(&relative)
}

/// `path` relative to `root`, '/'-separated.
fn relative_to(root: &Path, path: &Path) -> Result<String> {
    let absolute = path
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", path.display()))?;
    let relative = absolute.strip_prefix(root).with_context(|| {
        format!(
            "{} is outside {}; run from the repository that contains it",
            path.display(),
            root.display()
        )
    })?;
    Ok(slash_path(relative))
}

/// A path as git writes it: `/`-separated, without a leading `./`. Only on
/// Windows is `\\` a separator; elsewhere it is part of a file name.
fn slash_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    #[cfg(windows)]
    let text = std::borrow::Cow::<str>::Owned(text.replace('\\', "/"));
    text.strip_prefix("./").unwrap_or(&text).to_owned()
}

/// Branch mode: fix the base commit's files, one commit per codemod.
/// The fixes of the base commit's files as one commit step per codemod
/// (branch mode and the patch series), with the run's counts; per-file
/// problems are printed. `check` vets the repository before the work.
fn commit_steps_of_base(
    settings: &Settings,
    base: Option<&str>,
    check: impl FnOnce(&FixRepo) -> Result<(), crate::git::GitError>,
    mut record: Option<&mut RunRecord>,
) -> Result<(FixRepo, Vec<CommitStep>, Tally, bool)> {
    let cwd = &settings.cwd;
    let repo = FixRepo::open(cwd, base)?;
    check(&repo)?;
    let prefixes = match repo.workdir() {
        Some(root) => {
            let root = root.canonicalize()?;
            let cwd = cwd.canonicalize()?;
            settings
                .paths
                .iter()
                .map(|p| repo_prefix(&root, &cwd, p))
                .collect::<Result<Vec<_>>>()?
        }
        None => settings.paths.iter().map(|p| slash_path(p)).collect(),
    };
    let root = match repo.workdir() {
        Some(root) => root.canonicalize()?,
        None => PathBuf::from("/"),
    };
    let excluded = Excluder::new(cwd, &settings.exclude).map_err(anyhow::Error::msg)?;
    let files = repo.base_files(&prefixes, |path, bytes| {
        if excluded.matches(&root.join(path), false) {
            return false;
        }
        let path = Path::new(path);
        walk::is_python_file(path, false)
            || (path.extension().is_none() && walk::has_python_shebang(bytes))
    })?;
    let policy = FixPolicy::new(settings.unsafe_fixes);
    // Project facts of the base commit, one cheap scan of its files.
    let mut facts = Vec::with_capacity(files.len());
    for file in files.iter().filter(|_| uses_project(settings)) {
        facts.push((
            PathBuf::from(&file.path),
            ModuleFacts::scan(&repo.read(file)?),
        ));
    }
    let project = Arc::new(Project::from_facts(&facts));
    drop(facts);
    // One engine per commit. Each file goes through them in turn, so only
    // a batch of files and the changed ones are ever held in memory.
    let engines: Vec<Engine> = settings
        .codemods
        .iter()
        .map(|codemod| {
            Engine::new(vec![Arc::clone(codemod) as Arc<dyn Codemod>])
                .with_project(Arc::clone(&project))
        })
        .collect();
    let all = Engine::new(
        settings
            .codemods
            .iter()
            .map(|c| Arc::clone(c) as Arc<dyn Codemod>)
            .collect(),
    )
    .with_project(project);
    let mut fixed: Vec<Vec<(String, FileOutcome)>> = vec![Vec::new(); engines.len()];
    let mut problems: Vec<FileOutcome> = Vec::new();
    let mut tally = Tally::default();
    // Branch mode is not interrupted between files (a signal before the
    // commits ends the process at once), so the flow always continues.
    let never = || false;
    let _ = driver::in_batches(
        &files,
        &never,
        |chunk| {
            chunk
                .iter()
                .map(|file| Ok((PathBuf::from(&file.path), repo.read(file)?)))
                .collect::<Result<Vec<_>>>()
        },
        |(path, bytes)| driver::process_in_steps(path, bytes, &all, &engines, policy),
        |(_, bytes),
         Steps {
             whole,
             changed,
             steps,
         }| {
            report_unfixed(&whole, policy);
            if let Some(record) = record.as_deref_mut() {
                // The report reads the texts the steps no longer keep.
                let mut full = whole.clone();
                full.original = String::from_utf8(bytes).ok();
                full.fixed = steps.iter().rev().find_map(|(_, o)| o.fixed.clone());
                let again = |path: &Path, text: &str| {
                    driver::process(path, text.as_bytes(), &all, policy)
                        .fixed
                        .is_none()
                };
                record.add(&full, policy, Some(&again));
            }
            tally.add_file(&whole, changed, policy);
            if steps.is_empty() && whole.error.is_some() {
                problems.push(whole);
            }
            for (index, outcome) in steps {
                if outcome.error.is_some() {
                    problems.push(outcome);
                } else {
                    fixed[index].push((slash_path(&outcome.path), outcome));
                }
            }
            Ok(ControlFlow::Continue(()))
        },
    )?;
    let mut steps = Vec::new();
    for (codemod, changed) in settings.codemods.iter().zip(&mut fixed) {
        if changed.is_empty() {
            continue;
        }
        let meta = codemod.meta();
        let listed: Vec<(String, &FileOutcome)> =
            changed.iter().map(|(path, o)| (path.clone(), o)).collect();
        let message = report::commit_message(meta.id, meta.summary, &listed, policy);
        let changes = changed
            .iter_mut()
            .map(|(path, outcome)| {
                let text = outcome.fixed.take().unwrap_or_default();
                (path.clone(), text.into_bytes())
            })
            .collect();
        steps.push(CommitStep {
            codemod: meta.id,
            message,
            changes,
        });
    }
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    for line in report::problems(&problems) {
        eprintln!("{line}");
    }
    Ok((repo, steps, tally, !problems.is_empty()))
}

/// `--author "Name <email>"` as a signature.
fn author_signature(author: Option<&str>) -> Result<Option<git2::Signature<'static>>> {
    let Some(author) = author else {
        return Ok(None);
    };
    let parsed = author
        .strip_suffix('>')
        .and_then(|rest| rest.split_once('<'))
        .map(|(name, email)| (name.trim(), email.trim()))
        .filter(|(name, email)| !name.is_empty() && email.contains('@'));
    let Some((name, email)) = parsed else {
        anyhow::bail!("--author must look like \"Name <email@example.com>\", not {author:?}");
    };
    Ok(Some(git2::Signature::now(name, email)?))
}

fn branch(
    settings: &Settings,
    name: &str,
    base: Option<&str>,
    force: bool,
    author: Option<&str>,
    report_path: Option<&Path>,
) -> Result<ExitStatus> {
    let author = author_signature(author)?;
    let mut record = report_path.map(|_| RunRecord::detailed());
    let (repo, steps, tally, failed) = commit_steps_of_base(
        settings,
        base,
        |repo| repo.check_branch(name, force),
        record.as_mut(),
    )?;
    eprintln!("{}", tally.sentence("fixed"));
    // A signal before this point ends the process at once: no branch.
    let commits =
        interrupt::critical(|| repo.commit_steps_by(name, force, &steps, author.as_ref()))?;
    if commits.is_empty() {
        eprintln!(
            "Nothing to fix at {}: no branch created.",
            &repo.base_id()[..12]
        );
    } else {
        eprintln!(
            "Created branch {name} with {} commit{} on top of {}:",
            commits.len(),
            if commits.len() == 1 { "" } else { "s" },
            &repo.base_id()[..12]
        );
        for (step, id) in &commits {
            eprintln!(
                "  {} {}",
                &id[..12],
                steps[*step].message.lines().next().unwrap_or("")
            );
        }
        eprintln!("Review with `git log -p {name}`; HEAD, the index and the working tree were not touched.");
    }
    if let (Some(path), Some(record)) = (report_path, &record) {
        let mut cx = report_context(settings, Mode::Branch(name.to_owned()));
        cx.commits = commits
            .iter()
            .map(|(step, id)| {
                let subject = steps[*step].message.lines().next().unwrap_or("");
                format!("`{}` {subject}", &id[..12])
            })
            .collect();
        write_report(path, record, &cx)?;
    }
    Ok(if failed {
        ExitStatus::Error
    } else {
        ExitStatus::Clean
    })
}

/// `--patch-series DIR`: one mail per codemod, as `git format-patch`
/// writes them, numbered in the order the fix branch would commit them.
fn series(
    settings: &Settings,
    dir: &Path,
    base: Option<&str>,
    author: Option<&str>,
    report_path: Option<&Path>,
) -> Result<ExitStatus> {
    let author = author_signature(author)?;
    let mut record = report_path.map(|_| RunRecord::detailed());
    let (repo, steps, tally, failed) =
        commit_steps_of_base(settings, base, |_| Ok(()), record.as_mut())?;
    eprintln!("{}", tally.sentence("would fix"));
    let step_codemods: Vec<&str> = steps.iter().map(|s| s.codemod).collect();
    let mails = repo.patch_series(&steps, author.as_ref())?;
    if mails.is_empty() {
        eprintln!(
            "Nothing to fix at {}: no patch series written.",
            &repo.base_id()[..12]
        );
    } else {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (index, (step, mail)) in mails.iter().enumerate() {
            let id = step_codemods[*step];
            let path = dir.join(format!("{:04}-auditfix-{id}.patch", index + 1));
            interrupt::critical(|| write_output(&path, mail))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        eprintln!(
            "Wrote {} patch{} to {}: apply them on {} with `git am --keep-cr {}/*.patch`.",
            mails.len(),
            if mails.len() == 1 { "" } else { "es" },
            dir.display(),
            &repo.base_id()[..12],
            dir.display()
        );
    }
    if let (Some(path), Some(record)) = (report_path, &record) {
        let mode = Mode::Series(dir.display().to_string());
        write_report(path, record, &report_context(settings, mode))?;
    }
    Ok(if failed {
        ExitStatus::Error
    } else {
        ExitStatus::Clean
    })
}

/// A user path as a repository-relative prefix ("" for the root).
fn repo_prefix(root: &Path, cwd: &Path, path: &Path) -> Result<String> {
    // The path may exist only in the base commit: not canonicalised.
    let absolute = walk::normalize(&cwd.join(path));
    let relative = absolute.strip_prefix(root).with_context(|| {
        format!(
            "{} is outside the repository at {}",
            path.display(),
            root.display()
        )
    })?;
    Ok(slash_path(relative))
}
