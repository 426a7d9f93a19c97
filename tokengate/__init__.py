"""Token Gate: Sign-In-With-Ethereum login and Ed25519 access tokens for token-gated sites."""
