// SPDX-License-Identifier: GPL-2.0-or-later
pragma solidity ^0.8.24;

/// @title NoDecimalsToken: ERC-20-like, but WITHOUT `decimals()`.
/// @notice `decimals()` is optional in ERC-20. This token leaves it out so tests can check how
///         Token Gate handles a token whose decimals cannot be read ("decimals_unknown"): a call
///         to `decimals()` reverts with empty data (there is no fallback function).
/// @dev As in DemoToken, `balanceOf` is the first state variable (storage slot 0), so
///      `DevChain.set_balances` works for this token too.
contract NoDecimalsToken {
    // slot 0 -- keep first.
    mapping(address => uint256) public balanceOf;
    // slot 1
    uint256 public totalSupply;
    string public name;
    string public symbol;
    address public owner;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
        owner = msg.sender;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        require(to != address(0), "NoDecimalsToken: transfer to the zero address");
        uint256 balance = balanceOf[msg.sender];
        require(balance >= amount, "NoDecimalsToken: transfer amount exceeds balance");
        unchecked {
            balanceOf[msg.sender] = balance - amount;
            balanceOf[to] += amount;
        }
        emit Transfer(msg.sender, to, amount);
        return true;
    }

    function mint(address to, uint256 amount) external {
        require(msg.sender == owner, "NoDecimalsToken: caller is not the owner");
        require(to != address(0), "NoDecimalsToken: mint to the zero address");
        totalSupply += amount;
        unchecked {
            balanceOf[to] += amount;
        }
        emit Transfer(address(0), to, amount);
    }
}
