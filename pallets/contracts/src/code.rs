//! Contract code: upload (validation against the ABI, deposit), removal and the
//! reference count that keeps code used by contracts from being removed.

use alloc::{format, string::String, string::ToString, vec::Vec};
use codec::{Encode, MaxEncodedLen};
use europa_sandbox::{Signature, WasmFeatures};
use frame_support::{
    ensure,
    traits::{fungible::MutateHold, tokens::Precision, Get},
};
use sp_runtime::{traits::Hash, DispatchError};

use crate::{
    chain_extension::ChainExtension,
    deposit::Diff,
    exec::Stack,
    host,
    trace::{Bytes, ExecutionTrace, UploadTrace},
    AccountIdOf, BalanceOf, CodeHash, CodeInfo, CodeInfoOf, Config, Error, Event, HoldReason,
    Pallet, PristineCode, SandboxSource,
};

pub(crate) struct Uploaded<T: Config> {
    pub code_hash: CodeHash<T>,
    /// Deposit held for it now; zero when the code was already stored.
    pub deposit: BalanceOf<T>,
}

/// Validates and stores `code`, holding its deposit from `origin`. Storing code that
/// is already stored changes nothing and costs nothing.
pub(crate) fn upload<T: Config>(
    origin: &AccountIdOf<T>,
    code: Vec<u8>,
    deposit_limit: Option<BalanceOf<T>>,
    trace: &mut ExecutionTrace,
) -> Result<Uploaded<T>, DispatchError> {
    let code_hash = T::Hashing::hash(&code);
    let mut upload = UploadTrace {
        code_hash: Bytes(code_hash.encode()),
        code_len: code.len() as u32,
        ..UploadTrace::default()
    };
    trace.executor = T::Sandbox::engine().executor().name().into();
    let result = store::<T>(origin, code, code_hash, deposit_limit, &mut upload);
    if let Err(error) = &result {
        upload
            .rejected
            .get_or_insert_with(|| crate::exec::describe::<T>(error));
        log::debug!(target: "runtime::contracts", "code {code_hash:?} rejected: {:?}", upload.rejected);
    }
    trace.uploads.push(upload);
    result
}

fn store<T: Config>(
    origin: &AccountIdOf<T>,
    code: Vec<u8>,
    code_hash: CodeHash<T>,
    deposit_limit: Option<BalanceOf<T>>,
    upload: &mut UploadTrace,
) -> Result<Uploaded<T>, DispatchError> {
    let max_len = T::MaxCodeLen::get();
    if code.len() > max_len as usize {
        upload.rejected = Some(format!(
            "Contracts::CodeTooLarge: the code is {} bytes, the maximum is {max_len}",
            code.len()
        ));
        return Err(Error::<T>::CodeTooLarge.into());
    }
    if CodeInfoOf::<T>::contains_key(code_hash) {
        return Ok(Uploaded {
            code_hash,
            deposit: Default::default(),
        });
    }
    upload.features_used = validate::<T>(&code).map_err(|reason| {
        upload.rejected = Some(format!("Contracts::CodeRejected: {reason}"));
        Error::<T>::CodeRejected
    })?;

    let mut info = CodeInfo::<T>::new(origin.clone(), code.len() as u32);
    // Upstream charges for the largest encoding of the code's metadata.
    let deposit = Diff {
        bytes_added: (code.len() + CodeInfo::<T>::max_encoded_len()) as u32,
        items_added: 2,
        ..Diff::default()
    }
    .added_deposit::<T>();
    if deposit_limit.is_some_and(|limit| deposit > limit) {
        return Err(Error::<T>::StorageDepositLimitExhausted.into());
    }
    T::Currency::hold(
        &HoldReason::CodeUploadDepositReserve.into(),
        origin,
        deposit,
    )
    .map_err(|_| Error::<T>::StorageDepositNotEnoughFunds)?;
    info.deposit = deposit;
    let code: crate::CodeVec<T> = code.try_into().map_err(|_| Error::<T>::CodeTooLarge)?;
    PristineCode::<T>::insert(code_hash, &code);
    CodeInfoOf::<T>::insert(code_hash, info);
    Pallet::<T>::deposit_event(Event::CodeStored {
        code_hash,
        deposit_held: deposit,
        uploader: origin.clone(),
    });
    Ok(Uploaded { code_hash, deposit })
}

/// Checks code against the engine's profile and the contract ABI; returns the WASM
/// features beyond 1.0 it uses, or why it is rejected.
fn validate<T: Config>(code: &[u8]) -> Result<Vec<String>, String> {
    let engine = T::Sandbox::engine();
    let host_functions = host::shared_environment::<T>();
    let report = engine
        .inspect::<Stack<T>>(code, &host_functions.env)
        .map_err(|error| error.to_string())?;
    // Upstream's rules for imports, whatever the profile: the memory comes from the
    // host, and new code may not use what upstream deprecated or does not offer.
    if report.imported_memory.is_none() {
        return Err("the code must import its memory as `env.memory`".into());
    }
    for (module, name) in &report.imported_functions {
        if host_functions.is_deprecated(module, name) {
            return Err(format!(
                "`{module}.{name}` is deprecated: new code may not import it"
            ));
        }
        let is_chain_extension =
            name == "call_chain_extension" || name == "seal_call_chain_extension";
        if is_chain_extension && !<T::ChainExtension as ChainExtension<T>>::enabled() {
            return Err(format!(
                "`{module}.{name}` is not available: this chain has no chain extension"
            ));
        }
    }
    let strict = engine.config().features == WasmFeatures::strict();
    let entry = Signature::new(&[], &[]);
    for name in ["call", "deploy"] {
        match report.exports.iter().find(|e| e.name == name) {
            Some(export) if export.func.as_ref() == Some(&entry) => {}
            Some(_) => {
                return Err(format!(
                    "the `{name}` export must be a function without parameters or results"
                ))
            }
            None => return Err(format!("the code does not export `{name}`")),
        }
    }
    if strict {
        if let Some(extra) = report
            .exports
            .iter()
            .find(|e| e.name != "call" && e.name != "deploy")
        {
            return Err(format!(
                "exports other than `call` and `deploy` are forbidden, found `{}`",
                extra.name
            ));
        }
    }
    Ok(report
        .features_used
        .iter()
        .map(|f| f.name().into())
        .collect())
}

/// Removes unused code uploaded by `origin` and releases its deposit.
pub(crate) fn remove<T: Config>(
    origin: &AccountIdOf<T>,
    code_hash: CodeHash<T>,
) -> Result<(), DispatchError> {
    let info = CodeInfoOf::<T>::get(code_hash).ok_or(Error::<T>::CodeNotFound)?;
    ensure!(&info.owner == origin, sp_runtime::traits::BadOrigin);
    ensure!(info.refcount == 0, Error::<T>::CodeInUse);
    let released = T::Currency::release(
        &HoldReason::CodeUploadDepositReserve.into(),
        &info.owner,
        info.deposit,
        Precision::BestEffort,
    )?;
    CodeInfoOf::<T>::remove(code_hash);
    PristineCode::<T>::remove(code_hash);
    Pallet::<T>::deposit_event(Event::CodeRemoved {
        code_hash,
        deposit_released: released,
        remover: origin.clone(),
    });
    Ok(())
}

/// The code stored under `code_hash`, as uploaded. Read as the stored bytes, skipping
/// their length prefix, rather than decoded into a `Vec` (one more copy of the code):
/// every call reads its code.
pub(crate) fn stored<T: Config>(
    code_hash: CodeHash<T>,
) -> Option<impl core::ops::Deref<Target = [u8]>> {
    let raw = sp_io::storage::get(&PristineCode::<T>::hashed_key_for(code_hash))?;
    let mut input = &raw[..];
    let len = <codec::Compact<u32> as codec::Decode>::decode(&mut input)
        .ok()?
        .0 as usize;
    let start = raw.len().checked_sub(len).filter(|_| input.len() == len)?;
    Some(StoredCode { raw, start })
}

/// Stored code without its length prefix.
struct StoredCode<B> {
    raw: B,
    start: usize,
}

impl<B: core::ops::Deref<Target = [u8]>> core::ops::Deref for StoredCode<B> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.raw[self.start..]
    }
}

pub(crate) fn increment_refcount<T: Config>(code_hash: CodeHash<T>) -> Result<(), DispatchError> {
    CodeInfoOf::<T>::mutate(code_hash, |info| match info {
        Some(info) => {
            info.refcount = info.refcount.saturating_add(1);
            Ok(())
        }
        None => Err(Error::<T>::CodeNotFound.into()),
    })
}

pub(crate) fn decrement_refcount<T: Config>(code_hash: CodeHash<T>) {
    CodeInfoOf::<T>::mutate(code_hash, |info| {
        if let Some(info) = info {
            info.refcount = info.refcount.saturating_sub(1);
        }
    })
}
