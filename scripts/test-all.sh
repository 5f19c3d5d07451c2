#!/usr/bin/env bash
# The whole test suite: Python (pytest), TypeScript (vitest in Node), and the real app in
# Chromium on WASM and WebGPU. Installs what is missing first: Debian packages (as root) and npm
# packages. Usage: npm test
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
for mod in torch:python3-torch pytest:python3-pytest onnx:python3-onnx jsonschema:python3-jsonschema \
           PIL:python3-pil numpy:python3-numpy; do
  "$PY" -c "import ${mod%%:*}" 2>/dev/null || missing+=("${mod##*:}")
done
# OpenBLAS: Debian's torch otherwise uses the reference BLAS (the training smoke test is 6x slower)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || missing+=(libopenblas0-pthread)
# the Python linter and formatter (npm run lint)
for tool in black flake8; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) and rerun." >&2
    exit 1
  fi
  echo "== Installing Debian packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

echo "== Lint and format: Biome (TypeScript), black and flake8 (Python)"
npm run lint
echo "== Python: models, sampler, export"
(cd training && "$PY" -m pytest -q)
echo "== TypeScript: unit and parity (Node)"
npx vitest run
echo "== Build"
npm run build
echo "== Browser: Chromium on WASM and WebGPU"
npx vitest run --config vitest.e2e.config.ts
echo "== All tests passed"
