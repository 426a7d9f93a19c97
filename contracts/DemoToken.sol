// SPDX-License-Identifier: GPL-2.0-or-later
pragma solidity ^0.8.24;

/// @title DemoToken: a plain ERC-20 for Token Gate's tests and demo.
/// @notice Name, symbol and decimals are set in the constructor. The deployer is the owner and
///         the only one who can mint.
/// @dev STORAGE LAYOUT IS PART OF THE INTERFACE: `balanceOf` must stay the FIRST state variable
///      (storage slot 0). tokengate/chain/devchain.py (`DevChain.set_balances`) writes balances
///      directly with `anvil_setStorageAt` at slot keccak256(pad32(holder) ++ pad32(0)).
///      Do not add, reorder or inherit state variables in front of it.
contract DemoToken {
    // slot 0 -- keep first, see above.
    mapping(address => uint256) public balanceOf;
    // slot 1
    mapping(address => mapping(address => uint256)) public allowance;
    // slot 2
    uint256 public totalSupply;
    // slots 3, 4, 5 (decimals and owner share slot 5)
    string public name;
    string public symbol;
    uint8 public decimals;
    address public owner;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    modifier onlyOwner() {
        require(msg.sender == owner, "DemoToken: caller is not the owner");
        _;
    }

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= amount, "DemoToken: insufficient allowance");
            unchecked {
                allowance[from][msg.sender] = allowed - amount;
            }
        }
        _transfer(from, to, amount);
        return true;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        require(to != address(0), "DemoToken: mint to the zero address");
        totalSupply += amount;
        unchecked {
            // Cannot overflow: a balance never exceeds totalSupply.
            balanceOf[to] += amount;
        }
        emit Transfer(address(0), to, amount);
    }

    /// @notice Mint `amount` to every address in `holders` (for test data; about 25,000 gas
    ///         per new holder, so keep a batch well under the block and transaction gas limits).
    function mintBatch(address[] calldata holders, uint256 amount) external onlyOwner {
        uint256 count = holders.length;
        totalSupply += amount * count;
        for (uint256 i = 0; i < count; ++i) {
            address to = holders[i];
            require(to != address(0), "DemoToken: mint to the zero address");
            unchecked {
                balanceOf[to] += amount;
            }
            emit Transfer(address(0), to, amount);
        }
    }

    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function _transfer(address from, address to, uint256 amount) private {
        require(to != address(0), "DemoToken: transfer to the zero address");
        uint256 balance = balanceOf[from];
        require(balance >= amount, "DemoToken: transfer amount exceeds balance");
        unchecked {
            balanceOf[from] = balance - amount;
            balanceOf[to] += amount;
        }
        emit Transfer(from, to, amount);
    }
}
