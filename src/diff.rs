//! The one unified-diff renderer, for the terminal preview (coloured or
//! plain) and for patch files. Lines keep their own line endings, so a
//! CRLF file's patch applies byte for byte; a missing final newline is
//! marked the way `git apply` and `patch` expect.

use std::fmt::Write as _;

use similar::{Algorithm, ChangeTag, TextDiff};

/// Plain text, or ANSI colours for a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Color,
}

impl Style {
    fn paint(self, code: &str, text: &str, out: &mut String) {
        match self {
            Style::Plain => out.push_str(text),
            Style::Color => {
                let _ = write!(out, "\x1b[{code}m{text}\x1b[0m");
            }
        }
    }
}

/// A git-style diff section for one file: `diff --git a/P b/P`, the
/// `---`/`+++` header and the hunks. Empty when the texts are equal.
pub fn file_diff(path: &str, old: &str, new: &str, style: Style) -> String {
    let mut out = String::new();
    if old == new {
        return out;
    }
    // Like git, end a name that contains a space with a tab on the
    // `---`/`+++` lines, so that `patch` knows where the name ends.
    let end = if path.contains(' ') { "\t" } else { "" };
    let header = format!("diff --git a/{path} b/{path}\n--- a/{path}{end}\n+++ b/{path}{end}\n");
    style.paint("1", &header, &mut out);
    // Patience: unique lines (a `def` line, say) anchor the comparison, so
    // a big file with thousands of fixes diffs in near-linear time, where
    // Myers grows with the product of the file size and the changes.
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_lines(old, new);
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        style.paint("36", &format!("{}\n", hunk.header()), &mut out);
        for change in hunk.iter_changes() {
            let (sign, code) = match change.tag() {
                ChangeTag::Delete => ('-', "31"),
                ChangeTag::Insert => ('+', "32"),
                ChangeTag::Equal => (' ', ""),
            };
            let line = change.value();
            let (body, eol) = split_eol(line);
            if code.is_empty() {
                out.push(sign);
                out.push_str(body);
            } else {
                style.paint(code, &format!("{sign}{body}"), &mut out);
            }
            out.push_str(eol);
            if eol.is_empty() {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// A line's text and its line ending (`""` for a last line without one).
fn split_eol(line: &str) -> (&str, &str) {
    if let Some(body) = line.strip_suffix("\r\n") {
        (body, "\r\n")
    } else if let Some(body) = line.strip_suffix('\n') {
        (body, "\n")
    } else {
        (line, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_diff_has_git_headers_and_hunks() {
        let out = file_diff("a.py", "x = 1\ny = 2\n", "x = 1\ny = 3\n", Style::Plain);
        assert_eq!(
            out,
            "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n x = 1\n-y = 2\n+y = 3\n"
        );
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let out = file_diff("a.py", "x = 1", "x = 2", Style::Plain);
        assert!(
            out.ends_with(
                "-x = 1\n\\ No newline at end of file\n+x = 2\n\\ No newline at end of file\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn crlf_lines_keep_their_endings_and_colour_wraps_text_only() {
        let out = file_diff("a.py", "a\r\n", "b\r\n", Style::Color);
        assert!(out.contains("\x1b[31m-a\x1b[0m\r\n"), "{out:?}");
        assert!(out.contains("\x1b[32m+b\x1b[0m\r\n"), "{out:?}");
    }

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(file_diff("a.py", "x\n", "x\n", Style::Plain), "");
    }
}
