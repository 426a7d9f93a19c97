<?php
/**
 * REST routes tokengate/v1 that connect.js calls: nonce, session (login, logout, state); and the
 * Gates screen's token lookup (administrators only).
 * Each proxies to the service with the site key; the browser never sees the key or the tokens.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

/**
 * The reader-facing REST API.
 */
final class Tokengate_Rest {

	const NAMESPACE   = 'tokengate/v1';
	const NONCE_TTL   = 600;
	const MAX_MESSAGE = 4096;

	/**
	 * Who may look tokens up (the Gates screen's capability).
	 */
	const ADMIN_CAPABILITY = 'manage_options';

	/**
	 * Register the routes.
	 */
	public static function register(): void {
		register_rest_route(
			self::NAMESPACE,
			'/nonce',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'nonce' ),
				'permission_callback' => '__return_true', // Readers are anonymous; the nonce cookie binds the login.
			)
		);
		register_rest_route(
			self::NAMESPACE,
			'/session',
			array(
				array(
					'methods'             => 'POST',
					'callback'            => array( __CLASS__, 'login' ),
					'permission_callback' => '__return_true',
					'args'                => array(
						'message'   => array(
							'type'     => 'string',
							'required' => true,
						),
						'signature' => array(
							'type'     => 'string',
							'required' => true,
							'pattern'  => '^(0x)?[0-9a-fA-F]{130}$',
						),
					),
				),
				array(
					'methods'             => 'DELETE',
					'callback'            => array( __CLASS__, 'logout' ),
					'permission_callback' => '__return_true',
				),
				array(
					'methods'             => 'GET',
					'callback'            => array( __CLASS__, 'state' ),
					'permission_callback' => '__return_true',
				),
			)
		);
		// The Gates screen's token lookup. Registered here, not in Tokengate_Admin: REST requests
		// are not is_admin(), so the admin class is not loaded for them.
		register_rest_route(
			self::NAMESPACE,
			'/admin/token',
			array(
				'methods'             => 'GET',
				'callback'            => array( __CLASS__, 'token_lookup' ),
				'permission_callback' => static fn() => current_user_can( self::ADMIN_CAPABILITY ),
				'args'                => array(
					'chain_id' => array(
						'type'     => 'integer',
						'required' => true,
						'minimum'  => 1,
					),
					'address'  => array(
						'type'     => 'string',
						'required' => true,
						'pattern'  => '^0x[0-9a-fA-F]{40}$',
					),
				),
			)
		);
	}

	/**
	 * Token lookup for the Gates screen, proxied with the site key (administrators only): the
	 * service's token metadata, or its error (code, message, status).
	 *
	 * @param WP_REST_Request $request The request.
	 */
	public static function token_lookup( WP_REST_Request $request ): WP_REST_Response|WP_Error {
		$answer = Tokengate_Client::request(
			'GET',
			'/api/v1/tokens/lookup?' . http_build_query(
				array(
					'chain_id' => (int) $request->get_param( 'chain_id' ),
					'address'  => (string) $request->get_param( 'address' ),
				)
			)
		);
		if ( is_wp_error( $answer ) ) {
			$data = (array) $answer->get_error_data();
			return new WP_Error( $answer->get_error_code(), $answer->get_error_message(), array( 'status' => (int) ( $data['status'] ?? 503 ) ) );
		}
		$response = new WP_REST_Response( $answer, 200 );
		$response->header( 'Cache-Control', 'private, no-store' );
		return $response;
	}

	/**
	 * A fresh SIWE nonce from the service, bound to this browser by an HttpOnly cookie.
	 */
	public static function nonce(): WP_REST_Response|WP_Error {
		$answer = Tokengate_Client::request( 'POST', '/api/v1/siwe/nonce', null, Tokengate_Access::client_ip_header() );
		if ( is_wp_error( $answer ) ) {
			return self::error( $answer );
		}
		$browser = bin2hex( random_bytes( 16 ) );
		set_transient( Tokengate_Options::NONCE_TRANSIENT . hash( 'sha256', $browser ), (string) $answer['nonce'], self::NONCE_TTL );
		Tokengate_Access::set_cookie( Tokengate_Access::NONCE_COOKIE, $browser, time() + self::NONCE_TTL );
		$response = new WP_REST_Response(
			array(
				'nonce'     => (string) $answer['nonce'],
				'chain_ids' => array_map( 'intval', (array) ( $answer['chain_ids'] ?? array() ) ),
				'statement' => (string) ( $answer['statement'] ?? '' ),
				'version'   => '1',
			),
			201
		);
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}

	/**
	 * Log in with a signed EIP-4361 message whose nonce this browser asked for.
	 *
	 * @param WP_REST_Request $request The request.
	 */
	public static function login( WP_REST_Request $request ): WP_REST_Response|WP_Error {
		$message   = (string) $request->get_param( 'message' );
		$signature = (string) $request->get_param( 'signature' );
		if ( strlen( $message ) > self::MAX_MESSAGE ) {
			return new WP_Error( 'invalid_message', __( 'The sign-in message is too long.', 'tokengate' ), array( 'status' => 400 ) );
		}
		$browser = Tokengate_Access::cookie( Tokengate_Access::NONCE_COOKIE );
		$key     = Tokengate_Options::NONCE_TRANSIENT . hash( 'sha256', $browser );
		$issued  = '' !== $browser ? (string) get_transient( $key ) : '';
		if ( '' === $issued || ! preg_match( '/^Nonce: ([A-Za-z0-9]+)$/m', $message, $found ) || ! hash_equals( $issued, $found[1] ) ) {
			return new WP_Error( 'nonce_unknown', __( 'This sign-in was not started in this browser; please try again.', 'tokengate' ), array( 'status' => 400 ) );
		}
		delete_transient( $key );
		$answer = Tokengate_Client::request(
			'POST',
			'/api/v1/siwe/verify',
			array(
				'message'   => $message,
				'signature' => $signature,
			),
			Tokengate_Access::client_ip_header(),
			Tokengate_Client::LOGIN_TIMEOUT
		);
		if ( is_wp_error( $answer ) ) {
			return self::error( $answer );
		}
		Tokengate_Access::set_cookies( $answer );
		$response = new WP_REST_Response( self::public_state( $answer ), 200 );
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}

	/**
	 * Log out: end the session at the service and drop the cookies.
	 */
	public static function logout(): WP_REST_Response {
		$refresh = Tokengate_Access::cookie( Tokengate_Access::REFRESH_COOKIE );
		if ( '' !== $refresh ) {
			Tokengate_Client::request( 'POST', '/api/v1/sessions/revoke', array( 'refresh_token' => $refresh ) );
		}
		Tokengate_Access::clear_cookies();
		$response = new WP_REST_Response( array( 'connected' => false ), 200 );
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}

	/**
	 * Who is connected, and which gates they pass.
	 */
	public static function state(): WP_REST_Response {
		$claims   = Tokengate_Access::claims();
		$response = new WP_REST_Response(
			null === $claims ? array( 'connected' => false ) : array(
				'connected'  => true,
				'address'    => (string) $claims['sub'],
				'gates'      => array_values( (array) $claims['gates'] ),
				'expires_at' => (int) $claims['exp'],
			),
			200
		);
		$response->header( 'Cache-Control', 'private, no-store' );
		return $response;
	}

	/**
	 * What a browser may learn from a login: never the tokens themselves.
	 *
	 * @param array<string, mixed> $answer The service's answer.
	 * @return array<string, mixed>
	 */
	private static function public_state( array $answer ): array {
		return array(
			'connected' => true,
			'address'   => (string) ( $answer['address'] ?? '' ),
			'gates'     => array_values( (array) ( $answer['gates'] ?? array() ) ),
			'holdings'  => array_values( (array) ( $answer['holdings'] ?? array() ) ),
		);
	}

	/**
	 * A service error as a REST error with the same code (the message is the service's).
	 *
	 * @param WP_Error $error The client's error.
	 */
	private static function error( WP_Error $error ): WP_Error {
		$data   = (array) $error->get_error_data();
		$status = (int) ( $data['status'] ?? 503 );
		if ( 401 === $status && 'invalid_signature' !== $error->get_error_code() ) {
			$status = 503; // A bad site key is the site's problem, not the reader's: say "unavailable".
		}
		return new WP_Error( $error->get_error_code(), $error->get_error_message(), array( 'status' => $status ) );
	}
}
