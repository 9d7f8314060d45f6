#!/usr/bin/env python3
"""Real-world sweep: run auditfix over pinned, popular Python packages.

Downloads the packages below from PyPI (wheels, or an sdist where no wheel
exists), keeps their .py files, and checks, on a scratch copy:

- auditfix never crashes (exit 0, 1 or 2 only, no panic message);
- `fix --unsafe-fixes --write` rewrites only into files that still compile
  with py_compile (files that did not compile before are counted apart);
- a second run finds nothing more to change;
- findings per codemod and skipped files with their reasons;
- peak RSS of the write run, and of a preview run over the tree and over
  the same tree copied four times: memory must follow the largest files in
  flight, not the size of the tree.

Usage: scripts/sweep.py [--bin PATH] [--work DIR] [--results FILE]
Without --bin it builds the release binary. Exit status 1 on any failure.
"""

import argparse
import collections
import hashlib
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

PACKAGES = [
    "django==5.1.4",
    "sqlalchemy==2.0.36",
    "requests==2.32.3",
    "flask==3.1.0",
    "celery==5.4.0",
    "alembic==1.14.0",
    "databases==0.9.0",
    "aiosqlite==0.20.0",
    "peewee==3.17.8",
    "pandas==2.2.3",
    "fastapi==0.115.6",
    "starlette==0.41.3",
    "flask-cors==5.0.0",
    "django-dbbackup==4.2.1",
]

FINDING = re.compile(r"^(.+?):(\d+):(\d+): ([a-z0-9-]+) ")
PROBLEM = re.compile(r"^(error|warning): (.+?\.py): (.*)$")
SCALE = 4


def run(cmd, cwd, stdout_path=None):
    """Run `cmd`; return (exit code, stderr text, peak RSS in KiB, seconds)."""
    with tempfile.TemporaryFile() as err:
        out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if stdout_path:
            out.close()
        err.seek(0)
        return proc.returncode, err.read().decode("utf-8", "replace"), usage.ru_maxrss, elapsed


def extract(archive, dest):
    """Copy the .py files of a wheel or sdist into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if name.endswith(".py"):
                    zf.extract(name, dest)
    else:
        with tarfile.open(archive) as tf:
            for member in tf.getmembers():
                if member.isfile() and member.name.endswith(".py"):
                    tf.extract(member, dest, filter="data")


def commit_tree(tree):
    """Make `tree` a git repository with everything in one commit."""
    git = ["git", "-c", "user.name=sweep", "-c", "user.email=sweep@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "sweep"]):
        subprocess.run(git + args, cwd=tree, check=True)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compiles(path, scratch):
    try:
        py_compile.compile(str(path), cfile=str(scratch / "c.pyc"), doraise=True)
        return True
    except (py_compile.PyCompileError, ValueError, UnicodeError):
        return False


def crashed(code, stderr):
    return code not in (0, 1, 2) or "panicked" in stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", help="auditfix binary (default: build release)")
    parser.add_argument("--work", help="scratch directory (default: a temp dir)")
    parser.add_argument("--results", help="also write the Markdown results here")
    args = parser.parse_args()

    root = Path(__file__).resolve().parent.parent
    if args.bin:
        binary = Path(args.bin).resolve()
    else:
        subprocess.run(
            ["cargo", "build", "--release", "--locked", "-q"], cwd=root, check=True
        )
        binary = root / "target" / "release" / "auditfix"
    work = Path(args.work or tempfile.mkdtemp(prefix="auditfix-sweep-")).resolve()
    downloads = work / "dl"
    downloads.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(downloads)]
        + PACKAGES,
        check=True,
    )
    src = work / "src"
    shutil.rmtree(src, ignore_errors=True)
    for archive in sorted(downloads.iterdir()):
        extract(archive, src / archive.name.split("-")[0].lower())
    files = sorted(src.rglob("*.py"))
    size = sum(f.stat().st_size for f in files)
    scratch = work / "scratch"
    scratch.mkdir(exist_ok=True)
    compiled_before = {f: compiles(f, scratch) for f in files}
    before = {f: digest(f) for f in files}
    failures = []

    # The preview over the tree, then over the tree copied SCALE times.
    scaled = work / "scaled"
    shutil.rmtree(scaled, ignore_errors=True)
    for i in range(SCALE):
        shutil.copytree(src, scaled / f"copy{i}")
    preview = [str(binary), "fix", "--unsafe-fixes", "."]
    code, err, rss_preview, t_preview = run(preview, src)
    code_s, err_s, rss_scaled, t_scaled = run(preview, scaled)
    for c, e in ((code, err), (code_s, err_s)):
        if crashed(c, e):
            failures.append(f"preview crashed (exit {c}): {e[-2000:]}")
    # Branch mode reads the files from a commit: the same two trees.
    branch = [str(binary), "fix", "--unsafe-fixes", "--branch", "auditfix/sweep"]
    branch_rss = []
    for tree in (src, scaled):
        commit_tree(tree)
        c, e, rss, _ = run(branch, tree)
        if c != 0 or "Created branch" not in e:
            failures.append(f"branch mode failed (exit {c}): {e[-2000:]}")
        branch_rss.append(rss)
        shutil.rmtree(tree / ".git")
    shutil.rmtree(scaled)

    findings_path = work / "findings.txt"
    code, err, _, _ = run([str(binary), "check", "."], src, findings_path)
    if crashed(code, err):
        failures.append(f"check crashed (exit {code}): {err[-2000:]}")
    per_codemod = collections.Counter()
    for line in findings_path.read_text().splitlines():
        m = FINDING.match(line)
        if m:
            per_codemod[m.group(4)] += 1
    skipped = collections.Counter()
    for line in err.splitlines():
        m = PROBLEM.match(line)
        if m and m.group(1) == "error":
            # The reason without positions, so like reasons group together.
            skipped[re.sub(r"\d+", "N", m.group(3))] += 1

    code, err, rss_write, t_write = run(
        [str(binary), "fix", "--unsafe-fixes", "--write", "."], src
    )
    if crashed(code, err):
        failures.append(f"write crashed (exit {code}): {err[-2000:]}")
    summary = err.strip().splitlines()[-1] if err.strip() else ""
    modified = [f for f in files if digest(f) != before[f]]
    broken = [f for f in modified if compiled_before[f] and not compiles(f, scratch)]
    for f in broken:
        failures.append(f"does not compile after the rewrite: {f.relative_to(src)}")
    second = work / "second.diff"
    code, err, _, _ = run([str(binary), "fix", "--unsafe-fixes", "."], src, second)
    if crashed(code, err):
        failures.append(f"second run crashed (exit {code}): {err[-2000:]}")
    second_changes = sum(
        1 for line in second.read_text().splitlines() if line.startswith("diff --git")
    )
    if second_changes:
        failures.append(f"second run would change {second_changes} files")

    lines = [
        f"Packages: {', '.join(PACKAGES)}.",
        "",
        f"- files: {len(files)} Python files, {size / 2**20:.1f} MiB"
        f" ({sum(1 for ok in compiled_before.values() if not ok)} did not compile before the run)",
        f"- findings: {sum(per_codemod.values())} (`check`, default codemod settings)",
    ]
    lines += [f"  - {cid}: {n}" for cid, n in sorted(per_codemod.items())]
    lines.append(f"- skipped files: {sum(skipped.values())}")
    lines += [f"  - {n} x {reason}" for reason, n in sorted(skipped.items())]
    lines += [
        f"- `fix --unsafe-fixes --write`: {summary}",
        f"- rewritten files: {len(modified)}; not compiling after the rewrite: {len(broken)}",
        f"- second run: {second_changes} files would change",
        f"- write run: {t_write:.2f} s, peak RSS {rss_write / 1024:.0f} MiB",
        f"- preview run: {t_preview:.2f} s, peak RSS {rss_preview / 1024:.0f} MiB;"
        f" the same tree {SCALE} times ({SCALE * len(files)} files): {t_scaled:.2f} s,"
        f" peak RSS {rss_scaled / 1024:.0f} MiB",
        f"- `fix --branch`: peak RSS {branch_rss[0] / 1024:.0f} MiB;"
        f" the same tree {SCALE} times: {branch_rss[1] / 1024:.0f} MiB",
    ]
    # Memory must not grow with the tree: allow noise, not proportion.
    for mode, small, large in (
        ("preview", rss_preview, rss_scaled),
        ("branch", branch_rss[0], branch_rss[1]),
    ):
        if large > 1.5 * small + 16 * 1024:
            failures.append(f"{mode}: peak RSS grew with the tree: {small} KiB -> {large} KiB")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.results:
        Path(args.results).write_text(report)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
