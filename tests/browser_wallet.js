/*
 * A test wallet for tests/test_browser.py: an EIP-1193 provider, injected before any page script
 * runs (Playwright's add_init_script), that announces itself by EIP-6963 and, when configured,
 * as window.ethereum. personal_sign is answered by Python (expose_function → eth_account).
 *
 * The test prepends `const TOKENGATE_TEST_WALLET = {...};` with:
 *   address   the account it offers (EIP-55)
 *   chainId   the chain id it reports (a number); wallet_switchEthereumChain changes it
 *   reject    a method name (e.g. 'personal_sign'), or true for all: the user declines those
 *             requests that need approval, which throw {code: 4001}
 *   eip6963   announce by EIP-6963 (default true)
 *   legacy    also set window.ethereum (default false)
 */
( function () {
	'use strict';

	var config = TOKENGATE_TEST_WALLET; // eslint-disable-line no-undef
	var chainId = config.chainId;
	var connected = false;
	var listeners = {};
	var calls = ( window.__tokengateWalletCalls = [] );

	function refuses( method ) {
		return config.reject === true || config.reject === method;
	}

	function rejected() {
		return { code: 4001, message: 'User rejected the request.' };
	}

	function emit( event, value ) {
		( listeners[ event ] || [] ).forEach( function ( listener ) {
			listener( value );
		} );
	}

	var provider = {
		isTokengateTestWallet: true,
		request: function ( args ) {
			var method = args && args.method;
			var params = ( args && args.params ) || [];
			calls.push( method );
			switch ( method ) {
				case 'eth_requestAccounts':
					if ( refuses( method ) ) {
						return Promise.reject( rejected() );
					}
					connected = true;
					return Promise.resolve( [ config.address ] );
				case 'eth_accounts':
					return Promise.resolve( connected ? [ config.address ] : [] );
				case 'eth_chainId':
					return Promise.resolve( '0x' + chainId.toString( 16 ) );
				case 'personal_sign':
					if ( refuses( method ) ) {
						return Promise.reject( rejected() );
					}
					return window.tokengateTestSign( params[ 0 ], params[ 1 ] );
				case 'wallet_switchEthereumChain':
					if ( refuses( method ) ) {
						return Promise.reject( rejected() );
					}
					chainId = parseInt( params[ 0 ].chainId, 16 );
					emit( 'chainChanged', '0x' + chainId.toString( 16 ) );
					return Promise.resolve( null );
				default:
					return Promise.reject( { code: 4200, message: 'The test wallet does not support ' + method } );
			}
		},
		on: function ( event, listener ) {
			( listeners[ event ] = listeners[ event ] || [] ).push( listener );
			return provider;
		},
		removeListener: function ( event, listener ) {
			listeners[ event ] = ( listeners[ event ] || [] ).filter( function ( l ) {
				return l !== listener;
			} );
			return provider;
		},
	};

	var detail = Object.freeze( {
		info: Object.freeze( {
			uuid: '6b1f0c1e-2f43-4c55-9a57-2d7c3e0f9a10',
			name: 'Token Gate Test Wallet',
			icon: 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg" width="32" height="32"/%3E',
			rdns: 'org.tokengate.testwallet',
		} ),
		provider: provider,
	} );

	function announce() {
		window.dispatchEvent( new CustomEvent( 'eip6963:announceProvider', { detail: detail } ) );
	}

	if ( config.legacy ) {
		window.ethereum = provider;
	}
	if ( config.eip6963 !== false ) {
		window.addEventListener( 'eip6963:requestProvider', announce );
		announce();
	}
}() );
