//! auditfix: find Python code-audit patterns with tree-sitter and turn them
//! into reviewable fixes (diff preview, patch file, in-place write or a fix
//! branch made through libgit2).
//!
//! Data flows one way: `walk` → `source` → parse → `codemod` (match) →
//! `edit`/`fix` → `driver` (apply to a fixpoint) → `diff` / `report` / `git`.

pub mod git;
