//! What auditfix knows about the Python it reads, in one layer that every
//! codemod reaches (directly or through the [`Checker`](crate::codemod::Checker)):
//!
//! - [`tree`]: syntax-tree navigation (statements, calls, arguments, walks);
//! - [`strings`]: the string-literal model;
//! - [`imports`]: the import table and qualified names through aliases;
//! - [`names`]: bindings and reads of names;
//! - [`handlers`]: whether an exception is handled around a node;
//! - [`logging`]: logging calls and the module-logger policy;
//! - [`markers`]: suppression markers (`# auditfix: ignore`, `# nosec`).
//!
//! A codemod that needs more knowledge adds it here, never a private copy.
//! Everything is re-exported at this level, so callers write
//! `python::qualified_name(...)`.

pub mod handlers;
pub mod imports;
pub mod logging;
pub mod markers;
pub mod names;
pub mod strings;
pub mod tree;

pub use handlers::*;
pub use imports::*;
pub use logging::*;
pub use markers::*;
pub use names::*;
pub use strings::*;
pub use tree::*;
