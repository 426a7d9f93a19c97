<?php
/**
 * The exception Tokengate_Verifier throws for a token that must not grant access.
 *
 * @package Tokengate
 */

defined( 'ABSPATH' ) || exit;

/**
 * A token that must not grant access; `reason` says which check failed (for tests and logs).
 */
class Tokengate_Token_Rejected extends Exception {

	/**
	 * Machine reason code, the same as the Python verifier's (e.g. 'expired', 'signature').
	 *
	 * @var string
	 */
	public string $reason;

	/**
	 * Reject with a reason code.
	 *
	 * @param string $reason Which check failed.
	 */
	public function __construct( string $reason ) {
		parent::__construct( $reason );
		$this->reason = $reason;
	}
}
