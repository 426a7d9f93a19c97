#!/usr/bin/env bash
# `make lint`'s PHP part: php -l on every PHP file, then phpcs with the plugin's ruleset.
# Without PHP or phpcs: fails under CI=true, else says how to get them and skips.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in php phpcs; do
  if ! command -v "$tool" >/dev/null; then
    message="$tool is not installed: run 'sudo scripts/install_debian_deps.sh'"
    if [[ "${CI:-}" == "true" ]]; then echo "error: $message" >&2; exit 1; fi
    echo "skipping the PHP lint: $message" >&2
    exit 0
  fi
done

find wp-plugin tests/php tests/wp-test-plugins bench -name '*.php' -print0 \
  | xargs -0 -n1 php -d display_errors=stderr -l >/dev/null
phpcs -q --standard=wp-plugin/phpcs.xml.dist
echo "PHP lint: php -l and phpcs passed."
