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
		$verifier = new Tokengate_Verifier( self::keys( false ), $issuer, $audience );
		$kid      = Tokengate_Verifier::peek_kid( $token );
		if ( null !== $kid && ! $verifier->has_kid( $kid ) && ! get_transient( Tokengate_Options::JWKS_REFETCH ) ) {
			set_transient( Tokengate_Options::JWKS_REFETCH, 1, self::REFETCH_SECONDS );
			$verifier = new Tokengate_Verifier( self::keys( true ), $issuer, $audience );
		}
		return $verifier;
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
}
