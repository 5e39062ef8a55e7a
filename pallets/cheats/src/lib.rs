//! # pallet-europa-cheats
//!
//! State edits a development chain allows and no production pallet offers: writing a
//! contract's own storage (its child trie) directly, to try a state without the calls
//! that would lead to it. Root only; Europa's `europa_setStorage` RPC dispatches it
//! through `Sudo.sudo`. Storage deposits are not adjusted: it is a cheat.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

// FRAME's macros write out paths the module has in scope already.
#[allow(unused_qualifications)]
#[frame_support::pallet]
pub mod pallet {
    use alloc::vec::Vec;
    use frame_support::{
        pallet_prelude::*,
        storage::child::{self, ChildInfo},
    };
    use frame_system::pallet_prelude::*;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::config]
    pub trait Config: frame_system::Config + pallet_europa_contracts::Config {}

    #[pallet::error]
    pub enum Error<T> {
        /// The account is not a contract: it has no storage of its own to write.
        NotAContract,
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Writes items of `contract`'s storage, each `(key, Some(value))` to set or
        /// `(key, None)` to remove, keys as its child trie holds them (as
        /// `europa_modifiedStateKvs` shows them).
        #[pallet::call_index(0)]
        #[pallet::weight(T::DbWeight::get().reads_writes(1, items.len() as u64))]
        pub fn set_contract_storage(
            origin: OriginFor<T>,
            contract: T::AccountId,
            items: Vec<(Vec<u8>, Option<Vec<u8>>)>,
        ) -> DispatchResult {
            ensure_root(origin)?;
            let info = pallet_europa_contracts::ContractInfoOf::<T>::get(&contract)
                .ok_or(Error::<T>::NotAContract)?;
            let storage = ChildInfo::new_default(info.trie_id.as_ref());
            for (key, value) in items {
                match value {
                    Some(value) => child::put_raw(&storage, &key, &value),
                    None => child::kill(&storage, &key),
                }
            }
            Ok(())
        }
    }
}
