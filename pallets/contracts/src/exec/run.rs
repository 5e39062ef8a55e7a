//! One top-level execution — a dispatchable or a dry run — around the stack: its
//! deposit limit, its gas, the uploaded code it may start with, and what it reports.

use alloc::vec::Vec;
use frame_support::{
    dispatch::{DispatchErrorWithPostInfo, DispatchResultWithPostInfo, PostDispatchInfo},
    traits::Get,
    weights::Weight,
};
use sp_runtime::{traits::Zero, DispatchError};

use super::*;
use crate::OnTrace;

/// One top-level execution: a dispatchable or a dry run.
#[derive(frame_support::CloneNoBound)]
pub(crate) struct Run<T: Config> {
    origin: Origin<T>,
    gas_limit: Weight,
    deposit_limit: Option<BalanceOf<T>>,
    dry_run: bool,
    recording: Recording,
    /// Whether a coverage run on the lens engine goes first ([`crate::OnTrace::coverage`]).
    covered: bool,
    /// Whether this is that coverage run (on the lens engine).
    coverage_run: bool,
}

/// What a top-level execution produced.
pub(crate) struct RunOutcome<T: Config, R> {
    pub result: Result<R, DispatchError>,
    pub gas_consumed: Weight,
    pub gas_required: Weight,
    pub storage_deposit: Deposit<T>,
    pub debug_message: Vec<u8>,
    pub events: Option<Vec<EventRecordOf<T>>>,
    pub trace: ExecutionTrace,
}

impl<T: Config> Run<T> {
    pub(crate) fn dispatched(
        origin: Origin<T>,
        gas_limit: Weight,
        deposit_limit: Option<BalanceOf<T>>,
    ) -> Self {
        let recording = match (T::OnTrace::trace_limits(), T::OnTrace::profile()) {
            (Some(limits), None) => Recording::Within(limits),
            (Some(limits), Some(profiling)) => Recording::Profiled(limits, profiling),
            (None, _) => Recording::Off,
        };
        Run {
            origin,
            gas_limit,
            deposit_limit,
            dry_run: false,
            recording,
            covered: T::OnTrace::coverage(),
            coverage_run: false,
        }
    }

    /// A dry run: debug output and events come back with the result, and the trace is
    /// recorded as `recording` says.
    pub(crate) fn dry_run(
        origin: AccountIdOf<T>,
        gas_limit: Option<Weight>,
        deposit_limit: Option<BalanceOf<T>>,
        recording: Recording,
    ) -> Self {
        let max_block = <T as frame_system::Config>::BlockWeights::get().max_block;
        Run {
            origin: Origin::Signed(origin),
            gas_limit: gas_limit.unwrap_or(max_block),
            deposit_limit,
            dry_run: true,
            recording,
            covered: T::OnTrace::coverage(),
            coverage_run: false,
        }
    }

    pub(crate) fn call(
        self,
        dest: AccountIdOf<T>,
        value: BalanceOf<T>,
        input: Vec<u8>,
    ) -> RunOutcome<T, ExecReturnValue> {
        let args = FrameArgs::Call {
            dest,
            value,
            read_only: false,
        };
        self.run(args, input, Vec::new(), None)
            .map(|(value, _account)| value)
    }

    pub(crate) fn instantiate(
        self,
        value: BalanceOf<T>,
        code: Code<CodeHash<T>>,
        input: Vec<u8>,
        salt: Vec<u8>,
    ) -> RunOutcome<T, InstantiateReturnValue<AccountIdOf<T>>> {
        let mut uploads = Vec::new();
        let mut upload_deposit = BalanceOf::<T>::zero();
        let given_code = matches!(code, Code::Upload(_));
        let code_hash = match code {
            Code::Existing(hash) => hash,
            Code::Upload(code) => {
                let uploader = match self.origin.account_id() {
                    Ok(who) => who.clone(),
                    Err(error) => return self.failed(error, Vec::new()),
                };
                let mut trace = ExecutionTrace::default();
                let uploaded = code::upload::<T>(&uploader, code, self.deposit_limit, &mut trace);
                uploads = trace.uploads;
                match uploaded {
                    Ok(uploaded) => {
                        upload_deposit = uploaded.deposit;
                        uploaded.code_hash
                    }
                    Err(error) => return self.failed(error, uploads),
                }
            }
        };
        let run = Run {
            deposit_limit: self
                .deposit_limit
                .map(|limit| limit.saturating_sub(upload_deposit)),
            ..self
        };
        let args = FrameArgs::Instantiate {
            code_hash,
            value,
            salt,
        };
        let mut outcome = run
            .run(args, input, uploads, given_code.then_some(code_hash))
            .map(|(result, account_id)| InstantiateReturnValue { result, account_id });
        outcome.storage_deposit = outcome
            .storage_deposit
            .saturating_add(&Deposit::<T>::Charge(upload_deposit));
        outcome
    }

    fn failed<R>(self, error: DispatchError, uploads: Vec<trace::UploadTrace>) -> RunOutcome<T, R> {
        RunOutcome {
            result: Err(error),
            gas_consumed: Weight::zero(),
            gas_required: Weight::zero(),
            storage_deposit: Deposit::<T>::default(),
            debug_message: Vec::new(),
            events: self.dry_run.then(|| collect_events::<T>()),
            trace: ExecutionTrace {
                executor: T::Sandbox::engine().executor().name().into(),
                uploads,
                root: None,
                error: Some(describe::<T>(&error)),
                ..ExecutionTrace::default()
            },
        }
    }

    fn run(
        self,
        args: FrameArgs<T>,
        input: Vec<u8>,
        uploads: Vec<trace::UploadTrace>,
        uploaded: Option<CodeHash<T>>,
    ) -> RunOutcome<T, (ExecReturnValue, AccountIdOf<T>)> {
        if self.covered && !T::Sandbox::is_lens() {
            self.cover(&args, &input, uploaded);
        }
        let value = match &args {
            FrameArgs::Call { value, .. } | FrameArgs::Instantiate { value, .. } => *value,
            FrameArgs::DelegateCall { .. } => Zero::zero(),
        };
        let mut root_deposit = match DepositMeter::root(&self.origin, self.deposit_limit, value) {
            Ok(meter) => meter,
            Err(error) => return self.failed(error, uploads),
        };
        let mut stack = Stack::<T>::new(
            self.origin.clone(),
            self.gas_limit,
            uploaded,
            self.recording.clone(),
            self.dry_run,
            self.coverage_run,
        );
        let frame_deposit = root_deposit.nested(Zero::zero());
        let outcome = stack.run_frame(args, input, Weight::zero(), frame_deposit);
        stack.store_nonce();
        stack.root_gas.absorb(&outcome.gas);
        let gas = &stack.root_gas;
        let succeeded = outcome.succeeded();
        let mut result = match (outcome.result, outcome.account) {
            (Ok(value), Some(account)) => Ok((value, account)),
            (Ok(_), None) => Err(Error::<T>::ContractNotFound.into()),
            (Err(error), _) => Err(error.error),
        };
        let mut storage_deposit = Deposit::<T>::default();
        if succeeded {
            root_deposit.absorb(outcome.deposit);
            match root_deposit.settle(&self.origin) {
                Ok(deposit) => storage_deposit = deposit,
                Err(error) => result = Err(error),
            }
        }
        let trace = ExecutionTrace {
            executor: stack.engine.executor().name().into(),
            uploads,
            root: Some(outcome.trace),
            error: result.as_ref().err().map(describe::<T>),
            truncated: stack.recorder.truncation(),
            ..ExecutionTrace::default()
        };
        if self.coverage_run {
            T::OnTrace::on_coverage(stack.recorder.take_hits());
        }
        let debug_message = if stack.collect_debug {
            stack.debug_buffer
        } else {
            Vec::new()
        };
        RunOutcome {
            result,
            gas_consumed: gas.consumed(),
            gas_required: gas.required(),
            storage_deposit,
            debug_message,
            events: self.dry_run.then(|| collect_events::<T>()),
            trace,
        }
    }
}

impl<T: Config> Run<T> {
    /// Runs this execution on the lens engine with every block of code marked, in a
    /// storage transaction that is rolled back, for what its code reached: the same
    /// state and inputs as the decisive run that follows, which it leaves as it found.
    /// A coverage run that fails to start or diverges only shows less.
    fn cover(&self, args: &FrameArgs<T>, input: &[u8], uploaded: Option<CodeHash<T>>) {
        let shadow = Run {
            recording: Recording::coverage(),
            covered: false,
            coverage_run: true,
            ..self.clone()
        };
        let _ = with_transaction(|| {
            shadow.run(args.clone(), input.to_vec(), Vec::new(), uploaded);
            TransactionOutcome::Rollback(Ok::<_, DispatchError>(()))
        });
    }
}

fn collect_events<T: Config>() -> Vec<EventRecordOf<T>> {
    frame_system::Pallet::<T>::read_events_no_consensus()
        .map(|record| *record)
        .collect()
}

impl<T: Config, R> RunOutcome<T, R> {
    fn map<S>(self, f: impl FnOnce(R) -> S) -> RunOutcome<T, S> {
        RunOutcome {
            result: self.result.map(f),
            gas_consumed: self.gas_consumed,
            gas_required: self.gas_required,
            storage_deposit: self.storage_deposit,
            debug_message: self.debug_message,
            events: self.events,
            trace: self.trace,
        }
    }
}

/// The returned value of a call or instantiation, for reverting detection.
pub(crate) trait ReturnedValue {
    fn returned(&self) -> &ExecReturnValue;
}

impl ReturnedValue for ExecReturnValue {
    fn returned(&self) -> &ExecReturnValue {
        self
    }
}

impl<A> ReturnedValue for InstantiateReturnValue<A> {
    fn returned(&self) -> &ExecReturnValue {
        &self.result
    }
}

impl<T: Config, R: ReturnedValue> RunOutcome<T, R> {
    /// The dispatchable's result: a revert fails the extrinsic with `ContractReverted`,
    /// and the weight is the base weight plus the gas consumed.
    pub(crate) fn into_dispatch_result(self, base_weight: Weight) -> DispatchResultWithPostInfo {
        let post_info = PostDispatchInfo {
            actual_weight: Some(base_weight.saturating_add(self.gas_consumed)),
            pays_fee: Default::default(),
        };
        match self.result {
            Ok(value) if !value.returned().did_revert() => Ok(post_info),
            Ok(_) => Err(DispatchErrorWithPostInfo {
                post_info,
                error: Error::<T>::ContractReverted.into(),
            }),
            Err(error) => Err(DispatchErrorWithPostInfo { post_info, error }),
        }
    }
}

impl<T: Config, R> RunOutcome<T, R> {
    /// The dry-run result clients decode (`ContractExecResult` or
    /// `ContractInstantiateResult`), and the trace.
    pub(crate) fn into_contract_result(self) -> (crate::ContractResultOf<T, R>, ExecutionTrace) {
        (
            crate::ContractResult {
                gas_consumed: self.gas_consumed,
                gas_required: self.gas_required,
                storage_deposit: self.storage_deposit,
                debug_message: self.debug_message,
                result: self.result,
                events: self.events,
            },
            self.trace,
        )
    }
}
