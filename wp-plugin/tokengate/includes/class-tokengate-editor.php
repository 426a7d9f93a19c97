<?php
/**
 * The "Token gate" box in the post editor (block and classic), and the [tokengate] shortcode.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

/**
 * Post-level gate settings and part-of-a-post gating.
 */
final class Tokengate_Editor {

	const NONCE_ACTION = 'tokengate_save_post';
	const NONCE_FIELD  = 'tokengate_post_nonce';
	const MODES        = array( 'excerpt', 'words', 'custom' );

	/**
	 * Hook the box and the shortcode.
	 */
	public static function register(): void {
		add_shortcode( 'tokengate', array( __CLASS__, 'shortcode' ) );
		add_action( 'add_meta_boxes', array( __CLASS__, 'add_box' ) );
		add_action( 'save_post', array( __CLASS__, 'save' ), 10, 2 );
	}

	/**
	 * [tokengate gate="slug"]hidden part[/tokengate]: the part for readers with access, else the
	 * gate's call to action.
	 *
	 * @param array<string, string>|string $atts    Attributes.
	 * @param string|null                  $content The enclosed content.
	 */
	public static function shortcode( $atts, $content = null ): string {
		$atts = shortcode_atts( array( 'gate' => '' ), is_array( $atts ) ? $atts : array(), 'tokengate' );
		$slug = sanitize_title( (string) $atts['gate'] );
		$post = get_post();
		$id   = $post instanceof WP_Post ? $post->ID : null;
		if ( '' !== $slug && Tokengate_Access::can_view_gate( $slug, $id ) ) {
			return do_shortcode( (string) $content );
		}
		// An unknown or missing slug also hides the part: fail closed.
		return self::part_teaser( $slug, $id ?? 0 );
	}

	/**
	 * The call to action in place of a gated part.
	 *
	 * @param string $slug    Gate slug.
	 * @param int    $post_id Post ID.
	 */
	private static function part_teaser( string $slug, int $post_id ): string {
		return '<div class="tokengate-part">' . Tokengate_Gating::call_to_action( $slug, $post_id ) . '</div>';
	}

	/**
	 * Add the box to every public post type with an editor.
	 */
	public static function add_box(): void {
		foreach ( get_post_types( array( 'public' => true ), 'names' ) as $type ) {
			if ( 'attachment' !== $type && post_type_supports( $type, 'editor' ) ) {
				add_meta_box( 'tokengate', __( 'Token gate', 'tokengate' ), array( __CLASS__, 'render_box' ), $type, 'side' );
			}
		}
	}

	/**
	 * The box: gate, teaser mode, words, custom text, and a preview-as-reader link.
	 *
	 * @param WP_Post $post The post being edited.
	 */
	public static function render_box( WP_Post $post ): void {
		$gate  = Tokengate_Access::gate_of( $post->ID );
		$mode  = (string) get_post_meta( $post->ID, Tokengate_Options::META_TEASER_MODE, true );
		$mode  = in_array( $mode, self::MODES, true ) ? $mode : 'excerpt';
		$words = (int) get_post_meta( $post->ID, Tokengate_Options::META_TEASER_WORDS, true );
		$text  = (string) get_post_meta( $post->ID, Tokengate_Options::META_TEASER_TEXT, true );
		wp_nonce_field( self::NONCE_ACTION, self::NONCE_FIELD );
		echo '<p><label for="tokengate-gate">' . esc_html__( 'Gate', 'tokengate' ) . '</label><br />';
		echo '<select id="tokengate-gate" name="tokengate_gate"><option value="">' . esc_html__( 'None (public)', 'tokengate' ) . '</option>';
		$gates = Tokengate_Options::gates();
		if ( '' !== $gate && ! isset( $gates[ $gate ] ) ) {
			$gates[ $gate ] = array( 'name' => $gate );
		}
		foreach ( $gates as $slug => $details ) {
			printf(
				'<option value="%1$s"%2$s>%3$s</option>',
				esc_attr( (string) $slug ),
				selected( $gate, (string) $slug, false ),
				esc_html( (string) ( $details['name'] ?? $slug ) )
			);
		}
		echo '</select></p>';
		echo '<fieldset><legend>' . esc_html__( 'Teaser', 'tokengate' ) . '</legend>';
		$labels = array(
			'excerpt' => __( 'The excerpt (or the gate\'s teaser)', 'tokengate' ),
			'words'   => __( 'The first words of the post', 'tokengate' ),
			'custom'  => __( 'Custom text', 'tokengate' ),
		);
		foreach ( $labels as $value => $label ) {
			printf(
				'<label><input type="radio" name="tokengate_teaser_mode" value="%1$s"%2$s /> %3$s</label><br />',
				esc_attr( $value ),
				checked( $mode, $value, false ),
				esc_html( $label )
			);
		}
		printf(
			'<label>%1$s <input type="number" min="1" max="500" name="tokengate_teaser_words" value="%2$s" class="small-text" /></label><br />',
			esc_html__( 'Words:', 'tokengate' ),
			esc_attr( (string) ( $words > 0 ? $words : 55 ) )
		);
		printf(
			'<label for="tokengate-teaser-text">%1$s</label><textarea id="tokengate-teaser-text" name="tokengate_teaser_text" rows="3" class="widefat">%2$s</textarea>',
			esc_html__( 'Custom teaser:', 'tokengate' ),
			esc_textarea( $text )
		);
		echo '</fieldset>';
		if ( 'publish' === $post->post_status && '' !== $gate ) {
			printf(
				'<p><a href="%1$s" target="_blank">%2$s</a></p>',
				esc_url( add_query_arg( 'tokengate_preview', 'reader', get_permalink( $post ) ) ),
				esc_html__( 'Preview as a reader without access', 'tokengate' )
			);
		}
	}

	/**
	 * Save the box: capability first, then the nonce, then each field sanitised.
	 *
	 * @param int     $post_id Post ID.
	 * @param WP_Post $post    The post.
	 */
	public static function save( $post_id, $post ): void {
		if ( ! $post instanceof WP_Post || wp_is_post_revision( $post_id ) || ( defined( 'DOING_AUTOSAVE' ) && DOING_AUTOSAVE ) ) {
			return;
		}
		if ( ! current_user_can( 'edit_post', $post_id ) ) {
			return;
		}
		$nonce = isset( $_POST[ self::NONCE_FIELD ] ) ? sanitize_text_field( wp_unslash( $_POST[ self::NONCE_FIELD ] ) ) : '';
		if ( ! wp_verify_nonce( $nonce, self::NONCE_ACTION ) ) {
			return;
		}
		$gate = isset( $_POST['tokengate_gate'] ) ? sanitize_title( wp_unslash( $_POST['tokengate_gate'] ) ) : '';
		$mode = isset( $_POST['tokengate_teaser_mode'] ) ? sanitize_key( wp_unslash( $_POST['tokengate_teaser_mode'] ) ) : 'excerpt';
		$mode = in_array( $mode, self::MODES, true ) ? $mode : 'excerpt';
		$words = isset( $_POST['tokengate_teaser_words'] ) ? absint( wp_unslash( $_POST['tokengate_teaser_words'] ) ) : 55;
		$text  = isset( $_POST['tokengate_teaser_text'] ) ? sanitize_textarea_field( wp_unslash( $_POST['tokengate_teaser_text'] ) ) : '';
		if ( '' === $gate ) {
			delete_post_meta( $post_id, Tokengate_Options::META_GATE );
		} else {
			update_post_meta( $post_id, Tokengate_Options::META_GATE, $gate );
		}
		update_post_meta( $post_id, Tokengate_Options::META_TEASER_MODE, $mode );
		update_post_meta( $post_id, Tokengate_Options::META_TEASER_WORDS, max( 1, min( 500, $words ) ) );
		update_post_meta( $post_id, Tokengate_Options::META_TEASER_TEXT, $text );
		Tokengate_Gating::mark_gated( $post_id );
	}
}
