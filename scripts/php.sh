#!/usr/bin/env bash
# The PHP side of `make lint` and `make test`:
#   scripts/php.sh lint   php -l on every PHP file, then phpcs with the plugin's ruleset
#   scripts/php.sh test   the plugin's PHPUnit tests (the token verifier, the vectors, the gate decision)
# Without the tools: fails under CI=true, else says how to get them and skips.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  lint) tools=(php phpcs) ;;
  test) tools=(php phpunit) ;;
  *) echo "usage: $0 lint|test" >&2; exit 2 ;;
esac
for tool in "${tools[@]}"; do
  if ! command -v "$tool" >/dev/null; then
    message="$tool is not installed: run 'sudo scripts/install_debian_deps.sh'"
    if [[ "${CI:-}" == "true" ]]; then echo "error: $message" >&2; exit 1; fi
    echo "skipping the PHP $1: $message" >&2
    exit 0
  fi
done

if [[ "$1" == "lint" ]]; then
  find wp-plugin tests/php tests/wp-test-plugins bench -name '*.php' -print0 \
    | xargs -0 -n1 php -d display_errors=stderr -l >/dev/null
  phpcs -q --standard=wp-plugin/phpcs.xml.dist
  echo "PHP lint: php -l and phpcs passed."
else
  phpunit -c tests/php/phpunit.xml.dist
fi
