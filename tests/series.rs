//! `fix --patch-series DIR` and the fix branch's commit metadata, on git
//! repositories holding a copy of `examples/` (one file has CRLF lines):
//! the series applies with `git am` on the base commit and gives the same
//! tree as the fix branch; commits and mails carry the trailers and the
//! author asked for.

use std::path::Path;

use tempfile::TempDir;

mod common;
use common::{auditfix, copy_dir, git, git_cmd, git_init_commit, manifest_dir, Run};

fn repo() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &manifest_dir().join("examples"),
        &dir.path().join("examples"),
    );
    git_init_commit(dir.path());
    dir
}

fn trailers(message: &str) -> String {
    let mut cmd = git_cmd(Path::new("."));
    cmd.args(["interpret-trailers", "--parse"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(message.as_bytes())
        .unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

#[test]
fn the_series_applies_with_git_am_and_matches_the_branch() {
    let dir = repo();
    let root = dir.path();
    let base = git(root, &["rev-parse", "HEAD"]).trim().to_owned();
    let run = auditfix(
        root,
        &[
            "fix",
            "--patch-series",
            "series",
            "--author",
            "Audit Bot <bot@example.com>",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("git am --keep-cr series/*.patch"),
        "{}",
        run.stderr
    );
    // Nothing in the repository changed: no ref, no working-tree file.
    assert_eq!(
        git(root, &["for-each-ref", "--format=%(refname)"]).trim(),
        "refs/heads/main"
    );
    assert_eq!(git(root, &["status", "--porcelain"]).trim(), "?? series/");

    let mut names: Vec<String> = std::fs::read_dir(root.join("series"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let count = names.len();
    assert!(count >= 5, "{names:?}");
    assert_eq!(names[0], "0001-auditfix-backup-failure-raises.patch");
    for (index, name) in names.iter().enumerate() {
        assert!(
            name.starts_with(&format!("{:04}-auditfix-", index + 1)),
            "{name}"
        );
        let mail = std::fs::read_to_string(root.join("series").join(name)).unwrap();
        assert!(mail.starts_with("From "), "{name}");
        assert!(
            mail.contains("\nFrom: Audit Bot <bot@example.com>\n"),
            "{name}"
        );
        assert!(
            mail.contains(&format!(
                "Subject: [PATCH {}/{count}] auditfix: ",
                index + 1
            )),
            "{name}"
        );
        let codemod = name.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
        let codemod = codemod
            .trim_start_matches("auditfix-")
            .trim_end_matches(".patch");
        assert!(
            mail.contains(&format!("\nAuditfix-Codemod: {codemod}\n")),
            "{name}"
        );
    }

    // With --report, the audit report of the series.
    let run = auditfix(
        root,
        &["fix", "--patch-series", "series2", "--report", "series.md"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = std::fs::read_to_string(root.join("series.md")).unwrap();
    assert!(
        report.contains("the patch series in `series2` fixes"),
        "{report}"
    );
    std::fs::remove_dir_all(root.join("series2")).unwrap();
    std::fs::remove_file(root.join("series.md")).unwrap();

    // The fix branch of the same base, for comparison.
    let run = auditfix(root, &["fix", "--branch", "auditfix/fixes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let branch_tree = git(root, &["rev-parse", "auditfix/fixes^{tree}"]);

    // Apply the series on a clone at the base commit.
    let clone = tempfile::tempdir().unwrap();
    let target = clone.path().join("c");
    git(
        root,
        &[
            "clone",
            "-q",
            root.to_str().unwrap(),
            target.to_str().unwrap(),
        ],
    );
    git(&target, &["config", "user.name", "Reviewer"]);
    git(&target, &["config", "user.email", "reviewer@example.com"]);
    git(&target, &["checkout", "-q", &base]);
    let mut am = git_cmd(&target);
    am.args(["am", "-q", "--keep-cr"]);
    for name in &names {
        am.arg(root.join("series").join(name));
    }
    let applied = Run::from(am.output().unwrap());
    assert_eq!(applied.code, 0, "git am: {}", applied.stderr);
    assert_eq!(git(&target, &["rev-parse", "HEAD^{tree}"]), branch_tree);
    let log = git(
        &target,
        &["log", "--format=%an <%ae>|%cn", &format!("{base}..HEAD")],
    );
    assert_eq!(log.lines().count(), count);
    assert!(
        log.lines()
            .all(|l| l == "Audit Bot <bot@example.com>|Reviewer"),
        "{log}"
    );
}

#[test]
fn branch_commits_carry_trailers_and_the_author() {
    let dir = repo();
    let root = dir.path();
    let run = auditfix(
        root,
        &[
            "fix",
            "--branch",
            "fixes",
            "--author",
            "Sec Team <sec@example.com>",
            "--select",
            "fetchone-null-guard,bare-except",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let log = git(
        root,
        &["log", "--format=%an <%ae>|%cn <%ce>", "main..fixes"],
    );
    assert_eq!(log.lines().count(), 2, "{log}");
    for line in log.lines() {
        assert_eq!(
            line,
            "Sec Team <sec@example.com>|Audit Test <audit@example.com>"
        );
    }
    let message = git(root, &["log", "-1", "--format=%B", "fixes~1"]);
    let fixed = message
        .lines()
        .filter(|l| l.starts_with("- examples/"))
        .count();
    assert_eq!(
        trailers(&message),
        format!("Auditfix-Codemod: fetchone-null-guard\nAuditfix-Findings: {fixed}\n")
    );

    // --report: the pull-request description of the branch, listing its
    // commits as git has them.
    let run = auditfix(
        root,
        &[
            "fix",
            "--branch",
            "fixes",
            "--force",
            "--report",
            "pr.md",
            "--select",
            "fetchone-null-guard,bare-except",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pr = std::fs::read_to_string(root.join("pr.md")).unwrap();
    assert!(pr.contains("(`auditfix fix --branch fixes`)"), "{pr}");
    let listed: Vec<&str> = pr
        .lines()
        .filter_map(|l| l.strip_prefix("- `")?.split('`').next())
        .filter(|id| id.len() == 12 && id.chars().all(|c| c.is_ascii_hexdigit()))
        .collect();
    let ids = git(
        root,
        &[
            "log",
            "--reverse",
            "--format=%h",
            "--abbrev=12",
            "main..fixes",
        ],
    );
    assert_eq!(listed, ids.lines().collect::<Vec<_>>());
    assert!(pr.contains("the branch `fixes` fixes"));

    // Without --author, the repository's configuration.
    let run = auditfix(
        root,
        &[
            "fix",
            "--branch",
            "fixes",
            "--force",
            "--select",
            "bare-except",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        git(root, &["log", "-1", "--format=%an", "fixes"]).trim(),
        "Audit Test"
    );
    assert_eq!(
        git(root, &["rev-list", "--count", "main..fixes"]).trim(),
        "1"
    );
}

#[test]
fn author_and_base_need_a_commit_mode_and_a_well_formed_author() {
    let dir = repo();
    let root = dir.path();
    let run = auditfix(root, &["fix", "--author", "A <a@example.com>"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--author needs --branch or --patch-series"),
        "{}",
        run.stderr
    );
    let run = auditfix(root, &["fix", "--write", "--base", "HEAD"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--base needs --branch or --patch-series"),
        "{}",
        run.stderr
    );
    let run = auditfix(root, &["fix", "--branch", "x", "--author", "no email"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--author must look like"),
        "{}",
        run.stderr
    );
    assert_eq!(
        git(root, &["for-each-ref", "--format=%(refname)"]).trim(),
        "refs/heads/main"
    );
}

#[test]
fn preview_patch_and_branch_show_the_same_fixes_in_the_same_order() {
    let dir = repo();
    let root = dir.path();
    let preview = auditfix(root, &["fix", "--color", "never"]);
    assert_eq!(preview.code, 1, "{}", preview.stderr);
    let run = auditfix(root, &["fix", "--patch", "all.patch"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let patch = std::fs::read_to_string(root.join("all.patch")).unwrap();
    let body = &patch[patch.find("diff --git").unwrap()..];
    assert_eq!(body, preview.stdout);
    // The same summary line in every mode.
    let sentence = |stderr: &str| {
        stderr
            .lines()
            .find(|l| l.contains("findings in all"))
            .map(|l| l.split(';').next().unwrap().to_owned())
    };
    let run_branch = auditfix(root, &["fix", "--branch", "same"]);
    assert_eq!(sentence(&preview.stderr), sentence(&run.stderr));
    assert!(sentence(&run_branch.stderr).is_some());
    // The branch's diff against the base is the patch (same files, same hunks).
    let branch_diff = git(root, &["diff", "--no-color", "main", "same"]);
    let files = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("diff --git"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(files(&branch_diff), files(body));
}
