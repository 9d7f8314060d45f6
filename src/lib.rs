//! auditfix: find Python code-audit patterns with tree-sitter and turn them
//! into reviewable fixes (diff preview, patch file, in-place write or a fix
//! branch made through libgit2).
//!
//! Data flows one way: `walk` → `source` → `project` (facts about the whole
//! tree) → `parse` → `codemod` (match; codemods ask `python`, the one
//! Python-knowledge layer, and build their edits with `edit`) → `fix` (the
//! fix engine: edits, fixes and applying them) → `driver` (apply to a
//! fixpoint) → `diff` / `report` / `write` / `git`. `cli` is the only
//! module that knows about clap.

pub mod cli;
pub mod codemod;
#[path = "../codemods/mod.rs"]
pub mod codemods;
pub mod diff;
pub mod driver;
pub mod edit;
pub mod fix;
pub mod git;
pub mod interrupt;
#[doc(hidden)]
pub mod invariants;
pub mod output;
pub mod parse;
pub mod project;
pub mod python;
pub mod report;
pub mod settings;
pub mod source;
pub mod walk;
pub mod write;
