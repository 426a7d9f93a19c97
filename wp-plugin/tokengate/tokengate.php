<?php
/**
 * Plugin Name:       Token Gate
 * Plugin URI:        https://github.com/tokengate/tokengate
 * Description:       Gate posts, or parts of posts, to readers who hold ERC-20 tokens. Readers sign in with their Ethereum wallet; access tokens from a Token Gate service are verified locally on every page view.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            Token Gate
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       tokengate
 * Domain Path:       /languages
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

define( 'TOKENGATE_VERSION', '0.1.0' );
define( 'TOKENGATE_FILE', __FILE__ );
define( 'TOKENGATE_DIR', __DIR__ );

if ( is_readable( __DIR__ . '/includes/class-tokengate-token-rejected.php' ) ) {
	require_once __DIR__ . '/includes/class-tokengate-token-rejected.php';
}
require_once __DIR__ . '/includes/class-tokengate-verifier.php';
require_once __DIR__ . '/includes/class-tokengate-options.php';
require_once __DIR__ . '/includes/class-tokengate-client.php';
require_once __DIR__ . '/includes/class-tokengate-keys.php';
require_once __DIR__ . '/includes/class-tokengate-access.php';
require_once __DIR__ . '/includes/class-tokengate-gating.php';
require_once __DIR__ . '/includes/class-tokengate-rest.php';
require_once __DIR__ . '/includes/class-tokengate-editor.php';
require_once __DIR__ . '/includes/class-tokengate-plugin.php';

if ( is_admin() ) {
	require_once __DIR__ . '/admin/class-tokengate-admin.php';
}

Tokengate_Plugin::boot();
