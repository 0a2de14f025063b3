#!/usr/bin/env bash
# Installs code-server 4.100.3 (the real VS Code 1.100.3 server and workbench) and playwright-core offline, in this
# folder, following ../../../shared/docs/vscode-e2e.md. Debian packages first: chromium, kerberos headers, ripgrep.
set -euo pipefail
cd "$(dirname "$0")"
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)
[ -f /usr/include/gssapi.h ] || [ -f /usr/include/gssapi/gssapi.h ] || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -d node_modules/code-server ] && [ -d node_modules/playwright-core ] && exit 0
# @vscode/ripgrep looks for its download in a cache first: give it Debian's rg.
export TMPDIR="$PWD/.cache/tmp"
cache="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache/bin"
cp "$(command -v rg)" "$cache/bin/rg"
tar -czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$cache/bin" rg
export npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr ONNXRUNTIME_NODE_INSTALL=skip
npm install --no-audit --no-fund --foreground-scripts=false
