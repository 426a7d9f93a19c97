<?php
/**
 * Tokengate_Verifier against the shared vectors, and the cases a site owner would notice.
 *
 * @package Tokengate
 */

use PHPUnit\Framework\TestCase;

/**
 * The verifier alone: no WordPress, no network.
 */
final class VerifierTest extends TestCase {

	/**
	 * The decoded vectors file.
	 *
	 * @var array<string, mixed>
	 */
	private static array $doc;

	/**
	 * Load the vectors once.
	 */
	public static function setUpBeforeClass(): void {
		self::$doc = json_decode( (string) file_get_contents( TOKENGATE_VECTORS ), true, 512, JSON_THROW_ON_ERROR );
	}

	/**
	 * A verifier configured like the vectors' site.
	 *
	 * @param int $leeway Seconds of skew.
	 */
	private function verifier( int $leeway = 60 ): Tokengate_Verifier {
		return new Tokengate_Verifier( self::$doc['jwks']['keys'], self::$doc['issuer'], self::$doc['audience'], $leeway );
	}

	/**
	 * The vector with this name.
	 *
	 * @param string $name Vector name.
	 * @return array<string, mixed>
	 */
	private function vector( string $name ): array {
		foreach ( self::$doc['vectors'] as $vector ) {
			if ( $vector['name'] === $name ) {
				return $vector;
			}
		}
		$this->fail( "no vector named $name" );
	}

	/**
	 * The reason the verifier gives for rejecting, or null when it accepts.
	 *
	 * @param Tokengate_Verifier $verifier The verifier.
	 * @param mixed              $token    The token.
	 * @param int                $now      Unix time.
	 */
	private function reason( Tokengate_Verifier $verifier, mixed $token, int $now ): ?string {
		try {
			$verifier->verify( $token, $now );
		} catch ( Tokengate_Token_Rejected $rejected ) {
			return $rejected->reason;
		}
		return null;
	}

	/**
	 * Every vector, as a data set.
	 *
	 * @return array<string, array{0: array<string, mixed>}>
	 */
	public function vectors(): array {
		$doc  = json_decode( (string) file_get_contents( TOKENGATE_VECTORS ), true, 512, JSON_THROW_ON_ERROR );
		$sets = array();
		foreach ( $doc['vectors'] as $vector ) {
			$sets[ $vector['name'] ] = array( $vector );
		}
		return $sets;
	}

	/**
	 * Each shared vector gets the verdict (and reason) the Python verifier gives.
	 *
	 * @dataProvider vectors
	 * @param array<string, mixed> $vector One vector.
	 */
	public function test_vector( array $vector ): void {
		$reason = $this->reason( $this->verifier( self::$doc['leeway'] ), $vector['token'], self::$doc['now'] );
		$this->assertSame( $vector['reason'] ?? null, $reason );
	}

	/**
	 * A valid token yields its claims, gates as a list of strings.
	 */
	public function test_valid_token_yields_claims(): void {
		$claims = $this->verifier()->verify( $this->vector( 'valid' )['token'], self::$doc['now'] );
		$this->assertSame( array( 'gold' ), $claims['gates'] );
		$this->assertSame( self::$doc['audience'], $claims['aud'] );
		$this->assertSame( 3, $claims['gsv'] );
	}

	/**
	 * JWKS parsing keeps only OKP / Ed25519 / EdDSA signing keys with a 32-byte x.
	 */
	public function test_jwks_parsing_skips_other_keys(): void {
		$keys = Tokengate_Verifier::keys_from_jwks( self::$doc['jwks'] );
		$this->assertCount( 2, $keys );
		foreach ( $keys as $kid => $raw ) {
			$this->assertIsString( $kid );
			$this->assertSame( SODIUM_CRYPTO_SIGN_PUBLICKEYBYTES, strlen( $raw ) );
		}
		$this->assertSame( array(), Tokengate_Verifier::keys_from_jwks( array( 'keys' => array( array( 'kty' => 'RSA' ) ) ) ) );
		$this->assertSame( array(), Tokengate_Verifier::keys_from_jwks( array( 'keys' => array( 'a' => self::$doc['jwks']['keys'][0] ) ) ) );
		$this->assertSame( array(), Tokengate_Verifier::keys_from_jwks( 'not a jwks' ) );
		$as_objects = json_decode( (string) json_encode( self::$doc['jwks'] ), false );
		$this->assertSame( $keys, Tokengate_Verifier::keys_from_jwks( $as_objects ) );
	}

	/**
	 * With no usable key nothing verifies, not even the valid token.
	 */
	public function test_no_keys_means_no_access(): void {
		$verifier = new Tokengate_Verifier( array(), self::$doc['issuer'], self::$doc['audience'] );
		$this->assertSame( 'kid', $this->reason( $verifier, $this->vector( 'valid' )['token'], self::$doc['now'] ) );
	}

	/**
	 * The size cap is checked before any parsing: 4096 bytes pass, one more does not.
	 */
	public function test_token_over_4_kb_rejected(): void {
		$this->assertNull( $this->reason( $this->verifier(), $this->vector( 'valid_exactly_4096_bytes' )['token'], self::$doc['now'] ) );
		$this->assertSame( 'too_large', $this->reason( $this->verifier(), $this->vector( 'oversized_4097_bytes' )['token'], self::$doc['now'] ) );
		$this->assertSame( 'too_large', $this->reason( $this->verifier(), str_repeat( 'A', 5000 ), self::$doc['now'] ) );
	}

	/**
	 * Expiry is tolerated for exactly `leeway` seconds, and the leeway is configurable.
	 */
	public function test_leeway(): void {
		$exp   = self::$doc['now'] + 540;
		$token = $this->vector( 'valid' )['token'];
		$this->assertNull( $this->reason( $this->verifier(), $token, $exp + 59 ) );
		$this->assertSame( 'expired', $this->reason( $this->verifier(), $token, $exp + 60 ) );
		$this->assertSame( 'expired', $this->reason( $this->verifier( 0 ), $token, $exp ) );
		$this->assertNull( $this->reason( $this->verifier( 0 ), $token, $exp - 1 ) );
		$nbf = self::$doc['now'] - 60;
		$this->assertNull( $this->reason( $this->verifier(), $token, $nbf - 60 ) );
		$this->assertSame( 'not_yet_valid', $this->reason( $this->verifier(), $token, $nbf - 61 ) );
	}

	/**
	 * Without an explicit time the system clock decides, exactly as if time() were passed.
	 */
	public function test_default_clock_is_now(): void {
		$token  = $this->vector( 'valid' )['token'];
		$reason = $this->reason( $this->verifier(), $token, time() );
		try {
			$this->verifier()->verify( $token );
			$this->assertNull( $reason );
		} catch ( Tokengate_Token_Rejected $rejected ) {
			$this->assertSame( $reason, $rejected->reason );
		}
	}

	/**
	 * Values that are not strings (say a `tg[]=` cookie) are rejected, not a TypeError.
	 */
	public function test_non_string_rejected(): void {
		foreach ( array( null, 42, array( 'a.b.c' ), true ) as $token ) {
			$this->assertSame( 'not_a_token', $this->reason( $this->verifier(), $token, self::$doc['now'] ) );
		}
	}

	/**
	 * The kid can be read before verifying, to decide on a JWKS refetch; junk gives null.
	 */
	public function test_peek_kid(): void {
		$this->assertSame( 'no-such-kid', Tokengate_Verifier::peek_kid( $this->vector( 'unknown_kid' )['token'] ) );
		$kid = Tokengate_Verifier::peek_kid( $this->vector( 'valid' )['token'] );
		$this->assertIsString( $kid );
		$this->assertTrue( $this->verifier()->has_kid( $kid ) );
		$this->assertFalse( $this->verifier()->has_kid( 'no-such-kid' ) );
		foreach ( array( 'kid_not_a_string', 'header_padded', 'two_segments', 'oversized_8_kb', 'header_array' ) as $name ) {
			$this->assertNull( Tokengate_Verifier::peek_kid( $this->vector( $name )['token'] ), $name );
		}
		$this->assertNull( Tokengate_Verifier::peek_kid( null ) );
	}

	/**
	 * Strict base64url: the canonical unpadded form only.
	 */
	public function test_b64url_decode_is_strict(): void {
		$this->assertSame( 'a', Tokengate_Verifier::b64url_decode( 'YQ' ) );
		$this->assertSame( '', Tokengate_Verifier::b64url_decode( '' ) );
		$this->assertSame( "\xfb\xff", Tokengate_Verifier::b64url_decode( '-_8' ) );
		foreach ( array( 'YQ==', 'YR', 'Y', '+_8', '-/8', "YQ\n", 'Y Q', 'YQ.' ) as $bad ) {
			$this->assertNull( Tokengate_Verifier::b64url_decode( $bad ), $bad );
		}
	}
}
