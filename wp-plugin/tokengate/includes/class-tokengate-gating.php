<?php
/**
 * Applies the access decision at every output WordPress has for a post: the page, excerpts,
 * REST (posts, pages, search, embeds), feeds, oEmbed, site search and cache headers.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

/**
 * Output filters. Each asks Tokengate_Access; none decides on its own.
 */
final class Tokengate_Gating {

	/**
	 * Whether this request showed (or withheld) gated content: it must not be cached publicly.
	 *
	 * @var bool
	 */
	private static bool $involved = false;

	/**
	 * Hook every output.
	 */
	public static function register(): void {
		// Late, so nothing that runs after can add the body back; the teaser replaces it whole.
		add_filter( 'the_content', array( __CLASS__, 'filter_content' ), PHP_INT_MAX - 1 );
		add_filter( 'get_the_excerpt', array( __CLASS__, 'filter_excerpt' ), PHP_INT_MAX - 1, 2 );
		add_filter( 'the_excerpt_rss', array( __CLASS__, 'filter_feed_excerpt' ), PHP_INT_MAX - 1 );
		add_filter( 'the_content_feed', array( __CLASS__, 'filter_feed_content' ), PHP_INT_MAX - 1 );
		add_filter( 'the_excerpt_embed', array( __CLASS__, 'filter_feed_excerpt' ), PHP_INT_MAX - 1 );
		add_filter( 'posts_search', array( __CLASS__, 'filter_search' ), PHP_INT_MAX - 1, 2 );
		add_filter( 'the_posts', array( __CLASS__, 'note_posts' ), 10, 1 );
		add_action( 'template_redirect', array( __CLASS__, 'before_output' ), 0 );
		add_filter( 'rest_post_dispatch', array( __CLASS__, 'rest_headers' ), 10, 1 );
		add_action( 'rest_api_init', array( __CLASS__, 'register_rest_filters' ) );
		add_action( 'save_post', array( __CLASS__, 'mark_gated' ), 20, 1 );
		foreach ( array( 'added_post_meta', 'updated_post_meta', 'deleted_post_meta' ) as $hook ) {
			add_action( $hook, array( __CLASS__, 'gate_meta_changed' ), 10, 3 );
		}
		add_filter( 'oembed_response_data', array( __CLASS__, 'filter_oembed' ), PHP_INT_MAX - 1, 2 );
	}

	/**
	 * Whether a post has anything gated: a post-level gate or a [tokengate] shortcode.
	 *
	 * @param WP_Post $post The post.
	 */
	public static function has_gated( WP_Post $post ): bool {
		return '' !== Tokengate_Access::gate_of( $post->ID ) || has_shortcode( $post->post_content, 'tokengate' );
	}

	/**
	 * The_content: the teaser and a call to action instead of a gated body.
	 *
	 * @param string $content Rendered content.
	 */
	public static function filter_content( $content ) {
		$post = get_post();
		if ( ! $post instanceof WP_Post ) {
			return $content;
		}
		if ( self::has_gated( $post ) ) {
			self::$involved = true;
		}
		if ( Tokengate_Access::can_view_post( $post ) ) {
			return '' !== Tokengate_Access::gate_of( $post->ID ) ? $content . self::session_bar() : $content;
		}
		return self::teaser_html( $post );
	}

	/**
	 * Under gated content a reader can see: "Connected as 0xAb…12 · Disconnect".
	 */
	public static function session_bar(): string {
		$claims = Tokengate_Access::claims();
		if ( null === $claims || ! is_string( $claims['sub'] ?? null ) ) {
			return ''; // Editors reading through their capability have no wallet session.
		}
		Tokengate_Plugin::enqueue_connect();
		$address = (string) $claims['sub'];
		$short   = substr( $address, 0, 6 ) . '…' . substr( $address, -4 );
		return '<p class="tokengate-session" data-tokengate-address="' . esc_attr( $address ) . '">'
			/* translators: %s: shortened wallet address */
			. esc_html( sprintf( __( 'Connected as %s', 'tokengate' ), $short ) )
			. ' · <button type="button" class="tokengate-disconnect">' . esc_html__( 'Disconnect', 'tokengate' ) . '</button></p>';
	}

	/**
	 * Excerpts (manual and automatic) of a gated post are its teaser.
	 *
	 * @param string       $excerpt The excerpt.
	 * @param WP_Post|null $post    The post.
	 */
	public static function filter_excerpt( $excerpt, $post = null ) {
		$post = get_post( $post );
		if ( ! $post instanceof WP_Post || Tokengate_Access::can_view_post( $post ) ) {
			return $excerpt;
		}
		self::$involved = true;
		return self::teaser_text( $post );
	}

	/**
	 * Feed excerpts and embed excerpts: plain teaser text.
	 *
	 * @param string $excerpt The excerpt.
	 */
	public static function filter_feed_excerpt( $excerpt ) {
		$post = get_post();
		if ( ! $post instanceof WP_Post || Tokengate_Access::can_view_post( $post ) ) {
			return $excerpt;
		}
		return esc_html( self::teaser_text( $post ) );
	}

	/**
	 * Feed content: the teaser. (the_content already ran, but feeds may come from caches.)
	 *
	 * @param string $content The content.
	 */
	public static function filter_feed_content( $content ) {
		$post = get_post();
		if ( ! $post instanceof WP_Post || Tokengate_Access::can_view_post( $post ) ) {
			return $content;
		}
		return wpautop( esc_html( self::teaser_text( $post ) ) );
	}

	/**
	 * OEmbed answers carry no body; drop any HTML providers may add for gated posts.
	 *
	 * @param array<string, mixed> $data The response data.
	 * @param WP_Post              $post The post.
	 * @return array<string, mixed>
	 */
	public static function filter_oembed( $data, $post ) {
		if ( $post instanceof WP_Post && ! Tokengate_Access::can_view_post( $post ) && isset( $data['description'] ) ) {
			$data['description'] = self::teaser_text( $post );
		}
		return $data;
	}

	/**
	 * Site and REST search: words of a gated body must not match, or anyone could test guesses.
	 * Title and excerpt still match; a gated post's content matches only for its editors.
	 *
	 * @param string   $search The WHERE fragment WordPress built for `s`.
	 * @param WP_Query $query  The query.
	 */
	public static function filter_search( $search, $query ) {
		global $wpdb;
		if ( '' === $search || current_user_can( 'edit_others_posts' ) ) {
			return $search;
		}
		$posts  = $wpdb->posts;
		$gated  = $wpdb->prepare( "SELECT post_id FROM {$wpdb->postmeta} WHERE meta_key = %s AND meta_value = %s", Tokengate_Options::META_HAS_GATED, '1' );
		$public = $wpdb->prepare( "SELECT post_id FROM {$wpdb->postmeta} WHERE meta_key = %s", Tokengate_Options::META_PUBLIC_TEXT );
		$column = preg_quote( "{$posts}.post_content", '/' );
		return (string) preg_replace_callback(
			"/\\(\\s*{$column}\\s+(NOT\\s+)?LIKE\\s+('(?:[^'\\\\]|\\\\.)*')\\s*\\)/i",
			static function ( array $m ) use ( $posts, $gated, $public ): string {
				$like = $m[2];
				// For a gated post, only its public text counts: the content outside [tokengate] parts.
				$in_public = "{$posts}.ID IN ({$public} AND meta_value LIKE {$like})";
				if ( '' !== $m[1] ) {
					return "(({$posts}.ID NOT IN ({$gated}) AND {$posts}.post_content NOT LIKE {$like}) OR ({$posts}.ID IN ({$gated}) AND NOT {$in_public}))";
				}
				return "(({$posts}.ID NOT IN ({$gated}) AND {$posts}.post_content LIKE {$like}) OR {$in_public})";
			},
			$search
		);
	}

	/**
	 * Note whether a query returned gated posts (for the cache headers).
	 *
	 * @param WP_Post[] $posts Posts.
	 * @return WP_Post[]
	 */
	public static function note_posts( $posts ) {
		foreach ( (array) $posts as $post ) {
			if ( $post instanceof WP_Post && self::has_gated( $post ) ) {
				self::$involved = true;
				break;
			}
		}
		return $posts;
	}

	/**
	 * Before any output of a page with gated posts: resolve access (a refresh may set cookies) and
	 * send the no-cache headers. Pages without gated content never look at the cookies.
	 */
	public static function before_output(): void {
		if ( self::$involved ) {
			Tokengate_Access::claims(); // A refresh sets cookies: it must happen before any output.
			self::no_cache();
		}
	}

	/**
	 * REST answers that involved a gated post are private too.
	 *
	 * @param WP_REST_Response $response The response.
	 * @return WP_REST_Response
	 */
	public static function rest_headers( $response ) {
		if ( self::$involved && $response instanceof WP_REST_Response ) {
			$response->header( 'Cache-Control', 'private, no-store' );
			$response->header( 'Vary', 'Cookie' );
			defined( 'DONOTCACHEPAGE' ) || define( 'DONOTCACHEPAGE', true );
		}
		return $response;
	}

	/**
	 * Filter REST post answers of every post type shown in REST.
	 */
	public static function register_rest_filters(): void {
		foreach ( get_post_types( array( 'show_in_rest' => true ), 'names' ) as $type ) {
			add_filter( "rest_prepare_{$type}", array( __CLASS__, 'filter_rest_post' ), PHP_INT_MAX - 1, 3 );
		}
	}

	/**
	 * REST: content and excerpt of a gated post are the teaser, whatever `_fields`, `_embed` or
	 * `context` asked for; `content.raw` stays only for the post's editors (context=edit).
	 *
	 * @param WP_REST_Response $response The response.
	 * @param WP_Post          $post     The post.
	 * @param WP_REST_Request  $request  The request.
	 * @return WP_REST_Response
	 */
	public static function filter_rest_post( $response, $post, $request ) {
		if ( ! $post instanceof WP_Post || ! self::has_gated( $post ) ) {
			return $response;
		}
		self::$involved = true;
		if ( Tokengate_Access::can_view_post( $post ) ) {
			return $response;
		}
		$data = $response->get_data();
		if ( isset( $data['content'] ) && is_array( $data['content'] ) ) {
			$data['content']['rendered']  = self::teaser_html( $post );
			$data['content']['protected'] = true;
			unset( $data['content']['raw'], $data['content']['block_version'] );
		}
		if ( isset( $data['excerpt'] ) && is_array( $data['excerpt'] ) ) {
			$data['excerpt']['rendered'] = wpautop( esc_html( self::teaser_text( $post ) ) );
			unset( $data['excerpt']['raw'] );
		}
		$response->set_data( $data );
		return $response;
	}

	/**
	 * A post's gate changed outside the editor (code, import): update its search flag.
	 *
	 * @param int|int[] $meta_id  Meta ID(s).
	 * @param int       $post_id  Post ID.
	 * @param string    $meta_key Meta key.
	 */
	public static function gate_meta_changed( $meta_id, $post_id, $meta_key ): void {
		if ( Tokengate_Options::META_GATE === $meta_key ) {
			self::mark_gated( (int) $post_id );
		}
	}

	/**
	 * Keep the search flag in post meta current.
	 *
	 * @param int $post_id Post ID.
	 */
	public static function mark_gated( $post_id ): void {
		$post = get_post( $post_id );
		if ( ! $post instanceof WP_Post || wp_is_post_revision( $post ) ) {
			return;
		}
		if ( ! self::has_gated( $post ) ) {
			delete_post_meta( $post->ID, Tokengate_Options::META_HAS_GATED );
			delete_post_meta( $post->ID, Tokengate_Options::META_PUBLIC_TEXT );
			return;
		}
		update_post_meta( $post->ID, Tokengate_Options::META_HAS_GATED, '1' );
		if ( '' !== Tokengate_Access::gate_of( $post->ID ) ) {
			delete_post_meta( $post->ID, Tokengate_Options::META_PUBLIC_TEXT ); // Nothing of the body is public.
			return;
		}
		// What search may match: the content without its [tokengate] parts.
		$public = preg_replace( '/' . get_shortcode_regex( array( 'tokengate' ) ) . '/s', ' ', $post->post_content );
		update_post_meta( $post->ID, Tokengate_Options::META_PUBLIC_TEXT, wp_slash( wp_strip_all_tags( (string) $public ) ) );
	}

	/**
	 * Response headers for anything that involves gated content.
	 */
	public static function no_cache(): void {
		defined( 'DONOTCACHEPAGE' ) || define( 'DONOTCACHEPAGE', true );
		if ( ! headers_sent() ) {
			header( 'Cache-Control: private, no-store' );
			header( 'Vary: Cookie', false );
		}
	}

	/**
	 * The teaser as plain text, by the post's teaser mode.
	 *
	 * @param WP_Post $post The post.
	 */
	public static function teaser_text( WP_Post $post ): string {
		$mode = (string) get_post_meta( $post->ID, Tokengate_Options::META_TEASER_MODE, true );
		if ( 'custom' === $mode ) {
			$text = (string) get_post_meta( $post->ID, Tokengate_Options::META_TEASER_TEXT, true );
		} elseif ( 'words' === $mode ) {
			$words = max( 1, min( 500, (int) get_post_meta( $post->ID, Tokengate_Options::META_TEASER_WORDS, true ) ) );
			$text  = wp_trim_words( strip_shortcodes( $post->post_content ), $words );
		} else {
			$text = $post->post_excerpt;
		}
		if ( '' === trim( wp_strip_all_tags( $text ) ) ) {
			$gate = Tokengate_Options::gates()[ Tokengate_Access::gate_of( $post->ID ) ] ?? array();
			$text = isset( $gate['teaser'] ) && '' !== $gate['teaser'] ? (string) $gate['teaser'] : Tokengate_Options::default_teaser();
		}
		return wp_strip_all_tags( $text );
	}

	/**
	 * The teaser with the call to action, as HTML.
	 *
	 * @param WP_Post $post The post.
	 */
	public static function teaser_html( WP_Post $post ): string {
		return '<div class="tokengate-teaser">' . wpautop( esc_html( self::teaser_text( $post ) ) ) . '</div>'
			. self::call_to_action( Tokengate_Access::gate_of( $post->ID ), $post->ID );
	}

	/**
	 * The box that names the requirement and offers to connect a wallet.
	 *
	 * @param string $slug    Gate slug.
	 * @param int    $post_id Post ID.
	 */
	public static function call_to_action( string $slug, int $post_id ): string {
		Tokengate_Plugin::enqueue_connect();
		$gate        = Tokengate_Options::gates()[ $slug ] ?? array();
		$requirement = self::describe_requirements( $gate );
		$problem     = Tokengate_Access::problem();
		$claims      = Tokengate_Access::claims();
		$html        = '<div class="tokengate-cta" data-tokengate-gate="' . esc_attr( $slug ) . '" data-tokengate-post="' . esc_attr( (string) $post_id ) . '">';
		$html       .= '<p class="tokengate-requirement">' . esc_html( $requirement ) . '</p>';
		if ( '' !== $problem && 'not_configured' !== $problem ) {
			$html .= '<p class="tokengate-problem" role="alert">' . esc_html__( 'The token check is unavailable right now; please try again in a few minutes.', 'tokengate' ) . '</p>';
		}
		if ( null !== $claims ) {
			$html .= '<p class="tokengate-held">' . esc_html__( 'Your wallet does not hold enough tokens for this content.', 'tokengate' ) . '</p>';
		}
		$html .= '<p><button type="button" class="tokengate-connect">' . esc_html__( 'Connect wallet', 'tokengate' ) . '</button></p>';
		$html .= '<p class="tokengate-status" aria-live="polite"></p>';
		$html .= '</div>';
		return $html;
	}

	/**
	 * "Hold 100 GOLD on Base to read this", from the cached gate.
	 *
	 * @param array<string, mixed> $gate The gate as the service describes it.
	 */
	public static function describe_requirements( array $gate ): string {
		$chains = array();
		foreach ( (array) ( Tokengate_Options::site_info()['chains'] ?? array() ) as $chain ) {
			if ( is_array( $chain ) && isset( $chain['chain_id'], $chain['name'] ) ) {
				$chains[ (int) $chain['chain_id'] ] = (string) $chain['name'];
			}
		}
		$parts = array();
		foreach ( (array) ( $gate['requirements'] ?? array() ) as $requirement ) {
			if ( ! is_array( $requirement ) ) {
				continue;
			}
			$chain_id = (int) ( $requirement['chain_id'] ?? 0 );
			$parts[]  = sprintf(
				/* translators: 1: amount, 2: token symbol, 3: chain name */
				__( '%1$s %2$s on %3$s', 'tokengate' ),
				(string) ( $requirement['minimum'] ?? '' ),
				(string) ( $requirement['symbol'] ?? '' ),
				$chains[ $chain_id ] ?? sprintf( /* translators: %d: chain id */ __( 'chain %d', 'tokengate' ), $chain_id )
			);
		}
		if ( ! $parts ) {
			return __( 'Connect a wallet that holds the required tokens to read this.', 'tokengate' );
		}
		$joined = implode( 'any' === ( $gate['mode'] ?? 'all' ) ? __( ' or ', 'tokengate' ) : __( ' and ', 'tokengate' ), $parts );
		/* translators: %s: e.g. "100 GOLD on Base" */
		return sprintf( __( 'Hold %s to read this.', 'tokengate' ), $joined );
	}
}
