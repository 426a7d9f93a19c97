<?php
/**
 * The Token Gate service's HTTP API, called with the site key. Server side only: the key never
 * reaches a browser.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

/**
 * A thin client: one request, decoded JSON, errors as WP_Error with the service's code.
 */
final class Tokengate_Client {

	/**
	 * Seconds to wait for the service (logins read a chain, so they get longer).
	 */
	const TIMEOUT       = 5;
	const LOGIN_TIMEOUT = 15;

	/**
	 * Call the service.
	 *
	 * @param string                    $method  HTTP method.
	 * @param string                    $path    Path under the service URL, e.g. '/api/v1/siwe/nonce'.
	 * @param array<string, mixed>|null $body    JSON body.
	 * @param array<string, string>     $headers Extra headers.
	 * @param int                       $timeout Seconds.
	 * @return array<string, mixed>|WP_Error The decoded answer, or an error whose code is the
	 *                                       service's error code ('service_unavailable' when it
	 *                                       cannot be reached).
	 */
	public static function request( string $method, string $path, ?array $body = null, array $headers = array(), int $timeout = self::TIMEOUT ) {
		$base = Tokengate_Options::service_url();
		$key  = Tokengate_Options::site_key();
		if ( '' === $base || '' === $key ) {
			return new WP_Error( 'not_configured', __( 'Token Gate is not connected to a service yet.', 'tokengate' ), array( 'status' => 503 ) );
		}
		$args = array(
			'method'      => $method,
			'timeout'     => $timeout,
			'redirection' => 0,
			'headers'     => array_merge(
				array(
					'Authorization' => 'Bearer ' . $key,
					'Accept'        => 'application/json',
				),
				$headers
			),
		);
		if ( null !== $body ) {
			$args['headers']['Content-Type'] = 'application/json';
			$args['body']                    = wp_json_encode( $body );
		}
		// wp_remote_*, not wp_safe_remote_*: the service is often on a private address (a compose
		// service name, 127.0.0.1), which the "safe" variant refuses.
		$response = wp_remote_request( $base . $path, $args );
		if ( is_wp_error( $response ) ) {
			return new WP_Error( 'service_unavailable', __( 'The Token Gate service could not be reached.', 'tokengate' ), array( 'status' => 503 ) );
		}
		$status  = (int) wp_remote_retrieve_response_code( $response );
		$decoded = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( $status >= 200 && $status < 300 ) {
			return is_array( $decoded ) ? $decoded : array();
		}
		$error = is_array( $decoded ) && isset( $decoded['error'] ) && is_array( $decoded['error'] ) ? $decoded['error'] : array();
		$code  = isset( $error['code'] ) && is_string( $error['code'] ) ? $error['code'] : 'service_error';
		$text  = isset( $error['message'] ) && is_string( $error['message'] ) ? $error['message'] : __( 'The Token Gate service refused the request.', 'tokengate' );
		$data  = array( 'status' => $status );
		if ( isset( $error['field'] ) && is_string( $error['field'] ) ) {
			$data['field'] = $error['field'];
		}
		return new WP_Error( $code, $text, $data );
	}

	/**
	 * Refresh this site's info and gate list from the service and cache them.
	 *
	 * @return array<string, mixed>|WP_Error The site info.
	 */
	public static function sync(): array|WP_Error {
		$site = self::request( 'GET', '/api/v1/site' );
		if ( is_wp_error( $site ) ) {
			return $site;
		}
		$listed = self::request( 'GET', '/api/v1/gates' );
		if ( is_wp_error( $listed ) ) {
			return $listed;
		}
		self::store_gates( $listed );
		update_option( Tokengate_Options::SITE_INFO, $site, true );
		return $site;
	}

	/**
	 * Cache a gate list answer (`{gates: [...], gate_set_version}`) by slug.
	 *
	 * @param array<string, mixed> $listed The service's answer.
	 */
	public static function store_gates( array $listed ): void {
		$gates = array();
		foreach ( (array) ( $listed['gates'] ?? array() ) as $gate ) {
			if ( is_array( $gate ) && isset( $gate['slug'] ) ) {
				$gates[ (string) $gate['slug'] ] = $gate;
			}
		}
		update_option( Tokengate_Options::GATES, $gates, true );
		if ( isset( $listed['gate_set_version'] ) ) {
			$info                     = Tokengate_Options::site_info();
			$info['gate_set_version'] = (int) $listed['gate_set_version'];
			update_option( Tokengate_Options::SITE_INFO, $info, true );
		}
	}
}
