"""Talking to EVM chains: JSON-RPC, Multicall3 balance reads, ERC-20 metadata, and a dev chain."""
