#!/usr/bin/env bash
# Render the HTML audit report of the shipped examples in headless Chromium
# and save a screenshot, to look at the page as a reviewer would.
#
#   bash scripts/screenshot-report.sh [OUT.png]
#
# Needs Debian's `chromium` (apt-get install chromium). Nothing under the
# repository is modified: the examples are copied to a scratch directory.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-audit-report.png}")"
cargo build --release --quiet
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r examples "$scratch/examples"
(cd "$scratch" && "$OLDPWD/target/release/auditfix" fix --report audit.html examples >/dev/null 2>&1 || true)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$scratch/profile" --window-size=1200,2400 \
    --screenshot="$out" "file://$scratch/audit.html" 2>/dev/null
echo "screenshot: $out"
