//! Leaving and crossing frames: return, call, delegate call, instantiate, terminate,
//! transfer, runtime calls, chain extensions, code replacement and delegate
//! dependencies.

use alloc::vec::Vec;
use codec::{DecodeLimit, Encode};
use europa_sandbox::Value;
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

use super::{
    host_fn, u32_args, u64_arg, Alias, Ctx, Definer, Host, HostResult, OutputCopy, Returned, I32,
    I64, SENTINEL,
};
use crate::{
    chain_extension::{ChainExtension, Environment, RetVal},
    code,
    costs::Cost,
    exec::{ErrorOrigin, ExecError, FrameArgs, Stop},
    AccountIdOf, BalanceOf, CodeHash, CodeInfoOf, Config, ContractInfoOf, Error, Event, Pallet,
};

pub fn define<T: Config>(d: &mut Definer<'_, T>) {
    d.func(
        "seal0",
        "seal_return",
        Alias::None,
        &[I32, I32, I32],
        &[],
        seal_return::<T>,
    );
    d.func(
        "seal0",
        "call",
        Alias::Prefixed,
        &[I32, I32, I64, I32, I32, I32, I32, I32, I32],
        &[I32],
        call_v0::<T>,
    );
    d.func(
        "seal1",
        "call",
        Alias::Prefixed,
        &[I32, I32, I64, I32, I32, I32, I32, I32],
        &[I32],
        call_v1::<T>,
    );
    d.func(
        "seal2",
        "call",
        Alias::None,
        &[I32, I32, I64, I64, I32, I32, I32, I32, I32, I32],
        &[I32],
        call_v2::<T>,
    );
    d.func(
        "seal0",
        "delegate_call",
        Alias::Prefixed,
        &[I32, I32, I32, I32, I32, I32],
        &[I32],
        delegate_call::<T>,
    );
    d.func(
        "seal0",
        "instantiate",
        Alias::Prefixed,
        &[
            I32, I32, I64, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32,
        ],
        &[I32],
        instantiate_v0::<T>,
    );
    d.func(
        "seal1",
        "instantiate",
        Alias::Prefixed,
        &[I32, I64, I32, I32, I32, I32, I32, I32, I32, I32, I32],
        &[I32],
        instantiate_v1::<T>,
    );
    d.func(
        "seal2",
        "instantiate",
        Alias::None,
        &[
            I32, I64, I64, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32,
        ],
        &[I32],
        instantiate_v2::<T>,
    );
    d.func(
        "seal0",
        "terminate",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        terminate_v0::<T>,
    );
    d.func(
        "seal1",
        "terminate",
        Alias::Prefixed,
        &[I32],
        &[],
        terminate_v1::<T>,
    );
    d.func(
        "seal0",
        "transfer",
        Alias::Prefixed,
        &[I32, I32, I32, I32],
        &[I32],
        transfer::<T>,
    );
    d.func(
        "seal0",
        "call_runtime",
        Alias::None,
        &[I32, I32],
        &[I32],
        call_runtime::<T>,
    );
    d.func(
        "seal0",
        "call_chain_extension",
        Alias::Prefixed,
        &[I32, I32, I32, I32, I32],
        &[I32],
        call_chain_extension::<T>,
    );
    d.func(
        "seal0",
        "set_code_hash",
        Alias::Prefixed,
        &[I32],
        &[I32],
        set_code_hash::<T>,
    );
    d.func(
        "seal0",
        "lock_delegate_dependency",
        Alias::None,
        &[I32],
        &[],
        lock_delegate_dependency::<T>,
    );
    d.func(
        "seal0",
        "unlock_delegate_dependency",
        Alias::None,
        &[I32],
        &[],
        unlock_delegate_dependency::<T>,
    );
}

fn seal_return<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.seal_return", |h| {
        let [flags, data, len] = u32_args(args);
        h.charge(Cost::CopyFromContract(len))?;
        let data = h.read(data, len)?;
        h.arg("flags", flags);
        h.arg_bytes("data", &data);
        Err(Stop::Return { flags, data })
    })
}

/// A call's output goes back to the caller as a return code; errors that are the
/// caller's own fault trap it instead.
fn into_return_code<T: Config>(
    result: Result<crate::ExecReturnValue, ExecError>,
) -> Result<Returned, Stop> {
    let error = match result {
        Ok(value) if value.did_revert() => return Ok(ReturnErrorCode::CalleeReverted.into()),
        Ok(_) => return Ok(ReturnErrorCode::Success.into()),
        Err(ExecError {
            origin: ErrorOrigin::Callee,
            ..
        }) => return Ok(ReturnErrorCode::CalleeTrapped.into()),
        Err(ExecError { error, .. }) => error,
    };
    if error == Error::<T>::TransferFailed.into() {
        Ok(ReturnErrorCode::TransferFailed.into())
    } else if error == Error::<T>::CodeNotFound.into() {
        Ok(ReturnErrorCode::CodeNotFound.into())
    } else if error == Error::<T>::ContractNotFound.into() {
        Ok(ReturnErrorCode::NotCallable.into())
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

struct CallArgs {
    flags: u32,
    kind: CallKind,
    input: u32,
    input_len: u32,
    out: u32,
    out_len: u32,
}

fn call<T: Config>(h: &mut Host<'_, '_, T>, args: CallArgs) -> Result<Returned, Stop> {
    let flags = CallFlags::from_bits(args.flags).ok_or(Error::<T>::InvalidCallFlags)?;
    h.arg("flags", args.flags);
    h.charge(match args.kind {
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
        h.charge(Cost::CopyFromContract(args.input_len))?;
        h.read(args.input, args.input_len)?
    };
    h.arg_bytes("input", &input);

    let (result, _) = match args.kind {
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
            args.out,
            args.out_len,
            &output.data,
            true,
            OutputCopy::Charged,
        )?;
    }
    into_return_code::<T>(result)
}

fn call_v0<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.call", |h| {
        let [callee, _callee_len, _, value, _value_len, input, input_len, out, out_len] =
            u32_args(args);
        let kind = CallKind::Call {
            callee,
            value,
            deposit: SENTINEL,
            weight: Weight::from_parts(u64_arg(args, 2), 0),
        };
        let flags = CallFlags::ALLOW_REENTRY.bits();
        call(
            h,
            CallArgs {
                flags,
                kind,
                input,
                input_len,
                out,
                out_len,
            },
        )
    })
}

fn call_v1<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal1.call", |h| {
        let [flags, callee, _, value, input, input_len, out, out_len] = u32_args(args);
        let kind = CallKind::Call {
            callee,
            value,
            deposit: SENTINEL,
            weight: Weight::from_parts(u64_arg(args, 2), 0),
        };
        call(
            h,
            CallArgs {
                flags,
                kind,
                input,
                input_len,
                out,
                out_len,
            },
        )
    })
}

fn call_v2<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal2.call", |h| {
        let [flags, callee, _, _, deposit, value, input, input_len, out, out_len] = u32_args(args);
        let kind = CallKind::Call {
            callee,
            value,
            deposit,
            weight: Weight::from_parts(u64_arg(args, 2), u64_arg(args, 3)),
        };
        call(
            h,
            CallArgs {
                flags,
                kind,
                input,
                input_len,
                out,
                out_len,
            },
        )
    })
}

fn delegate_call<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.delegate_call", |h| {
        let [flags, code_hash, input, input_len, out, out_len] = u32_args(args);
        let kind = CallKind::Delegate { code_hash };
        call(
            h,
            CallArgs {
                flags,
                kind,
                input,
                input_len,
                out,
                out_len,
            },
        )
    })
}

struct InstantiateArgs {
    code_hash: u32,
    weight: Weight,
    deposit: u32,
    value: u32,
    /// Every version ends with the same pointers: input, input_len, address,
    /// address_len, out, out_len, salt, salt_len.
    buffers: [u32; 8],
}

fn instantiate<T: Config>(
    h: &mut Host<'_, '_, T>,
    args: InstantiateArgs,
) -> Result<Returned, Stop> {
    let [input, input_len, address_ptr, address_len, out, out_len, salt, salt_len] = args.buffers;
    h.ensure_mutable()?;
    h.charge(Cost::Instantiate {
        input_len,
        salt_len,
    })?;
    let deposit_limit: BalanceOf<T> = if args.deposit == SENTINEL {
        Zero::zero()
    } else {
        h.read_as(args.deposit)?
    };
    let value: BalanceOf<T> = h.read_as(args.value)?;
    let code_hash: CodeHash<T> = h.read_as(args.code_hash)?;
    let input = h.read(input, input_len)?;
    let salt = h.read(salt, salt_len)?;
    h.arg_bytes("code_hash", &code_hash.encode());
    h.arg("value", crate::exec::balance_u128::<T>(value));
    h.arg_bytes("input", &input);
    h.arg_bytes("salt", &salt);
    h.arg("gas_limit", alloc::format!("{:?}", args.weight));
    let frame_args = FrameArgs::Instantiate {
        code_hash,
        value,
        salt,
    };
    let (result, address) = h
        .stack()
        .run_nested(frame_args, input, args.weight, deposit_limit);
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

/// The last `N` of a host function's pointer arguments.
fn last<const N: usize, const M: usize>(args: [u32; M]) -> [u32; N] {
    core::array::from_fn(|i| args[M - N + i])
}

fn instantiate_v0<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.instantiate", |h| {
        // code_hash, code_hash_len, gas, value, value_len, then the buffers.
        let all: [u32; 13] = u32_args(args);
        let weight = Weight::from_parts(u64_arg(args, 2), 0);
        let (code_hash, value, deposit, buffers) = (all[0], all[3], SENTINEL, last(all));
        instantiate(
            h,
            InstantiateArgs {
                code_hash,
                weight,
                deposit,
                value,
                buffers,
            },
        )
    })
}

fn instantiate_v1<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal1.instantiate", |h| {
        // code_hash, gas, value, then the buffers.
        let all: [u32; 11] = u32_args(args);
        let weight = Weight::from_parts(u64_arg(args, 1), 0);
        let (code_hash, value, deposit, buffers) = (all[0], all[2], SENTINEL, last(all));
        instantiate(
            h,
            InstantiateArgs {
                code_hash,
                weight,
                deposit,
                value,
                buffers,
            },
        )
    })
}

fn instantiate_v2<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal2.instantiate", |h| {
        // code_hash, ref_time, proof_size, deposit, value, then the buffers.
        let all: [u32; 13] = u32_args(args);
        let weight = Weight::from_parts(u64_arg(args, 1), u64_arg(args, 2));
        let (code_hash, value, deposit, buffers) = (all[0], all[4], all[3], last(all));
        instantiate(
            h,
            InstantiateArgs {
                code_hash,
                weight,
                deposit,
                value,
                buffers,
            },
        )
    })
}

fn terminate<T: Config>(h: &mut Host<'_, '_, T>, beneficiary: u32) -> Result<Returned, Stop> {
    h.ensure_mutable()?;
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

fn terminate_v0<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.terminate", |h| {
        let [beneficiary, _] = u32_args(args);
        terminate(h, beneficiary)
    })
}

fn terminate_v1<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal1.terminate", |h| {
        let [beneficiary] = u32_args(args);
        terminate(h, beneficiary)
    })
}

fn transfer<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.transfer", |h| {
        let [to, _, value, _] = u32_args(args);
        h.ensure_mutable()?;
        h.charge(Cost::Transfer)?;
        let to: AccountIdOf<T> = h.read_as(to)?;
        let value: BalanceOf<T> = h.read_as(value)?;
        h.arg_bytes("to", &to.encode());
        h.arg("value", crate::exec::balance_u128::<T>(value));
        let from = h.stack().top().account.clone();
        Ok(match crate::exec::transfer::<T>(&from, &to, value) {
            Ok(()) => ReturnErrorCode::Success.into(),
            Err(_) => ReturnErrorCode::TransferFailed.into(),
        })
    })
}

fn call_runtime<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.call_runtime", |h| {
        let [call, len] = u32_args(args);
        h.ensure_mutable()?;
        h.charge(Cost::CopyFromContract(len))?;
        let encoded = h.read(call, len)?;
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
            Ok(_) => Ok(ReturnErrorCode::Success.into()),
            Err(error) => {
                h.arg("dispatch_error", crate::exec::describe::<T>(&error.error));
                // Upstream's wording, which clients show.
                let reason: &'static str = error.error.into();
                h.stack()
                    .append_debug(&alloc::format!("call failed with: {reason}"));
                Ok(ReturnErrorCode::CallRuntimeFailed.into())
            }
        }
    })
}

fn call_chain_extension<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.call_chain_extension", |h| {
        let [id, input, input_len, out, out_len] = u32_args(args);
        if !<T::ChainExtension as ChainExtension<T>>::enabled() {
            return Err(Error::<T>::NoChainExtension.into());
        }
        let input = h.read(input, input_len)?;
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
                h.write_output(out, out_len, &env.output, true, OutputCopy::Covered)?;
                Ok(Returned::U32(code))
            }
            RetVal::Diverging { flags, data } => Err(Stop::Return {
                flags: flags.bits(),
                data,
            }),
        }
    })
}

fn set_code_hash<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.set_code_hash", |h| {
        let [code_hash] = u32_args(args);
        h.ensure_mutable()?;
        h.charge(Cost::SetCodeHash)?;
        let code_hash: CodeHash<T> = h.read_as(code_hash)?;
        h.arg_bytes("code_hash", &code_hash.encode());
        // As upstream: the new code is loaded (and its load paid for) first.
        let Some(code_info) = CodeInfoOf::<T>::get(code_hash) else {
            return Ok(ReturnErrorCode::CodeNotFound.into());
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
        Ok(ReturnErrorCode::Success.into())
    })
}

fn lock_delegate_dependency<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.lock_delegate_dependency", |h| {
        let [code_hash] = u32_args(args);
        h.ensure_mutable()?;
        h.charge(Cost::LockDelegateDependency)?;
        let code_hash: CodeHash<T> = h.read_as(code_hash)?;
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
        Ok(Returned::Unit)
    })
}

fn unlock_delegate_dependency<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.unlock_delegate_dependency", |h| {
        let [code_hash] = u32_args(args);
        h.ensure_mutable()?;
        h.charge(Cost::UnlockDelegateDependency)?;
        let code_hash: CodeHash<T> = h.read_as(code_hash)?;
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
        Ok(Returned::Unit)
    })
}
