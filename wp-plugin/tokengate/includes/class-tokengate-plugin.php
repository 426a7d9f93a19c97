<?php
/**
 * Wiring: hooks, assets, text domain.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's entry point.
 */
final class Tokengate_Plugin {

	/**
	 * Whether connect.js was asked for on this page.
	 *
	 * @var bool
	 */
	private static bool $connect = false;

	/**
	 * Register everything; called once from tokengate.php.
	 */
	public static function boot(): void {
		add_action( 'init', array( __CLASS__, 'load_textdomain' ) );
		Tokengate_Gating::register();
		Tokengate_Editor::register();
		add_action( 'rest_api_init', array( 'Tokengate_Rest', 'register' ) );
		add_action( 'wp_footer', array( __CLASS__, 'print_connect' ), 5 );
		if ( is_admin() && class_exists( 'Tokengate_Admin' ) ) {
			Tokengate_Admin::register();
		}
	}

	/**
	 * Translations from languages/.
	 */
	public static function load_textdomain(): void {
		load_plugin_textdomain( 'tokengate', false, dirname( plugin_basename( TOKENGATE_FILE ) ) . '/languages' );
	}

	/**
	 * Ask for connect.js on this page (a call to action is being printed).
	 */
	public static function enqueue_connect(): void {
		self::$connect = true;
		if ( did_action( 'wp_enqueue_scripts' ) || doing_action( 'wp_enqueue_scripts' ) ) {
			self::enqueue_now();
		} else {
			add_action( 'wp_enqueue_scripts', array( __CLASS__, 'enqueue_now' ) );
		}
	}

	/**
	 * Register and enqueue the script and style with their settings.
	 */
	public static function enqueue_now(): void {
		if ( wp_script_is( 'tokengate-connect', 'enqueued' ) ) {
			return;
		}
		$url = plugins_url( 'assets/', TOKENGATE_FILE );
		wp_enqueue_style( 'tokengate', $url . 'tokengate.css', array(), TOKENGATE_VERSION );
		wp_enqueue_script( 'tokengate-connect', $url . 'connect.js', array(), TOKENGATE_VERSION, true );
		$chains = array();
		foreach ( (array) ( Tokengate_Options::site_info()['chains'] ?? array() ) as $chain ) {
			if ( is_array( $chain ) && isset( $chain['chain_id'] ) ) {
				$chains[] = array(
					'chainId' => (int) $chain['chain_id'],
					'name'    => (string) ( $chain['name'] ?? '' ),
				);
			}
		}
		wp_localize_script(
			'tokengate-connect',
			'tokengateSettings',
			array(
				'restUrl' => esc_url_raw( rest_url( Tokengate_Rest::NAMESPACE . '/' ) ),
				'chains'  => $chains,
				'gates'   => self::gate_needs(),
				'i18n'    => self::strings(),
			)
		);
	}

	/**
	 * Late enqueue for calls to action printed after wp_head (block themes render late).
	 */
	public static function print_connect(): void {
		if ( self::$connect && ! wp_script_is( 'tokengate-connect', 'enqueued' ) ) {
			self::enqueue_now();
		}
	}

	/**
	 * Per gate, what it needs (for "you hold X, you need Y").
	 *
	 * @return array<string, array<string, mixed>>
	 */
	private static function gate_needs(): array {
		$needs = array();
		foreach ( Tokengate_Options::gates() as $slug => $gate ) {
			$needs[ $slug ] = array(
				'mode'         => (string) ( $gate['mode'] ?? 'all' ),
				'requirements' => array_map(
					static fn( $r ) => array(
						'chainId'  => (int) ( $r['chain_id'] ?? 0 ),
						'token'    => strtolower( (string) ( $r['token_address'] ?? '' ) ),
						'symbol'   => (string) ( $r['symbol'] ?? '' ),
						'minimum'  => (string) ( $r['minimum'] ?? '' ),
					),
					array_values( array_filter( (array) ( $gate['requirements'] ?? array() ), 'is_array' ) )
				),
			);
		}
		return $needs;
	}

	/**
	 * The reader-facing messages connect.js shows, translatable here.
	 *
	 * @return array<string, string>
	 */
	private static function strings(): array {
		return array(
			'noWallet'     => __( 'No Ethereum wallet was found in this browser. Install one, such as MetaMask, then reload this page.', 'tokengate' ),
			'installUrl'   => 'https://metamask.io/download/',
			'installLink'  => __( 'Get a wallet', 'tokengate' ),
			'connecting'   => __( 'Connecting to your wallet...', 'tokengate' ),
			'signing'      => __( 'Please sign the message in your wallet. It costs nothing.', 'tokengate' ),
			'checking'     => __( 'Checking your tokens...', 'tokengate' ),
			'rejected'     => __( 'You declined the request in your wallet. Nothing was shared.', 'tokengate' ),
			'wrongNetwork' => __( 'Your wallet is on a network this site does not use.', 'tokengate' ),
			'switch'       => __( 'Switch network', 'tokengate' ),
			'notEnough'    => __( 'Your wallet does not hold enough tokens.', 'tokengate' ),
			/* translators: 1: amount held, 2: amount needed, 3: symbol */
			'heldNeeded'   => __( 'You hold %1$s %3$s; you need %2$s %3$s.', 'tokengate' ),
			'unavailable'  => __( 'The token check is unavailable right now. Please try again in a few minutes.', 'tokengate' ),
			'failed'       => __( 'Signing in failed. Please try again.', 'tokengate' ),
			/* translators: %s: shortened wallet address */
			'connectedAs'  => __( 'Connected as %s', 'tokengate' ),
			'disconnect'   => __( 'Disconnect', 'tokengate' ),
		);
	}
}
