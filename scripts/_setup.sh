# Shared setup for scripts/demo and scripts/test (sourced, not run).
# A project venv in .venv with the package and its test tools; Galaxy itself gets its own cached
# venv outside the checkout (~/.cache/galaxy-widgets), installed once by `galaxy-widgets local install`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_node() {
  if ! command -v npm >/dev/null 2>&1; then
    step "Installing Node.js and npm (to build the widgets' JavaScript)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
  fi
}

setup_venv() {
  local extras=$1
  if [ ! -x .venv/bin/python ]; then
    step "Creating .venv"
    "$PY" -m venv .venv
  fi
  step "Installing galaxy-widgets[$extras] into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
  .venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
}
