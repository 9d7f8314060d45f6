//! `--format github`: GitHub Actions workflow commands, one annotation per
//! finding (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::…`).
//! P1 findings are errors, P2 warnings, P3 and P4 notices.

use crate::codemod::Priority;

use super::RunRecord;

/// Escape a workflow command's message (GitHub's rules: `%`, CR, LF).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow command's property value (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One line per finding.
pub fn render(run: &RunRecord) -> String {
    let mut out = String::new();
    for f in &run.findings {
        let level = match f.priority {
            Priority::P1 => "error",
            Priority::P2 => "warning",
            Priority::P3 | Priority::P4 => "notice",
        };
        let message = f.full_message();
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&f.path),
            f.start.line,
            f.start.column,
            f.end.line,
            f.end.column,
            escape_property(&format!("{} ({})", f.codemod, f.priority)),
            escape_data(&message),
        ));
    }
    for e in &run.errors {
        out.push_str(&format!(
            "::error file={},title=auditfix::{}\n",
            escape_property(&e.path),
            escape_data(&e.message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(escape_data("50%\nnext\r"), "50%25%0Anext%0D");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
