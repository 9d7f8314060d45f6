#!/usr/bin/env python3
"""Score auditfix's codemods on the labelled corpus of real applications.

Each `tests/realworld/OWNER+NAME.tsv` labels every finding auditfix made on
one public application repository at one pinned commit (true / false /
debatable, with a reason) plus the clear instances it missed. This script
extracts each pinned commit from a local mirror, runs `auditfix check`
over it and compares the findings with the labels:

- a finding with a `true` (or `missed`) label is a true positive;
- a finding with a `false` label is a false positive; `debatable` ones are
  counted apart;
- a finding with no label is *unlabelled*: label it before trusting the
  numbers (it is listed with --unlabelled);
- a `true` or `missed` label that is no longer found is a false negative.

Precision = TP / (TP + FP); recall = TP / (TP + FN). "wrong fixes" counts
the findings still reported whose fix, as last judged from its diff (the
`fix` column), changes behaviour beyond the failure path or picks a wrong
level or logger. With --fixes it also
applies every fix (`fix --unsafe-fixes --write`) to a scratch copy, checks
that each rewritten file compiles, and compares pyflakes warnings before
and after (when pyflakes is installed).

The fetched code is never committed: only the labels and this script are.
Without mirrors (CI has no network) the script says so and exits 0.

    python3 scripts/realworld.py [--binary target/release/auditfix]
        [--mirrors /work/.mirror] [--work target/realworld] [--fixes]
        [--unlabelled] [--markdown]
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tarfile
import io

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = os.path.join(ROOT, "tests", "realworld")
FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<codemod>[a-z0-9-]+) ")
VERDICTS = {"true", "false", "debatable", "missed"}


def read_labels(path):
    meta, rows = {}, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("#"):
                key, _, value = line[1:].partition(":")
                meta[key.strip()] = value.strip()
                continue
            cells = line.split("\t")
            if cells[0] == "path":
                continue
            if len(cells) < 6:
                sys.exit(f"{path}:{number}: expected 6 tab-separated columns, got {len(cells)}")
            file, row_line, codemod, verdict, fix, reason = cells[:5] + ["\t".join(cells[5:])]
            if verdict not in VERDICTS:
                sys.exit(f"{path}:{number}: unknown verdict {verdict!r}")
            rows.append(dict(path=file, line=row_line, codemod=codemod, verdict=verdict, fix=fix, reason=reason))
    for key in ("repo", "commit"):
        if key not in meta:
            sys.exit(f"{path}: missing '# {key}:' header")
    return meta, rows


def extract(mirror, commit, dest):
    """The pinned commit's tree in `dest` (kept between runs)."""
    stamp = os.path.join(dest, ".auditfix-commit")
    if os.path.exists(stamp) and open(stamp).read().strip() == commit:
        return
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    archive = subprocess.run(
        ["git", "--git-dir", mirror, "archive", "--format=tar", commit], capture_output=True
    )
    if archive.returncode == 0:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(dest, filter="data")
    else:
        # Snapshots lack their largest files: write the blobs that are there.
        extract_present_blobs(mirror, commit, dest)
    with open(stamp, "w") as f:
        f.write(commit + "\n")


def extract_present_blobs(mirror, commit, dest):
    listing = subprocess.run(
        ["git", "--git-dir", mirror, "ls-tree", "-r", "-z", commit], check=True, capture_output=True
    ).stdout.split(b"\0")
    for entry in filter(None, listing):
        info, _, path = entry.partition(b"\t")
        mode, kind, blob = info.split()
        if kind != b"blob" or mode == b"120000":
            continue
        content = subprocess.run(["git", "--git-dir", mirror, "cat-file", "blob", blob], capture_output=True)
        if content.returncode != 0:
            continue
        target = os.path.join(dest, os.fsdecode(path))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(content.stdout)


def findings(binary, tree):
    # Exit 2 (some files could not be processed) still lists the findings.
    out = subprocess.run([binary, "check", "."], cwd=tree, capture_output=True, text=True)
    found = []
    for line in out.stdout.splitlines():
        m = FINDING.match(line)
        if m:
            found.append((m["path"], m["line"], m["codemod"]))
    return found, out.stderr


def score_repo(found, rows):
    """Per codemod: counts, and the unlabelled findings."""
    exact = {(r["path"], r["line"], r["codemod"]): r for r in rows if r["line"] != "*"}
    star = {(r["path"], r["codemod"]): r for r in rows if r["line"] == "*"}
    counts = collections.defaultdict(collections.Counter)
    unlabelled = []
    seen = set()
    for key in sorted(set(found)):
        path, line, codemod = key
        row = exact.get(key) or star.get((path, codemod))
        c = counts[codemod]
        c["findings"] += 1
        if row is None:
            c["unlabelled"] += 1
            unlabelled.append(key)
            continue
        seen.add(id(row))
        verdict = row["verdict"]
        c["tp" if verdict in ("true", "missed") else "fp" if verdict == "false" else "debatable"] += 1
        if row["fix"] == "wrong":
            c["wrong_fix"] += 1
    for row in rows:
        if id(row) in seen:
            continue
        c = counts[row["codemod"]]
        if row["verdict"] in ("true", "missed"):
            c["fn"] += 1
        elif row["verdict"] == "false":
            c["fp_gone"] += 1
    return counts, unlabelled


def check_fixes(binary, tree, scratch):
    """Apply every fix to a copy: compile failures and new pyflakes warnings."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(tree, scratch, symlinks=True)
    before = pyflakes(scratch)
    subprocess.run([binary, "fix", "--unsafe-fixes", "--write", "."], cwd=scratch, capture_output=True)
    changed = [
        os.path.relpath(os.path.join(d, f), scratch)
        for d, _, files in os.walk(scratch)
        for f in files
        if f.endswith(".py") and differs(os.path.join(tree, os.path.relpath(os.path.join(d, f), scratch)), os.path.join(d, f))
    ]
    failures = []
    for path in changed:
        # Only files that compiled before count (some use syntax newer than
        # this interpreter's).
        if compiles(scratch, path) or not compiles(tree, path):
            continue
        failures.append(path)
    after = pyflakes(scratch)
    new = None if before is None else sorted(after - before)
    return len(changed), failures, new


def compiles(tree, path):
    r = subprocess.run(
        [sys.executable, "-c", "import sys; compile(open(sys.argv[1], 'rb').read(), sys.argv[1], 'exec')", path],
        cwd=tree, capture_output=True,
    )
    return r.returncode == 0


def differs(a, b):
    try:
        with open(a, "rb") as x, open(b, "rb") as y:
            return x.read() != y.read()
    except OSError:
        return True


def pyflakes(tree):
    """pyflakes warnings without line numbers (lines move when fixes add some)."""
    try:
        r = subprocess.run([sys.executable, "-m", "pyflakes", "."], cwd=tree, capture_output=True, text=True)
    except OSError:
        return None
    if "No module named pyflakes" in r.stderr:
        return None
    warnings = collections.Counter()
    for line in r.stdout.splitlines():
        parts = line.split(":", 3)
        if len(parts) == 4:
            message = re.sub(r"line \d+", "line N", parts[3].strip())
            warnings[(parts[0], message)] += 1
    return {(k, i) for k, n in warnings.items() for i in range(n)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "auditfix"))
    parser.add_argument("--mirrors", default=os.environ.get("AUDITFIX_MIRRORS", "/work/.mirror"))
    parser.add_argument("--work", default=os.path.join(ROOT, "target", "realworld"))
    parser.add_argument("--fixes", action="store_true", help="also apply all fixes: compile + pyflakes")
    parser.add_argument("--unlabelled", action="store_true", help="list findings that have no label")
    parser.add_argument("--markdown", action="store_true", help="print the per-codemod table as Markdown")
    args = parser.parse_args()

    label_files = sorted(f for f in os.listdir(LABELS) if f.endswith(".tsv"))
    total = collections.defaultdict(collections.Counter)
    repos_scored, skipped = [], []
    for name in label_files:
        meta, rows = read_labels(os.path.join(LABELS, name))
        slug = name[:-4]
        mirror = os.path.join(args.mirrors, slug, "repo")
        if os.path.isdir(os.path.join(mirror, ".git")):
            mirror = os.path.join(mirror, ".git")
        if not os.path.isdir(mirror):
            skipped.append(meta["repo"])
            continue
        if not os.path.exists(args.binary):
            sys.exit(f"no auditfix binary at {args.binary}: run `cargo build --release` first")
        tree = os.path.join(args.work, slug)
        extract(mirror, meta["commit"], tree)
        found, _stderr = findings(args.binary, tree)
        counts, unlabelled = score_repo(found, rows)
        for codemod, c in counts.items():
            total[codemod].update(c)
        line = f"{meta['repo']} @ {meta['commit'][:12]}: {len(found)} findings"
        if unlabelled:
            line += f", {len(unlabelled)} unlabelled"
        if args.fixes:
            n, failures, new = check_fixes(args.binary, tree, os.path.join(args.work, ".scratch", slug))
            line += f"; fixes rewrite {n} files, {len(failures)} do not compile"
            line += "" if new is None else f", {len(new)} new pyflakes warnings"
            for path in failures:
                line += f"\n    does not compile: {path}"
            for (path, message), _ in (new or []):
                line += f"\n    new pyflakes warning: {path}: {message}"
        print(line)
        if args.unlabelled:
            for path, row_line, codemod in unlabelled:
                print(f"    unlabelled: {path}:{row_line} {codemod}")
        repos_scored.append(meta["repo"])
    if not repos_scored:
        print(f"realworld: no mirrors under {args.mirrors}: nothing scored ({len(label_files)} labelled repositories)")
        return 0
    if skipped:
        print(f"not mirrored, skipped: {', '.join(skipped)}")
    print()
    header = ["codemod", "findings", "true", "false", "debatable", "unlabelled", "missed", "precision", "recall", "wrong fixes"]
    table = []
    for codemod in sorted(total):
        c = total[codemod]
        judged = c["tp"] + c["fp"]
        precision = f"{100 * c['tp'] / judged:.0f} %" if judged else "–"
        recall = f"{100 * c['tp'] / (c['tp'] + c['fn']):.0f} %" if c["tp"] + c["fn"] else "–"
        table.append([codemod, c["findings"], c["tp"], c["fp"], c["debatable"], c["unlabelled"], c["fn"], precision, recall, c["wrong_fix"]])
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in table:
            print("| " + " | ".join(str(x) for x in row) + " |")
    else:
        widths = [max(len(str(x)) for x in col) for col in zip(header, *table)]
        for row in [header] + table:
            print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))
    print(f"\n{len(repos_scored)} repositories scored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
