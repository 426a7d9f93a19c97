#!/usr/bin/env bash
# Debian/Ubuntu packages for the WordPress plugin tests (real WordPress, PHP, MariaDB), the
# browser tests (Chromium) and the docker-compose.yml check (docker-compose, for `config` only:
# no Docker engine is needed). Idempotent: installs only what `dpkg -s` says is missing.
#
#   sudo scripts/install_debian_deps.sh        # install what is missing
#   scripts/install_debian_deps.sh --check     # only report; exit 1 when something is missing
#
# apt starts no services here; the tests start their own private MariaDB (tests/wordpress.py).
set -euo pipefail

PACKAGES=(
    php-cli php-mysql php-curl php-xml php-mbstring
    wordpress wordpress-theme-twentytwentythree
    phpunit php-codesniffer
    mariadb-server
    chromium chromium-driver
    docker-compose
)

check_only=0
[[ "${1:-}" == "--check" ]] && check_only=1

# One dpkg-query for all (like `dpkg -s`, but one call): "install ok installed" only counts, as a
# removed package leaves "deinstall ok config-files" and an unknown one prints nothing.
declare -A installed=()
while read -r package status; do
    if [[ "$status" == "install ok installed" ]]; then installed[$package]=1; fi
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for package in "${PACKAGES[@]}"; do
    [[ -n "${installed[$package]:-}" ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "Debian packages: all ${#PACKAGES[@]} installed."
    exit 0
fi

command=(apt-get install -y --no-install-recommends "${missing[@]}")
if ((check_only)) || [[ $(id -u) -ne 0 ]]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${command[*]}" >&2
    exit 1
fi

echo "Installing: ${missing[*]}"
# Update the package lists only when they are absent (fresh containers ship without them).
if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
    apt-get update
fi
if ! DEBIAN_FRONTEND=noninteractive "${command[@]}"; then
    # Stale lists (a package version no longer on the mirror): refresh once and retry.
    apt-get update
    DEBIAN_FRONTEND=noninteractive "${command[@]}"
fi

# The binaries the tests use, so a broken install shows here rather than as a skipped test.
for binary in php mariadbd mariadb-install-db mariadb-admin chromium chromedriver phpunit phpcs docker-compose; do
    command -v "$binary" >/dev/null || { echo "installed, but $binary is not on PATH" >&2; exit 1; }
done
chromium --version
