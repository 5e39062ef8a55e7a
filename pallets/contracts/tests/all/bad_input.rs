//! Hostile and broken contracts: each ends in a documented error, nothing panics, and
//! the chain state stays usable.

use crate::mock::*;
use codec::Encode;
use frame_support::weights::Weight;
use pallet_europa_contracts::{
    trace::{ExecutionTrace, Outcome},
    Code, ContractInfoOf, Determinism, Error as ContractsError,
};
use sp_runtime::DispatchError;

fn error(e: ContractsError<Test>) -> DispatchError {
    e.into()
}

/// Instantiates a hand-written module as Alice.
fn instantiate_wat(wat: &str) -> (Result<AccountId, DispatchError>, ExecutionTrace) {
    instantiate_code(wat::parse_str(wat).expect("valid WAT"))
}

/// Instantiates `code` as Alice.
fn instantiate_code(code: Vec<u8>) -> (Result<AccountId, DispatchError>, ExecutionTrace) {
    let (result, trace) = Contracts::bare_instantiate(
        ALICE,
        0,
        Some(GAS_LIMIT),
        None,
        Code::Upload(code),
        vec![],
        vec![],
    );
    (result.result.map(|r| r.account_id), trace)
}

/// A contract whose `call` runs `body`; `deploy` does nothing.
fn module(imports: &str, body: &str) -> String {
    format!(
        r#"(module
            {imports}
            (import "env" "memory" (memory 1 16))
            (func (export "deploy"))
            (func (export "call") {body}))"#
    )
}

both_executors! {
    fn garbage_and_oversized_code_are_refused() {
        new_test_ext(|| {
            let garbage = Contracts::bare_upload_code(ALICE, b"\0asm but not really".to_vec(), None, Determinism::Enforced);
            assert_eq!(garbage, Err(error(ContractsError::CodeRejected)));
            let huge = vec![0u8; MAX_CODE_LEN as usize + 1];
            assert_eq!(
                Contracts::bare_upload_code(ALICE, huge, None, Determinism::Enforced),
                Err(error(ContractsError::CodeTooLarge))
            );
            // Nothing was stored or charged.
            assert_eq!(Balances::free_balance(ALICE), ENDOWMENT);
        })
    }

    fn an_unknown_import_is_rejected_by_name() {
        new_test_ext(|| {
            let (result, trace) = instantiate_wat(&module(
                r#"(import "seal0" "no_such_function" (func $f))"#,
                "call $f",
            ));
            assert_eq!(result, Err(error(ContractsError::CodeRejected)));
            let reason = trace.uploads[0].rejected.clone().expect("a reason");
            assert!(reason.contains("seal0.no_such_function"), "{reason}");
        })
    }

    fn missing_entry_points_and_floats_are_rejected() {
        new_test_ext(|| {
            let (result, trace) = instantiate_wat(r#"(module (import "env" "memory" (memory 1 16)) (func (export "call")))"#);
            assert_eq!(result, Err(error(ContractsError::CodeRejected)));
            assert!(trace.uploads[0].rejected.as_deref().unwrap().contains("deploy"));
            let (result, trace) = instantiate_wat(&module("", "f32.const 1 drop"));
            assert_eq!(result, Err(error(ContractsError::CodeRejected)));
            assert!(trace.uploads[0].rejected.as_deref().unwrap().contains("floats"), "{trace}");
        })
    }

    fn memory_beyond_the_limit_is_rejected_and_cannot_grow() {
        new_test_ext(|| {
            let (result, trace) = instantiate_wat(
                r#"(module (import "env" "memory" (memory 1 17)) (func (export "deploy")) (func (export "call")))"#,
            );
            assert_eq!(result, Err(error(ContractsError::CodeRejected)));
            assert!(trace.uploads[0].rejected.as_deref().unwrap().contains("memory"), "{trace}");

            // Growing past 16 pages fails inside the contract (memory.grow gives -1),
            // which returns what it got.
            let (contract, _) = instantiate_wat(&module(
                r#"(import "seal0" "seal_return" (func $ret (param i32 i32 i32)))"#,
                "(i32.store (i32.const 0) (memory.grow (i32.const 16))) (call $ret (i32.const 0) (i32.const 0) (i32.const 4))",
            ));
            let (result, trace) = call(&contract.unwrap(), vec![]);
            assert_eq!(result.unwrap().data, (-1i32).to_le_bytes().to_vec(), "{trace}");
        })
    }

    fn deep_wasm_recursion_traps() {
        new_test_ext(|| {
            let (contract, _) = instantiate_wat(
                r#"(module (import "env" "memory" (memory 1 16))
                    (func $recurse (param i32) (result i32) (call $recurse (i32.add (local.get 0) (i32.const 1))))
                    (func (export "deploy"))
                    (func (export "call") (drop (call $recurse (i32.const 0)))))"#,
            );
            let (result, trace) = call(&contract.unwrap(), vec![]);
            assert_eq!(result, Err(error(ContractsError::ContractTrapped)));
            let Some(Outcome::Trapped { reason, .. }) = trace.root.map(|r| r.outcome) else { panic!("a trap") };
            assert!(reason.contains("call stack") || reason.contains("stack"), "{reason}");
        })
    }

    fn calling_itself_stops_at_the_call_depth_limit() {
        new_test_ext(|| {
            let (contract, _) = instantiate_wat(SELF_CALLER);
            let contract = contract.unwrap();
            let (result, trace) = call(&contract, vec![]);
            let output = result.expect("the outermost frame returns");
            // Frames 1..=MAX_CALL_DEPTH ran; the deepest one's call was refused, so it
            // trapped, the frame above it got CalleeTrapped (1), and the rest Success (0).
            assert_eq!(output.data, 0u32.to_le_bytes().to_vec(), "{trace}");
            let mut chain = Vec::new();
            let mut frame = trace.root.as_ref();
            while let Some(f) = frame {
                chain.push(f);
                frame = f.nested.first();
            }
            // The trace shows the refused frame too, marked as such.
            let depth = MAX_CALL_DEPTH as usize;
            assert_eq!(chain.len(), depth + 1, "{trace}");
            let refused = |f: &pallet_europa_contracts::trace::FrameTrace| {
                matches!(&f.outcome, Outcome::Failed { error } if error.contains("MaxCallDepthReached"))
            };
            assert!(refused(chain[depth]) && refused(chain[depth - 1]), "{trace}");
            assert!(
                matches!(&chain[depth - 2].outcome, Outcome::Returned { data, .. } if data.0 == 1u32.to_le_bytes()),
                "{trace}"
            );
        })
    }

    fn oversized_storage_values_and_out_of_bounds_output_trap() {
        new_test_ext(|| {
            let (contract, _) = instantiate_wat(&module(
                r#"(import "seal2" "set_storage" (func $set (param i32 i32 i32 i32) (result i32)))"#,
                // A 16 KiB + 1 value: above the payload limit.
                "(drop (call $set (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 16385)))",
            ));
            let (result, _) = call(&contract.unwrap(), vec![]);
            assert_eq!(result, Err(error(ContractsError::ValueTooLarge)));

            let (contract, _) = instantiate_wat(&module(
                r#"(import "seal0" "seal_return" (func $ret (param i32 i32 i32)))"#,
                // Return data reaching past the end of the single memory page.
                "(call $ret (i32.const 0) (i32.const 65000) (i32.const 1000))",
            ));
            let (result, trace) = call(&contract.unwrap(), vec![]);
            assert_eq!(result, Err(error(ContractsError::OutOfBounds)), "{trace}");
        })
    }

    fn large_return_data_is_returned_whole() {
        new_test_ext(|| {
            let (contract, _) = instantiate_wat(&module(
                r#"(import "seal0" "seal_return" (func $ret (param i32 i32 i32)))"#,
                "(memory.fill (i32.const 0) (i32.const 7) (i32.const 65536)) (call $ret (i32.const 0) (i32.const 0) (i32.const 65536))",
            ));
            let (result, _) = call(&contract.unwrap(), vec![]);
            assert_eq!(result.unwrap().data, vec![7u8; 65536]);
        })
    }

    fn a_failed_execution_changes_nothing() {
        new_test_ext(|| {
            // Writes storage, then traps: the write is rolled back.
            let (contract, _) = instantiate_wat(&module(
                r#"(import "seal2" "set_storage" (func $set (param i32 i32 i32 i32) (result i32)))"#,
                "(drop (call $set (i32.const 0) (i32.const 4) (i32.const 0) (i32.const 4))) unreachable",
            ));
            let contract = contract.unwrap();
            let info_before = ContractInfoOf::<Test>::get(&contract);
            let alice_before = Balances::free_balance(ALICE);
            let (result, _) = call(&contract, vec![]);
            assert_eq!(result, Err(error(ContractsError::ContractTrapped)));
            assert_eq!(Contracts::get_storage(contract.clone(), vec![0, 0, 0, 0]), Ok(None));
            assert_eq!(ContractInfoOf::<Test>::get(&contract), info_before);
            assert_eq!(Balances::free_balance(ALICE), alice_before);
        })
    }

    fn calls_to_accounts_without_a_contract_fail_cleanly() {
        new_test_ext(|| {
            let (result, trace) = Contracts::bare_call(ALICE, BOB, 0, Some(GAS_LIMIT), None, vec![]);
            assert_eq!(result.result, Err(error(ContractsError::ContractNotFound)));
            assert!(trace.error.is_some());
            let tiny = Weight::from_parts(1, 1);
            let flipper = deploy(fixture("flipper", Build::Mvp), input("new", true), 0);
            let (result, _) = Contracts::bare_call(ALICE, flipper, 0, Some(tiny), None, input("get", ()));
            assert_eq!(result.result, Err(error(ContractsError::OutOfGas)));
        })
    }
}

/// The strict profile rejects what upstream rejects beyond its WASM check, extra
/// exports, and names why; the permissive one takes them. Both take a memory without a
/// declared maximum, as upstream does (see `differential_code_acceptance`), and refuse
/// deprecated imports and modules without `env.memory`.
#[test]
fn strict_profile_rejects_extra_exports_and_both_refuse_upstreams_bad_imports() {
    let unbounded = r#"(module (import "env" "memory" (memory 1)) (func (export "deploy")) (func (export "call")))"#;
    let extra_export = r#"(module (import "env" "memory" (memory 1 16))
        (func (export "deploy")) (func (export "call")) (func (export "memcpy")))"#;
    for executor in europa_sandbox::Executor::ALL {
        use_sandbox(
            *executor,
            pallet_europa_contracts::schedule::Profile::Strict,
        );
        new_test_ext(|| {
            assert!(instantiate_wat(unbounded).0.is_ok());
            let (result, trace) = instantiate_wat(extra_export);
            assert_eq!(result, Err(error(ContractsError::CodeRejected)));
            assert!(
                trace.uploads[0]
                    .rejected
                    .as_deref()
                    .unwrap()
                    .contains("memcpy"),
                "{trace}"
            );
            // Bulk memory is rejected, and named.
            let (result, trace) = instantiate_wat(&module(
                "",
                "(memory.fill (i32.const 0) (i32.const 0) (i32.const 0))",
            ));
            assert_eq!(result, Err(error(ContractsError::CodeRejected)));
            assert!(
                trace.uploads[0]
                    .rejected
                    .as_deref()
                    .unwrap()
                    .contains("bulk-memory"),
                "{trace}"
            );
        });
        use_sandbox(
            *executor,
            pallet_europa_contracts::schedule::Profile::Permissive,
        );
        new_test_ext(|| {
            assert!(instantiate_wat(unbounded).0.is_ok());
            assert!(instantiate_wat(extra_export).0.is_ok());
            let refused = [
                (
                    r#"(module (memory 1 1) (func (export "deploy")) (func (export "call")))"#,
                    "env.memory",
                ),
                (
                    r#"(module (import "seal0" "seal_random" (func (param i32 i32 i32 i32)))
                        (import "env" "memory" (memory 1 1))
                        (func (export "deploy")) (func (export "call")))"#,
                    "`seal0.seal_random` is deprecated",
                ),
            ];
            for (wat, reason) in refused {
                let (result, trace) = instantiate_wat(wat);
                assert_eq!(result, Err(error(ContractsError::CodeRejected)));
                let rejected = trace.uploads[0].rejected.as_deref().unwrap_or_default();
                assert!(rejected.contains(reason), "{trace}");
            }
            let (result, trace) = instantiate_wat(&module(
                "",
                "(memory.fill (i32.const 0) (i32.const 0) (i32.const 0))",
            ));
            assert!(result.is_ok());
            assert_eq!(
                trace.uploads[0].features_used,
                vec!["bulk-memory".to_string()]
            );
        });
    }
}

/// Runs `f` and rolls back what it changed (its events included).
fn without_effects<R>(f: impl FnOnce() -> R) -> R {
    frame_support::storage::with_transaction(|| {
        sp_runtime::TransactionOutcome::Rollback(Ok::<_, DispatchError>(f()))
    })
    .expect("the closure cannot fail")
}

/// Deploys `fixtures/hostile.wat` as Alice.
fn deploy_hostile() -> AccountId {
    instantiate_code(hostile())
        .0
        .expect("the hostile contract deploys")
}

fn hostile_input(mode: u8, argument: &[u8]) -> Vec<u8> {
    let mut input = vec![mode];
    input.extend_from_slice(argument);
    input
}

both_executors! {
    fn call_runtime_decodes_with_upstreams_depth_limit_and_no_trailing_bytes() {
        new_test_ext(|| {
            let contract = deploy_hostile();
            let returned = |argument: &[u8]| call(&contract, hostile_input(mode::CALL_RUNTIME, argument));
            // 30 000 levels: an unlimited decoder overflows the native stack here.
            let (result, trace) = returned(&nested_batch(30_000));
            assert_eq!(result, Err(error(ContractsError::DecodingFailed)), "{trace}");
            // Within the limit the call decodes, and the filter (balances only) refuses it.
            let (result, trace) = returned(&nested_batch(10));
            let code = u32::from_le_bytes(result.expect("returns").data.try_into().unwrap());
            assert_eq!(code, 10, "CallRuntimeFailed\n{trace}");
            // A valid call followed by a stray byte is refused, as upstream does.
            let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
                dest: BOB.into(),
                value: 5,
            });
            let mut trailing = transfer.encode();
            trailing.push(0);
            let (result, _) = returned(&trailing);
            assert_eq!(result, Err(error(ContractsError::DecodingFailed)));
            <Balances as frame_support::traits::fungible::Mutate<AccountId>>::mint_into(&contract, 1_000_000)
                .expect("funds the contract");
            let (result, trace) = returned(&transfer.encode());
            assert_eq!(result.expect("returns").data, vec![0; 4], "Success\n{trace}");
        })
    }

    fn transient_storage_and_xcm_messages_are_bounded() {
        new_test_ext(|| {
            let contract = deploy_hostile();
            // 16 KiB values under new keys until the 1 MiB of transient storage is full.
            let (result, trace) = call(&contract, hostile_input(mode::TRANSIENT_STORAGE, &[]));
            assert_eq!(result, Err(error(ContractsError::OutOfTransientStorage)), "{trace}");
            // 30 000 levels of nesting: refused by the message's own decoding limits.
            let (result, trace) = call(&contract, hostile_input(mode::XCM_EXECUTE, &hostile_inputs::nested_xcm(30_000)));
            assert_eq!(result, Err(error(ContractsError::DecodingFailed)), "{trace}");
            // A message that decodes fails to execute: there is no XCM executor here.
            let (result, trace) = call(&contract, hostile_input(mode::XCM_EXECUTE, &hostile_inputs::nested_xcm(2)));
            let code = u32::from_le_bytes(result.expect("returns").data.try_into().unwrap());
            assert_eq!(code, 13, "XcmExecutionFailed\n{trace}");
        })
    }

    fn the_debug_buffer_keeps_upstreams_limit_and_semantics() {
        new_test_ext(|| {
            let contract = deploy_hostile();
            // 64 KiB a message, in a loop: 32 fit the 2 MiB buffer, the rest is dropped
            // whole, and the contract runs on until it is out of gas.
            let (result, trace) = Contracts::bare_call(
                ALICE, contract.clone(), 0, Some(GAS_LIMIT), None, hostile_input(mode::DEBUG_TEXT, &[]),
            );
            assert_eq!(result.result, Err(error(ContractsError::OutOfGas)));
            assert_eq!(result.debug_message.len(), 2 * 1024 * 1024);
            let root = trace.root.as_ref().expect("a frame");
            assert_eq!(root.debug_message.len(), 2 * 1024 * 1024, "the trace holds the same text");
            let truncated = trace.truncated.expect("dropped text is counted");
            assert!(truncated.debug_bytes >= 64 * 1024, "{truncated:?}");
            assert!(trace.to_string().contains("TRUNCATED"));
            // Every call still succeeded from the contract's point of view.
            let codes: Vec<_> = root.host_calls.iter().filter(|c| c.func == "seal0.debug_message").filter_map(|c| c.code.clone()).collect();
            assert!(codes.len() > 32 && codes.iter().all(|c| c == "Success"), "{codes:?}");

            // A message that is not UTF-8 is dropped (memory 0xff..).
            let (contract, _) = instantiate_wat(&module(
                r#"(import "seal0" "debug_message" (func $debug (param i32 i32) (result i32)))"#,
                "(memory.fill (i32.const 0) (i32.const 255) (i32.const 8)) (drop (call $debug (i32.const 0) (i32.const 8)))",
            ));
            let (result, _) = Contracts::bare_call(ALICE, contract.unwrap(), 0, Some(GAS_LIMIT), None, vec![]);
            assert!(result.result.is_ok());
            assert!(result.debug_message.is_empty());
        })
    }

    fn traces_are_bounded_and_say_what_they_left_out() {
        new_test_ext(|| {
            let contract = deploy_hostile();
            let (result, trace) = call(&contract, hostile_input(mode::HOST_CALLS, &[]));
            assert_eq!(result, Err(error(ContractsError::OutOfGas)));
            let root = trace.root.as_ref().expect("a frame");
            let limits = pallet_europa_contracts::TraceLimits::default();
            assert_eq!(root.host_calls.len(), limits.host_calls as usize);
            let truncated = trace.truncated.expect("a truncated trace says so");
            assert!(truncated.host_calls > 0, "{truncated:?}");
            let json = serde_json::to_value(&trace).unwrap();
            assert_eq!(json["truncated"]["hostCalls"], truncated.host_calls);

            // Values are kept up to the per-value limit: 768 KiB returned, 4 KiB kept.
            let (result, trace) = call(&contract, vec![9]);
            assert_eq!(result.expect("returns").data.len(), 786_432, "the result is whole");
            let Some(Outcome::Returned { data, .. }) = trace.root.map(|r| r.outcome) else { panic!("returned") };
            assert_eq!(data.0.len(), limits.value_bytes as usize);
            // Shortened twice: as `seal_return`'s argument and as the frame's outcome.
            assert_eq!(trace.truncated.map(|t| t.values), Some(2));
        })
    }

    fn a_plain_dry_run_records_nothing_and_costs_the_same() {
        new_test_ext(|| {
            let contract = deploy_hostile();
            for input in [hostile_input(mode::HOST_CALLS, &[]), hostile_input(mode::DEBUG_TEXT, &[]), vec![9], vec![mode::NESTED_RECURSION]] {
                let (traced, _) = without_effects(|| {
                    Contracts::bare_call(ALICE, contract.clone(), 0, Some(GAS_LIMIT), None, input.clone())
                });
                let untraced = without_effects(|| {
                    Contracts::bare_call_untraced(ALICE, contract.clone(), 0, Some(GAS_LIMIT), None, input)
                });
                assert_eq!(traced, untraced);
            }
        })
    }

    fn the_start_function_runs_on_the_frames_gas() {
        new_test_ext(|| {
            let spinning_start = r#"(module (import "env" "memory" (memory 1 16))
                (func $spin (loop $l (br $l)))
                (start $spin)
                (func (export "deploy")) (func (export "call")))"#;
            let (result, trace) = instantiate_wat(spinning_start);
            assert_eq!(result, Err(error(ContractsError::OutOfGas)), "{trace}");
            let (result, _) = Contracts::bare_instantiate(
                ALICE, 0, Some(GAS_LIMIT), None, Code::Upload(wat::parse_str(spinning_start).unwrap()), vec![], vec![],
            );
            // All the fuel the limit buys, as upstream.
            let per_fuel = pallet_europa_contracts::costs::ref_time_per_fuel::<Test>();
            assert_eq!(result.gas_consumed.ref_time(), GAS_LIMIT.ref_time() / per_fuel * per_fuel);

            // A start function that returns ends the frame as `seal_return` does (upstream).
            let reverting_start = wat::parse_str(r#"(module
                (import "seal0" "seal_return" (func $ret (param i32 i32 i32)))
                (import "env" "memory" (memory 1 16))
                (func $start (call $ret (i32.const 1) (i32.const 0) (i32.const 0)))
                (start $start)
                (func (export "deploy") unreachable) (func (export "call") unreachable))"#).unwrap();
            let (result, trace) = Contracts::bare_instantiate(
                ALICE, 0, Some(GAS_LIMIT), None, Code::Upload(reverting_start), vec![], vec![],
            );
            assert!(result.result.expect("returns").result.did_revert(), "{trace}");
            assert!(matches!(trace.root.map(|r| r.outcome), Some(Outcome::Reverted { .. })));
        })
    }

    fn bulk_memory_costs_gas_by_length() {
        new_test_ext(|| {
            let (contract, _) = instantiate_wat(&module(
                r#"(import "seal0" "input" (func $input (param i32 i32)))"#,
                "(i32.store (i32.const 0) (i32.const 4)) (call $input (i32.const 4) (i32.const 0))
                 (memory.fill (i32.const 8) (i32.const 1) (i32.load (i32.const 4)))
                 (memory.copy (i32.const 8) (i32.const 100) (i32.load (i32.const 4)))",
            ));
            let contract = contract.unwrap();
            let gas = |len: u32| {
                Contracts::bare_call(ALICE, contract.clone(), 0, Some(GAS_LIMIT), None, len.to_le_bytes().to_vec())
                    .0.gas_consumed.ref_time()
            };
            // Two instructions of 65 000 bytes at one fuel per 64 bytes.
            let expected = 2 * 65_000 / 64 * pallet_europa_contracts::costs::ref_time_per_fuel::<Test>();
            let extra = gas(65_000) - gas(0);
            assert!(
                extra >= expected * 9 / 10 && extra <= expected * 11 / 10,
                "{extra} for bulk instructions, expected about {expected}"
            );
        })
    }

    fn events_cost_what_upstream_charges_per_byte() {
        new_test_ext(|| {
            let (contract, _) = instantiate_wat(&module(
                r#"(import "seal0" "input" (func $input (param i32 i32)))
                   (import "seal0" "deposit_event" (func $event (param i32 i32 i32 i32)))"#,
                "(i32.store (i32.const 0) (i32.const 4)) (call $input (i32.const 4) (i32.const 0))
                 (call $event (i32.const 0) (i32.const 0) (i32.const 8) (i32.load (i32.const 4)))",
            ));
            let contract = contract.unwrap();
            let gas = |len: u32| {
                Contracts::bare_call(ALICE, contract.clone(), 0, Some(GAS_LIMIT), None, len.to_le_bytes().to_vec())
                    .0.gas_consumed.ref_time()
            };
            let per_byte = (gas(16_384) - gas(0)) / 16_384;
            // Upstream: 25 (benchmarked) + 60 000 (the event's share of the block) per byte.
            assert!((60_025..60_025 + 500).contains(&per_byte), "{per_byte} per byte");
        })
    }
}
