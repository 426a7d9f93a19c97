#!/usr/bin/env bash
# Regenerate wp-plugin/tokengate/languages/tokengate.pot from the plugin's PHP (needs gettext's
# xgettext; WP-CLI's `wp i18n make-pot` gives the same strings where it is available).
set -euo pipefail
cd "$(dirname "$0")/../wp-plugin/tokengate"
find . -name '*.php' | sort | xargs xgettext --language=PHP --from-code=UTF-8 \
  --keyword=__ --keyword=_e --keyword=esc_html__ --keyword=esc_html_e --keyword=esc_attr__ --keyword=esc_attr_e \
  --keyword=_n:1,2 --keyword=_x:1,2c --add-comments=translators --omit-header \
  --package-name="Token Gate" --package-version=0.1.0 -o languages/tokengate.pot.body
{
  printf '# Token Gate translation template.\n# This file is distributed under the GPL-2.0-or-later license, like the plugin.\n'
  printf 'msgid ""\nmsgstr ""\n"Project-Id-Version: Token Gate 0.1.0\\n"\n"MIME-Version: 1.0\\n"\n'
  printf '"Content-Type: text/plain; charset=UTF-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n"X-Domain: tokengate\\n"\n\n'
  cat languages/tokengate.pot.body
} > languages/tokengate.pot
rm languages/tokengate.pot.body
