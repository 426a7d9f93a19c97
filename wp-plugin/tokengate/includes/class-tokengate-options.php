<?php
/**
 * Option and meta keys, and typed access to the plugin's settings.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

/**
 * Every option, transient and meta key the plugin stores (uninstall.php removes them all).
 */
final class Tokengate_Options {

	const SERVICE_URL      = 'tokengate_service_url';
	const SITE_KEY         = 'tokengate_site_key';
	const DEFAULT_TEASER   = 'tokengate_default_teaser';
	const SITE_INFO        = 'tokengate_site_info';
	const GATES            = 'tokengate_gates';
	const JWKS_TRANSIENT   = 'tokengate_jwks';
	const JWKS_REFETCH     = 'tokengate_jwks_refetch';
	const NONCE_TRANSIENT  = 'tokengate_nonce_';
	const META_GATE        = '_tokengate_gate';
	const META_TEASER_MODE = '_tokengate_teaser_mode';
	const META_TEASER_WORDS = '_tokengate_teaser_words';
	const META_TEASER_TEXT = '_tokengate_teaser_text';
	const META_HAS_GATED   = '_tokengate_has_gated';
	const META_PUBLIC_TEXT = '_tokengate_public_text';

	const OPTIONS    = array( self::SERVICE_URL, self::SITE_KEY, self::DEFAULT_TEASER, self::SITE_INFO, self::GATES );
	const TRANSIENTS = array( self::JWKS_TRANSIENT, self::JWKS_REFETCH );
	const META_KEYS  = array( self::META_GATE, self::META_TEASER_MODE, self::META_TEASER_WORDS, self::META_TEASER_TEXT, self::META_HAS_GATED, self::META_PUBLIC_TEXT );

	/**
	 * The service's base URL, without a trailing slash ('' when not configured).
	 */
	public static function service_url(): string {
		return rtrim( (string) get_option( self::SERVICE_URL, '' ), '/' );
	}

	/**
	 * The site key, decrypted ('' when not configured or not decryptable).
	 */
	public static function site_key(): string {
		$stored = (string) get_option( self::SITE_KEY, '' );
		if ( '' === $stored ) {
			return '';
		}
		$raw = base64_decode( $stored, true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
		if ( false === $raw || strlen( $raw ) <= SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ) {
			return '';
		}
		$nonce  = substr( $raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		$cipher = substr( $raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		$plain  = sodium_crypto_secretbox_open( $cipher, $nonce, self::encryption_key() );
		return false === $plain ? '' : $plain;
	}

	/**
	 * Store the site key encrypted with a key derived from this site's AUTH salt, so a database
	 * dump alone does not reveal it.
	 *
	 * @param string $key The site key as the service printed it.
	 */
	public static function set_site_key( string $key ): void {
		$nonce  = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		$cipher = sodium_crypto_secretbox( $key, $nonce, self::encryption_key() );
		update_option( self::SITE_KEY, base64_encode( $nonce . $cipher ), false ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode
	}

	/**
	 * The last characters of the site key, for showing that one is set without showing it.
	 */
	public static function site_key_hint(): string {
		$key = self::site_key();
		return '' === $key ? '' : '…' . substr( $key, -4 );
	}

	/**
	 * The teaser shown when a post has none of its own.
	 */
	public static function default_teaser(): string {
		$teaser = (string) get_option( self::DEFAULT_TEASER, '' );
		return '' !== $teaser ? $teaser : __( 'This content is for token holders.', 'tokengate' );
	}

	/**
	 * What the service said about this site at the last connection test or gate change:
	 * site_id, name, gate_set_version, chains.
	 *
	 * @return array<string, mixed>
	 */
	public static function site_info(): array {
		$info = get_option( self::SITE_INFO, array() );
		return is_array( $info ) ? $info : array();
	}

	/**
	 * The gates as last fetched from the service, by slug.
	 *
	 * @return array<string, array<string, mixed>>
	 */
	public static function gates(): array {
		$gates = get_option( self::GATES, array() );
		return is_array( $gates ) ? $gates : array();
	}

	/**
	 * Derive the encryption key for secrets stored in options.
	 */
	private static function encryption_key(): string {
		return sodium_crypto_generichash( 'tokengate-site-key|' . wp_salt( 'auth' ), '', SODIUM_CRYPTO_SECRETBOX_KEYBYTES );
	}
}
