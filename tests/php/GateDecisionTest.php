<?php
/**
 * Tokengate_Gating::describe_requirements() and Tokengate_Access::can_view_gate(), outside
 * WordPress: the few WordPress functions they call are stubbed below.
 *
 * @package Tokengate
 */

use PHPUnit\Framework\TestCase;

/*
 * Stubs of the WordPress functions the two classes call. Options and capabilities come from
 * globals each test sets; translations return the text as it is.
 */
if ( ! function_exists( '__' ) ) {
	/**
	 * Translation stub: the text itself.
	 *
	 * @param string $text   Text.
	 * @param string $domain Text domain.
	 */
	function __( $text, $domain = 'default' ) {
		return $text;
	}
}
if ( ! function_exists( 'get_option' ) ) {
	/**
	 * Option stub: $GLOBALS['tokengate_test_options'].
	 *
	 * @param string $name    Option name.
	 * @param mixed  $fallback Default.
	 */
	function get_option( $name, $fallback = false ) {
		return array_key_exists( $name, $GLOBALS['tokengate_test_options'] ?? array() ) ? $GLOBALS['tokengate_test_options'][ $name ] : $fallback;
	}
}
if ( ! function_exists( 'current_user_can' ) ) {
	/**
	 * Capability stub: true when $GLOBALS['tokengate_test_caps'] lists the capability.
	 *
	 * @param string $capability Capability.
	 * @param mixed  ...$args    Object ids.
	 */
	function current_user_can( $capability, ...$args ) {
		return in_array( $capability, $GLOBALS['tokengate_test_caps'] ?? array(), true );
	}
}
if ( ! function_exists( 'wp_unslash' ) ) {
	/**
	 * Unslash stub.
	 *
	 * @param mixed $value Value.
	 */
	function wp_unslash( $value ) {
		return is_string( $value ) ? stripslashes( $value ) : $value;
	}
}

require_once dirname( __DIR__, 2 ) . '/wp-plugin/tokengate/includes/class-tokengate-options.php';
require_once dirname( __DIR__, 2 ) . '/wp-plugin/tokengate/includes/class-tokengate-access.php';
require_once dirname( __DIR__, 2 ) . '/wp-plugin/tokengate/includes/class-tokengate-gating.php';

/**
 * What readers are told a gate needs, and who may see a gate's content.
 */
final class GateDecisionTest extends TestCase {

	/**
	 * Chains the service names for this site.
	 */
	private function connect_site(): void {
		$GLOBALS['tokengate_test_options'] = array(
			Tokengate_Options::SITE_INFO => array(
				'site_id' => 'site_test',
				'chains'  => array(
					array(
						'chain_id' => 8453,
						'name'     => 'Base',
					),
					array(
						'chain_id' => 10,
						'name'     => 'OP Mainnet',
					),
				),
			),
		);
	}

	/**
	 * A requirement as the service describes it.
	 *
	 * @param int    $chain_id Chain id.
	 * @param string $minimum  Amount.
	 * @param string $symbol   Symbol.
	 * @return array<string, mixed>
	 */
	private function requirement( int $chain_id, string $minimum, string $symbol ): array {
		return array(
			'chain_id'      => $chain_id,
			'token_address' => '0x' . str_repeat( 'ab', 20 ),
			'minimum'       => $minimum,
			'symbol'        => $symbol,
		);
	}

	/**
	 * A clean slate: no options, no capabilities, no cookies, no request state.
	 */
	protected function setUp(): void {
		$GLOBALS['tokengate_test_options'] = array();
		$GLOBALS['tokengate_test_caps']    = array();
		$_COOKIE                           = array();
		$_GET                              = array();
		Tokengate_Access::reset();
	}

	/**
	 * Leave nothing behind for other tests.
	 */
	protected function tearDown(): void {
		$this->setUp();
	}

	/**
	 * Pretend the request carried a verified token with these claims.
	 *
	 * @param array<string, mixed>|null $claims Claims (null: no valid token).
	 */
	private function reader_with( ?array $claims ): void {
		$class = new ReflectionClass( Tokengate_Access::class );
		$class->getProperty( 'claims' )->setValue( null, $claims );
		$class->getProperty( 'resolved' )->setValue( null, true );
	}

	/**
	 * One requirement on a known chain.
	 */
	public function test_one_requirement_names_amount_symbol_and_chain(): void {
		$this->connect_site();
		$gate = array( 'requirements' => array( $this->requirement( 8453, '100', 'GOLD' ) ) );
		$this->assertSame( 'Hold 100 GOLD on Base to read this.', Tokengate_Gating::describe_requirements( $gate ) );
	}

	/**
	 * Mode "all" (and no mode) joins with "and", mode "any" with "or".
	 */
	public function test_all_and_any_joins(): void {
		$this->connect_site();
		$requirements = array( $this->requirement( 8453, '100', 'GOLD' ), $this->requirement( 10, '0.5', 'SILVER' ) );
		$all          = 'Hold 100 GOLD on Base and 0.5 SILVER on OP Mainnet to read this.';
		$this->assertSame(
			$all,
			Tokengate_Gating::describe_requirements(
				array(
					'mode'         => 'all',
					'requirements' => $requirements,
				)
			)
		);
		$this->assertSame( $all, Tokengate_Gating::describe_requirements( array( 'requirements' => $requirements ) ) );
		$this->assertSame(
			'Hold 100 GOLD on Base or 0.5 SILVER on OP Mainnet to read this.',
			Tokengate_Gating::describe_requirements(
				array(
					'mode'         => 'any',
					'requirements' => $requirements,
				)
			)
		);
	}

	/**
	 * A chain the site info does not name is shown by its id (also before any connection test).
	 */
	public function test_unknown_chain_is_shown_by_id(): void {
		$this->connect_site();
		$gate = array( 'requirements' => array( $this->requirement( 999, '1', 'ODD' ) ) );
		$this->assertSame( 'Hold 1 ODD on chain 999 to read this.', Tokengate_Gating::describe_requirements( $gate ) );
		$GLOBALS['tokengate_test_options'] = array( Tokengate_Options::SITE_INFO => 'not an array' );
		$gate = array( 'requirements' => array( $this->requirement( 8453, '100', 'GOLD' ) ) );
		$this->assertSame( 'Hold 100 GOLD on chain 8453 to read this.', Tokengate_Gating::describe_requirements( $gate ) );
	}

	/**
	 * No requirements (an unknown gate), or only malformed ones: a generic call to action.
	 */
	public function test_no_requirements_gives_the_generic_text(): void {
		$this->connect_site();
		$generic = 'Connect a wallet that holds the required tokens to read this.';
		$this->assertSame( $generic, Tokengate_Gating::describe_requirements( array() ) );
		$this->assertSame( $generic, Tokengate_Gating::describe_requirements( array( 'requirements' => array( 'junk', 7 ) ) ) );
		$gate = array( 'requirements' => array( 'junk', $this->requirement( 8453, '2', 'GOLD' ) ) );
		$this->assertSame( 'Hold 2 GOLD on Base to read this.', Tokengate_Gating::describe_requirements( $gate ) );
	}

	/**
	 * No gate: everyone sees it.
	 */
	public function test_an_empty_slug_is_public(): void {
		$this->assertTrue( Tokengate_Access::can_view_gate( '' ) );
		$this->assertTrue( Tokengate_Access::can_view_gate( '', 12 ) );
	}

	/**
	 * Without any cookie there are no claims, and no service is asked (none is configured).
	 */
	public function test_no_cookies_no_access(): void {
		$this->assertNull( Tokengate_Access::claims() );
		$this->assertSame( '', Tokengate_Access::problem() );
		$this->assertFalse( Tokengate_Access::can_view_gate( 'gold' ) );
		$this->assertFalse( Tokengate_Access::can_view_gate( 'gold', 12 ) );
	}

	/**
	 * A verified token grants exactly the gates it lists.
	 */
	public function test_claims_grant_their_gates_only(): void {
		$this->reader_with(
			array(
				'sub'   => '0x' . str_repeat( '11', 20 ),
				'gates' => array( 'gold' ),
				'gsv'   => 1,
			)
		);
		$this->assertTrue( Tokengate_Access::can_view_gate( 'gold' ) );
		$this->assertTrue( Tokengate_Access::can_view_gate( 'gold', 12 ) );
		$this->assertFalse( Tokengate_Access::can_view_gate( 'silver', 12 ) );
		$this->assertFalse( Tokengate_Access::can_view_gate( 'Gold' ) ); // Slugs compare exactly.
		$this->reader_with(
			array(
				'sub'   => '0x' . str_repeat( '11', 20 ),
				'gates' => array(),
				'gsv'   => 1,
			)
		);
		$this->assertFalse( Tokengate_Access::can_view_gate( 'gold' ) );
	}

	/**
	 * Editors of the post see it whole, but only for that post, and not while previewing as a reader.
	 */
	public function test_editors_see_everything_unless_previewing(): void {
		$this->reader_with( null );
		$GLOBALS['tokengate_test_caps'] = array( 'edit_post' );
		$this->assertTrue( Tokengate_Access::is_editor( 12 ) );
		$this->assertTrue( Tokengate_Access::can_view_gate( 'gold', 12 ) );
		$this->assertFalse( Tokengate_Access::can_view_gate( 'gold' ) ); // A shortcode outside any post.
		$_GET['tokengate_preview'] = 'reader';
		$this->assertFalse( Tokengate_Access::is_editor( 12 ) );
		$this->assertFalse( Tokengate_Access::can_view_gate( 'gold', 12 ) );
		$GLOBALS['tokengate_test_caps'] = array();
		unset( $_GET['tokengate_preview'] );
		$this->assertFalse( Tokengate_Access::can_view_gate( 'gold', 12 ) );
	}

	/**
	 * A cookie that is not a plain token is ignored before any verification.
	 */
	public function test_malformed_cookies_are_ignored(): void {
		$_COOKIE[ Tokengate_Access::ACCESS_COOKIE ] = 'eyJ.<script>.x';
		$this->assertSame( '', Tokengate_Access::cookie( Tokengate_Access::ACCESS_COOKIE ) );
		$_COOKIE[ Tokengate_Access::ACCESS_COOKIE ] = str_repeat( 'a', 8193 );
		$this->assertSame( '', Tokengate_Access::cookie( Tokengate_Access::ACCESS_COOKIE ) );
		$_COOKIE[ Tokengate_Access::ACCESS_COOKIE ] = 'abc.def-_.ghi';
		$this->assertSame( 'abc.def-_.ghi', Tokengate_Access::cookie( Tokengate_Access::ACCESS_COOKIE ) );
	}
}
