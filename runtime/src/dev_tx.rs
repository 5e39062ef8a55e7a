//! Transactions signed with the dev accounts' keys, for tests, benchmarks and tools.

#![warn(missing_docs)]

use codec::Encode;
use sp_keyring::Sr25519Keyring;
use sp_runtime::generic::Era;

use crate::{Hash, Nonce, RuntimeCall, SignedPayload, TxExtension, UncheckedExtrinsic, VERSION};

/// The extensions of an immortal transaction with `nonce` and no tip.
pub fn tx_extension(nonce: Nonce) -> TxExtension {
    (
        frame_system::CheckNonZeroSender::new(),
        frame_system::CheckSpecVersion::new(),
        frame_system::CheckTxVersion::new(),
        frame_system::CheckGenesis::new(),
        frame_system::CheckEra::from(Era::Immortal),
        frame_system::CheckNonce::from(nonce),
        frame_system::CheckWeight::new(),
        pallet_transaction_payment::ChargeTransactionPayment::from(0),
    )
}

/// `call` from `sender`, signed with `key`'s key for the chain with `genesis_hash`. A
/// `key` other than `sender` gives a transaction with a bad signature.
pub fn signed_by(
    call: RuntimeCall,
    sender: Sr25519Keyring,
    key: Sr25519Keyring,
    nonce: Nonce,
    genesis_hash: Hash,
) -> UncheckedExtrinsic {
    // What the extensions add to the signed payload without carrying it: spec and
    // transaction versions, and the genesis hash (for CheckGenesis and, immortal, CheckEra).
    let implicit = (
        (),
        VERSION.spec_version,
        VERSION.transaction_version,
        genesis_hash,
        genesis_hash,
        (),
        (),
        (),
    );
    let payload = SignedPayload::from_raw(call.clone(), tx_extension(nonce), implicit);
    let signature = payload.using_encoded(|bytes| key.sign(bytes));
    UncheckedExtrinsic::new_signed(
        call,
        sender.to_account_id().into(),
        signature.into(),
        tx_extension(nonce),
    )
}
