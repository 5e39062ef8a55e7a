//! The entry points the runtime APIs use: dry runs of calls, instantiations and
//! uploads, and storage reads, without a dispatchable around them.

use alloc::vec::Vec;
use frame_support::weights::Weight;

use crate::*;

/// The entry points the runtime APIs use: dry runs that return the result, the events
/// and the trace without a dispatchable around them.
impl<T: Config> Pallet<T> {
    /// Dry-runs a call, recording its trace. `gas_limit: None` means the most a block
    /// allows.
    pub fn bare_call(
        origin: T::AccountId,
        dest: T::AccountId,
        value: BalanceOf<T>,
        gas_limit: Option<Weight>,
        storage_deposit_limit: Option<BalanceOf<T>>,
        data: Vec<u8>,
    ) -> (
        ContractExecResult<BalanceOf<T>, EventRecordOf<T>>,
        trace::ExecutionTrace,
    ) {
        let recording = Recording::full();
        Self::bare_call_recorded(
            recording,
            origin,
            dest,
            value,
            gas_limit,
            storage_deposit_limit,
            data,
        )
    }

    /// [`Self::bare_call`] for the result alone (what `ContractsApi::call` serves): no
    /// trace is recorded.
    pub fn bare_call_untraced(
        origin: T::AccountId,
        dest: T::AccountId,
        value: BalanceOf<T>,
        gas_limit: Option<Weight>,
        storage_deposit_limit: Option<BalanceOf<T>>,
        data: Vec<u8>,
    ) -> ContractExecResult<BalanceOf<T>, EventRecordOf<T>> {
        let recording = Recording::Off;
        Self::bare_call_recorded(
            recording,
            origin,
            dest,
            value,
            gas_limit,
            storage_deposit_limit,
            data,
        )
        .0
    }

    /// [`Self::bare_call`], recording as `recording` asks (e.g. with gas profiles).
    pub fn bare_call_recorded(
        recording: Recording,
        origin: T::AccountId,
        dest: T::AccountId,
        value: BalanceOf<T>,
        gas_limit: Option<Weight>,
        storage_deposit_limit: Option<BalanceOf<T>>,
        data: Vec<u8>,
    ) -> (
        ContractExecResult<BalanceOf<T>, EventRecordOf<T>>,
        trace::ExecutionTrace,
    ) {
        exec::Run::<T>::dry_run(origin, gas_limit, storage_deposit_limit, recording)
            .call(dest, value, data)
            .into_contract_result()
    }

    /// Dry-runs an instantiation, uploading the code first when it is given, and
    /// records its trace.
    pub fn bare_instantiate(
        origin: T::AccountId,
        value: BalanceOf<T>,
        gas_limit: Option<Weight>,
        storage_deposit_limit: Option<BalanceOf<T>>,
        code: Code<CodeHash<T>>,
        data: Vec<u8>,
        salt: Vec<u8>,
    ) -> (
        ContractResultOf<T, InstantiateReturnValue<T::AccountId>>,
        trace::ExecutionTrace,
    ) {
        Self::bare_instantiate_recorded(
            Recording::full(),
            origin,
            value,
            gas_limit,
            storage_deposit_limit,
            code,
            data,
            salt,
        )
    }

    /// [`Self::bare_instantiate`], recording as `recording` asks (e.g. with gas
    /// profiles).
    #[allow(clippy::too_many_arguments)]
    pub fn bare_instantiate_recorded(
        recording: Recording,
        origin: T::AccountId,
        value: BalanceOf<T>,
        gas_limit: Option<Weight>,
        storage_deposit_limit: Option<BalanceOf<T>>,
        code: Code<CodeHash<T>>,
        data: Vec<u8>,
        salt: Vec<u8>,
    ) -> (
        ContractResultOf<T, InstantiateReturnValue<T::AccountId>>,
        trace::ExecutionTrace,
    ) {
        exec::Run::<T>::dry_run(origin, gas_limit, storage_deposit_limit, recording)
            .instantiate(value, code, data, salt)
            .into_contract_result()
    }

    /// [`Self::bare_instantiate`] for the result alone (what `ContractsApi::instantiate`
    /// serves): no trace is recorded.
    pub fn bare_instantiate_untraced(
        origin: T::AccountId,
        value: BalanceOf<T>,
        gas_limit: Option<Weight>,
        storage_deposit_limit: Option<BalanceOf<T>>,
        code: Code<CodeHash<T>>,
        data: Vec<u8>,
        salt: Vec<u8>,
    ) -> ContractResultOf<T, InstantiateReturnValue<T::AccountId>> {
        exec::Run::<T>::dry_run(origin, gas_limit, storage_deposit_limit, Recording::Off)
            .instantiate(value, code, data, salt)
            .into_contract_result()
            .0
    }

    /// Uploads code (on its own, as `upload_code` does), returning its hash and deposit.
    /// `determinism` is taken for compatibility, as in `upload_code`.
    pub fn bare_upload_code(
        origin: T::AccountId,
        code: Vec<u8>,
        storage_deposit_limit: Option<BalanceOf<T>>,
        _determinism: Determinism,
    ) -> CodeUploadResult<CodeHash<T>, BalanceOf<T>> {
        Self::upload_code_traced(origin, code, storage_deposit_limit).0
    }

    pub(crate) fn upload_code_traced(
        origin: T::AccountId,
        code: Vec<u8>,
        storage_deposit_limit: Option<BalanceOf<T>>,
    ) -> (
        CodeUploadResult<CodeHash<T>, BalanceOf<T>>,
        trace::ExecutionTrace,
    ) {
        let mut trace = trace::ExecutionTrace::default();
        let result =
            code::upload::<T>(&origin, code, storage_deposit_limit, &mut trace).map(|uploaded| {
                CodeUploadReturnValue {
                    code_hash: uploaded.code_hash,
                    deposit: uploaded.deposit,
                }
            });
        (result, trace)
    }

    /// Reads one item of a contract's storage, by its unhashed key.
    pub fn get_storage(address: T::AccountId, key: Vec<u8>) -> GetStorageResult {
        let info = ContractInfoOf::<T>::get(&address).ok_or(ContractAccessError::DoesntExist)?;
        let key = storage::Key::try_from_var::<T>(key)
            .map_err(|_| ContractAccessError::KeyDecodingFailed)?;
        Ok(info.read(&key))
    }

    /// The address a contract instantiated by `deployer` with these arguments gets.
    pub fn contract_address(
        deployer: &T::AccountId,
        code_hash: &CodeHash<T>,
        input_data: &[u8],
        salt: &[u8],
    ) -> T::AccountId {
        exec::contract_address::<T>(deployer, code_hash, input_data, salt)
    }

    /// The code hash of the contract at `account`, if it is one.
    pub fn code_hash(account: &T::AccountId) -> Option<CodeHash<T>> {
        ContractInfoOf::<T>::get(account).map(|info| info.code_hash)
    }
}
