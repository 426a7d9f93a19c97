<?php
/**
 * The one decision: may this request see this gated content?
 *
 * A page view verifies the access-token cookie locally (sodium + cached JWKS, no network).
 * Only when the token is missing, expired, invalid or older than the site's gate-set version,
 * and a refresh cookie exists, does it ask the service once, before any output.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

/**
 * Per-request access state.
 */
final class Tokengate_Access {

	const ACCESS_COOKIE  = 'tokengate_at';
	const REFRESH_COOKIE = 'tokengate_rt';
	const NONCE_COOKIE   = 'tokengate_nb';

	/**
	 * Verified claims of this request's reader (null: none).
	 *
	 * @var array<string, mixed>|null
	 */
	private static ?array $claims = null;

	/**
	 * Whether the cookies were already looked at in this request.
	 *
	 * @var bool
	 */
	private static bool $resolved = false;

	/**
	 * Why a refresh failed in this request ('service_unavailable', …), for the teaser's message.
	 *
	 * @var string
	 */
	private static string $problem = '';

	/**
	 * Forget the per-request state (tests, and after setting new cookies).
	 */
	public static function reset(): void {
		self::$claims   = null;
		self::$resolved = false;
		self::$problem  = '';
	}

	/**
	 * The reader's verified claims, refreshing once if needed; null when there is no valid token.
	 *
	 * @return array<string, mixed>|null
	 */
	public static function claims(): ?array {
		if ( self::$resolved ) {
			return self::$claims;
		}
		self::$resolved = true;
		$token          = self::cookie( self::ACCESS_COOKIE );
		$claims         = '' !== $token ? self::verify( $token ) : null;
		if ( ( null === $claims || self::behind( $claims ) ) && '' !== self::cookie( self::REFRESH_COOKIE ) ) {
			// A token behind the gate set is not trusted even if the refresh fails: its gates may
			// have been tightened since it was issued.
			$claims = self::refresh();
		}
		self::$claims = $claims;
		return $claims;
	}

	/**
	 * Why access could not be decided in this request ('' when nothing went wrong).
	 */
	public static function problem(): string {
		self::claims();
		return self::$problem;
	}

	/**
	 * Whether the current request may see content behind `$slug`.
	 *
	 * @param string   $slug    Gate slug.
	 * @param int|null $post_id The post it appears in (editors of that post see everything).
	 */
	public static function can_view_gate( string $slug, ?int $post_id = null ): bool {
		if ( '' === $slug ) {
			return true;
		}
		if ( null !== $post_id && self::is_editor( $post_id ) ) {
			return true;
		}
		$claims = self::claims();
		return null !== $claims && in_array( $slug, (array) $claims['gates'], true );
	}

	/**
	 * Whether the current request may see the whole of `$post` (its post-level gate).
	 *
	 * @param WP_Post|int|null $post The post.
	 */
	public static function can_view_post( $post ): bool {
		$post = get_post( $post );
		if ( ! $post instanceof WP_Post ) {
			return true;
		}
		return self::can_view_gate( self::gate_of( $post->ID ), $post->ID );
	}

	/**
	 * The slug of the post's gate ('' when it has none).
	 *
	 * @param int $post_id Post ID.
	 */
	public static function gate_of( int $post_id ): string {
		return (string) get_post_meta( $post_id, Tokengate_Options::META_GATE, true );
	}

	/**
	 * Editors of a post see it whole, unless they asked to preview it as a reader without access.
	 *
	 * @param int $post_id Post ID.
	 */
	public static function is_editor( int $post_id ): bool {
		if ( ! current_user_can( 'edit_post', $post_id ) ) {
			return false;
		}
		// A preview as a reader only ever takes access away, so it needs no nonce.
		return ! isset( $_GET['tokengate_preview'] ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended
	}

	/**
	 * Store the tokens of a login or refresh in HttpOnly cookies.
	 *
	 * @param array<string, mixed> $tokens The service's answer.
	 */
	public static function set_cookies( array $tokens ): void {
		$now = time();
		self::set_cookie( self::ACCESS_COOKIE, (string) $tokens['access_token'], $now + (int) $tokens['expires_in'] + 60 );
		self::set_cookie( self::REFRESH_COOKIE, (string) $tokens['refresh_token'], $now + (int) $tokens['refresh_expires_in'] );
		self::$claims   = self::verify( (string) $tokens['access_token'] );
		self::$resolved = true;
	}

	/**
	 * Remove the reader's cookies (logout, or a refresh token the service no longer honours).
	 */
	public static function clear_cookies(): void {
		self::set_cookie( self::ACCESS_COOKIE, '', 1 );
		self::set_cookie( self::REFRESH_COOKIE, '', 1 );
		self::$claims   = null;
		self::$resolved = true;
	}

	/**
	 * Set one cookie: HttpOnly, SameSite=Lax, Secure on HTTPS.
	 *
	 * @param string $name    Cookie name.
	 * @param string $value   Value ('' to delete).
	 * @param int    $expires Unix time.
	 */
	public static function set_cookie( string $name, string $value, int $expires ): void {
		$_COOKIE[ $name ] = $value;
		if ( headers_sent() ) {
			return;
		}
		setcookie(
			$name,
			$value,
			array(
				'expires'  => $expires,
				'path'     => COOKIEPATH ? COOKIEPATH : '/',
				'domain'   => COOKIE_DOMAIN ? COOKIE_DOMAIN : '',
				'secure'   => is_ssl(),
				'httponly' => true,
				'samesite' => 'Lax',
			)
		);
	}

	/**
	 * A cookie's value ('' when absent or not a plain token).
	 *
	 * @param string $name Cookie name.
	 */
	public static function cookie( string $name ): string {
		$value = isset( $_COOKIE[ $name ] ) ? (string) wp_unslash( $_COOKIE[ $name ] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
		return ( strlen( $value ) <= 8192 && preg_match( '/^[A-Za-z0-9._\-]*$/', $value ) ) ? $value : '';
	}

	/**
	 * Verify an access token locally; null when it does not pass.
	 *
	 * @param string $token Compact JWT.
	 * @return array<string, mixed>|null
	 */
	private static function verify( string $token ): ?array {
		$verifier = Tokengate_Keys::verifier_for( $token );
		if ( null === $verifier ) {
			return null;
		}
		try {
			$claims = $verifier->verify( $token );
		} catch ( Exception $rejected ) {
			return null;
		}
		$info = Tokengate_Options::site_info();
		if ( (int) $claims['gsv'] > (int) ( $info['gate_set_version'] ?? 0 ) ) {
			// The token knows of a newer gate set than this site's cache: remember it.
			$info['gate_set_version'] = (int) $claims['gsv'];
			update_option( Tokengate_Options::SITE_INFO, $info, true );
		}
		return $claims;
	}

	/**
	 * Whether the token was issued for an older gate set than the site's current one.
	 *
	 * @param array<string, mixed> $claims Verified claims.
	 */
	private static function behind( array $claims ): bool {
		$info = Tokengate_Options::site_info();
		return (int) $claims['gsv'] < (int) ( $info['gate_set_version'] ?? 0 );
	}

	/**
	 * Exchange the refresh cookie for new tokens, once; null when that fails.
	 *
	 * @return array<string, mixed>|null
	 */
	private static function refresh(): ?array {
		$answer = Tokengate_Client::request(
			'POST',
			'/api/v1/sessions/refresh',
			array( 'refresh_token' => self::cookie( self::REFRESH_COOKIE ) ),
			self::client_ip_header()
		);
		if ( is_wp_error( $answer ) ) {
			if ( in_array( $answer->get_error_code(), array( 'refresh_invalid', 'refresh_reused', 'invalid_request' ), true ) ) {
				self::clear_cookies();
				self::$resolved = true;
			} else {
				self::$problem = $answer->get_error_code(); // The service or a chain is down: keep the cookie, show the teaser.
			}
			return null;
		}
		if ( ! isset( $answer['access_token'], $answer['refresh_token'] ) ) {
			return null;
		}
		self::set_cookies( $answer );
		return self::$claims;
	}

	/**
	 * The reader's IP for the service's per-reader rate limit.
	 *
	 * @return array<string, string>
	 */
	public static function client_ip_header(): array {
		$ip = isset( $_SERVER['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REMOTE_ADDR'] ) ) : '';
		return '' !== $ip ? array( 'Tokengate-Client-IP' => $ip ) : array();
	}
}
