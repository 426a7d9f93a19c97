<?php
/**
 * Plugin Name: Harness Hello
 * Description: A tiny plugin for tests/test_wordpress_harness.py: a REST route, a shortcode, an option.
 * Version: 1.0.0
 * Requires PHP: 8.0
 * License: GPL-2.0-or-later
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

// Set on activation: proves register_activation_hook ran.
register_activation_hook(
	__FILE__,
	function () {
		update_option( 'harness_hello_activated', 'yes' );
	}
);

// GET /wp-json/harness-hello/v1/greet?name=Ada -> {"greeting": "Hello, Ada!", "plugin_url": "..."}
add_action(
	'rest_api_init',
	function () {
		register_rest_route(
			'harness-hello/v1',
			'/greet',
			array(
				'methods'             => 'GET',
				'permission_callback' => '__return_true',
				'args'                => array(
					'name' => array(
						'type'    => 'string',
						'default' => 'world',
					),
				),
				'callback'            => function ( WP_REST_Request $request ) {
					return array(
						'greeting'   => sprintf( 'Hello, %s!', $request['name'] ),
						'plugin_url' => plugins_url( 'hello.php', __FILE__ ),
					);
				},
			)
		);
		// GET /wp-json/harness-hello/v1/loopback -> the greet route, fetched over HTTP from inside
		// a request: what a plugin calling a local service does (WP_ACCESSIBLE_HOSTS, workers).
		register_rest_route(
			'harness-hello/v1',
			'/loopback',
			array(
				'methods'             => 'GET',
				'permission_callback' => '__return_true',
				'callback'            => function () {
					$response = wp_remote_get( add_query_arg( 'name', 'Loop', rest_url( 'harness-hello/v1/greet' ) ), array( 'timeout' => 10 ) );
					if ( is_wp_error( $response ) ) {
						return new WP_Error( 'harness_loopback', $response->get_error_message(), array( 'status' => 502 ) );
					}
					return json_decode( wp_remote_retrieve_body( $response ), true );
				},
			)
		);
	}
);

// [hello name="Ada"] -> <span class="harness-hello">Hello, Ada!</span>
add_shortcode(
	'hello',
	function ( $atts ) {
		$atts = shortcode_atts( array( 'name' => 'world' ), $atts, 'hello' );
		return '<span class="harness-hello">' . esc_html( sprintf( 'Hello, %s!', $atts['name'] ) ) . '</span>';
	}
);
