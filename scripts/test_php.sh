#!/usr/bin/env bash
# `make test`'s PHP part: the plugin's PHPUnit tests (the token verifier and the shared vectors).
# Without PHP or phpunit: fails under CI=true, else says how to get them and skips.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in php phpunit; do
  if ! command -v "$tool" >/dev/null; then
    message="$tool is not installed: run 'sudo scripts/install_debian_deps.sh'"
    if [[ "${CI:-}" == "true" ]]; then echo "error: $message" >&2; exit 1; fi
    echo "skipping the PHPUnit tests: $message" >&2
    exit 0
  fi
done
phpunit -c tests/php/phpunit.xml.dist
