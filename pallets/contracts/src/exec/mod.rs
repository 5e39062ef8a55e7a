//! The execution stack: frames of contract calls, instantiations and delegate calls,
//! each running in its own storage transaction, so that a frame that traps or reverts
//! rolls back its own writes, transfers and events and nothing else.

use alloc::{
    boxed::Box,
    rc::Rc,
    string::{String, ToString},
    vec::Vec,
};
use codec::{Decode, Encode};
use europa_sandbox::{EnvironmentDefinitionBuilder, Error as SandboxError, Instance};
use frame_support::{
    storage::{with_transaction, TransactionOutcome},
    traits::{fungible::Mutate, tokens::Preservation, Get},
    weights::Weight,
};
use pallet_contracts_uapi::ReturnFlags;
use sp_runtime::{
    traits::{Hash, Saturating, TrailingZeroInput, Zero},
    DispatchError,
};

use crate::{
    code, costs,
    costs::Cost,
    deposit::{Deposit, DepositMeter},
    gas::GasMeter,
    host,
    recorder::{Recorder, Recording},
    schedule::Schedule,
    trace::{self, Bytes, EntryPoint, ExecutionTrace, FrameTrace, Outcome},
    transient::TransientStorage,
    AccountIdOf, BalanceOf, Code, CodeHash, CodeInfoOf, Config, ContractInfo, ContractInfoOf,
    Error, Event, EventRecordOf, ExecReturnValue, InstantiateReturnValue, Nonce, Origin, Pallet,
    SandboxSource,
};

mod run;

pub(crate) use run::Run;

/// Which side of a call an error belongs to: the caller's own mistake (it traps the
/// caller) or something that went wrong in the callee (the caller gets a return code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorOrigin {
    Caller,
    Callee,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExecError {
    pub error: DispatchError,
    pub origin: ErrorOrigin,
}

impl ExecError {
    fn caller(error: impl Into<DispatchError>) -> Self {
        ExecError {
            error: error.into(),
            origin: ErrorOrigin::Caller,
        }
    }

    fn callee(error: impl Into<DispatchError>) -> Self {
        ExecError {
            error: error.into(),
            origin: ErrorOrigin::Callee,
        }
    }
}

/// Why a host function stopped the contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// `seal_return`: the frame is done.
    Return { flags: u32, data: Vec<u8> },
    /// `terminate`: the contract is gone.
    Terminate { beneficiary: Vec<u8> },
    /// An error: the frame fails with it.
    Error(DispatchError),
}

impl<E: Into<DispatchError>> From<E> for Stop {
    fn from(error: E) -> Self {
        Stop::Error(error.into())
    }
}

/// What a frame is asked to do.
#[derive(frame_support::CloneNoBound)]
pub(crate) enum FrameArgs<T: Config> {
    Call {
        dest: AccountIdOf<T>,
        value: BalanceOf<T>,
        read_only: bool,
    },
    Instantiate {
        code_hash: CodeHash<T>,
        value: BalanceOf<T>,
        salt: Vec<u8>,
    },
    DelegateCall {
        code_hash: CodeHash<T>,
    },
}

/// A frame on the stack.
pub(crate) struct Frame<T: Config> {
    /// The contract whose storage and balance the frame uses.
    pub account: AccountIdOf<T>,
    /// Its metadata as of the frame's start; used for the trie id.
    pub info: ContractInfo<T>,
    /// The code running (differs from `info.code_hash` in a delegate call).
    pub code_hash: CodeHash<T>,
    pub caller: Origin<T>,
    pub value_transferred: BalanceOf<T>,
    /// The input, until `FORWARD_INPUT` hands it on.
    pub input: Option<Vec<u8>>,
    pub entry: EntryPoint,
    pub read_only: bool,
    /// Whether this contract may be re-entered while its current call runs.
    pub allows_reentry: bool,
    pub gas: GasMeter,
    pub deposit: DepositMeter<T>,
    /// Set by the host function that stopped execution.
    pub stop: Option<Stop>,
    pub trace: FrameTrace,
    /// Where this frame's debug text lies in the execution's debug buffer.
    debug_spans: Vec<core::ops::Range<usize>>,
}

/// A finished frame: its result and meters, for the caller to take over.
pub(crate) struct FrameOutcome<T: Config> {
    pub result: Result<ExecReturnValue, ExecError>,
    pub gas: GasMeter,
    pub deposit: DepositMeter<T>,
    pub trace: FrameTrace,
    /// The frame's contract; `None` when the frame failed before it had one.
    pub account: Option<AccountIdOf<T>>,
}

impl<T: Config> FrameOutcome<T> {
    /// Whether the frame's changes stay (it returned without reverting).
    pub(crate) fn succeeded(&self) -> bool {
        matches!(&self.result, Ok(value) if !value.did_revert())
    }
}

pub(crate) type Env<T> = EnvironmentDefinitionBuilder<Stack<T>>;

/// The host state every contract instance of one execution shares.
pub(crate) struct Stack<T: Config> {
    pub origin: Origin<T>,
    /// The execution's gas: the first frame's parent.
    root_gas: GasMeter,
    pub frames: Vec<Frame<T>>,
    pub schedule: Schedule,
    engine: europa_sandbox::Engine,
    host_functions: Rc<host::HostFunctions<T>>,
    /// Text contracts printed with `debug_message`, all frames together, up to
    /// `MaxDebugBufferLen`; frames' traces point into it.
    debug_buffer: Vec<u8>,
    /// Whether the result carries the debug buffer: upstream collects debug output in
    /// dry runs only.
    collect_debug: bool,
    pub recorder: Recorder,
    /// Code this execution uploaded for its outermost frame: it is in memory already,
    /// so (as upstream) running it costs no code load.
    uploaded: Option<CodeHash<T>>,
    /// The instantiation nonce, read on first use and written back when the execution
    /// ends. As upstream, every instantiation attempt takes the next one, and a
    /// constructor that runs and fails (or reverts) gives one back.
    nonce: Option<u64>,
    pub transient: TransientStorage,
}

impl<T: Config> Stack<T> {
    fn new(
        origin: Origin<T>,
        gas_limit: Weight,
        uploaded: Option<CodeHash<T>>,
        recording: Recording,
        collect_debug: bool,
        lens: bool,
    ) -> Self {
        let schedule = T::Schedule::get();
        let lens = lens || T::Sandbox::is_lens();
        let gas_limit = match lens {
            true => gas_limit.max(
                gas_limit
                    .saturating_mul(2)
                    .min(T::BlockWeights::get().max_block),
            ),
            false => gas_limit,
        };
        Stack {
            origin,
            root_gas: GasMeter::new(gas_limit, costs::ref_time_per_fuel::<T>()),
            frames: Vec::new(),
            host_functions: host::shared_environment::<T>(),
            schedule,
            engine: match lens {
                true => T::Sandbox::lens_engine(),
                false => T::Sandbox::engine(),
            },
            debug_buffer: Vec::new(),
            collect_debug,
            recorder: Recorder::new(recording),
            uploaded,
            nonce: None,
            transient: TransientStorage::new(T::MaxTransientStorageSize::get()),
        }
    }

    /// The instantiation nonce as this execution sees it.
    pub(crate) fn nonce(&mut self) -> u64 {
        *self.nonce.get_or_insert_with(Nonce::<T>::get)
    }

    fn next_nonce(&mut self) -> u64 {
        let next = self.nonce().wrapping_add(1);
        self.nonce = Some(next);
        next
    }

    /// Writes the nonce back, if the execution used it.
    fn store_nonce(&self) {
        if let Some(nonce) = self.nonce {
            Nonce::<T>::put(nonce);
        }
    }

    /// Appends `text` to the debug buffer when the result or the trace wants it and it
    /// fits; as upstream, a message that does not fit whole is dropped. Returns whether
    /// the result collects debug output (upstream's `append_debug_buffer`).
    pub(crate) fn append_debug(&mut self, text: &str) -> bool {
        if !self.collect_debug && !self.recorder.is_on() {
            return false;
        }
        let start = self.debug_buffer.len();
        if start.saturating_add(text.len()) > T::MaxDebugBufferLen::get() as usize {
            self.recorder.drop_debug_bytes(text.len());
        } else if !text.is_empty() {
            self.debug_buffer.extend_from_slice(text.as_bytes());
            let end = self.debug_buffer.len();
            self.top_mut().debug_spans.push(start..end);
        }
        self.collect_debug
    }

    /// The debug text frame `frame` printed, for its trace.
    fn debug_text_of(&self, frame: &Frame<T>) -> String {
        let mut text = String::new();
        for span in &frame.debug_spans {
            text.push_str(&String::from_utf8_lossy(&self.debug_buffer[span.clone()]));
        }
        text
    }

    pub(crate) fn top(&self) -> &Frame<T> {
        self.frames
            .last()
            .expect("host functions only run inside a frame")
    }

    pub(crate) fn top_mut(&mut self) -> &mut Frame<T> {
        self.frames
            .last_mut()
            .expect("host functions only run inside a frame")
    }

    pub(crate) fn is_read_only(&self) -> bool {
        self.frames.last().is_some_and(|f| f.read_only)
    }

    /// Whether `account` may be called now: no frame of it on the stack has forbidden
    /// re-entry for the call it is making.
    pub(crate) fn allows_reentry(&self, account: &AccountIdOf<T>) -> bool {
        !self
            .frames
            .iter()
            .any(|f| &f.account == account && !f.allows_reentry)
    }

    /// Whether the top frame's contract has another frame on the stack (delegate
    /// frames included): such a contract may not terminate.
    pub(crate) fn is_recursive(&self) -> bool {
        match self.frames.split_last() {
            Some((top, below)) => below.iter().any(|f| f.account == top.account),
            None => false,
        }
    }

    /// How many times `account` was entered on the stack; as upstream, a delegate call
    /// is not an entrance.
    pub(crate) fn entrances_of(&self, account: &AccountIdOf<T>) -> u32 {
        self.frames
            .iter()
            .filter(|f| f.entry != EntryPoint::DelegateCall && &f.account == account)
            .count() as u32
    }

    /// Runs one frame to its end. The caller takes over the gas it used and, if it
    /// succeeded, its deposits.
    pub(crate) fn run_frame(
        &mut self,
        args: FrameArgs<T>,
        input: Vec<u8>,
        gas_limit: Weight,
        deposit: DepositMeter<T>,
    ) -> FrameOutcome<T> {
        let depth = self.frames.len() as u32 + 1;
        let frame = match self.prepare_frame(args, input, gas_limit, deposit, depth) {
            Ok(frame) => frame,
            Err(refused) => return *refused,
        };
        let (code_hash, entry, account) = (frame.code_hash, frame.entry, frame.account.clone());
        // A delegate call runs with its caller's value; nothing moves.
        let value_from = match frame.entry {
            EntryPoint::DelegateCall => None,
            _ => Some((frame.caller.clone(), frame.value_transferred)),
        };
        self.frames.push(frame);
        self.transient.start_frame();

        let result = with_transaction(|| {
            let result = self.execute_frame(code_hash, entry, &account, value_from);
            let keep = matches!(&result, Ok(value) if !value.did_revert());
            if keep {
                TransactionOutcome::Commit(Ok(result))
            } else {
                TransactionOutcome::Rollback(Ok(result))
            }
        })
        .unwrap_or_else(|error: DispatchError| Err(ExecError::caller(error)));

        let mut frame = self.frames.pop().expect("pushed above");
        let kept = matches!(&result, Ok(value) if !value.did_revert());
        self.transient.end_frame(kept);
        if entry == EntryPoint::Deploy && !kept {
            self.nonce = self.nonce.map(|nonce| nonce.wrapping_sub(1));
        }
        frame.trace.gas_consumed = frame.gas.consumed().into();
        if self.recorder.is_on() {
            frame.trace.debug_message = self.debug_text_of(&frame);
        }
        // A failure that execution already described (a trap with its backtrace, a
        // rejected instantiation) keeps its description.
        let described = matches!(&frame.trace.outcome, Outcome::Trapped { .. })
            || matches!(&frame.trace.outcome, Outcome::Failed { error } if !error.is_empty());
        if result.is_ok() || !described {
            frame.trace.outcome = outcome_of::<T>(&result, frame.stop.take(), &mut self.recorder);
        }
        frame.trace.storage_deposit = signed::<T>(&frame.deposit.total());
        FrameOutcome {
            result,
            gas: frame.gas,
            deposit: frame.deposit,
            trace: frame.trace,
            account: Some(account),
        }
    }

    /// The meter nested frames are charged to and created from: the top frame's, or
    /// the execution's for the first frame.
    fn parent_gas(&mut self) -> &mut GasMeter {
        match self.frames.last_mut() {
            Some(frame) => &mut frame.gas,
            None => &mut self.root_gas,
        }
    }

    /// Charges loading `code_hash`'s code to the parent, as upstream does before a
    /// frame runs (code this execution uploaded for its first frame is loaded already).
    fn charge_code_load(&mut self, code_hash: &CodeHash<T>) -> Result<(), ExecError> {
        if self.frames.is_empty() && self.uploaded == Some(*code_hash) {
            return Ok(());
        }
        let code_len = CodeInfoOf::<T>::get(code_hash)
            .ok_or(ExecError::caller(Error::<T>::CodeNotFound))?
            .code_len;
        self.parent_gas()
            .charge(Cost::CodeLoad(code_len).weight::<T>())
            .map_err(|_| ExecError::caller(Error::<T>::OutOfGas))
    }

    /// Builds the frame for `args`, checking what must hold before anything runs,
    /// with a gas meter of `gas_limit` (zero components mean all that is left). A
    /// frame that is refused before it runs ends at once and consumes nothing itself.
    fn prepare_frame(
        &mut self,
        args: FrameArgs<T>,
        input: Vec<u8>,
        gas_limit: Weight,
        deposit: DepositMeter<T>,
        depth: u32,
    ) -> Result<Frame<T>, Box<FrameOutcome<T>>> {
        let parent = self.frames.last();
        let caller = match parent {
            Some(parent) => Origin::Signed(parent.account.clone()),
            None => self.origin.clone(),
        };
        let read_only_parent = self.is_read_only();
        let (account, info, code_hash, value, entry, read_only, caller) = match args {
            FrameArgs::Call {
                dest,
                value,
                read_only,
            } => {
                let info = ContractInfoOf::<T>::get(&dest);
                let code_hash = info.as_ref().map(|i| i.code_hash).unwrap_or_default();
                (
                    dest,
                    info,
                    code_hash,
                    value,
                    EntryPoint::Call,
                    read_only || read_only_parent,
                    caller,
                )
            }
            FrameArgs::Instantiate {
                code_hash,
                value,
                salt,
            } => {
                let deployer = match &caller {
                    Origin::Signed(who) => who.clone(),
                    Origin::Root => {
                        let trace = self.frame_trace(
                            depth,
                            EntryPoint::Deploy,
                            &caller,
                            None,
                            &code_hash,
                            &input,
                            value,
                            gas_limit,
                        );
                        let error = ExecError::caller(DispatchError::RootNotAllowed);
                        return Err(self.refused(error, deposit, trace, None));
                    }
                };
                let account = contract_address::<T>(&deployer, &code_hash, &input, &salt);
                (
                    account,
                    None,
                    code_hash,
                    value,
                    EntryPoint::Deploy,
                    read_only_parent,
                    caller,
                )
            }
            FrameArgs::DelegateCall { code_hash } => {
                let parent = parent.expect("a delegate call comes from a contract");
                (
                    parent.account.clone(),
                    Some(parent.info.clone()),
                    code_hash,
                    parent.value_transferred,
                    EntryPoint::DelegateCall,
                    parent.read_only,
                    parent.caller.clone(),
                )
            }
        };
        let mut trace = self.frame_trace(
            depth,
            entry,
            &caller,
            Some(&account),
            &code_hash,
            &input,
            value,
            gas_limit,
        );
        // Upstream's order: a delegate call or instantiation loads its code first (an
        // instantiation then takes its nonce), a call once the callee is found.
        let checked = (|| {
            if entry != EntryPoint::Call {
                self.charge_code_load(&code_hash)?;
            }
            let info = match entry {
                EntryPoint::Deploy => {
                    let nonce = self.next_nonce();
                    (!ContractInfoOf::<T>::contains_key(&account))
                        .then(|| ContractInfo::<T>::new(&account, nonce, code_hash))
                }
                _ => info,
            };
            if depth > T::MaxCallDepth::get() {
                return Err(ExecError::caller(Error::<T>::MaxCallDepthReached));
            }
            let info = info.ok_or_else(|| {
                ExecError::caller(match entry {
                    EntryPoint::Deploy => Error::<T>::DuplicateContract,
                    _ => Error::<T>::ContractNotFound,
                })
            })?;
            if entry == EntryPoint::Call {
                if !self.allows_reentry(&account) {
                    return Err(ExecError::caller(Error::<T>::ReentranceDenied));
                }
                // A contract under construction cannot be called.
                let constructing = self
                    .frames
                    .iter()
                    .any(|f| f.account == account && f.entry == EntryPoint::Deploy);
                if constructing {
                    return Err(ExecError::caller(Error::<T>::ContractNotFound));
                }
            }
            if !value.is_zero() && read_only {
                return Err(ExecError::caller(Error::<T>::StateChangeDenied));
            }
            if entry == EntryPoint::Call {
                self.charge_code_load(&code_hash)?;
            }
            Ok(info)
        })();
        let info = match checked {
            Ok(info) => info,
            Err(error) => return Err(self.refused(error, deposit, trace, Some(account))),
        };
        let gas = self.parent_gas().nested(gas_limit);
        trace.gas_limit = gas.limit().into();
        Ok(Frame {
            account,
            info,
            code_hash,
            caller,
            value_transferred: value,
            input: Some(input),
            entry,
            read_only,
            allows_reentry: true,
            gas,
            deposit,
            stop: None,
            trace,
            debug_spans: Vec::new(),
        })
    }

    /// The outcome of a frame refused before it ran: it consumed nothing itself.
    fn refused(
        &mut self,
        error: ExecError,
        deposit: DepositMeter<T>,
        mut trace: FrameTrace,
        account: Option<AccountIdOf<T>>,
    ) -> Box<FrameOutcome<T>> {
        trace.outcome = Outcome::Failed {
            error: describe::<T>(&error.error),
        };
        Box::new(FrameOutcome {
            result: Err(error),
            gas: GasMeter::new(Weight::zero(), self.root_gas.ref_time_per_fuel()),
            deposit,
            trace,
            account,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn frame_trace(
        &mut self,
        depth: u32,
        entry: EntryPoint,
        caller: &Origin<T>,
        contract: Option<&AccountIdOf<T>>,
        code_hash: &CodeHash<T>,
        input: &[u8],
        value: BalanceOf<T>,
        gas_limit: Weight,
    ) -> FrameTrace {
        let (selector, args) = match input.split_first_chunk::<4>() {
            Some((selector, args)) => (Some(Bytes(selector.to_vec())), self.recorder.value(args)),
            None => (None, self.recorder.value(input)),
        };
        FrameTrace {
            depth,
            entry,
            caller: Bytes(match caller {
                Origin::Signed(who) => who.encode(),
                Origin::Root => Vec::new(),
            }),
            contract: Bytes(contract.map(|c| c.encode()).unwrap_or_default()),
            code_hash: Bytes(code_hash.encode()),
            selector,
            args,
            value: balance_u128::<T>(value),
            gas_limit: gas_limit.into(),
            gas_consumed: Default::default(),
            storage_deposit: 0,
            host_calls: Vec::new(),
            events: Vec::new(),
            debug_message: Default::default(),
            // Replaced when the frame ends.
            outcome: Outcome::Failed {
                error: Default::default(),
            },
            nested: Vec::new(),
            profile: None,
            decoded: None,
            explanation: None,
        }
    }

    /// The part of a frame that runs inside its transaction.
    fn execute_frame(
        &mut self,
        code_hash: CodeHash<T>,
        entry: EntryPoint,
        account: &AccountIdOf<T>,
        value_from: Option<(Origin<T>, BalanceOf<T>)>,
    ) -> Result<ExecReturnValue, ExecError> {
        if entry == EntryPoint::Deploy {
            let code_info = CodeInfoOf::<T>::get(code_hash)
                .ok_or(ExecError::caller(Error::<T>::CodeNotFound))?;
            let origin = self.origin.clone();
            let frame = self.top_mut();
            let mut info = frame.info.clone();
            frame
                .deposit
                .charge_instantiate(&origin, account, &mut info, &code_info)
                .map_err(ExecError::caller)?;
            ContractInfoOf::<T>::insert(account, &info);
            frame.info = info;
            code::increment_refcount::<T>(code_hash).map_err(ExecError::caller)?;
        }
        if let Some((from, value)) = value_from.filter(|(_, value)| !value.is_zero()) {
            let from = from.account_id().map_err(ExecError::caller)?;
            transfer::<T>(from, account, value).map_err(ExecError::caller)?;
        }

        let code =
            code::stored::<T>(code_hash).ok_or(ExecError::caller(Error::<T>::CodeNotFound))?;
        let host_functions = self.host_functions.clone();
        let engine = self.engine.clone();
        let fuel = self.top().gas.fuel();
        let export = match entry {
            EntryPoint::Deploy => "deploy",
            EntryPoint::Call | EntryPoint::DelegateCall => "call",
        };
        // As upstream, the start function runs before every entry point, on the
        // frame's gas; whatever stops it (a trap, running out of gas, `seal_return`)
        // ends the frame as it would in the entry point.
        // wasmi has no profiles (and is the only executor without `std`).
        let profiled = engine.executor() != europa_sandbox::Executor::Wasmi;
        let encoded_hash = code_hash.encode();
        // Owned, as instantiating borrows the stack the recorder is part of.
        let instrumentation = profiled
            .then(|| self.recorder.instrumentation(&encoded_hash))
            .flatten()
            .map(|i| {
                let capture = i.capture.map(|c| (c.functions.to_vec(), c.at));
                (i.line_starts.to_vec(), i.every_block, i.max_steps, capture)
            });
        let env = &host_functions.env;
        let instance = match &instrumentation {
            Some((line_starts, every_block, max_steps, capture)) => {
                let instrumentation = europa_sandbox::Instrumentation {
                    line_starts,
                    every_block: *every_block,
                    max_steps: *max_steps,
                    capture: capture
                        .as_ref()
                        .map(|(functions, at)| europa_sandbox::Capture { functions, at: *at }),
                };
                Instance::profiled(&engine, &code, env, self, fuel, &instrumentation)
            }
            None => Instance::with_fuel(&engine, &code, env, self, fuel),
        };
        if instrumentation.is_some() && instance.is_ok() {
            self.recorder.started_instance();
        }
        let (invoked, fuel_left) = match instance {
            Ok(mut instance) => {
                let invoked = instance.invoke(export, &[], self);
                if let Some(profile) = instance.take_profile() {
                    self.recorder.add_hits(encoded_hash, &profile.hits);
                    self.recorder.took_steps(profile.steps.len());
                    let frame = self.top_mut();
                    let rate = frame.gas.ref_time_per_fuel();
                    let profile =
                        crate::sandbox_trace::gas_profile(profile, rate, &frame.trace.host_calls);
                    frame.trace.profile = Some(profile);
                }
                (invoked, instance.fuel_remaining())
            }
            Err(
                error @ (SandboxError::Trap(_)
                | SandboxError::OutOfFuel
                | SandboxError::Host(_)
                | SandboxError::LimitExceeded(europa_sandbox::Limit::CallStack { .. })),
            ) => {
                // The instance is gone with what it had left: all of it when it ran
                // out, else charge up to the last host call.
                let fuel_left = match error {
                    SandboxError::OutOfFuel => 0,
                    _ => self.top().gas.fuel(),
                };
                (Err(error), fuel_left)
            }
            Err(error) => {
                self.top_mut().trace.outcome = Outcome::Failed {
                    error: error.to_string(),
                };
                return Err(ExecError::callee(Error::<T>::CodeRejected));
            }
        };

        let frame = self.top_mut();
        // As upstream, the fuel burnt since the last host call is charged last; when
        // it does not fit, the frame is out of gas however it ended.
        if frame.gas.sync_fuel(fuel_left).is_err() {
            frame.stop = Some(Stop::Error(Error::<T>::OutOfGas.into()));
            return Err(ExecError::callee(Error::<T>::OutOfGas));
        }
        let output = match invoked {
            Ok(_) => ExecReturnValue {
                flags: ReturnFlags::empty(),
                data: Vec::new(),
            },
            Err(SandboxError::Host(_)) => match frame.stop.clone() {
                Some(Stop::Return { flags, data }) => ExecReturnValue {
                    flags: ReturnFlags::from_bits(flags)
                        .ok_or(ExecError::callee(Error::<T>::InvalidCallFlags))?,
                    data,
                },
                Some(Stop::Terminate { .. }) => ExecReturnValue {
                    flags: ReturnFlags::empty(),
                    data: Vec::new(),
                },
                Some(Stop::Error(error)) => return Err(ExecError::callee(error)),
                None => return Err(ExecError::callee(Error::<T>::ContractTrapped)),
            },
            Err(SandboxError::OutOfFuel) => {
                frame.stop = Some(Stop::Error(Error::<T>::OutOfGas.into()));
                return Err(ExecError::callee(Error::<T>::OutOfGas));
            }
            Err(SandboxError::Trap(trap)) => {
                frame.trace.outcome = Outcome::Trapped {
                    reason: trap.kind.to_string(),
                    backtrace: trap
                        .backtrace
                        .iter()
                        .map(crate::sandbox_trace::backtrace_frame)
                        .collect(),
                    debug_info_ignored: trap.debug_info_ignored,
                };
                return Err(ExecError::callee(Error::<T>::ContractTrapped));
            }
            Err(SandboxError::ExportNotFound(_)) | Err(SandboxError::ArgumentMismatch { .. }) => {
                return Err(ExecError::callee(Error::<T>::CodeRejected))
            }
            Err(other) => {
                frame.stop = Some(Stop::Error(Error::<T>::ContractTrapped.into()));
                frame.trace.outcome = Outcome::Trapped {
                    reason: other.to_string(),
                    backtrace: Vec::new(),
                    debug_info_ignored: None,
                };
                return Err(ExecError::callee(Error::<T>::ContractTrapped));
            }
        };
        if output.did_revert() {
            return Ok(output);
        }
        // What fails once the contract has returned is, as upstream, the caller's
        // error: it traps the caller instead of handing it `CalleeTrapped`.
        self.finish_frame(entry, account)
            .map_err(ExecError::caller)?;
        Ok(output)
    }

    /// Settles a successful frame: deposits, metadata and events.
    fn finish_frame(
        &mut self,
        entry: EntryPoint,
        account: &AccountIdOf<T>,
    ) -> Result<(), DispatchError> {
        let is_first = self.frames.len() == 1;
        let frame = self.top_mut();
        let terminated = matches!(frame.stop, Some(Stop::Terminate { .. }));
        if terminated {
            frame.deposit.finish_frame(account, None);
        } else {
            let mut info = ContractInfoOf::<T>::get(account).ok_or(Error::<T>::ContractNotFound)?;
            frame.deposit.finish_frame(account, Some(&mut info));
            ContractInfoOf::<T>::insert(account, info);
        }
        // Upstream's order: the execution's limit, a constructor that terminated, a
        // sub-call's own limit.
        if is_first {
            frame.deposit.check_limit()?;
        }
        if terminated && entry == EntryPoint::Deploy {
            return Err(Error::<T>::TerminatedInConstructor.into());
        }
        if !is_first && entry != EntryPoint::DelegateCall {
            frame.deposit.check_own_limit()?;
        }
        let frame = self.top();
        match entry {
            EntryPoint::Deploy => {
                let deployer = match &frame.caller {
                    Origin::Signed(who) => who.clone(),
                    Origin::Root => return Err(DispatchError::RootNotAllowed),
                };
                Pallet::<T>::deposit_event(Event::Instantiated {
                    deployer,
                    contract: account.clone(),
                });
            }
            EntryPoint::Call => Pallet::<T>::deposit_event(Event::Called {
                caller: frame.caller.clone(),
                contract: account.clone(),
            }),
            EntryPoint::DelegateCall => Pallet::<T>::deposit_event(Event::DelegateCalled {
                contract: account.clone(),
                code_hash: frame.code_hash,
            }),
        }
        Ok(())
    }

    /// Runs a nested frame for the top frame (a host function's `call`, `delegate_call`
    /// or `instantiate`) and takes over its gas, deposits and trace.
    pub(crate) fn run_nested(
        &mut self,
        args: FrameArgs<T>,
        input: Vec<u8>,
        gas_limit: Weight,
        deposit_limit: BalanceOf<T>,
    ) -> (Result<ExecReturnValue, ExecError>, Option<AccountIdOf<T>>) {
        let deposit = self.top().deposit.nested(deposit_limit);
        let outcome = self.run_frame(args, input, gas_limit, deposit);
        let succeeded = outcome.succeeded();
        let parent = self.top_mut();
        // The frame's gas is gone either way; whether the parent is out of gas now shows
        // at its next charge.
        parent.gas.absorb(&outcome.gas);
        if succeeded {
            parent.deposit.absorb(outcome.deposit);
        }
        if self.recorder.admit_frame() {
            self.top_mut().trace.nested.push(outcome.trace);
        }
        (outcome.result, outcome.account)
    }
}

/// Moves `value` between accounts (into a frame's contract, or for `transfer`).
pub(crate) fn transfer<T: Config>(
    from: &AccountIdOf<T>,
    to: &AccountIdOf<T>,
    value: BalanceOf<T>,
) -> Result<(), DispatchError> {
    // As upstream, moving value to oneself is no transfer (and so cannot fail).
    if value.is_zero() || from == to {
        return Ok(());
    }
    T::Currency::transfer(from, to, value, Preservation::Preserve)
        .map(|_| ())
        .map_err(|_| Error::<T>::TransferFailed.into())
}

fn outcome_of<T: Config>(
    result: &Result<ExecReturnValue, ExecError>,
    stop: Option<Stop>,
    recorder: &mut Recorder,
) -> Outcome {
    match (result, stop) {
        (Ok(_), Some(Stop::Terminate { beneficiary })) => Outcome::Terminated {
            beneficiary: Bytes(beneficiary),
        },
        (Ok(value), _) if value.did_revert() => Outcome::Reverted {
            data: recorder.value(&value.data),
        },
        (Ok(value), _) => Outcome::Returned {
            flags: value.flags.bits(),
            data: recorder.value(&value.data),
        },
        (Err(error), _) => Outcome::Failed {
            error: describe::<T>(&error.error),
        },
    }
}

/// A readable name for a dispatch error: `Contracts::OutOfGas` rather than indices.
pub fn describe<T: Config>(error: &DispatchError) -> String {
    use frame_support::traits::PalletInfo;
    match error {
        DispatchError::Module(module) => {
            let own_index = <T as frame_system::Config>::PalletInfo::index::<Pallet<T>>();
            match module.message {
                Some(message) if own_index == Some(usize::from(module.index)) => {
                    alloc::format!("Contracts::{message}")
                }
                // Another pallet's error (through `call_runtime` or a chain extension):
                // its name is not known here, its index is.
                Some(message) => alloc::format!("Module #{}::{message}", module.index),
                None => alloc::format!("{error:?}"),
            }
        }
        other => alloc::format!("{other:?}"),
    }
}

fn signed<T: Config>(deposit: &Deposit<T>) -> i128 {
    match deposit {
        crate::StorageDeposit::Charge(amount) => balance_u128::<T>(*amount) as i128,
        crate::StorageDeposit::Refund(amount) => -(balance_u128::<T>(*amount) as i128),
    }
}

pub(crate) fn balance_u128<T: Config>(balance: BalanceOf<T>) -> u128 {
    sp_runtime::SaturatedConversion::saturated_into(balance)
}

/// The address a contract gets: a hash of its deployer, code, input and salt.
pub(crate) fn contract_address<T: Config>(
    deployer: &AccountIdOf<T>,
    code_hash: &CodeHash<T>,
    input: &[u8],
    salt: &[u8],
) -> AccountIdOf<T> {
    let entropy =
        (b"contract_addr_v1", deployer, code_hash, input, salt).using_encoded(T::Hashing::hash);
    Decode::decode(&mut TrailingZeroInput::new(entropy.as_ref()))
        .expect("an infinite input of zeros decodes into any account id")
}

/// `set_code`: points a contract at other code.
pub(crate) fn set_contract_code<T: Config>(
    contract: &AccountIdOf<T>,
    code_hash: CodeHash<T>,
) -> Result<(), DispatchError> {
    ContractInfoOf::<T>::try_mutate(contract, |info| {
        let info = info.as_mut().ok_or(Error::<T>::ContractNotFound)?;
        code::increment_refcount::<T>(code_hash)?;
        code::decrement_refcount::<T>(info.code_hash);
        Pallet::<T>::deposit_event(Event::ContractCodeUpdated {
            contract: contract.clone(),
            new_code_hash: code_hash,
            old_code_hash: info.code_hash,
        });
        info.code_hash = code_hash;
        Ok(())
    })
}
