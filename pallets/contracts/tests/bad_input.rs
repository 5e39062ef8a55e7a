//! Hostile and broken contracts: each ends in a documented error, nothing panics, and
//! the chain state stays usable.

mod mock;

use frame_support::weights::Weight;
use mock::*;
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
    let code = wat::parse_str(wat).expect("valid WAT");
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

/// The strict profile rejects what upstream rejects beyond the WASM 1.0 check: extra
/// exports and a memory without a declared maximum; the permissive one takes both.
#[test]
fn strict_profile_rejects_extra_exports_and_unbounded_memory() {
    let unbounded = r#"(module (import "env" "memory" (memory 1)) (func (export "deploy")) (func (export "call")))"#;
    let extra_export = r#"(module (import "env" "memory" (memory 1 16))
        (func (export "deploy")) (func (export "call")) (func (export "memcpy")))"#;
    for executor in europa_sandbox::Executor::ALL {
        use_sandbox(
            *executor,
            pallet_europa_contracts::schedule::Profile::Strict,
        );
        new_test_ext(|| {
            let (result, trace) = instantiate_wat(unbounded);
            assert_eq!(result, Err(error(ContractsError::CodeRejected)));
            assert!(
                trace.uploads[0]
                    .rejected
                    .as_deref()
                    .unwrap()
                    .contains("maximum"),
                "{trace}"
            );
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
