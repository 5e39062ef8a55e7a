//! Limits on what runtime API calls decode from outside.
//!
//! Calls nest (`Sudo.sudo`, `Utility.batch`, …) and decoding recurses with them. In a
//! WASM runtime a too-deep recursion traps the instance; this runtime runs natively, where
//! it would overflow the node's stack and abort the process. The extrinsic codec bounds
//! only a call's memory, which a few bytes a level stay far below, so every runtime API
//! that takes an extrinsic or a block from outside (`author_submitExtrinsic`,
//! `payment_queryInfo`, `system_dryRun`, any `state_call`) has its input checked first,
//! with the depth limit pallet-contracts uses for `call_runtime`.

#![warn(missing_docs)]

use alloc::{format, string::String};
use codec::{Decode, DecodeLimit};
use sp_inherents::InherentData;
use sp_runtime::transaction_validity::TransactionSource;

use crate::{Block, Hash, UncheckedExtrinsic};

/// How deeply values may nest in the input of a runtime API call.
pub const MAX_NESTING: u32 = 256;

/// Refuses the input of runtime API `method` (`Trait_method`, as the node calls it) when
/// it nests deeper than [`MAX_NESTING`]. Inputs of other methods have no nesting types.
pub fn check_api_input(method: &str, data: &[u8]) -> Result<(), String> {
    fn within<T: Decode>(data: &[u8]) -> Result<(), codec::Error> {
        T::decode_with_depth_limit(MAX_NESTING, &mut &data[..]).map(drop)
    }
    let checked = match method {
        "TaggedTransactionQueue_validate_transaction" => {
            within::<(TransactionSource, UncheckedExtrinsic, Hash)>(data)
        }
        "BlockBuilder_apply_extrinsic" => within::<UncheckedExtrinsic>(data),
        "TransactionPaymentApi_query_info" | "TransactionPaymentApi_query_fee_details" => {
            within::<(UncheckedExtrinsic, u32)>(data)
        }
        "Core_execute_block" | "ContractsTraceApi_trace_block" => within::<Block>(data),
        "ContractsTraceApi_trace_extrinsic" => within::<(Block, u32)>(data),
        "BlockBuilder_check_inherents" => within::<(Block, InherentData)>(data),
        _ => Ok(()),
    };
    checked.map_err(|error| {
        format!(
            "{method}: the input does not decode within {MAX_NESTING} levels of nesting: {error}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Encode;

    /// `Sudo.sudo` around `System.remark` `depth` times, as a bare extrinsic.
    fn nested_extrinsic(depth: usize) -> Vec<u8> {
        let mut xt = alloc::vec![4u8];
        xt.extend([4u8, 0].repeat(depth));
        xt.extend(
            crate::RuntimeCall::System(frame_system::Call::remark {
                remark: alloc::vec![],
            })
            .encode(),
        );
        let mut encoded = codec::Compact(xt.len() as u32).encode();
        encoded.extend(xt);
        encoded
    }

    #[test]
    fn deep_extrinsics_are_refused_before_the_runtime_decodes_them() {
        let method = "BlockBuilder_apply_extrinsic";
        assert_eq!(check_api_input(method, &nested_extrinsic(10)), Ok(()));
        let refused = check_api_input(method, &nested_extrinsic(100_000)).unwrap_err();
        assert!(refused.contains("256 levels"), "{refused}");
        assert_eq!(check_api_input("Core_version", &[]), Ok(()));
    }
}
