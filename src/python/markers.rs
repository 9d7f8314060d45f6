//! Suppression markers: `# auditfix: ignore[...]`, bandit's `# nosec`.

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
pub fn has_nosec(text: &str, range: crate::edit::TextRange, codes: &[&str]) -> bool {
    let from = range.start.min(text.len());
    let to = range.end.clamp(from, text.len());
    let start = text[..from].rfind('\n').map_or(0, |p| p + 1);
    let end = text[to..].find('\n').map_or(text.len(), |p| to + p);
    text[start..end].lines().any(|line| {
        line.match_indices('#').any(|(at, _)| {
            let comment = line[at + 1..].trim_start();
            let Some(rest) = comment.strip_prefix("nosec") else {
                return false;
            };
            if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                return false;
            }
            let listed: Vec<&str> = rest
                .trim_start_matches([':', ' '])
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|w| !w.is_empty())
                .take_while(|w| w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .collect();
            listed.is_empty() || listed.iter().any(|w| codes.contains(w))
        })
    })
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
        let comment_text = self::text(text, comment);
        for part in comment_text.split('#').skip(1) {
            let Some(rest) = part.trim_start().strip_prefix("nosec") else {
                continue;
            };
            if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue; // `# nosecurity`
            }
            let listed: Vec<&str> = rest
                .split(|c: char| c.is_whitespace() || c == ',' || c == ':')
                .filter(|t| is_bandit_test(t))
                .collect();
            if listed.is_empty() || listed.iter().any(|t| codes.contains(t)) {
                return true;
            }
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
