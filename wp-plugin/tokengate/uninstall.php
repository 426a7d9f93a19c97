<?php
/**
 * Uninstall: remove every option, transient and post meta key Token Gate stored.
 *
 * @package Tokengate
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-tokengate-options.php';

foreach ( Tokengate_Options::OPTIONS as $tokengate_option ) {
	delete_option( $tokengate_option );
}
foreach ( Tokengate_Options::TRANSIENTS as $tokengate_transient ) {
	delete_transient( $tokengate_transient );
}
foreach ( Tokengate_Options::META_KEYS as $tokengate_meta_key ) {
	delete_post_meta_by_key( $tokengate_meta_key );
}

global $wpdb;
// Per-browser nonce bindings and per-user admin notices are transients with a prefix.
$wpdb->query( // phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching
	$wpdb->prepare(
		"DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s OR option_name LIKE %s OR option_name LIKE %s",
		$wpdb->esc_like( '_transient_' . Tokengate_Options::NONCE_TRANSIENT ) . '%',
		$wpdb->esc_like( '_transient_timeout_' . Tokengate_Options::NONCE_TRANSIENT ) . '%',
		$wpdb->esc_like( '_transient_tokengate_notice_' ) . '%',
		$wpdb->esc_like( '_transient_timeout_tokengate_notice_' ) . '%'
	)
);
