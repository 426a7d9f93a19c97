<?php
/**
 * Loads the verifier alone, outside WordPress: it needs nothing but PHP and sodium.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || define( 'ABSPATH', __DIR__ . '/' );

require_once dirname( __DIR__, 2 ) . '/wp-plugin/tokengate/includes/class-tokengate-verifier.php';

define( 'TOKENGATE_VECTORS', dirname( __DIR__ ) . '/vectors/access_tokens.json' );
