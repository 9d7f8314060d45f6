//! Edits, fixes and the one function that applies them.
//!
//! A [`Fix`] is a set of byte-range [`Edit`]s that must be applied together,
//! with an [`Applicability`]. [`apply_fixes`] is a pure function over
//! `(text, fixes)`: it takes fixes in the order given (callers sort them by
//! priority, then position), skips every fix that conflicts with one already
//! taken, and splices all taken edits in one pass.
//!
//! Conflict rules (the invariants the tests below pin down):
//! - two edits whose ranges share at least one byte conflict;
//! - edits that merely *touch* (`a.end == b.start`) do not conflict, unless
//!   one of them is an insertion at the point where the other starts or
//!   ends: then the order of the two texts would be arbitrary, so they
//!   conflict;
//! - an edit identical to one already taken (same range, same content) is
//!   not a conflict: it is applied once (two fixes may both "ensure
//!   `import os`" at the same place).

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;

/// A half-open byte range in a file's text. Never a line or column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "range {start}..{end} is reversed");
        Self { start, end }
    }

    pub fn empty(at: usize) -> Self {
        Self { start: at, end: at }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn contains_range(&self, other: TextRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn as_range(&self) -> Range<usize> {
        self.start..self.end
    }
}

impl From<Range<usize>> for TextRange {
    fn from(r: Range<usize>) -> Self {
        Self::new(r.start, r.end)
    }
}

impl fmt::Display for TextRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// Replace `range` by `content`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    pub range: TextRange,
    pub content: String,
}

impl Edit {
    pub fn replacement(range: TextRange, content: impl Into<String>) -> Self {
        Self {
            range,
            content: content.into(),
        }
    }

    pub fn insertion(at: usize, content: impl Into<String>) -> Self {
        Self::replacement(TextRange::empty(at), content)
    }

    pub fn deletion(range: TextRange) -> Self {
        Self::replacement(range, String::new())
    }

    fn is_insertion(&self) -> bool {
        self.range.is_empty()
    }

    /// Whether the edits replace some of the same text, or one inserts
    /// strictly inside the other's range.
    fn overlaps(&self, other: &Edit) -> bool {
        let (a, b) = (self.range, other.range);
        self != other && a.start < b.end && b.start < a.end
    }

    /// Whether applying both edits would be ambiguous or overlapping.
    fn conflicts_with(&self, other: &Edit) -> bool {
        if self == other {
            return false;
        }
        let (a, b) = (self.range, other.range);
        if a.start < b.end && b.start < a.end {
            return true;
        }
        let touching = a.end == b.start || b.end == a.start || a.start == b.start;
        touching && (self.is_insertion() || other.is_insertion())
    }
}

/// How sure we are that a fix only changes what the audit is about.
///
/// Ordered so that "does this fix apply under the threshold" is one
/// comparison: `fix.applicability >= threshold`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Shown, never applied: the right change needs a human.
    ReportOnly,
    /// Applied only with `--unsafe-fixes`: may change behaviour beyond the
    /// failure path the audit is about.
    Unsafe,
    /// Behaviour changes only on the failure path the audit is about.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::ReportOnly => "report-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

impl fmt::Display for Applicability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Edits that must be applied together, sorted by position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    edits: Vec<Edit>,
    pub applicability: Applicability,
}

impl Fix {
    pub fn new(mut edits: Vec<Edit>, applicability: Applicability) -> Self {
        edits.sort();
        edits.dedup();
        Self {
            edits,
            applicability,
        }
    }

    pub fn safe(edits: Vec<Edit>) -> Self {
        Self::new(edits, Applicability::Safe)
    }

    pub fn unsafe_(edits: Vec<Edit>) -> Self {
        Self::new(edits, Applicability::Unsafe)
    }

    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }

    /// Position of the first edit (fixes without edits sort last).
    pub fn start(&self) -> usize {
        self.edits.first().map_or(usize::MAX, |e| e.range.start)
    }

    /// Whether two of the fix's own edits overlap (a codemod bug: such a
    /// fix has no well-defined result, so it is never applied). Touching
    /// edits of one fix are fine: the fix means them in order.
    fn conflicts_with_itself(&self) -> bool {
        self.edits
            .iter()
            .enumerate()
            .any(|(i, a)| self.edits[i + 1..].iter().any(|b| a.overlaps(b)))
    }

    /// Whether any edit conflicts with one already taken. The taken edits
    /// never overlap, so ordered by start their ends are ordered too: only
    /// the last one starting before an edit, and those starting inside it,
    /// can touch it.
    fn conflicts_with_any(&self, taken: &BTreeSet<Edit>) -> bool {
        self.edits.iter().any(|e| {
            let from = Edit::insertion(e.range.start, "");
            let before = taken.range(..&from).next_back();
            let inside = taken
                .range(&from..)
                .take_while(|t| t.range.start <= e.range.end);
            before
                .into_iter()
                .chain(inside)
                .any(|t| e.conflicts_with(t))
        })
    }
}

/// Result of [`apply_fixes`]: the new text and which fixes (by index into
/// the input) were applied.
#[derive(Debug, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    pub applied: Vec<usize>,
    /// The edits spliced in, sorted and non-overlapping (for incremental
    /// re-parsing).
    pub edits: Vec<Edit>,
}

/// Apply as many of `fixes` as possible, in the order given, skipping any
/// fix that conflicts with one already taken. Fixes without edits, and
/// edits whose range lies outside `text` or splits a UTF-8 character, are
/// skipped (a codemod bug must never corrupt a file).
pub fn apply_fixes<'a>(text: &str, fixes: impl IntoIterator<Item = &'a Fix>) -> Applied {
    let mut taken: BTreeSet<Edit> = BTreeSet::new();
    let mut applied = Vec::new();
    for (index, fix) in fixes.into_iter().enumerate() {
        if fix.edits.is_empty()
            || !fix.edits.iter().all(|e| in_bounds(text, e.range))
            || fix.conflicts_with_itself()
        {
            continue;
        }
        if fix.conflicts_with_any(&taken) {
            continue;
        }
        // An edit identical to a taken one is not a conflict; it is
        // applied once.
        taken.extend(fix.edits.iter().cloned());
        applied.push(index);
    }
    let taken: Vec<Edit> = taken.into_iter().collect();
    Applied {
        text: splice(text, &taken),
        applied,
        edits: taken,
    }
}

fn in_bounds(text: &str, range: TextRange) -> bool {
    range.start <= range.end
        && range.end <= text.len()
        && text.is_char_boundary(range.start)
        && text.is_char_boundary(range.end)
}

/// Splice sorted, non-overlapping edits into `text` in one pass.
fn splice(text: &str, edits: &[Edit]) -> String {
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.content.len()).sum::<usize>());
    let mut cursor = 0;
    for edit in edits {
        out.push_str(&text[cursor..edit.range.start]);
        out.push_str(&edit.content);
        cursor = edit.range.end;
    }
    out.push_str(&text[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(s: usize, e: usize, c: &str) -> Edit {
        Edit::replacement(TextRange::new(s, e), c)
    }

    #[test]
    fn empty_file_insertion() {
        let fix = Fix::safe(vec![Edit::insertion(0, "x = 1\n")]);
        let out = apply_fixes("", [&fix]);
        assert_eq!(out.text, "x = 1\n");
        assert_eq!(out.applied, vec![0]);
    }

    #[test]
    fn edit_at_eof() {
        let fix = Fix::safe(vec![Edit::insertion(5, "\n")]);
        assert_eq!(apply_fixes("a = 1", [&fix]).text, "a = 1\n");
    }

    #[test]
    fn out_of_bounds_edit_is_skipped() {
        let bad = Fix::safe(vec![rep(3, 99, "")]);
        let good = Fix::safe(vec![rep(0, 1, "b")]);
        let out = apply_fixes("abc", [&bad, &good]);
        assert_eq!(out.text, "bbc");
        assert_eq!(out.applied, vec![1]);
    }

    #[test]
    fn edit_splitting_a_character_is_skipped() {
        let bad = Fix::safe(vec![rep(1, 2, "x")]);
        let out = apply_fixes("é", [&bad]);
        assert_eq!(out.text, "é");
        assert!(out.applied.is_empty());
    }

    #[test]
    fn adjacent_replacements_both_apply() {
        let a = Fix::safe(vec![rep(0, 2, "AA")]);
        let b = Fix::safe(vec![rep(2, 4, "BB")]);
        let out = apply_fixes("abcd", [&a, &b]);
        assert_eq!(out.text, "AABB");
        assert_eq!(out.applied, vec![0, 1]);
    }

    #[test]
    fn overlapping_second_fix_is_skipped() {
        let a = Fix::safe(vec![rep(0, 3, "X")]);
        let b = Fix::safe(vec![rep(2, 4, "Y")]);
        let out = apply_fixes("abcd", [&a, &b]);
        assert_eq!(out.text, "Xd");
        assert_eq!(out.applied, vec![0]);
    }

    #[test]
    fn order_decides_which_overlapping_fix_wins() {
        let a = Fix::safe(vec![rep(0, 3, "X")]);
        let b = Fix::safe(vec![rep(2, 4, "Y")]);
        assert_eq!(apply_fixes("abcd", [&b, &a]).text, "abY");
    }

    #[test]
    fn insertion_touching_another_edit_conflicts() {
        let a = Fix::safe(vec![rep(2, 4, "Z")]);
        let b = Fix::safe(vec![Edit::insertion(2, "I")]);
        let out = apply_fixes("abcd", [&a, &b]);
        assert_eq!(out.text, "abZ");
        assert_eq!(out.applied, vec![0]);
    }

    #[test]
    fn two_insertions_at_one_point_conflict() {
        let a = Fix::safe(vec![Edit::insertion(1, "1")]);
        let b = Fix::safe(vec![Edit::insertion(1, "2")]);
        assert_eq!(apply_fixes("ab", [&a, &b]).text, "a1b");
    }

    #[test]
    fn identical_edits_are_applied_once() {
        let import = Edit::insertion(0, "import os\n");
        let a = Fix::safe(vec![import.clone(), rep(4, 5, "A")]);
        let b = Fix::safe(vec![import, rep(6, 7, "B")]);
        let out = apply_fixes("x = 1\ny = 2\n", [&a, &b]);
        assert_eq!(out.text, "import os\nx = A\nB = 2\n");
        assert_eq!(out.applied, vec![0, 1]);
    }

    #[test]
    fn multi_edit_fix_is_all_or_nothing() {
        let a = Fix::safe(vec![rep(0, 1, "A")]);
        let b = Fix::safe(vec![rep(0, 1, "B"), rep(3, 4, "D")]);
        let out = apply_fixes("abcd", [&a, &b]);
        assert_eq!(out.text, "Abcd");
        assert_eq!(out.applied, vec![0]);
    }

    #[test]
    fn fix_with_overlapping_edits_of_its_own_is_not_applied() {
        let bad = Fix::safe(vec![rep(0, 3, "A"), rep(1, 2, "B")]);
        let good = Fix::safe(vec![rep(3, 4, "D")]);
        let out = apply_fixes("abcd", [&bad, &good]);
        assert_eq!(out.text, "abcD");
        assert_eq!(out.applied, vec![1]);
    }

    #[test]
    fn fix_without_edits_is_not_applied() {
        let empty = Fix::safe(vec![]);
        let out = apply_fixes("abc", [&empty]);
        assert_eq!(out.text, "abc");
        assert!(out.applied.is_empty());
    }

    #[test]
    fn applicability_orders_as_threshold() {
        assert!(Applicability::Safe >= Applicability::Unsafe);
        assert!(Applicability::Unsafe >= Applicability::ReportOnly);
        assert!(Applicability::ReportOnly < Applicability::Safe);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]
        /// The ordered conflict lookup takes exactly the fixes that the
        /// pairwise rule (every edit against every taken edit) takes.
        #[test]
        fn ordered_lookup_agrees_with_the_pairwise_rule(
            fixes in proptest::collection::vec(
                proptest::collection::vec((0usize..40, 0usize..4, 0u8..3), 1..3),
                0..30,
            )
        ) {
            let text = "x".repeat(40);
            let fixes: Vec<Fix> = fixes
                .iter()
                .map(|edits| {
                    Fix::safe(
                        edits
                            .iter()
                            .map(|&(start, len, c)| {
                                rep(start, (start + len).min(40), &c.to_string())
                            })
                            .collect(),
                    )
                })
                .collect();
            let mut taken: Vec<&Edit> = Vec::new();
            let mut expected = Vec::new();
            for (index, fix) in fixes.iter().enumerate() {
                let own = fix.edits.iter().enumerate().any(|(i, a)| {
                    fix.edits[i + 1..].iter().any(|b| a.overlaps(b))
                });
                if own || fix.edits.iter().any(|e| taken.iter().any(|t| e.conflicts_with(t))) {
                    continue;
                }
                taken.extend(&fix.edits);
                expected.push(index);
            }
            proptest::prop_assert_eq!(apply_fixes(&text, &fixes).applied, expected);
        }
    }
}
