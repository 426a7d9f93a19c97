<?php
/**
 * Usage: php bench/php_verify.php [iterations]
 *
 * Times Tokengate_Verifier::verify on the shared "valid" vector (what a gated page view pays)
 * and prints JSON: the median, p99 and mean in microseconds; the bare libsodium signature
 * check on the same token, the floor under it; and a verifier's construction (JWKS parsing).
 *
 * @package Tokengate
 */

$tokengate_runs = max( 100, (int) ( $argv[1] ?? 10000 ) );
require_once dirname( __DIR__ ) . '/tests/php/bootstrap.php';

$tokengate_doc  = json_decode( (string) file_get_contents( TOKENGATE_VECTORS ), true, 512, JSON_THROW_ON_ERROR );
$tokengate_keys = $tokengate_doc['jwks']['keys'];
$tokengate_now  = $tokengate_doc['now'];
foreach ( $tokengate_doc['vectors'] as $tokengate_vector ) {
	if ( 'valid' === $tokengate_vector['name'] ) {
		$tokengate_token = $tokengate_vector['token'];
	}
}

/**
 * Median, p99 and mean of nanosecond samples, in microseconds.
 *
 * @param array<int, int> $samples Nanoseconds.
 * @return array<string, float>
 */
function tokengate_bench_stats( array $samples ): array {
	sort( $samples );
	$count = count( $samples );
	return array(
		'median' => round( $samples[ intdiv( $count, 2 ) ] / 1000, 2 ),
		'p99'    => round( $samples[ (int) floor( $count * 0.99 ) ] / 1000, 2 ),
		'mean'   => round( array_sum( $samples ) / $count / 1000, 2 ),
	);
}

$tokengate_verifier = new Tokengate_Verifier( $tokengate_keys, $tokengate_doc['issuer'], $tokengate_doc['audience'] );
for ( $tokengate_i = 0; $tokengate_i < 200; $tokengate_i++ ) { // Warm up.
	$tokengate_verifier->verify( $tokengate_token, $tokengate_now );
}
$tokengate_verify = array();
for ( $tokengate_i = 0; $tokengate_i < $tokengate_runs; $tokengate_i++ ) {
	$tokengate_start = hrtime( true );
	$tokengate_verifier->verify( $tokengate_token, $tokengate_now );
	$tokengate_verify[] = hrtime( true ) - $tokengate_start;
}
list( $tokengate_head, $tokengate_body, $tokengate_sig ) = explode( '.', $tokengate_token );
$tokengate_sig  = Tokengate_Verifier::b64url_decode( $tokengate_sig );
$tokengate_key  = Tokengate_Verifier::keys_from_jwks( $tokengate_doc['jwks'] )[ Tokengate_Verifier::peek_kid( $tokengate_token ) ];
$tokengate_bare = array();
for ( $tokengate_i = 0; $tokengate_i < $tokengate_runs; $tokengate_i++ ) {
	$tokengate_start = hrtime( true );
	sodium_crypto_sign_verify_detached( $tokengate_sig, $tokengate_head . '.' . $tokengate_body, $tokengate_key );
	$tokengate_bare[] = hrtime( true ) - $tokengate_start;
}
$tokengate_construct = array();
for ( $tokengate_i = 0; $tokengate_i < $tokengate_runs; $tokengate_i++ ) {
	$tokengate_start = hrtime( true );
	new Tokengate_Verifier( $tokengate_keys, $tokengate_doc['issuer'], $tokengate_doc['audience'] );
	$tokengate_construct[] = hrtime( true ) - $tokengate_start;
}
$tokengate_v = tokengate_bench_stats( $tokengate_verify );
$tokengate_c = tokengate_bench_stats( $tokengate_construct );
$tokengate_s = tokengate_bench_stats( $tokengate_bare );
echo json_encode(
	array(
		'verify_us'      => $tokengate_v['median'],
		'verify_p99_us'  => $tokengate_v['p99'],
		'verify_mean_us' => $tokengate_v['mean'],
		'sodium_only_us' => $tokengate_s['median'],
		'construct_us'   => $tokengate_c['median'],
		'iterations'     => $tokengate_runs,
		'token_bytes'    => strlen( $tokengate_token ),
		'php'            => PHP_VERSION,
		'sodium'         => SODIUM_LIBRARY_VERSION,
	)
), "\n";
