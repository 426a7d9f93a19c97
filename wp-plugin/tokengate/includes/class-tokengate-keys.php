<?php
/**
 * The service's public keys (JWKS), cached, and a verifier configured for this site.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

/**
 * JWKS cache: kept about an hour; an unknown kid triggers at most one refetch a minute.
 */
final class Tokengate_Keys {

	const CACHE_SECONDS   = HOUR_IN_SECONDS;
	const REFETCH_SECONDS = MINUTE_IN_SECONDS;

	/**
	 * A verifier for this site's tokens, or null when the plugin is not connected.
	 *
	 * @param string $token The token about to be verified: an unknown kid may refetch the keys.
	 */
	public static function verifier_for( string $token ): ?Tokengate_Verifier {
		$info     = Tokengate_Options::site_info();
		$audience = isset( $info['site_id'] ) ? (string) $info['site_id'] : '';
		$issuer   = isset( $info['issuer'] ) ? (string) $info['issuer'] : Tokengate_Options::service_url();
		if ( '' === $audience || '' === $issuer ) {
			return null;
		}
		$keys = self::keys( false );
		$kid  = self::kid_of( $token );
		if ( null !== $kid && ! self::has_kid( $keys, $kid ) && ! get_transient( Tokengate_Options::JWKS_REFETCH ) ) {
			set_transient( Tokengate_Options::JWKS_REFETCH, 1, self::REFETCH_SECONDS );
			$keys = self::keys( true );
		}
		return new Tokengate_Verifier( $keys, $issuer, $audience );
	}

	/**
	 * The JWKS `keys` list, from the cache unless `$refetch`.
	 *
	 * @param bool $refetch Ask the service even if cached.
	 * @return array<int, array<string, mixed>>
	 */
	public static function keys( bool $refetch ): array {
		$cached = get_transient( Tokengate_Options::JWKS_TRANSIENT );
		if ( ! $refetch && is_array( $cached ) ) {
			return $cached;
		}
		$base = Tokengate_Options::service_url();
		if ( '' === $base ) {
			return array();
		}
		$response = wp_remote_get(
			$base . '/.well-known/jwks.json',
			array(
				'timeout'     => Tokengate_Client::TIMEOUT,
				'redirection' => 0,
			)
		);
		$decoded  = is_wp_error( $response ) ? null : json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( ! is_array( $decoded ) || ! isset( $decoded['keys'] ) || ! is_array( $decoded['keys'] ) ) {
			return is_array( $cached ) ? $cached : array(); // Keep the last good set.
		}
		set_transient( Tokengate_Options::JWKS_TRANSIENT, $decoded['keys'], self::CACHE_SECONDS );
		return $decoded['keys'];
	}

	/**
	 * The kid in a token's header, without verifying anything (only to decide on a refetch).
	 *
	 * @param string $token A compact JWT.
	 */
	public static function kid_of( string $token ): ?string {
		$dot = strpos( $token, '.' );
		if ( false === $dot || $dot > 1024 ) {
			return null;
		}
		$header = json_decode( (string) base64_decode( strtr( substr( $token, 0, $dot ), '-_', '+/' ), true ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
		return is_array( $header ) && isset( $header['kid'] ) && is_string( $header['kid'] ) ? $header['kid'] : null;
	}

	/**
	 * Whether the key list has this kid.
	 *
	 * @param array<int, array<string, mixed>> $keys JWKS keys.
	 * @param string                           $kid  Key id.
	 */
	private static function has_kid( array $keys, string $kid ): bool {
		foreach ( $keys as $key ) {
			if ( is_array( $key ) && isset( $key['kid'] ) && $key['kid'] === $kid ) {
				return true;
			}
		}
		return false;
	}
}
