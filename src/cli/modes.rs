//! The `fix` modes that work on the files on disk — preview, write, patch
//! — as implementations of one interface, [`DiskMode`]. One loop
//! ([`super::for_each_disk_outcome`]) feeds every mode the same outcomes in
//! the same order, so the preview, the written files and the patch hold the
//! same fixes with the same counts; a mode only decides what to do with
//! each file's fixed text and how to end the run. (The fix branch and the
//! patch series read the base commit instead of the disk and commit per
//! codemod: see `super::commit_steps_of_base`.)

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::diff::{self, Style};
use crate::driver::{FileOutcome, FixPolicy};
use crate::interrupt;
use crate::output::report::Mode;
use crate::output::RunRecord;
use crate::report::Tally;

use super::{patch_header, preview_path, relative_to, write_patch, DiskRun, ExitStatus, PatchRoot};

/// What a disk mode does with a run.
pub(super) trait DiskMode {
    /// One file's outcome, in path order, after its problems and unfixed
    /// findings were printed.
    fn file(&mut self, outcome: &FileOutcome) -> Result<()>;

    /// After the last file (or an interruption): write what the mode
    /// writes and print its summary.
    fn finish(&mut self, run: &DiskRun) -> Result<()>;

    /// How the audit report words the run.
    fn report_mode(&self) -> Mode;

    /// The exit status of a run that was not interrupted and had no error.
    fn status(&self, tally: &Tally) -> ExitStatus {
        if tally.files_changed == 0 {
            ExitStatus::Clean
        } else {
            ExitStatus::ChangesOrFindings
        }
    }

    /// Whether writing some file failed (exit 2).
    fn failed(&self) -> bool {
        false
    }
}

/// The default: the diff on stdout, nothing written.
pub(super) struct Preview {
    cwd: PathBuf,
    style: Style,
    stdout: std::io::StdoutLock<'static>,
}

impl Preview {
    pub(super) fn new(cwd: &Path, color: bool) -> Self {
        Self {
            cwd: cwd.to_owned(),
            style: if color { Style::Color } else { Style::Plain },
            stdout: std::io::stdout().lock(),
        }
    }
}

impl DiskMode for Preview {
    fn file(&mut self, outcome: &FileOutcome) -> Result<()> {
        if let (Some(old), Some(new)) = (&outcome.original, &outcome.fixed) {
            let shown = preview_path(&self.cwd, &outcome.path);
            self.stdout
                .write_all(diff::file_diff(&shown, old, new, self.style).as_bytes())?;
        }
        Ok(())
    }

    fn finish(&mut self, run: &DiskRun) -> Result<()> {
        self.stdout.flush()?;
        eprintln!("{}", run.tally.sentence("would fix"));
        if run.tally.files_changed > 0 {
            eprintln!("Nothing was written: use --write to apply, --patch FILE to export, --branch NAME to commit.");
        }
        Ok(())
    }

    fn report_mode(&self) -> Mode {
        Mode::Preview
    }
}

/// `--write`: each fixed file replaced atomically as it comes.
#[derive(Default)]
pub(super) struct Write {
    written: usize,
    failed: bool,
}

impl DiskMode for Write {
    fn file(&mut self, outcome: &FileOutcome) -> Result<()> {
        if let (Some(old), Some(new)) = (&outcome.original, &outcome.fixed) {
            match interrupt::critical(|| {
                crate::write::replace_file(&outcome.path, old.as_bytes(), new.as_bytes())
            }) {
                Ok(()) => self.written += 1,
                Err(err) => {
                    self.failed = true;
                    eprintln!("error: {}: {err}", outcome.path.display());
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, run: &DiskRun) -> Result<()> {
        eprintln!(
            "{} Wrote {} file{}.",
            run.tally.sentence("fixed"),
            self.written,
            if self.written == 1 { "" } else { "s" }
        );
        Ok(())
    }

    fn report_mode(&self) -> Mode {
        Mode::Write
    }

    fn status(&self, tally: &Tally) -> ExitStatus {
        if tally.all_fixed() {
            ExitStatus::Clean
        } else {
            ExitStatus::ChangesOrFindings
        }
    }

    fn failed(&self) -> bool {
        self.failed
    }
}

/// `--patch FILE`: the diffs collected in a scratch file; the patch file
/// appears, whole and at once, only when the run completes.
pub(super) struct Patch {
    path: PathBuf,
    root: PatchRoot,
    body: std::fs::File,
    /// The findings, for the summary at the top of the patch.
    record: RunRecord,
    policy: FixPolicy,
}

impl Patch {
    pub(super) fn new(path: &Path, root: PatchRoot, policy: FixPolicy) -> Result<Self> {
        Ok(Self {
            path: path.to_owned(),
            root,
            body: tempfile::tempfile().context("cannot create a scratch file")?,
            record: RunRecord::default(),
            policy,
        })
    }
}

impl DiskMode for Patch {
    fn file(&mut self, outcome: &FileOutcome) -> Result<()> {
        self.record.add(outcome, self.policy, None);
        if let (Some(old), Some(new)) = (&outcome.original, &outcome.fixed) {
            let relative = relative_to(&self.root.dir, &outcome.path)?;
            self.body
                .write_all(diff::file_diff(&relative, old, new, Style::Plain).as_bytes())?;
        }
        Ok(())
    }

    fn finish(&mut self, run: &DiskRun) -> Result<()> {
        let path = &self.path;
        if run.interrupted {
            eprintln!("No patch written.");
        } else if run.tally.files_changed == 0 {
            eprintln!(
                "{} No changes: no patch written.",
                run.tally.sentence("would fix")
            );
        } else {
            let header = patch_header(&run.tally, &self.root, &self.record);
            interrupt::critical(|| write_patch(path, &header, &mut self.body))
                .with_context(|| format!("cannot write patch file {}", path.display()))?;
            eprintln!(
                "{} Patch written to {}: apply it from {} with `git apply {}`.",
                run.tally.sentence("would fix"),
                path.display(),
                self.root.dir.display(),
                path.display()
            );
        }
        Ok(())
    }

    fn report_mode(&self) -> Mode {
        Mode::Patch(self.path.display().to_string())
    }
}
