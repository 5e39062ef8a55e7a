//! Storage deposits: what an execution's storage changes cost the origin, per byte and
//! per item, and the transfers that settle it once the outermost frame returns.
//!
//! Every frame gets a [`DepositMeter`] of its own, with a limit no larger than what its
//! parent has left. A frame that succeeds folds its contract's storage changes into a
//! charge (or a pro-rata refund) and hands its charges to its parent; a frame that
//! fails is rolled back and its meter dropped. Only the outermost meter moves funds.

use alloc::vec::Vec;
use frame_support::traits::{
    fungible::{Inspect, Mutate, MutateHold},
    tokens::{Fortitude, Precision, Preservation, Restriction, WithdrawConsequence},
    Get,
};
use sp_runtime::{
    traits::{Saturating, Zero},
    DispatchError, FixedPointNumber, FixedU128,
};

use crate::{
    AccountIdOf, BalanceOf, CodeInfo, Config, ContractInfo, Error, Event, HoldReason, Origin,
    Pallet, StorageDeposit,
};

pub(crate) type Deposit<T> = StorageDeposit<BalanceOf<T>>;

/// Changes to one contract's storage use within a frame.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diff {
    pub bytes_added: u32,
    pub bytes_removed: u32,
    pub items_added: u32,
    pub items_removed: u32,
}

impl Diff {
    /// Records a write that replaced a value of `old` bytes (or nothing) with one of
    /// `new` bytes (or nothing).
    pub fn record_write(&mut self, old: Option<u32>, new: Option<u32>) {
        match (old, new) {
            (Some(old), Some(new)) if new > old => self.bytes_added += new - old,
            (Some(old), Some(new)) => self.bytes_removed += old - new,
            (None, Some(new)) => {
                self.bytes_added += new;
                self.items_added += 1;
            }
            (Some(old), None) => {
                self.bytes_removed += old;
                self.items_removed += 1;
            }
            (None, None) => {}
        }
    }

    /// The deposit for storage added, with no contract to refund from.
    pub fn added_deposit<T: Config>(&self) -> BalanceOf<T> {
        T::DepositPerByte::get()
            .saturating_mul(self.bytes_added.into())
            .saturating_add(T::DepositPerItem::get().saturating_mul(self.items_added.into()))
    }

    /// Applies the net change to the contract's counters and deposits and returns the
    /// deposit to charge or refund. Refunds are pro rata: removing a tenth of the
    /// contract's bytes refunds a tenth of its byte deposit.
    pub fn settle<T: Config>(&self, info: &mut ContractInfo<T>) -> Deposit<T> {
        let bytes_added = self.bytes_added.saturating_sub(self.bytes_removed);
        let bytes_removed = self.bytes_removed.saturating_sub(self.bytes_added);
        let items_added = self.items_added.saturating_sub(self.items_removed);
        let items_removed = self.items_removed.saturating_sub(self.items_added);

        let pro_rata = |removed: u32, held_for: u32, held: BalanceOf<T>| {
            FixedU128::checked_from_rational(removed, held_for)
                .unwrap_or_default()
                .min(FixedU128::from_u32(1))
                .saturating_mul_int(held)
        };
        let bytes =
            Deposit::<T>::Charge(T::DepositPerByte::get().saturating_mul(bytes_added.into()))
                .saturating_add(&Deposit::<T>::Refund(pro_rata(
                    bytes_removed,
                    info.storage_bytes,
                    info.storage_byte_deposit,
                )));
        let items =
            Deposit::<T>::Charge(T::DepositPerItem::get().saturating_mul(items_added.into()))
                .saturating_add(&Deposit::<T>::Refund(pro_rata(
                    items_removed,
                    info.storage_items,
                    info.storage_item_deposit,
                )));

        info.storage_bytes = info
            .storage_bytes
            .saturating_add(bytes_added)
            .saturating_sub(bytes_removed);
        info.storage_items = info
            .storage_items
            .saturating_add(items_added)
            .saturating_sub(items_removed);
        apply(&mut info.storage_byte_deposit, &bytes);
        apply(&mut info.storage_item_deposit, &items);
        bytes.saturating_add(&items)
    }
}

fn apply<B: Saturating + Copy>(held: &mut B, deposit: &StorageDeposit<B>) {
    *held = match deposit {
        StorageDeposit::Charge(amount) => held.saturating_add(*amount),
        StorageDeposit::Refund(amount) => held.saturating_sub(*amount),
    };
}

/// What a contract holds for existing: its metadata (as encoded now) plus a share of
/// its code's deposit, which keeps the code from being removed under it.
fn base_deposit<T: Config>(info: &ContractInfo<T>, code_info: &CodeInfo<T>) -> BalanceOf<T> {
    Diff {
        bytes_added: codec::Encode::encoded_size(info) as u32,
        items_added: 1,
        ..Diff::default()
    }
    .added_deposit::<T>()
    .saturating_add(T::CodeHashLockupDepositPercent::get().mul_ceil(code_info.deposit))
}

/// A deposit owed for one contract, settled when the execution ends.
struct Charge<T: Config> {
    contract: AccountIdOf<T>,
    amount: Deposit<T>,
    /// Set when the contract terminated: what remains in it goes here.
    beneficiary: Option<AccountIdOf<T>>,
}

/// The storage deposit meter of one frame (or, at the root, of the whole execution).
pub(crate) struct DepositMeter<T: Config> {
    limit: BalanceOf<T>,
    /// The frame was given a limit of its own (rather than what its parent had left),
    /// which is then checked when it ends; see [`DepositMeter::check_own_limit`].
    own_limit: bool,
    total: Deposit<T>,
    charges: Vec<Charge<T>>,
    /// Storage changes of this frame's own contract.
    own: Diff,
    /// Set when this frame's contract terminated.
    terminated: Option<(AccountIdOf<T>, Deposit<T>)>,
}

impl<T: Config> DepositMeter<T> {
    /// The meter of an execution started by `origin` that transfers `value`. As
    /// upstream, a signed origin must keep `value` and the existential deposit beyond
    /// the limit; without a limit it is that, capped by `DefaultDepositLimit`, and a
    /// larger limit is refused up front. Root's limit is not checked.
    pub(crate) fn root(
        origin: &Origin<T>,
        limit: Option<BalanceOf<T>>,
        value: BalanceOf<T>,
    ) -> Result<Self, DispatchError> {
        let limit = match origin {
            Origin::Root => limit.unwrap_or_else(T::DefaultDepositLimit::get),
            Origin::Signed(who) => {
                let max =
                    T::Currency::reducible_balance(who, Preservation::Preserve, Fortitude::Polite)
                        .saturating_sub(value)
                        .saturating_sub(T::Currency::minimum_balance());
                let limit = limit.unwrap_or_else(|| max.min(T::DefaultDepositLimit::get()));
                let withdrawable = matches!(
                    T::Currency::can_withdraw(who, limit),
                    WithdrawConsequence::Success
                );
                if limit > max || !withdrawable {
                    return Err(Error::<T>::StorageDepositNotEnoughFunds.into());
                }
                limit
            }
        };
        Ok(Self::with_limit(limit))
    }

    fn with_limit(limit: BalanceOf<T>) -> Self {
        DepositMeter {
            limit,
            own_limit: false,
            total: Deposit::<T>::default(),
            charges: Vec::new(),
            own: Diff::default(),
            terminated: None,
        }
    }

    /// The meter of a nested frame: its own `limit` (capped to what is left here), or
    /// when that is zero, a limit derived from what is left here.
    pub(crate) fn nested(&self, limit: BalanceOf<T>) -> Self {
        let available = self.available();
        let limit = limit.min(available);
        let mut nested = Self::with_limit(if limit.is_zero() { available } else { limit });
        nested.own_limit = !limit.is_zero();
        nested
    }

    pub(crate) fn available(&self) -> BalanceOf<T> {
        self.total.available(&self.limit)
    }

    pub(crate) fn total(&self) -> Deposit<T> {
        self.total.clone()
    }

    /// Records a storage change of this frame's contract.
    pub(crate) fn record(&mut self) -> &mut Diff {
        &mut self.own
    }

    /// Makes a new contract exist: the existential deposit moves from the origin to
    /// it now, and its base deposit (its metadata plus a share of its code's deposit)
    /// becomes a charge.
    pub(crate) fn charge_instantiate(
        &mut self,
        origin: &Origin<T>,
        contract: &AccountIdOf<T>,
        info: &mut ContractInfo<T>,
        code_info: &CodeInfo<T>,
    ) -> Result<(), DispatchError> {
        let origin = origin.account_id()?;
        let ed = T::Currency::minimum_balance();
        T::Currency::transfer(origin, contract, ed, Preservation::Preserve)
            .map_err(|_| Error::<T>::StorageDepositNotEnoughFunds)?;
        frame_system::Pallet::<T>::inc_consumers(contract)?;
        self.total = self.total.saturating_add(&Deposit::<T>::Charge(ed));
        let base = base_deposit::<T>(info, code_info);
        info.storage_base_deposit = base;
        self.charge(contract.clone(), Deposit::<T>::Charge(base), None);
        Ok(())
    }

    /// The contract now runs `code_info`'s code: its base deposit is computed anew
    /// and the difference charged or refunded (upstream's `set_code_hash`).
    pub(crate) fn rebase(
        &mut self,
        contract: &AccountIdOf<T>,
        info: &mut ContractInfo<T>,
        code_info: &CodeInfo<T>,
    ) {
        let old = info.storage_base_deposit;
        let new = base_deposit::<T>(info, code_info);
        info.storage_base_deposit = new;
        let change = Deposit::<T>::Charge(new).saturating_add(&Deposit::<T>::Refund(old));
        self.charge(contract.clone(), change, None);
    }

    /// The frame's contract terminated: everything held for it is refunded to the
    /// origin, and what remains in it goes to `beneficiary`.
    pub(crate) fn terminate(&mut self, info: &ContractInfo<T>, beneficiary: AccountIdOf<T>) {
        let held = info
            .storage_base_deposit
            .saturating_add(info.storage_byte_deposit)
            .saturating_add(info.storage_item_deposit);
        self.terminated = Some((beneficiary, Deposit::<T>::Refund(held)));
    }

    /// Locking a delegate dependency charges a share of its code's deposit to the
    /// contract; unlocking refunds it.
    pub(crate) fn charge_delegate_dependency(
        &mut self,
        contract: &AccountIdOf<T>,
        deposit: BalanceOf<T>,
        lock: bool,
    ) {
        let amount = if lock {
            Deposit::<T>::Charge(deposit)
        } else {
            Deposit::<T>::Refund(deposit)
        };
        self.charge(contract.clone(), amount, None);
    }

    fn charge(
        &mut self,
        contract: AccountIdOf<T>,
        amount: Deposit<T>,
        beneficiary: Option<AccountIdOf<T>>,
    ) {
        self.total = self.total.saturating_add(&amount);
        self.charges.push(Charge {
            contract,
            amount,
            beneficiary,
        });
    }

    /// Ends a successful frame of `contract`: folds its storage changes into `info`
    /// (absent when the contract was terminated).
    pub(crate) fn finish_frame(
        &mut self,
        contract: &AccountIdOf<T>,
        info: Option<&mut ContractInfo<T>>,
    ) {
        match (self.terminated.take(), info) {
            (Some((beneficiary, refund)), _) => {
                self.charge(contract.clone(), refund, Some(beneficiary))
            }
            (None, Some(info)) => {
                let own = core::mem::take(&mut self.own).settle(info);
                self.charge(contract.clone(), own, None)
            }
            (None, None) => {}
        }
    }

    /// Checks what the frame (with everything nested in it) charged against its limit.
    /// As upstream, this is checked for the first frame, whose limit is the
    /// execution's, and for frames with a limit of their own: a frame whose limit was
    /// derived counts only through the total, so storage freed by its caller later in
    /// the execution still pays for what it added.
    pub(crate) fn check_limit(&self) -> Result<(), DispatchError> {
        match self.total {
            StorageDeposit::Charge(amount) if amount > self.limit => {
                Err(Error::<T>::StorageDepositLimitExhausted.into())
            }
            _ => Ok(()),
        }
    }

    /// [`Self::check_limit`] for a nested frame: only if it was given its own limit.
    pub(crate) fn check_own_limit(&self) -> Result<(), DispatchError> {
        if self.own_limit {
            self.check_limit()
        } else {
            Ok(())
        }
    }

    /// Takes over the charges of a nested frame that succeeded.
    pub(crate) fn absorb(&mut self, nested: DepositMeter<T>) {
        self.total = self.total.saturating_add(&nested.total);
        self.charges.extend(nested.charges);
    }

    /// Moves the funds: refunds first, then charges, all between the origin and the
    /// contracts. Root executions are not charged.
    pub(crate) fn settle(self, origin: &Origin<T>) -> Result<Deposit<T>, DispatchError> {
        let origin = match origin {
            Origin::Root => return Ok(Deposit::<T>::default()),
            Origin::Signed(who) => who,
        };
        let (refunds, charges): (Vec<_>, Vec<_>) = self
            .charges
            .into_iter()
            .partition(|c| matches!(c.amount, StorageDeposit::Refund(_)));
        for charge in refunds.into_iter().chain(charges) {
            Self::transfer(origin, &charge)?;
        }
        Ok(self.total)
    }

    fn transfer(origin: &AccountIdOf<T>, charge: &Charge<T>) -> Result<(), DispatchError> {
        let reason = HoldReason::StorageDepositReserve.into();
        match charge.amount {
            StorageDeposit::Charge(amount) if !amount.is_zero() => {
                T::Currency::transfer_and_hold(
                    &reason,
                    origin,
                    &charge.contract,
                    amount,
                    Precision::Exact,
                    Preservation::Preserve,
                    Fortitude::Polite,
                )
                .map_err(|_| Error::<T>::StorageDepositNotEnoughFunds)?;
                Pallet::<T>::deposit_event(Event::StorageDepositTransferredAndHeld {
                    from: origin.clone(),
                    to: charge.contract.clone(),
                    amount,
                });
            }
            StorageDeposit::Refund(amount) if !amount.is_zero() => {
                let released = T::Currency::transfer_on_hold(
                    &reason,
                    &charge.contract,
                    origin,
                    amount,
                    Precision::BestEffort,
                    Restriction::Free,
                    Fortitude::Polite,
                )?;
                Pallet::<T>::deposit_event(Event::StorageDepositTransferredAndReleased {
                    from: charge.contract.clone(),
                    to: origin.clone(),
                    amount: released,
                });
            }
            _ => {}
        }
        if let Some(beneficiary) = &charge.beneficiary {
            frame_system::Pallet::<T>::dec_consumers(&charge.contract);
            let rest = T::Currency::reducible_balance(
                &charge.contract,
                Preservation::Expendable,
                Fortitude::Polite,
            );
            T::Currency::transfer(
                &charge.contract,
                beneficiary,
                rest,
                Preservation::Expendable,
            )?;
        }
        Ok(())
    }
}
