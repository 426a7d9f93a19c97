<?php
/**
 * Local verification of the service's access tokens (EdDSA JWTs, JWKS keys).
 *
 * The checks, their order and their reason codes are those of verify_access_token in
 * tokengate/tokens.py; tests/vectors/access_tokens.json holds both sides to the same verdicts.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

require_once __DIR__ . '/class-tokengate-token-rejected.php';

/**
 * Verifies access tokens against a JWKS; no I/O, no globals, no clock unless not given one.
 */
final class Tokengate_Verifier {

	const ALG             = 'EdDSA';
	const TYP             = 'tokengate+jwt';
	const MAX_TOKEN_BYTES = 4096;
	const DEFAULT_LEEWAY  = 60;

	/**
	 * Usable verification keys: kid => 32-byte Ed25519 public key.
	 *
	 * @var array<string, string>
	 */
	private array $keys;

	/**
	 * The service URL every token must name as `iss`.
	 *
	 * @var string
	 */
	private string $issuer;

	/**
	 * This site's id, which every token must name as `aud`.
	 *
	 * @var string
	 */
	private string $audience;

	/**
	 * Seconds of clock skew tolerated on `exp` and `nbf`.
	 *
	 * @var int
	 */
	private int $leeway;

	/**
	 * Configure a verifier for one site.
	 *
	 * @param array<int, mixed> $jwks_keys The `keys` list of the decoded JWKS document.
	 * @param string            $issuer    The service URL (`iss`).
	 * @param string            $audience  This site's id (`aud`).
	 * @param int               $leeway    Seconds of tolerated clock skew.
	 */
	public function __construct( array $jwks_keys, string $issuer, string $audience, int $leeway = self::DEFAULT_LEEWAY ) {
		$this->keys     = self::keys_from_jwks( array( 'keys' => $jwks_keys ) );
		$this->issuer   = $issuer;
		$this->audience = $audience;
		$this->leeway   = $leeway;
	}

	/**
	 * Whether this verifier holds a key with this kid (an unknown kid may warrant a JWKS refetch).
	 *
	 * @param string $kid Key id.
	 */
	public function has_kid( string $kid ): bool {
		return isset( $this->keys[ $kid ] );
	}

	/**
	 * The claims of a valid token; anything else throws.
	 *
	 * The algorithm is fixed to EdDSA and never read from the token to choose a verifier.
	 *
	 * @param mixed    $token A compact JWT; anything that is not a string is rejected.
	 * @param int|null $now   Unix time to check against; the system clock when null.
	 * @return array<string, mixed> The claims; `gates` is a list of strings.
	 * @throws Tokengate_Token_Rejected When the token must not grant access.
	 */
	public function verify( mixed $token, ?int $now = null ): array {
		if ( ! is_string( $token ) || 1 === preg_match( '/[\x80-\xFF]/', $token ) ) {
			throw new Tokengate_Token_Rejected( 'not_a_token' );
		}
		if ( strlen( $token ) > self::MAX_TOKEN_BYTES ) {
			throw new Tokengate_Token_Rejected( 'too_large' );
		}
		$segments = explode( '.', $token );
		if ( 3 !== count( $segments ) ) {
			throw new Tokengate_Token_Rejected( 'segments' );
		}
		list( $header_b64, $payload_b64, $signature_b64 ) = $segments;

		$header = self::decode_json( $header_b64, 'header' );
		if ( ( $header['alg'] ?? null ) !== self::ALG ) {
			throw new Tokengate_Token_Rejected( 'alg' );
		}
		if ( ( $header['typ'] ?? null ) !== self::TYP ) {
			throw new Tokengate_Token_Rejected( 'typ' );
		}
		if ( array_key_exists( 'crit', $header ) ) {
			throw new Tokengate_Token_Rejected( 'crit' );
		}
		$kid = $header['kid'] ?? null;
		if ( ! is_string( $kid ) || ! isset( $this->keys[ $kid ] ) ) {
			throw new Tokengate_Token_Rejected( 'kid' );
		}

		$signature = self::b64url_decode( $signature_b64 );
		if ( null === $signature ) {
			throw new Tokengate_Token_Rejected( 'signature_malformed' );
		}
		if ( SODIUM_CRYPTO_SIGN_BYTES !== strlen( $signature ) ) {
			throw new Tokengate_Token_Rejected( 'signature_length' );
		}
		if ( ! sodium_crypto_sign_verify_detached( $signature, $header_b64 . '.' . $payload_b64, $this->keys[ $kid ] ) ) {
			throw new Tokengate_Token_Rejected( 'signature' );
		}

		$claims = self::decode_json( $payload_b64, 'payload' );
		if ( ( $claims['iss'] ?? null ) !== $this->issuer ) {
			throw new Tokengate_Token_Rejected( 'iss' );
		}
		if ( ( $claims['aud'] ?? null ) !== $this->audience ) {
			throw new Tokengate_Token_Rejected( 'aud' );
		}
		foreach ( array( 'iat', 'nbf', 'exp', 'gsv' ) as $name ) {
			if ( ! is_int( $claims[ $name ] ?? null ) ) {
				throw new Tokengate_Token_Rejected( $name . '_malformed' );
			}
		}
		$sub = $claims['sub'] ?? null;
		if ( ! is_string( $sub ) || 1 !== preg_match( '/\A0x[0-9a-fA-F]{40}\z/', $sub ) ) {
			throw new Tokengate_Token_Rejected( 'sub_malformed' );
		}
		$jti = $claims['jti'] ?? null;
		if ( ! is_string( $jti ) || '' === $jti ) {
			throw new Tokengate_Token_Rejected( 'jti_malformed' );
		}
		// JSON objects decode to stdClass (see decode_json), so an array here is a JSON list.
		$gates = $claims['gates'] ?? null;
		if ( ! is_array( $gates ) || count( array_filter( $gates, 'is_string' ) ) !== count( $gates ) ) {
			throw new Tokengate_Token_Rejected( 'gates_malformed' );
		}
		$now = $now ?? time();
		if ( $now >= $claims['exp'] + $this->leeway ) {
			throw new Tokengate_Token_Rejected( 'expired' );
		}
		if ( $now < $claims['nbf'] - $this->leeway ) {
			throw new Tokengate_Token_Rejected( 'not_yet_valid' );
		}
		return $claims;
	}

	/**
	 * The kid a token's header names, without verifying anything (only to decide on a refetch).
	 *
	 * @param mixed $token A compact JWT.
	 */
	public static function peek_kid( mixed $token ): ?string {
		if ( ! is_string( $token ) || strlen( $token ) > self::MAX_TOKEN_BYTES || 2 !== substr_count( $token, '.' ) ) {
			return null;
		}
		try {
			$header = self::decode_json( strstr( $token, '.', true ), 'header' );
		} catch ( Tokengate_Token_Rejected $rejected ) {
			return null;
		}
		return isset( $header['kid'] ) && is_string( $header['kid'] ) ? $header['kid'] : null;
	}

	/**
	 * Usable Ed25519 verification keys from a JWKS document; anything else is skipped.
	 *
	 * @param mixed $jwks The decoded JWKS document, `{"keys": [...]}` (arrays or objects).
	 * @return array<string, string> kid => 32-byte public key.
	 */
	public static function keys_from_jwks( mixed $jwks ): array {
		$jwks    = is_object( $jwks ) ? get_object_vars( $jwks ) : $jwks;
		$entries = is_array( $jwks ) ? ( $jwks['keys'] ?? null ) : null;
		$keys    = array();
		if ( ! is_array( $entries ) || ! array_is_list( $entries ) ) {
			return $keys;
		}
		foreach ( $entries as $jwk ) {
			$jwk = is_object( $jwk ) ? get_object_vars( $jwk ) : $jwk;
			if ( ! is_array( $jwk ) || ( $jwk['kty'] ?? null ) !== 'OKP' || ( $jwk['crv'] ?? null ) !== 'Ed25519' ) {
				continue;
			}
			// Absent alg/use are allowed, present ones must say EdDSA/sig (null included).
			$alg = array_key_exists( 'alg', $jwk ) ? $jwk['alg'] : self::ALG;
			$use = array_key_exists( 'use', $jwk ) ? $jwk['use'] : 'sig';
			if ( self::ALG !== $alg || 'sig' !== $use ) {
				continue;
			}
			$kid = $jwk['kid'] ?? null;
			$raw = is_string( $jwk['x'] ?? null ) ? self::b64url_decode( $jwk['x'] ) : null;
			if ( is_string( $kid ) && null !== $raw && SODIUM_CRYPTO_SIGN_PUBLICKEYBYTES === strlen( $raw ) ) {
				$keys[ $kid ] = $raw;
			}
		}
		return $keys;
	}

	/**
	 * Strict base64url without padding: any other character or length, or non-canonical
	 * trailing bits, is an error (null).
	 *
	 * @param string $text Encoded text.
	 */
	public static function b64url_decode( string $text ): ?string {
		if ( 1 === strlen( $text ) % 4 || 1 !== preg_match( '/\A[A-Za-z0-9_-]*\z/', $text ) ) {
			return null;
		}
		$data = base64_decode( strtr( $text, '-_', '+/' ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- JWT segments are base64url.
		if ( false === $data || rtrim( strtr( base64_encode( $data ), '+/', '-_' ), '=' ) !== $text ) { // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- canonical form check.
			return null;
		}
		return $data;
	}

	/**
	 * A segment's JSON object as an array; nested objects stay stdClass so that a JSON object
	 * is never mistaken for a list.
	 *
	 * @param string $segment Base64url JSON.
	 * @param string $what    'header' or 'payload', for the reason code.
	 * @return array<string, mixed>
	 * @throws Tokengate_Token_Rejected When it is not base64url of a JSON object.
	 */
	private static function decode_json( string $segment, string $what ): array {
		$raw   = self::b64url_decode( $segment );
		$value = null === $raw ? null : json_decode( $raw, false );
		if ( ! $value instanceof stdClass ) {
			throw new Tokengate_Token_Rejected( $what . '_malformed' );
		}
		return get_object_vars( $value );
	}
}
