<?php
/**
 * Settings → Token Gate (service URL, site key, connection test, default teaser) and the Gates
 * screen (list, create, edit, delete through the service, with token lookup as the admin types:
 * the lookup route is Tokengate_Rest's, since this file is only loaded for wp-admin screens).
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

/**
 * Admin screens. Every save: capability check, then nonce check, then sanitising.
 */
final class Tokengate_Admin {

	const CAPABILITY = 'manage_options';
	const PAGE       = 'tokengate';
	const GATES_PAGE = 'tokengate-gates';
	const NOTICE     = 'tokengate_notice_';

	/**
	 * Hook the screens and their form handlers.
	 */
	public static function register(): void {
		add_action( 'admin_menu', array( __CLASS__, 'menu' ) );
		add_action( 'admin_post_tokengate_settings', array( __CLASS__, 'save_settings' ) );
		add_action( 'admin_post_tokengate_test', array( __CLASS__, 'test_connection' ) );
		add_action( 'admin_post_tokengate_gate_save', array( __CLASS__, 'save_gate' ) );
		add_action( 'admin_post_tokengate_gate_delete', array( __CLASS__, 'delete_gate' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'assets' ) );
	}

	/**
	 * Settings → Token Gate, and its Gates screen.
	 */
	public static function menu(): void {
		add_options_page( __( 'Token Gate', 'tokengate' ), __( 'Token Gate', 'tokengate' ), self::CAPABILITY, self::PAGE, array( __CLASS__, 'render_settings' ) );
		add_submenu_page( 'options-general.php', __( 'Token Gate: Gates', 'tokengate' ), __( 'Token Gate Gates', 'tokengate' ), self::CAPABILITY, self::GATES_PAGE, array( __CLASS__, 'render_gates' ) );
	}

	/**
	 * The Gates screen's script, with the lookup route and a REST nonce.
	 *
	 * @param string $hook The admin page.
	 */
	public static function assets( $hook ): void {
		if ( 'settings_page_' . self::GATES_PAGE !== $hook ) {
			return;
		}
		wp_enqueue_script( 'tokengate-admin', plugins_url( 'assets/admin.js', TOKENGATE_FILE ), array(), TOKENGATE_VERSION, true );
		wp_localize_script(
			'tokengate-admin',
			'tokengateAdmin',
			array(
				'lookupUrl' => esc_url_raw( rest_url( Tokengate_Rest::NAMESPACE . '/admin/token' ) ),
				'nonce'     => wp_create_nonce( 'wp_rest' ),
				'looking'   => __( 'Looking up...', 'tokengate' ),
			)
		);
	}

	/**
	 * Refuse a save that lacks the capability or the nonce (in that order).
	 *
	 * @param string $action The nonce action.
	 */
	private static function guard( string $action ): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to change Token Gate settings.', 'tokengate' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( $action );
	}

	/**
	 * A message for the next screen this user sees.
	 *
	 * @param string $type    'success' or 'error'.
	 * @param string $message The message (plain text).
	 * @param array  $extra   Extra data (e.g. the submitted gate and the field at fault).
	 */
	private static function notice( string $type, string $message, array $extra = array() ): void {
		set_transient(
			self::NOTICE . get_current_user_id(),
			array_merge(
				array(
					'type'    => $type,
					'message' => $message,
				),
				$extra
			),
			60
		);
	}

	/**
	 * Take this user's pending message.
	 *
	 * @return array<string, mixed>
	 */
	private static function take_notice(): array {
		$key    = self::NOTICE . get_current_user_id();
		$notice = get_transient( $key );
		delete_transient( $key );
		return is_array( $notice ) ? $notice : array();
	}

	/**
	 * Print a pending message.
	 *
	 * @param array<string, mixed> $notice The message.
	 */
	private static function print_notice( array $notice ): void {
		if ( isset( $notice['message'] ) ) {
			printf(
				'<div class="notice notice-%1$s"><p>%2$s</p></div>',
				esc_attr( 'error' === ( $notice['type'] ?? '' ) ? 'error' : 'success' ),
				esc_html( (string) $notice['message'] )
			);
		}
	}

	/**
	 * Back to a screen.
	 *
	 * @param string $page Page slug.
	 * @param array  $args Query args.
	 */
	private static function back( string $page, array $args = array() ): void {
		wp_safe_redirect( add_query_arg( array_merge( array( 'page' => $page ), $args ), admin_url( 'options-general.php' ) ) );
		exit;
	}

	/**
	 * Settings → Token Gate.
	 */
	public static function render_settings(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return;
		}
		$info = Tokengate_Options::site_info();
		echo '<div class="wrap"><h1>' . esc_html__( 'Token Gate', 'tokengate' ) . '</h1>';
		self::print_notice( self::take_notice() );
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		wp_nonce_field( 'tokengate_settings' );
		echo '<input type="hidden" name="action" value="tokengate_settings" /><table class="form-table" role="presentation">';
		printf(
			'<tr><th scope="row"><label for="tokengate-service-url">%1$s</label></th><td><input type="url" id="tokengate-service-url" name="tokengate_service_url" value="%2$s" class="regular-text" placeholder="https://tokengate.example" /><p class="description">%3$s</p></td></tr>',
			esc_html__( 'Service URL', 'tokengate' ),
			esc_attr( Tokengate_Options::service_url() ),
			esc_html__( 'Where this site reaches the Token Gate service. The browser never calls it.', 'tokengate' )
		);
		$hint = Tokengate_Options::site_key_hint();
		printf(
			'<tr><th scope="row"><label for="tokengate-site-key">%1$s</label></th><td><input type="password" id="tokengate-site-key" name="tokengate_site_key" value="" class="regular-text" autocomplete="off" placeholder="%2$s" /><p class="description">%3$s</p></td></tr>',
			esc_html__( 'Site key', 'tokengate' ),
			esc_attr( '' !== $hint ? sprintf( /* translators: %s: last characters of the key */ __( 'Saved (%s); leave empty to keep', 'tokengate' ), $hint ) : 'tgsk_…' ),
			esc_html__( 'Printed once by the service when the site was created. It is stored encrypted and never shown again.', 'tokengate' )
		);
		printf(
			'<tr><th scope="row"><label for="tokengate-default-teaser">%1$s</label></th><td><textarea id="tokengate-default-teaser" name="tokengate_default_teaser" rows="3" class="large-text">%2$s</textarea></td></tr>',
			esc_html__( 'Default teaser', 'tokengate' ),
			esc_textarea( (string) get_option( Tokengate_Options::DEFAULT_TEASER, '' ) )
		);
		echo '</table>';
		submit_button( __( 'Save settings', 'tokengate' ) );
		echo '</form>';

		echo '<h2>' . esc_html__( 'Connection', 'tokengate' ) . '</h2>';
		if ( isset( $info['site_id'] ) ) {
			$chains = array_map( static fn( $c ) => sprintf( '%s (%d)', $c['name'] ?? '', $c['chain_id'] ?? 0 ), (array) ( $info['chains'] ?? array() ) );
			printf(
				'<table class="widefat striped"><tbody><tr><th>%1$s</th><td>%2$s</td></tr><tr><th>%3$s</th><td><code>%4$s</code></td></tr><tr><th>%5$s</th><td>%6$s</td></tr><tr><th>%7$s</th><td>%8$s</td></tr></tbody></table>',
				esc_html__( 'Site', 'tokengate' ),
				esc_html( (string) ( $info['name'] ?? '' ) ),
				esc_html__( 'Site id', 'tokengate' ),
				esc_html( (string) $info['site_id'] ),
				esc_html__( 'Chains', 'tokengate' ),
				esc_html( implode( ', ', $chains ) ),
				esc_html__( 'Signing keys', 'tokengate' ),
				esc_html( (string) ( $info['jwks_status'] ?? '' ) )
			);
		}
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		wp_nonce_field( 'tokengate_test' );
		echo '<input type="hidden" name="action" value="tokengate_test" />';
		submit_button( __( 'Test connection', 'tokengate' ), 'secondary' );
		echo '</form></div>';
	}

	/**
	 * Save Settings → Token Gate.
	 */
	public static function save_settings(): void {
		self::guard( 'tokengate_settings' );
		$url = isset( $_POST['tokengate_service_url'] ) ? esc_url_raw( trim( wp_unslash( $_POST['tokengate_service_url'] ) ), array( 'http', 'https' ) ) : '';
		$key = isset( $_POST['tokengate_site_key'] ) ? trim( sanitize_text_field( wp_unslash( $_POST['tokengate_site_key'] ) ) ) : '';
		if ( '' !== $key && ! preg_match( '/^tgsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/', $key ) ) {
			self::notice( 'error', __( 'That is not a Token Gate site key (it starts with tgsk_). Nothing was saved.', 'tokengate' ) );
			self::back( self::PAGE );
		}
		update_option( Tokengate_Options::SERVICE_URL, $url, true );
		if ( '' !== $key ) {
			Tokengate_Options::set_site_key( $key );
		}
		$teaser = isset( $_POST['tokengate_default_teaser'] ) ? sanitize_textarea_field( wp_unslash( $_POST['tokengate_default_teaser'] ) ) : '';
		update_option( Tokengate_Options::DEFAULT_TEASER, $teaser, true );
		delete_transient( Tokengate_Options::JWKS_TRANSIENT );
		self::connect();
	}

	/**
	 * Test connection: site info, gates and keys from the service.
	 */
	public static function test_connection(): void {
		self::guard( 'tokengate_test' );
		self::connect();
	}

	/**
	 * Fetch and cache what the service says about this site, then report.
	 */
	private static function connect(): void {
		$site = Tokengate_Client::sync();
		if ( is_wp_error( $site ) ) {
			self::notice( 'error', sprintf( /* translators: %s: error message */ __( 'Could not connect: %s', 'tokengate' ), $site->get_error_message() ) );
			self::back( self::PAGE );
		}
		$keys                = Tokengate_Keys::keys( true );
		$site['jwks_status'] = sprintf( /* translators: %d: number of keys */ _n( '%d key published', '%d keys published', count( $keys ), 'tokengate' ), count( $keys ) );
		update_option( Tokengate_Options::SITE_INFO, $site, true );
		self::notice( 'success', sprintf( /* translators: %s: site name */ __( 'Connected to the service as "%s".', 'tokengate' ), (string) ( $site['name'] ?? '' ) ) );
		self::back( self::PAGE );
	}

	/**
	 * The Gates screen: the list, and a form to create or edit one.
	 */
	public static function render_gates(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return;
		}
		$notice = self::take_notice();
		$listed = Tokengate_Client::request( 'GET', '/api/v1/gates' );
		echo '<div class="wrap"><h1>' . esc_html__( 'Token Gate: Gates', 'tokengate' ) . '</h1>';
		self::print_notice( $notice );
		if ( is_wp_error( $listed ) ) {
			printf( '<div class="notice notice-error"><p>%s</p></div></div>', esc_html( $listed->get_error_message() ) );
			return;
		}
		Tokengate_Client::store_gates( $listed );
		$gates = Tokengate_Options::gates();
		echo '<table class="widefat striped"><thead><tr><th>' . esc_html__( 'Gate', 'tokengate' ) . '</th><th>' . esc_html__( 'Requirement', 'tokengate' ) . '</th><th></th></tr></thead><tbody>';
		if ( ! $gates ) {
			echo '<tr><td colspan="3">' . esc_html__( 'No gates yet.', 'tokengate' ) . '</td></tr>';
		}
		foreach ( $gates as $slug => $gate ) {
			echo '<tr><td><strong>' . esc_html( (string) ( $gate['name'] ?? $slug ) ) . '</strong><br /><code>' . esc_html( (string) $slug ) . '</code></td>';
			echo '<td>' . esc_html( Tokengate_Gating::describe_requirements( $gate ) ) . '</td><td>';
			printf( '<a class="button" href="%1$s">%2$s</a> ', esc_url( add_query_arg( array( 'page' => self::GATES_PAGE, 'edit' => $slug ), admin_url( 'options-general.php' ) ) ), esc_html__( 'Edit', 'tokengate' ) );
			echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" style="display:inline">';
			wp_nonce_field( 'tokengate_gate_delete' );
			printf( '<input type="hidden" name="action" value="tokengate_gate_delete" /><input type="hidden" name="slug" value="%s" />', esc_attr( (string) $slug ) );
			printf( '<button class="button button-link-delete" type="submit">%s</button></form></td></tr>', esc_html__( 'Delete', 'tokengate' ) );
		}
		echo '</tbody></table>';
		$editing = isset( $_GET['edit'] ) ? sanitize_title( wp_unslash( $_GET['edit'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		$values  = isset( $notice['gate'] ) && is_array( $notice['gate'] ) ? $notice['gate'] : ( $gates[ $editing ] ?? array() );
		self::render_gate_form( $values, '' !== $editing && isset( $gates[ $editing ] ) ? $editing : (string) ( $notice['editing'] ?? '' ), (string) ( $notice['field'] ?? '' ), (string) ( $notice['field_message'] ?? '' ) );
		echo '</div>';
	}

	/**
	 * The create/edit form, with the service's error next to the field it concerns.
	 *
	 * @param array<string, mixed> $gate    Values to show.
	 * @param string               $editing Slug being edited ('' to create).
	 * @param string               $field   The field at fault (the service's `field`).
	 * @param string               $message Its message.
	 */
	private static function render_gate_form( array $gate, string $editing, string $field, string $message ): void {
		$error = static function ( string $name ) use ( $field, $message ): string {
			return $name === $field ? '<p class="tokengate-field-error" style="color:#b32d2e" role="alert">' . esc_html( $message ) . '</p>' : '';
		};
		$requirement = (array) ( ( $gate['requirements'] ?? array() )[0] ?? array() );
		echo '<h2>' . esc_html( '' !== $editing ? __( 'Edit gate', 'tokengate' ) : __( 'New gate', 'tokengate' ) ) . '</h2>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" id="tokengate-gate-form">';
		wp_nonce_field( 'tokengate_gate_save' );
		printf( '<input type="hidden" name="action" value="tokengate_gate_save" /><input type="hidden" name="editing" value="%s" />', esc_attr( $editing ) );
		echo '<table class="form-table" role="presentation">';
		$rows = array(
			array( 'slug', __( 'Slug', 'tokengate' ), (string) ( $gate['slug'] ?? $editing ), 'text', '' !== $editing ),
			array( 'name', __( 'Name', 'tokengate' ), (string) ( $gate['name'] ?? '' ), 'text', false ),
			array( 'requirements.0.chain_id', __( 'Chain id', 'tokengate' ), (string) ( $requirement['chain_id'] ?? '' ), 'number', false ),
			array( 'requirements.0.token_address', __( 'Token address', 'tokengate' ), (string) ( $requirement['token_address'] ?? '' ), 'text', false ),
			array( 'requirements.0.minimum', __( 'Minimum amount', 'tokengate' ), (string) ( $requirement['minimum'] ?? '' ), 'text', false ),
			array( 'requirements.0.decimals', __( 'Decimals (only for tokens without decimals())', 'tokengate' ), (string) ( $requirement['decimals_given'] ?? '' ), 'number', false ),
		);
		foreach ( $rows as list( $name, $label, $value, $type, $readonly ) ) {
			$id = 'tokengate-' . str_replace( '.', '-', $name );
			printf(
				'<tr><th scope="row"><label for="%1$s">%2$s</label></th><td><input type="%3$s" id="%1$s" name="gate[%4$s]" value="%5$s" class="regular-text"%6$s />%7$s%8$s</td></tr>',
				esc_attr( $id ),
				esc_html( $label ),
				esc_attr( $type ),
				esc_attr( $name ),
				esc_attr( $value ),
				$readonly ? ' readonly' : '',
				'requirements.0.token_address' === $name ? '<p class="description" id="tokengate-token-info" aria-live="polite"></p>' : '',
				$error( $name ) // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped in the closure.
			);
		}
		$mode = (string) ( $gate['mode'] ?? 'all' );
		printf(
			'<tr><th scope="row"><label for="tokengate-teaser">%1$s</label></th><td><textarea id="tokengate-teaser" name="gate[teaser]" rows="3" class="large-text">%2$s</textarea>%3$s</td></tr>',
			esc_html__( 'Teaser', 'tokengate' ),
			esc_textarea( (string) ( $gate['teaser'] ?? '' ) ),
			$error( 'teaser' ) // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped in the closure.
		);
		printf(
			'<tr><th scope="row">%1$s</th><td><input type="hidden" name="gate[mode]" value="%2$s" />%3$s</td></tr>',
			esc_html__( 'Mode', 'tokengate' ),
			esc_attr( in_array( $mode, array( 'all', 'any' ), true ) ? $mode : 'all' ),
			esc_html__( 'All requirements (one requirement per gate on this screen; the API takes up to ten).', 'tokengate' )
		);
		echo '</table>';
		if ( '' !== $field && ! in_array( $field, array( 'slug', 'name', 'teaser', 'requirements.0.chain_id', 'requirements.0.token_address', 'requirements.0.minimum', 'requirements.0.decimals' ), true ) ) {
			echo $error( $field ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped in the closure.
		}
		submit_button( '' !== $editing ? __( 'Save gate', 'tokengate' ) : __( 'Create gate', 'tokengate' ) );
		echo '</form>';
	}

	/**
	 * Create or replace a gate at the service.
	 */
	public static function save_gate(): void {
		self::guard( 'tokengate_gate_save' );
		$raw     = isset( $_POST['gate'] ) && is_array( $_POST['gate'] ) ? wp_unslash( $_POST['gate'] ) : array(); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- each field is sanitised below.
		$editing = isset( $_POST['editing'] ) ? sanitize_title( wp_unslash( $_POST['editing'] ) ) : '';
		$field   = static fn( string $name ): string => isset( $raw[ $name ] ) && is_string( $raw[ $name ] ) ? trim( $raw[ $name ] ) : '';
		$requirement = array(
			'chain_id'      => absint( $field( 'requirements.0.chain_id' ) ),
			'token_address' => sanitize_text_field( $field( 'requirements.0.token_address' ) ),
			'minimum'       => sanitize_text_field( $field( 'requirements.0.minimum' ) ),
		);
		if ( '' !== $field( 'requirements.0.decimals' ) ) {
			$requirement['decimals'] = absint( $field( 'requirements.0.decimals' ) );
		}
		$body = array(
			'slug'         => '' !== $editing ? $editing : sanitize_title( $field( 'slug' ) ),
			'name'         => sanitize_text_field( $field( 'name' ) ),
			'teaser'       => sanitize_textarea_field( $field( 'teaser' ) ),
			'mode'         => 'any' === $field( 'mode' ) ? 'any' : 'all',
			'requirements' => array( $requirement ),
		);
		$answer = '' !== $editing
			? Tokengate_Client::request( 'PUT', '/api/v1/gates/' . rawurlencode( $editing ), $body )
			: Tokengate_Client::request( 'POST', '/api/v1/gates', $body );
		if ( is_wp_error( $answer ) ) {
			$data                                = (array) $answer->get_error_data();
			$shown                               = $body;
			$shown['requirements'][0]['decimals_given'] = $requirement['decimals'] ?? '';
			self::notice(
				'error',
				$answer->get_error_message(),
				array(
					'gate'          => $shown,
					'editing'       => $editing,
					'field'         => (string) ( $data['field'] ?? '' ),
					'field_message' => $answer->get_error_message(),
				)
			);
			self::back( self::GATES_PAGE, '' !== $editing ? array( 'edit' => $editing ) : array() );
		}
		Tokengate_Client::sync();
		/* translators: %s: gate name */
		self::notice( 'success', sprintf( __( 'Gate "%s" saved.', 'tokengate' ), (string) ( $answer['name'] ?? '' ) ) );
		self::back( self::GATES_PAGE );
	}

	/**
	 * Delete a gate at the service.
	 */
	public static function delete_gate(): void {
		self::guard( 'tokengate_gate_delete' );
		$slug   = isset( $_POST['slug'] ) ? sanitize_title( wp_unslash( $_POST['slug'] ) ) : '';
		$answer = Tokengate_Client::request( 'DELETE', '/api/v1/gates/' . rawurlencode( $slug ) );
		if ( is_wp_error( $answer ) ) {
			self::notice( 'error', $answer->get_error_message() );
		} else {
			Tokengate_Client::sync();
			/* translators: %s: gate slug */
			self::notice( 'success', sprintf( __( 'Gate "%s" deleted.', 'tokengate' ), $slug ) );
		}
		self::back( self::GATES_PAGE );
	}
}
