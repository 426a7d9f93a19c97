/**
 * Token Gate admin: look up a token's symbol and decimals as the address is typed.
 */
( function () {
	'use strict';

	var settings = window.tokengateAdmin || {};
	var address = document.getElementById( 'tokengate-requirements-0-token_address' );
	var chain = document.getElementById( 'tokengate-requirements-0-chain_id' );
	var info = document.getElementById( 'tokengate-token-info' );
	var timer = null;
	if ( ! address || ! chain || ! info ) {
		return;
	}

	function lookup() {
		var value = address.value.trim();
		if ( ! /^0x[0-9a-fA-F]{40}$/.test( value ) || ! chain.value ) {
			info.textContent = '';
			return;
		}
		info.textContent = settings.looking;
		var url = settings.lookupUrl + '?chain_id=' + encodeURIComponent( chain.value ) + '&address=' + encodeURIComponent( value );
		fetch( url, { credentials: 'same-origin', headers: { 'X-WP-Nonce': settings.nonce } } )
			.then( function ( response ) {
				return response.json().then( function ( data ) {
					return { ok: response.ok, data: data };
				} );
			} )
			.then( function ( answer ) {
				if ( answer.ok ) {
					info.textContent = answer.data.symbol + ' · ' + answer.data.name + ' · ' + answer.data.decimals + ' decimals';
				} else {
					info.textContent = answer.data.message || '';
				}
			} )
			.catch( function () {
				info.textContent = '';
			} );
	}

	function later() {
		window.clearTimeout( timer );
		timer = window.setTimeout( lookup, 400 );
	}

	address.addEventListener( 'input', later );
	chain.addEventListener( 'input', later );
	lookup();
}() );
