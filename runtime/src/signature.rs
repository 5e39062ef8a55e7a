//! Transactions' signature: `MultiSignature` as every client sees it (the same encoding,
//! the same type in the metadata), verified once per transaction rather than at every
//! look.
//!
//! A transaction's signature is checked when it enters the pool, when the pool
//! revalidates it after a block, and when a block includes it: the same bytes and the same
//! answer each time, and each an sr25519 verification (under a sustained load of contract
//! calls, 28% of the node's CPU, ~2.7 verifications per transaction). Run natively, the
//! runtime remembers which (signature, signer, message) it found valid, so each is
//! verified once. What is accepted does not change: only a verification that succeeded is
//! remembered, and only for exactly those bytes.

#![warn(missing_docs)]

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{
    traits::{Lazy, Verify},
    AccountId32, MultiSignature, MultiSigner,
};

/// `MultiSignature`, with its verification remembered (see the module's documentation).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen)]
pub struct Signature(pub MultiSignature);

impl TypeInfo for Signature {
    // Clients find `sp_runtime::MultiSignature` in the metadata, as on any chain.
    type Identity = MultiSignature;

    fn type_info() -> scale_info::Type {
        MultiSignature::type_info()
    }
}

impl From<MultiSignature> for Signature {
    fn from(signature: MultiSignature) -> Self {
        Signature(signature)
    }
}

impl From<sp_core::sr25519::Signature> for Signature {
    fn from(signature: sp_core::sr25519::Signature) -> Self {
        Signature(signature.into())
    }
}

impl Verify for Signature {
    type Signer = MultiSigner;

    fn verify<L: Lazy<[u8]>>(&self, message: L, signer: &AccountId32) -> bool {
        #[cfg(feature = "std")]
        {
            let mut message = message;
            verified::check(&self.0, message.get(), signer)
        }
        #[cfg(not(feature = "std"))]
        self.0.verify(message, signer)
    }
}

#[cfg(feature = "std")]
mod verified {
    use std::{
        collections::HashSet,
        sync::{LazyLock, Mutex},
    };

    use sp_runtime::{
        traits::{BlakeTwo256, Hash, Verify},
        AccountId32, MultiSignature,
    };

    /// How many verified signatures are remembered; the set starts over when full (a
    /// transaction then verifies once more).
    const REMEMBERED: usize = 65_536;

    static VERIFIED: LazyLock<Mutex<HashSet<[u8; 32]>>> =
        LazyLock::new(|| Mutex::new(HashSet::new()));

    /// Whether `signature` by `signer` over `message` is valid, verifying it only if it
    /// was not found valid before.
    pub(super) fn check(signature: &MultiSignature, message: &[u8], signer: &AccountId32) -> bool {
        let key = BlakeTwo256::hash_of(&(signature, signer, message)).0;
        // The set is only changed by whole inserts and clears: a poisoned lock is sound.
        let lock = || {
            VERIFIED
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if lock().contains(&key) {
            return true;
        }
        let valid = signature.verify(message, signer);
        if valid {
            let mut set = lock();
            if set.len() >= REMEMBERED {
                set.clear();
            }
            set.insert(key);
        }
        valid
    }

    #[cfg(test)]
    mod tests {
        use sp_core::Pair;

        use super::*;

        #[test]
        fn a_valid_signature_is_remembered_and_an_invalid_one_never_passes() {
            let alice = sp_core::sr25519::Pair::from_string("//Alice", None).unwrap();
            let signer = AccountId32::from(alice.public());
            let signature = MultiSignature::from(alice.sign(b"transfer 1"));
            assert!(check(&signature, b"transfer 1", &signer));
            assert!(check(&signature, b"transfer 1", &signer), "remembered");
            // The same signature over other bytes, or from someone else, is not valid.
            assert!(!check(&signature, b"transfer 2", &signer));
            let bob = AccountId32::from(
                sp_core::sr25519::Pair::from_string("//Bob", None)
                    .unwrap()
                    .public(),
            );
            assert!(!check(&signature, b"transfer 1", &bob));
            assert!(
                !check(&signature, b"transfer 2", &signer),
                "a failure is not remembered as valid"
            );
        }
    }
}
