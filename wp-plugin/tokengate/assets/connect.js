/**
 * Token Gate: connect a wallet and sign in (EIP-4361) to read gated content.
 *
 * Plain JavaScript, no build step, no external requests: it talks only to this WordPress
 * site's REST routes (tokengate/v1), which hold the tokens in HttpOnly cookies.
 */
( function () {
	'use strict';

	var settings = window.tokengateSettings || {};
	var text = settings.i18n || {};
	var announced = [];

	// EIP-6963: wallets announce themselves when asked; fall back to window.ethereum.
	window.addEventListener( 'eip6963:announceProvider', function ( event ) {
		if ( event.detail && event.detail.provider ) {
			announced.push( event.detail );
		}
	} );
	window.dispatchEvent( new Event( 'eip6963:requestProvider' ) );

	function wallet() {
		if ( announced.length ) {
			return announced[ 0 ].provider;
		}
		return window.ethereum || null;
	}

	function format( template ) {
		var args = Array.prototype.slice.call( arguments, 1 );
		return String( template || '' ).replace( /%(\d)\$s|%s/g, function ( match, index ) {
			return index ? args[ Number( index ) - 1 ] : args[ 0 ];
		} );
	}

	function shortAddress( address ) {
		return address.slice( 0, 6 ) + '…' + address.slice( -4 );
	}

	function disconnect() {
		return api( 'DELETE', 'session' ).then( function () {
			window.location.reload();
		} );
	}

	function api( method, path, body ) {
		var options = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
		if ( body ) {
			options.headers[ 'Content-Type' ] = 'application/json';
			options.body = JSON.stringify( body );
		}
		return fetch( settings.restUrl + path, options ).then( function ( response ) {
			return response.json().catch( function () {
				return {};
			} ).then( function ( data ) {
				if ( ! response.ok ) {
					var error = new Error( data.message || text.failed );
					error.code = data.code || 'http_' + response.status;
					error.status = response.status;
					throw error;
				}
				return data;
			} );
		} );
	}

	function toHex( message ) {
		var bytes = new TextEncoder().encode( message );
		var hex = '0x';
		for ( var i = 0; i < bytes.length; i++ ) {
			hex += ( '0' + bytes[ i ].toString( 16 ) ).slice( -2 );
		}
		return hex;
	}

	// The EIP-4361 message, laid out exactly as the specification writes it.
	function siweMessage( address, chainId, nonce, statement ) {
		return [
			window.location.host + ' wants you to sign in with your Ethereum account:',
			address,
			'',
			statement,
			'',
			'URI: ' + window.location.origin + window.location.pathname,
			'Version: 1',
			'Chain ID: ' + chainId,
			'Nonce: ' + nonce,
			'Issued At: ' + new Date().toISOString(),
		].join( '\n' );
	}

	function Box( element ) {
		this.element = element;
		this.gate = element.getAttribute( 'data-tokengate-gate' ) || '';
		this.status = element.querySelector( '.tokengate-status' );
		this.button = element.querySelector( '.tokengate-connect' );
		this.busy = false;
	}

	Box.prototype.say = function ( message, kind ) {
		this.status.textContent = message;
		this.status.setAttribute( 'data-kind', kind || 'info' );
	};

	Box.prototype.action = function ( label, handler, className ) {
		var button = document.createElement( 'button' );
		button.type = 'button';
		button.className = className || 'tokengate-action';
		button.textContent = label;
		button.addEventListener( 'click', handler );
		this.status.appendChild( document.createTextNode( ' ' ) );
		this.status.appendChild( button );
		return button;
	};

	Box.prototype.link = function ( label, href ) {
		var link = document.createElement( 'a' );
		link.href = href;
		link.rel = 'noopener noreferrer';
		link.target = '_blank';
		link.textContent = label;
		this.status.appendChild( document.createTextNode( ' ' ) );
		this.status.appendChild( link );
	};

	Box.prototype.showConnected = function ( address ) {
		var control = this.element.querySelector( '.tokengate-connected' );
		if ( ! control ) {
			control = document.createElement( 'p' );
			control.className = 'tokengate-connected';
			this.element.appendChild( control );
		}
		control.textContent = format( text.connectedAs, shortAddress( address ) ) + ' · ';
		var leave = document.createElement( 'button' );
		leave.type = 'button';
		leave.className = 'tokengate-disconnect';
		leave.textContent = text.disconnect;
		leave.addEventListener( 'click', disconnect );
		control.appendChild( leave );
	};

	Box.prototype.heldVersusNeeded = function ( holdings ) {
		var need = ( settings.gates || {} )[ this.gate ];
		var lines = [];
		if ( need && need.requirements ) {
			need.requirements.forEach( function ( requirement ) {
				var held = ( holdings || [] ).filter( function ( h ) {
					return String( h.token_address ).toLowerCase() === requirement.token && Number( h.chain_id ) === requirement.chainId;
				} )[ 0 ];
				var amount = held && held.amount !== null ? held.amount : '?';
				lines.push( format( text.heldNeeded, amount, requirement.minimum, requirement.symbol ) );
			} );
		}
		return [ text.notEnough ].concat( lines ).join( ' ' );
	};

	Box.prototype.connect = function () {
		var box = this;
		var provider = wallet();
		if ( box.busy ) {
			return;
		}
		if ( ! provider ) {
			box.say( text.noWallet, 'error' );
			box.link( text.installLink, text.installUrl );
			return;
		}
		box.busy = true;
		box.button.disabled = true;
		box.say( text.connecting );
		var address;
		var chainId;
		provider.request( { method: 'eth_requestAccounts' } ).then( function ( accounts ) {
			address = accounts && accounts[ 0 ];
			if ( ! address ) {
				throw Object.assign( new Error( text.rejected ), { code: 4001 } );
			}
			return provider.request( { method: 'eth_chainId' } );
		} ).then( function ( hexChain ) {
			chainId = parseInt( hexChain, 16 );
			return api( 'POST', 'nonce' );
		} ).then( function ( nonce ) {
			var allowed = nonce.chain_ids || [];
			if ( allowed.indexOf( chainId ) === -1 ) {
				throw Object.assign( new Error( text.wrongNetwork ), { code: 'wrong_network', chainId: allowed[ 0 ] } );
			}
			box.say( text.signing );
			var message = siweMessage( address, chainId, nonce.nonce, nonce.statement );
			return provider.request( { method: 'personal_sign', params: [ toHex( message ), address ] } ).then( function ( signature ) {
				box.say( text.checking );
				return api( 'POST', 'session', { message: message, signature: signature } );
			} );
		} ).then( function ( session ) {
			if ( ( session.gates || [] ).indexOf( box.gate ) !== -1 ) {
				window.location.reload();
				return;
			}
			box.say( box.heldVersusNeeded( session.holdings ), 'error' );
			box.showConnected( session.address );
		} ).catch( function ( error ) {
			box.fail( error, provider );
		} ).then( function () {
			box.busy = false;
			box.button.disabled = false;
		} );
	};

	Box.prototype.fail = function ( error, provider ) {
		var box = this;
		if ( error && ( error.code === 4001 || error.code === 'ACTION_REJECTED' ) ) {
			box.say( text.rejected, 'error' );
		} else if ( error && error.code === 'wrong_network' ) {
			box.say( text.wrongNetwork, 'error' );
			if ( error.chainId ) {
				box.action( text.switch, function () {
					provider.request( {
						method: 'wallet_switchEthereumChain',
						params: [ { chainId: '0x' + Number( error.chainId ).toString( 16 ) } ],
					} ).then( function () {
						box.connect();
					}, function ( switchError ) {
						box.fail( switchError, provider );
					} );
				}, 'tokengate-switch' );
			}
		} else if ( error && ( error.status === 503 || error.code === 'chain_unavailable' || error.code === 'service_unavailable' ) ) {
			box.say( text.unavailable, 'error' );
		} else {
			box.say( ( error && error.message ) || text.failed, 'error' );
		}
	};

	function start() {
		// Under content the reader can see, the server prints the session line itself.
		Array.prototype.forEach.call( document.querySelectorAll( '.tokengate-session .tokengate-disconnect' ), function ( button ) {
			button.addEventListener( 'click', disconnect );
		} );
		var elements = document.querySelectorAll( '.tokengate-cta' );
		if ( ! elements.length ) {
			return;
		}
		var boxes = Array.prototype.map.call( elements, function ( element ) {
			var box = new Box( element );
			box.button.addEventListener( 'click', function () {
				box.connect();
			} );
			return box;
		} );
		api( 'GET', 'session' ).then( function ( state ) {
			if ( state.connected ) {
				boxes.forEach( function ( box ) {
					box.showConnected( state.address );
				} );
			}
		} ).catch( function () {} );
	}

	if ( document.readyState === 'loading' ) {
		document.addEventListener( 'DOMContentLoaded', start );
	} else {
		start();
	}
}() );
