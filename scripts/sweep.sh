#!/usr/bin/env bash
# Real-world sweep: run auditfix over pinned, popular pure-Python packages
# from PyPI and check that every rewritten file still compiles and that a
# second run changes nothing. Usage: scripts/sweep.sh [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
packages=(django==5.1.4 sqlalchemy==2.0.36 requests==2.32.3 flask==3.1.0 celery==5.4.0
          alembic==1.14.0 databases==0.9.0 aiosqlite==0.20.0)
mkdir -p "$work/dl"
python3 -m pip download --no-deps -q -d "$work/dl" "${packages[@]}"
rm -rf "$work/src" && mkdir -p "$work/src"
for wheel in "$work"/dl/*.whl; do
  name=$(basename "$wheel" .whl)
  mkdir -p "$work/src/$name"
  (cd "$work/src/$name" && python3 -m zipfile -e "$wheel" .)
done
cargo build --release -q --manifest-path "$here/Cargo.toml"
bin="$here/target/release/auditfix"
files=$(find "$work/src" -name '*.py' | wc -l)
bytes=$(du -sb "$work/src" | cut -f1)
cd "$work/src"
"$bin" check . >"$work/findings.txt" 2>"$work/check.err" || true
/usr/bin/time -f "%e s, peak RSS %M KiB" "$bin" fix --unsafe-fixes --write . \
  >"$work/write.out" 2>"$work/write.err" || true
echo "files: $files python files, $((bytes / 1024 / 1024)) MiB"
echo "findings per codemod:"
awk '{print $2}' "$work/findings.txt" | sort | uniq -c
echo "skipped files:"
grep '^error:' "$work/write.err" || echo "  none"
tail -1 "$work/write.err"
# Every file auditfix rewrote must compile.
modified=$(grep -o '^[^:]*:[0-9]*:[0-9]*:' "$work/findings.txt" | cut -d: -f1 | sort -u)
fail=0
for f in $modified; do
  PYTHONPYCACHEPREFIX="$work/pycache" python3 -m py_compile "$f" || { echo "does not compile: $f"; fail=1; }
done
echo "rewritten files compiled: $(echo "$modified" | grep -c . || true), failures: $fail"
second=$("$bin" fix --unsafe-fixes . 2>/dev/null | grep -c '^diff --git' || true)
echo "second run: $second files would change"
[ "$fail" = 0 ] && [ "$second" = 0 ]
