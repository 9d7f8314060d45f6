//! Suppression markers, parsed in one place: `# auditfix: ignore[...]`,
//! bandit's `# nosec [B608]`, flake8 / ruff `# noqa[: S608]`, semgrep's
//! `# nosemgrep[: rule]` and `# pylint: disable=...` (see [`markers_in`]).

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use std::collections::HashMap;
#[allow(unused_imports)]
use tree_sitter::Node;

/// Whether a line overlapping `range` carries a bandit `# nosec` marker
/// that covers one of `codes` (test ids such as `B608`, or test names): a
/// bare `# nosec` covers every test. For codemods that mirror a bandit
/// check, so that code already reviewed for bandit is not flagged again.
pub fn has_nosec(text: &str, range: crate::fix::TextRange, codes: &[&str]) -> bool {
    let from = range.start.min(text.len());
    let to = range.end.clamp(from, text.len());
    let start = text[..from].rfind('\n').map_or(0, |p| p + 1);
    let end = text[to..].find('\n').map_or(text.len(), |p| to + p);
    text[start..end].lines().any(|line| nosec_in(line, codes))
}

/// Whether a bandit `# nosec` comment on the lines of `node` silences one
/// of `codes` (test ids such as `B602`, or test names). A bare `# nosec`,
/// or one followed only by free text, silences every check; `# nosec B113,
/// B602` (also `# nosec: B602`) only those listed.
pub fn nosec_covers(text: &str, root: Node<'_>, node: Node<'_>, codes: &[&str]) -> bool {
    let start = crate::source::line_start(text, node.start_byte());
    let end = crate::source::next_line_start(text, node.end_byte());
    let mut seen = Vec::new();
    for (offset, _) in text[start..end].match_indices('#') {
        let at = start + offset;
        let Some(comment) = root
            .descendant_for_byte_range(at, at + 1)
            .filter(|c| c.kind() == "comment")
        else {
            continue;
        };
        if seen.contains(&comment.id()) {
            continue;
        }
        seen.push(comment.id());
        if nosec_in(self::text(text, comment), codes) {
            return true;
        }
    }
    false
}

/// `B602` or `subprocess_popen_with_shell_equals_true`.
fn is_bandit_test(token: &str) -> bool {
    let id = token.len() == 4
        && token.starts_with('B')
        && token[1..].bytes().all(|b| b.is_ascii_digit());
    let name = token.contains('_') && token.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    id || name
}

/// One suppression directive of a comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marker {
    /// `# nosec`, `# nosec B608, B105`, `# nosec: B602 - reviewed` (bandit:
    /// test ids `B608` or names `hardcoded_password_string`; free text
    /// after the codes is ignored).
    Nosec(Vec<String>),
    /// `# noqa`, `# noqa: S608, E722` (flake8 / ruff: `[A-Z]+[0-9]+`
    /// codes). A `noqa:` without valid codes covers everything, as flake8
    /// reads it.
    Noqa(Vec<String>),
    /// `# nosemgrep`, `# nosemgrep: python.lang.security.audit.x`.
    Nosemgrep(Vec<String>),
    /// `# pylint: disable=broad-except, W0703`.
    PylintDisable(Vec<String>),
    /// `# auditfix: ignore`, `# auditfix: ignore[fetchone-null-guard, …]`.
    AuditfixIgnore(Vec<String>),
}

impl Marker {
    /// The codes the directive lists (empty: it covers everything).
    pub fn codes(&self) -> &[String] {
        match self {
            Marker::Nosec(codes)
            | Marker::Noqa(codes)
            | Marker::Nosemgrep(codes)
            | Marker::PylintDisable(codes)
            | Marker::AuditfixIgnore(codes) => codes,
        }
    }

    /// Whether the directive lists one of `codes` (or lists none).
    pub fn covers(&self, codes: &[&str]) -> bool {
        let listed = self.codes();
        listed.is_empty() || listed.iter().any(|c| codes.contains(&c.as_str()))
    }

    /// Whether the directive names one of `codes` explicitly (a bare one
    /// does not count).
    pub fn lists(&self, codes: &[&str]) -> bool {
        self.codes().iter().any(|c| codes.contains(&c.as_str()))
    }
}

/// The suppression directives of a comment or a line, in order: each `#`
/// starts a candidate (`# noqa: E501 # nosec` holds two). Case-insensitive
/// for `noqa`, as flake8 is.
pub fn markers_in(comment: &str) -> Vec<Marker> {
    let mut found = Vec::new();
    for part in comment.split('#').skip(1) {
        let part = part.trim_start();
        if let Some(rest) = strip_word(part, "nosec") {
            let codes = rest
                .split(|c: char| c.is_whitespace() || c == ',' || c == ':')
                .filter(|t| is_bandit_test(t));
            found.push(Marker::Nosec(codes.map(str::to_owned).collect()));
        } else if let Some(rest) = strip_word_ignore_case(part, "noqa") {
            let codes = match rest.strip_prefix(':') {
                Some(list) => list
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|t| !t.is_empty())
                    .take_while(|t| is_lint_code(t))
                    .map(str::to_owned)
                    .collect(),
                None => Vec::new(),
            };
            found.push(Marker::Noqa(codes));
        } else if let Some(rest) = strip_word(part, "nosemgrep") {
            let codes = match rest.strip_prefix(':') {
                Some(list) => list
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|t| !t.is_empty())
                    .take_while(|t| {
                        t.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                    })
                    .map(str::to_owned)
                    .collect(),
                None => Vec::new(),
            };
            found.push(Marker::Nosemgrep(codes));
        } else if let Some(rest) = part
            .strip_prefix("pylint:")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix("disable"))
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('='))
        {
            let codes: Vec<String> = rest
                .split(',')
                .map(str::trim)
                .take_while(|t| {
                    !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                .map(str::to_owned)
                .collect();
            if !codes.is_empty() {
                found.push(Marker::PylintDisable(codes));
            }
        } else if let Some(rest) = part.strip_prefix("auditfix: ignore") {
            let codes = match rest.strip_prefix('[') {
                Some(list) => list
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
                None => Vec::new(),
            };
            found.push(Marker::AuditfixIgnore(codes));
        }
    }
    found
}

/// Whether a comment (or line) has a bandit `# nosec` covering one of
/// `codes` (a bare `# nosec` covers every test).
pub fn nosec_in(comment: &str, codes: &[&str]) -> bool {
    markers_in(comment)
        .iter()
        .any(|m| matches!(m, Marker::Nosec(_)) && m.covers(codes))
}

/// Whether a comment (or line) has any bandit `# nosec`, whatever it lists.
pub fn has_any_nosec(comment: &str) -> bool {
    markers_in(comment)
        .iter()
        .any(|m| matches!(m, Marker::Nosec(_)))
}

/// Whether a comment (or line) has a `# noqa` covering one of `codes` (a
/// bare `# noqa` covers every rule).
pub fn noqa_in(comment: &str, codes: &[&str]) -> bool {
    markers_in(comment)
        .iter()
        .any(|m| matches!(m, Marker::Noqa(_)) && m.covers(codes))
}

/// Whether a comment (or line) silences one of the linter `codes` by name:
/// `# noqa: BLE001`, `# pylint: disable=broad-except`, `# nosemgrep:
/// rule`. Bare directives do not count: they say nothing about which
/// check the author reviewed.
pub fn lint_suppressed(comment: &str, codes: &[&str]) -> bool {
    markers_in(comment).iter().any(|m| {
        matches!(
            m,
            Marker::Noqa(_) | Marker::PylintDisable(_) | Marker::Nosemgrep(_)
        ) && m.lists(codes)
    })
}

/// Whether a comment (or line) holds `auditfix: ignore` for all codemods or
/// `auditfix: ignore[id, …]` naming `id`.
pub fn auditfix_ignore_covers(comment: &str, id: &str) -> bool {
    markers_in(comment)
        .iter()
        .any(|m| matches!(m, Marker::AuditfixIgnore(_)) && m.covers(&[id]))
}

/// `rest` after `word` at the start of `text`, when `word` is a whole word
/// there (`nosec` but not `nosecurity`).
fn strip_word<'t>(text: &'t str, word: &str) -> Option<&'t str> {
    let rest = text.strip_prefix(word)?;
    (!rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')).then_some(rest)
}

fn strip_word_ignore_case<'t>(text: &'t str, word: &str) -> Option<&'t str> {
    let head = text.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let rest = &text[word.len()..];
    (!rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')).then_some(rest)
}

/// A flake8 / ruff code: `E722`, `S608`, `BLE001`.
fn is_lint_code(token: &str) -> bool {
    let letters = token.bytes().take_while(u8::is_ascii_uppercase).count();
    letters > 0 && letters < token.len() && token[letters..].bytes().all(|b| b.is_ascii_digit())
}

/// Phrases by which a comment says that a failure is ignored on purpose.
const DELIBERATE: [&str; 22] = [
    "ignore",
    "silent",
    "optional",
    "best effort",
    "best-effort",
    "don't bother",
    "dont bother",
    "do not bother",
    "unavailable",
    "not available",
    "doesn't matter",
    "does not matter",
    "harmless",
    "intentional",
    "deliberate",
    "on purpose",
    "expected",
    "fallback",
    "fall back",
    "not critical",
    "non-critical",
    "probably",
];

/// Whether a comment (`# Silently skip memory monitoring if unavailable`,
/// `# can't remove it so don't bother`) says that ignoring an error is
/// deliberate. Commented-out code (`# print("")`) does not.
pub fn comment_says_deliberate(comment: &str) -> bool {
    let lower = comment.trim_start_matches('#').trim().to_lowercase();
    let lower = lower.replace('\u{2019}', "'");
    DELIBERATE.iter().any(|phrase| lower.contains(phrase))
}

#[cfg(test)]
mod marker_tests {
    use super::*;

    #[test]
    fn nosec() {
        assert_eq!(markers_in("x  # nosec"), [Marker::Nosec(vec![])]);
        assert_eq!(
            markers_in("# nosec B608, B105"),
            [Marker::Nosec(vec!["B608".into(), "B105".into()])]
        );
        assert_eq!(
            markers_in("# nosec: B602 - reviewed by ops"),
            [Marker::Nosec(vec!["B602".into()])]
        );
        assert_eq!(markers_in("# nosec - local only"), [Marker::Nosec(vec![])]);
        assert!(markers_in("# nosecurity").is_empty());
        assert!(nosec_in("# nosec B608", &["B608"]));
        assert!(!nosec_in("# nosec B608", &["B105"]));
        assert!(nosec_in("# nosec", &["B105"]));
        assert!(has_any_nosec("#nosec B110"));
    }

    #[test]
    fn noqa() {
        assert_eq!(markers_in("# noqa"), [Marker::Noqa(vec![])]);
        assert_eq!(markers_in("# NOQA"), [Marker::Noqa(vec![])]);
        assert_eq!(
            markers_in("# noqa: S608,E722 reason"),
            [Marker::Noqa(vec!["S608".into(), "E722".into()])]
        );
        assert_eq!(
            markers_in("# noqa:BLE001"),
            [Marker::Noqa(vec!["BLE001".into()])]
        );
        assert!(markers_in("# noqaz").is_empty());
        assert!(noqa_in("# noqa", &["E722"]));
        assert!(noqa_in("# noqa: E722", &["E722"]));
        assert!(!noqa_in("# noqa: E501", &["E722"]));
        assert!(!lint_suppressed("# noqa", &["E722"]));
        assert!(lint_suppressed("# noqa: E501, BLE001", &["BLE001"]));
    }

    #[test]
    fn other_tools_and_several_markers() {
        assert_eq!(markers_in("# nosemgrep"), [Marker::Nosemgrep(vec![])]);
        assert_eq!(
            markers_in("# nosemgrep: python.lang.security.audit.formatted-sql-query"),
            [Marker::Nosemgrep(vec![
                "python.lang.security.audit.formatted-sql-query".into()
            ])]
        );
        assert_eq!(
            markers_in("# pylint: disable=broad-except, W0703"),
            [Marker::PylintDisable(vec![
                "broad-except".into(),
                "W0703".into()
            ])]
        );
        assert!(lint_suppressed(
            "# pylint: disable=broad-except",
            &["broad-except"]
        ));
        assert_eq!(
            markers_in("x = 1  # noqa: E501  # nosec B105"),
            [
                Marker::Noqa(vec!["E501".into()]),
                Marker::Nosec(vec!["B105".into()])
            ]
        );
    }

    #[test]
    fn auditfix_ignore() {
        assert!(auditfix_ignore_covers("# auditfix: ignore", "bare-except"));
        assert!(auditfix_ignore_covers(
            "x  # auditfix: ignore[bare-except, yaml-safe-load]",
            "yaml-safe-load"
        ));
        assert!(!auditfix_ignore_covers(
            "# auditfix: ignore[bare-except]",
            "yaml-safe-load"
        ));
        assert!(!auditfix_ignore_covers("# auditfix ignore", "bare-except"));
    }
}

#[cfg(test)]
mod deliberate_tests {
    use super::*;

    #[test]
    fn deliberate_comments() {
        for comment in [
            "# Silently skip memory monitoring if unavailable",
            "# can't remove it so don't bother doing so",
            "# ignore errors",
            "# best effort",
            "# Failed to import - probably module didn't exist",
        ] {
            assert!(comment_says_deliberate(comment), "{comment}");
        }
        for comment in ["# print(\"\")", "# TODO", "# close the socket"] {
            assert!(!comment_says_deliberate(comment), "{comment}");
        }
    }
}

/// The left-alone reason (see [`Checker::leave_alone`](crate::codemod::Checker::leave_alone))
/// of a finding a `# nosec` marker covers.
pub const LEFT_ALONE_NOSEC: &str = "marked `# nosec`";

/// The left-alone reason of a finding in a test module.
pub const LEFT_ALONE_TEST_MODULE: &str = "in a test module";
