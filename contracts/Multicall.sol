// SPDX-License-Identifier: GPL-2.0-or-later
pragma solidity ^0.8.24;

/// @title Multicall: batch read-only calls with the Multicall3 `aggregate3` ABI.
/// @notice Written for Token Gate's local chain. It is placed at Multicall3's canonical address
///         0xcA11bde05977b3631167028862bE2a173976CA11 with `anvil_setCode`, so code written for
///         Multicall3 works unchanged against it.
/// @dev No constructor logic, no immutables and no initialised state: only the runtime code is
///      installed, the constructor never runs. Behaviour of `aggregate3` follows Multicall3:
///      every call is made in order with all remaining gas; a failed call whose `allowFailure`
///      is false reverts the whole batch with Error("Multicall3: call failed"); otherwise its
///      result is (false, revert data). A call to an address without code succeeds with empty
///      return data, as with Multicall3. Sent value is not forwarded.
contract Multicall {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData) {
        uint256 length = calls.length;
        returnData = new Result[](length);
        for (uint256 i = 0; i < length; ++i) {
            Call3 calldata item = calls[i];
            (bool success, bytes memory data) = item.target.call(item.callData);
            require(success || item.allowFailure, "Multicall3: call failed");
            returnData[i] = Result(success, data);
        }
    }

    function getBlockNumber() external view returns (uint256 blockNumber) {
        blockNumber = block.number;
    }

    function getChainId() external view returns (uint256 chainid) {
        chainid = block.chainid;
    }

    function getCurrentBlockTimestamp() external view returns (uint256 timestamp) {
        timestamp = block.timestamp;
    }

    function getEthBalance(address addr) external view returns (uint256 balance) {
        balance = addr.balance;
    }
}
