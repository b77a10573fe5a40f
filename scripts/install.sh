# Sourced by scripts/demo and scripts/test: a virtual environment in .venv with fangpin and its extras.
# Usage: source scripts/install.sh [extras]   (extras such as "dev"; the demo needs none)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
extras=${1:-}
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
export PATH="$PWD/.venv/bin:$PATH"
