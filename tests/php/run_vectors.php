<?php
/**
 * Usage: php tests/php/run_vectors.php tests/vectors/access_tokens.json
 *
 * Prints one JSON line per vector with the PHP verifier's verdict, after a first line with the
 * kids it kept from the JWKS; tests/test_vectors.py compares them with the Python verdicts.
 *
 * @package Tokengate
 */

$tokengate_path = $argv[1] ?? dirname( __DIR__ ) . '/vectors/access_tokens.json';
require_once __DIR__ . '/bootstrap.php';

$tokengate_doc  = json_decode( (string) file_get_contents( $tokengate_path ), true, 512, JSON_THROW_ON_ERROR );
$tokengate_kids = array_map( 'strval', array_keys( Tokengate_Verifier::keys_from_jwks( $tokengate_doc['jwks'] ) ) );
echo json_encode( array( 'jwks_kids' => $tokengate_kids ) ), "\n";

$tokengate_verifier = new Tokengate_Verifier(
	$tokengate_doc['jwks']['keys'],
	$tokengate_doc['issuer'],
	$tokengate_doc['audience'],
	$tokengate_doc['leeway']
);
foreach ( $tokengate_doc['vectors'] as $tokengate_vector ) {
	$tokengate_line = array( 'name' => $tokengate_vector['name'] );
	try {
		$tokengate_line['claims'] = $tokengate_verifier->verify( $tokengate_vector['token'], $tokengate_doc['now'] );
		$tokengate_line['valid']  = true;
	} catch ( Tokengate_Token_Rejected $tokengate_rejected ) {
		$tokengate_line['valid']  = false;
		$tokengate_line['reason'] = $tokengate_rejected->reason;
	}
	echo json_encode( $tokengate_line, JSON_UNESCAPED_SLASHES ), "\n";
}
