//! Leaving and crossing frames: return, call, delegate call, instantiate, terminate,
//! transfer, runtime calls, chain extensions, code replacement and delegate
//! dependencies.

use alloc::vec::Vec;
use codec::{DecodeLimit, Encode};
use frame_support::{
    dispatch::{GetDispatchInfo, PostDispatchInfo},
    traits::{Contains, Get, OriginTrait},
    weights::Weight,
};
use pallet_contracts_uapi::{CallFlags, ReturnErrorCode};
use sp_runtime::{
    traits::{Dispatchable, Zero},
    DispatchError,
};

use super::{declare::host_functions, Host, OutputCopy, SENTINEL};
use crate::{
    chain_extension::{ChainExtension, Environment, RetVal},
    code,
    costs::Cost,
    exec::{ErrorOrigin, ExecError, FrameArgs, Stop},
    AccountIdOf, BalanceOf, CodeHash, CodeInfoOf, Config, ContractInfoOf, Error, Event, Pallet,
};

host_functions! {
    /// Ends the call with `data_len` bytes of output; `flags` bit 0 reverts it.
    #[host(seal0)]
    fn seal_return(h, flags: u32, data_ptr: u32, data_len: u32) {
        h.charge(Cost::CopyFromContract(data_len))?;
        let data = h.read(data_ptr, data_len)?;
        h.arg("flags", flags);
        h.arg_bytes("data", &data);
        Err(Stop::Return { flags, data })
    }

    /// Calls a contract with a `ref_time` limit, re-entry allowed.
    #[host(seal0, prefixed)]
    fn call(
        h,
        callee_ptr: u32,
        _callee_len: u32,
        gas: u64,
        value_ptr: u32,
        _value_len: u32,
        input_data_ptr: u32,
        input_data_len: u32,
        output_ptr: u32,
        output_len_ptr: u32,
    ) -> ReturnErrorCode {
        let kind = CallKind::Call {
            callee: callee_ptr,
            value: value_ptr,
            deposit: SENTINEL,
            weight: Weight::from_parts(gas, 0),
        };
        let flags = CallFlags::ALLOW_REENTRY.bits();
        let buffers = [input_data_ptr, input_data_len, output_ptr, output_len_ptr];
        call(h, flags, kind, buffers)
    }

    /// Calls a contract with call flags and a `ref_time` limit.
    #[host(seal1, prefixed)]
    fn call(
        h,
        flags: u32,
        callee_ptr: u32,
        gas: u64,
        value_ptr: u32,
        input_data_ptr: u32,
        input_data_len: u32,
        output_ptr: u32,
        output_len_ptr: u32,
    ) -> ReturnErrorCode {
        let kind = CallKind::Call {
            callee: callee_ptr,
            value: value_ptr,
            deposit: SENTINEL,
            weight: Weight::from_parts(gas, 0),
        };
        let buffers = [input_data_ptr, input_data_len, output_ptr, output_len_ptr];
        call(h, flags, kind, buffers)
    }

    /// Calls a contract with call flags, a weight limit and a storage deposit limit.
    #[host(seal2)]
    fn call(
        h,
        flags: u32,
        callee_ptr: u32,
        ref_time_limit: u64,
        proof_size_limit: u64,
        deposit_ptr: u32,
        value_ptr: u32,
        input_data_ptr: u32,
        input_data_len: u32,
        output_ptr: u32,
        output_len_ptr: u32,
    ) -> ReturnErrorCode {
        let kind = CallKind::Call {
            callee: callee_ptr,
            value: value_ptr,
            deposit: deposit_ptr,
            weight: Weight::from_parts(ref_time_limit, proof_size_limit),
        };
        let buffers = [input_data_ptr, input_data_len, output_ptr, output_len_ptr];
        call(h, flags, kind, buffers)
    }

    /// Runs the code at `code_hash_ptr` in this contract's context.
    #[host(seal0, prefixed)]
    fn delegate_call(
        h,
        flags: u32,
        code_hash_ptr: u32,
        input_data_ptr: u32,
        input_data_len: u32,
        output_ptr: u32,
        output_len_ptr: u32,
    ) -> ReturnErrorCode {
        let kind = CallKind::Delegate { code_hash: code_hash_ptr };
        let buffers = [input_data_ptr, input_data_len, output_ptr, output_len_ptr];
        call(h, flags, kind, buffers)
    }

    /// Instantiates a contract from stored code with a `ref_time` limit.
    #[host(seal0, prefixed, mutating)]
    fn instantiate(
        h,
        code_hash_ptr: u32,
        _code_hash_len: u32,
        gas: u64,
        value_ptr: u32,
        _value_len: u32,
        input_data_ptr: u32,
        input_data_len: u32,
        address_ptr: u32,
        address_len_ptr: u32,
        output_ptr: u32,
        output_len_ptr: u32,
        salt_ptr: u32,
        salt_len: u32,
    ) -> ReturnErrorCode {
        let buffers = [
            input_data_ptr, input_data_len, address_ptr, address_len_ptr,
            output_ptr, output_len_ptr, salt_ptr, salt_len,
        ];
        let weight = Weight::from_parts(gas, 0);
        instantiate(h, code_hash_ptr, weight, SENTINEL, value_ptr, buffers)
    }

    /// As `seal0`, without the unused lengths.
    #[host(seal1, prefixed, mutating)]
    fn instantiate(
        h,
        code_hash_ptr: u32,
        gas: u64,
        value_ptr: u32,
        input_data_ptr: u32,
        input_data_len: u32,
        address_ptr: u32,
        address_len_ptr: u32,
        output_ptr: u32,
        output_len_ptr: u32,
        salt_ptr: u32,
        salt_len: u32,
    ) -> ReturnErrorCode {
        let buffers = [
            input_data_ptr, input_data_len, address_ptr, address_len_ptr,
            output_ptr, output_len_ptr, salt_ptr, salt_len,
        ];
        let weight = Weight::from_parts(gas, 0);
        instantiate(h, code_hash_ptr, weight, SENTINEL, value_ptr, buffers)
    }

    /// Instantiates with a weight limit and a storage deposit limit.
    #[host(seal2, mutating)]
    fn instantiate(
        h,
        code_hash_ptr: u32,
        ref_time_limit: u64,
        proof_size_limit: u64,
        deposit_ptr: u32,
        value_ptr: u32,
        input_data_ptr: u32,
        input_data_len: u32,
        address_ptr: u32,
        address_len_ptr: u32,
        output_ptr: u32,
        output_len_ptr: u32,
        salt_ptr: u32,
        salt_len: u32,
    ) -> ReturnErrorCode {
        let buffers = [
            input_data_ptr, input_data_len, address_ptr, address_len_ptr,
            output_ptr, output_len_ptr, salt_ptr, salt_len,
        ];
        let weight = Weight::from_parts(ref_time_limit, proof_size_limit);
        instantiate(h, code_hash_ptr, weight, deposit_ptr, value_ptr, buffers)
    }

    /// Removes this contract and sends its balance to the beneficiary.
    #[host(seal0, prefixed, mutating)]
    fn terminate(h, beneficiary_ptr: u32, _beneficiary_len: u32) {
        terminate(h, beneficiary_ptr)
    }

    /// As `seal0`, without the unused length.
    #[host(seal1, prefixed, mutating)]
    fn terminate(h, beneficiary_ptr: u32) {
        terminate(h, beneficiary_ptr)
    }

    /// Transfers value from this contract to an account.
    #[host(seal0, prefixed, mutating)]
    fn transfer(
        h,
        account_ptr: u32,
        _account_len: u32,
        value_ptr: u32,
        _value_len: u32,
    ) -> ReturnErrorCode {
        h.charge(Cost::Transfer)?;
        let to: AccountIdOf<T> = h.read_as(account_ptr)?;
        let value: BalanceOf<T> = h.read_as(value_ptr)?;
        h.arg_bytes("to", &to.encode());
        h.arg("value", crate::exec::balance_u128::<T>(value));
        let from = h.stack().top().account.clone();
        Ok(match crate::exec::transfer::<T>(&from, &to, value) {
            Ok(()) => ReturnErrorCode::Success,
            Err(_) => ReturnErrorCode::TransferFailed,
        })
    }

    /// Dispatches a SCALE-encoded runtime call with this contract as signed origin.
    #[host(seal0, mutating)]
    fn call_runtime(h, call_ptr: u32, call_len: u32) -> ReturnErrorCode {
        h.charge(Cost::CopyFromContract(call_len))?;
        let encoded = h.read(call_ptr, call_len)?;
        h.arg_bytes("call", &encoded);
        let call = <T as Config>::RuntimeCall::decode_all_with_depth_limit(
            crate::MAX_DECODE_NESTING,
            &mut &encoded[..],
        )
        .map_err(|_| Error::<T>::DecodingFailed)?;
        let dispatch_weight = call.get_dispatch_info().call_weight;
        let charged = h.charge(Cost::Declared(dispatch_weight))?;
        let contract = h.stack().top().account.clone();
        let mut origin: T::RuntimeOrigin = frame_system::RawOrigin::Signed(contract).into();
        origin.add_filter(<T as Config>::CallFilter::contains);
        let result: Result<PostDispatchInfo, _> = call.dispatch(origin);
        let actual = match &result {
            Ok(info) => info.actual_weight,
            Err(error) => error.post_info.actual_weight,
        };
        // The call was charged its declared weight; what it reports using settles it.
        let actual = actual.map_or(dispatch_weight, |actual| actual.min(dispatch_weight));
        h.adjust(charged, Cost::Declared(actual));
        match result {
            Ok(_) => Ok(ReturnErrorCode::Success),
            Err(error) => {
                h.arg("dispatch_error", crate::exec::describe::<T>(&error.error));
                // Upstream's wording, which clients show.
                let reason: &'static str = error.error.into();
                h.stack()
                    .append_debug(&alloc::format!("call failed with: {reason}"));
                Ok(ReturnErrorCode::CallRuntimeFailed)
            }
        }
    }

    /// Calls the runtime's chain extension `id`; returns what the extension returns.
    #[host(seal0, prefixed)]
    fn call_chain_extension(
        h,
        id: u32,
        input_ptr: u32,
        input_len: u32,
        output_ptr: u32,
        output_len_ptr: u32,
    ) -> u32 {
        if !<T::ChainExtension as ChainExtension<T>>::enabled() {
            return Err(Error::<T>::NoChainExtension.into());
        }
        let input = h.read(input_ptr, input_len)?;
        h.arg("id", id);
        h.arg_bytes("input", &input);
        let mut env = Environment::<T> {
            id,
            input,
            output: Vec::new(),
            contract: h.stack().top().account.clone(),
            charged: Weight::zero(),
        };
        let result = T::ChainExtension::default().call(&mut env);
        h.charge(Cost::Declared(env.charged))?;
        match result.map_err(Stop::Error)? {
            RetVal::Converging(code) => {
                h.write_output(output_ptr, output_len_ptr, &env.output, true, OutputCopy::Covered)?;
                Ok(code)
            }
            RetVal::Diverging { flags, data } => Err(Stop::Return {
                flags: flags.bits(),
                data,
            }),
        }
    }

    /// Replaces this contract's code with the stored code at `code_hash_ptr`.
    #[host(seal0, prefixed, mutating)]
    fn set_code_hash(h, code_hash_ptr: u32) -> ReturnErrorCode {
        h.charge(Cost::SetCodeHash)?;
        let code_hash: CodeHash<T> = h.read_as(code_hash_ptr)?;
        h.arg_bytes("code_hash", &code_hash.encode());
        // As upstream: the new code is loaded (and its load paid for) first.
        let Some(code_info) = CodeInfoOf::<T>::get(code_hash) else {
            return Ok(ReturnErrorCode::CodeNotFound);
        };
        h.charge(Cost::CodeLoad(code_info.code_len))?;
        let frame = h.stack().top_mut();
        let account = frame.account.clone();
        let mut info = ContractInfoOf::<T>::get(&account).ok_or(Error::<T>::ContractNotFound)?;
        let old_code_hash = core::mem::replace(&mut info.code_hash, code_hash);
        frame.deposit.rebase(&account, &mut info, &code_info);
        ContractInfoOf::<T>::insert(&account, info);
        code::increment_refcount::<T>(code_hash)?;
        code::decrement_refcount::<T>(old_code_hash);
        Pallet::<T>::deposit_event(Event::ContractCodeUpdated {
            contract: account,
            new_code_hash: code_hash,
            old_code_hash,
        });
        Ok(ReturnErrorCode::Success)
    }

    /// Locks stored code this contract delegates to, against its removal (for a
    /// deposit).
    #[host(seal0, mutating)]
    fn lock_delegate_dependency(h, code_hash_ptr: u32) {
        h.charge(Cost::LockDelegateDependency)?;
        let code_hash: CodeHash<T> = h.read_as(code_hash_ptr)?;
        h.arg_bytes("code_hash", &code_hash.encode());
        let account = h.stack().top().account.clone();
        let code_info = CodeInfoOf::<T>::get(code_hash).ok_or(Error::<T>::CodeNotFound)?;
        let deposit = T::CodeHashLockupDepositPercent::get().mul_ceil(code_info.deposit);
        ContractInfoOf::<T>::try_mutate(&account, |info| -> Result<(), DispatchError> {
            let info = info.as_mut().ok_or(Error::<T>::ContractNotFound)?;
            if info.code_hash == code_hash {
                return Err(Error::<T>::CannotAddSelfAsDelegateDependency.into());
            }
            if info.delegate_dependencies.contains_key(&code_hash) {
                return Err(Error::<T>::DelegateDependencyAlreadyExists.into());
            }
            info.delegate_dependencies
                .try_insert(code_hash, deposit)
                .map_err(|_| Error::<T>::MaxDelegateDependenciesReached)?;
            Ok(())
        })?;
        code::increment_refcount::<T>(code_hash)?;
        h.stack()
            .top_mut()
            .deposit
            .charge_delegate_dependency(&account, deposit, true);
        Ok(())
    }

    /// Releases a lock taken by `lock_delegate_dependency`, and its deposit.
    #[host(seal0, mutating)]
    fn unlock_delegate_dependency(h, code_hash_ptr: u32) {
        h.charge(Cost::UnlockDelegateDependency)?;
        let code_hash: CodeHash<T> = h.read_as(code_hash_ptr)?;
        h.arg_bytes("code_hash", &code_hash.encode());
        let account = h.stack().top().account.clone();
        let deposit = ContractInfoOf::<T>::try_mutate(&account, |info| {
            let info = info.as_mut().ok_or(Error::<T>::ContractNotFound)?;
            info.delegate_dependencies
                .remove(&code_hash)
                .ok_or(Error::<T>::DelegateDependencyNotFound)
        })?;
        code::decrement_refcount::<T>(code_hash);
        h.stack()
            .top_mut()
            .deposit
            .charge_delegate_dependency(&account, deposit, false);
        Ok(())
    }
}

/// A call's output goes back to the caller as a return code; errors that are the
/// caller's own fault trap it instead.
fn into_return_code<T: Config>(
    result: Result<crate::ExecReturnValue, ExecError>,
) -> Result<ReturnErrorCode, Stop> {
    let error = match result {
        Ok(value) if value.did_revert() => return Ok(ReturnErrorCode::CalleeReverted),
        Ok(_) => return Ok(ReturnErrorCode::Success),
        Err(ExecError {
            origin: ErrorOrigin::Callee,
            ..
        }) => return Ok(ReturnErrorCode::CalleeTrapped),
        Err(ExecError { error, .. }) => error,
    };
    if error == Error::<T>::TransferFailed.into() {
        Ok(ReturnErrorCode::TransferFailed)
    } else if error == Error::<T>::CodeNotFound.into() {
        Ok(ReturnErrorCode::CodeNotFound)
    } else if error == Error::<T>::ContractNotFound.into() {
        Ok(ReturnErrorCode::NotCallable)
    } else {
        Err(Stop::Error(error))
    }
}

enum CallKind {
    Call {
        callee: u32,
        value: u32,
        deposit: u32,
        weight: Weight,
    },
    Delegate {
        code_hash: u32,
    },
}

/// Every call function's last arguments: input pointer and length, output buffer
/// and its length pointer.
type CallBuffers = [u32; 4];

fn call<T: Config>(
    h: &mut Host<'_, '_, T>,
    raw_flags: u32,
    kind: CallKind,
    buffers: CallBuffers,
) -> Result<ReturnErrorCode, Stop> {
    let [input_ptr, input_len, output_ptr, output_len_ptr] = buffers;
    let flags = CallFlags::from_bits(raw_flags).ok_or(Error::<T>::InvalidCallFlags)?;
    h.arg("flags", raw_flags);
    h.charge(match kind {
        CallKind::Call { .. } => Cost::CallBase,
        CallKind::Delegate { .. } => Cost::DelegateCallBase,
    })?;
    let input = if flags.contains(CallFlags::CLONE_INPUT) {
        let input = h
            .stack()
            .top()
            .input
            .clone()
            .ok_or(Error::<T>::InputForwarded)?;
        h.charge(Cost::CallInputCloned(input.len() as u32))?;
        input
    } else if flags.contains(CallFlags::FORWARD_INPUT) {
        h.stack()
            .top_mut()
            .input
            .take()
            .ok_or(Error::<T>::InputForwarded)?
    } else {
        h.charge(Cost::CopyFromContract(input_len))?;
        h.read(input_ptr, input_len)?
    };
    h.arg_bytes("input", &input);

    let (result, _) = match kind {
        CallKind::Call {
            callee,
            value,
            deposit,
            weight,
        } => {
            let callee: AccountIdOf<T> = h.read_as(callee)?;
            h.arg_bytes("callee", &callee.encode());
            let deposit_limit: BalanceOf<T> = if deposit == SENTINEL {
                Zero::zero()
            } else {
                h.read_as(deposit)?
            };
            let value: BalanceOf<T> = h.read_as(value)?;
            h.arg("value", crate::exec::balance_u128::<T>(value));
            h.arg("gas_limit", alloc::format!("{weight:?}"));
            let read_only = flags.contains(CallFlags::READ_ONLY);
            if !value.is_zero() {
                if read_only || h.stack().is_read_only() {
                    return Err(Error::<T>::StateChangeDenied.into());
                }
                h.charge(Cost::CallTransferSurcharge)?;
            }
            let stack = h.stack();
            stack.top_mut().allows_reentry = flags.contains(CallFlags::ALLOW_REENTRY);
            let args = FrameArgs::Call {
                dest: callee,
                value,
                read_only,
            };
            stack.run_nested(args, input, weight, deposit_limit)
        }
        CallKind::Delegate { code_hash } => {
            if flags.intersects(CallFlags::ALLOW_REENTRY | CallFlags::READ_ONLY) {
                return Err(Error::<T>::InvalidCallFlags.into());
            }
            let code_hash: CodeHash<T> = h.read_as(code_hash)?;
            h.arg_bytes("code_hash", &code_hash.encode());
            h.stack().run_nested(
                FrameArgs::DelegateCall { code_hash },
                input,
                Weight::zero(),
                Zero::zero(),
            )
        }
    };
    h.stack().top_mut().allows_reentry = true;

    if flags.contains(CallFlags::TAIL_CALL) {
        if let Ok(value) = result {
            return Err(Stop::Return {
                flags: value.flags.bits(),
                data: value.data,
            });
        }
    }
    if let Ok(output) = &result {
        h.write_output(
            output_ptr,
            output_len_ptr,
            &output.data,
            true,
            OutputCopy::Charged,
        )?;
    }
    into_return_code::<T>(result)
}

/// Every instantiate version's last arguments: input pointer and length, address
/// buffer and its length pointer, output buffer and its length pointer, salt pointer
/// and length.
type InstantiateBuffers = [u32; 8];

/// `deposit` and `value` point at balances; a `deposit` of [`SENTINEL`] means no limit.
fn instantiate<T: Config>(
    h: &mut Host<'_, '_, T>,
    code_hash: u32,
    weight: Weight,
    deposit: u32,
    value: u32,
    buffers: InstantiateBuffers,
) -> Result<ReturnErrorCode, Stop> {
    let [input, input_len, address_ptr, address_len, out, out_len, salt, salt_len] = buffers;
    h.charge(Cost::Instantiate {
        input_len,
        salt_len,
    })?;
    let deposit_limit: BalanceOf<T> = if deposit == SENTINEL {
        Zero::zero()
    } else {
        h.read_as(deposit)?
    };
    let value: BalanceOf<T> = h.read_as(value)?;
    let code_hash: CodeHash<T> = h.read_as(code_hash)?;
    let input = h.read(input, input_len)?;
    let salt = h.read(salt, salt_len)?;
    h.arg_bytes("code_hash", &code_hash.encode());
    h.arg("value", crate::exec::balance_u128::<T>(value));
    h.arg_bytes("input", &input);
    h.arg_bytes("salt", &salt);
    h.arg("gas_limit", alloc::format!("{weight:?}"));
    let frame_args = FrameArgs::Instantiate {
        code_hash,
        value,
        salt,
    };
    let (result, address) = h
        .stack()
        .run_nested(frame_args, input, weight, deposit_limit);
    if let Ok(output) = &result {
        if let (false, Some(address)) = (output.did_revert(), &address) {
            let address = address.encode();
            h.write_output(
                address_ptr,
                address_len,
                &address,
                true,
                OutputCopy::Covered,
            )?;
        }
        h.write_output(out, out_len, &output.data, true, OutputCopy::Charged)?;
    }
    into_return_code::<T>(result)
}

fn terminate<T: Config>(h: &mut Host<'_, '_, T>, beneficiary: u32) -> Result<(), Stop> {
    // Read once: its dependencies price the call, and it is removed below.
    let info = ContractInfoOf::<T>::get(&h.stack().top().account);
    let dependencies = info
        .as_ref()
        .map_or(0, |info| info.delegate_dependencies.len() as u32);
    h.charge(Cost::Terminate(dependencies))?;
    let beneficiary: AccountIdOf<T> = h.read_as(beneficiary)?;
    h.arg_bytes("beneficiary", &beneficiary.encode());
    let stack = h.stack();
    let frame = stack.top();
    let account = frame.account.clone();
    if stack.is_recursive() {
        return Err(Error::<T>::TerminatedWhileReentrant.into());
    }
    let info = info.ok_or(Error::<T>::ContractNotFound)?;
    ContractInfoOf::<T>::remove(&account);
    info.erase_storage();
    code::decrement_refcount::<T>(info.code_hash);
    let frame = stack.top_mut();
    frame.deposit.terminate(&info, beneficiary.clone());
    // A constructor that terminates fails once it returns (`TerminatedInConstructor`),
    // as upstream. Delegate dependencies give their deposits back to the origin.
    for (code_hash, deposit) in &info.delegate_dependencies {
        code::decrement_refcount::<T>(*code_hash);
        frame
            .deposit
            .charge_delegate_dependency(&account, *deposit, false);
    }
    Pallet::<T>::deposit_event(Event::Terminated {
        contract: account,
        beneficiary: beneficiary.clone(),
    });
    Err(Stop::Terminate {
        beneficiary: beneficiary.encode(),
    })
}
