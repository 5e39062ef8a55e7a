//! The ink! fixtures on the mock runtime, on both executors: upload, instantiate, call,
//! nested calls, events, storage, deposits, reverts, traps and the trace.

use crate::mock::*;
use codec::{Decode, Encode};
use frame_support::assert_ok;
use pallet_contracts_uapi::ReturnFlags;
use pallet_europa_contracts::{
    trace::{EntryPoint, Outcome},
    CodeInfoOf, ContractInfoOf, Error as ContractsError, Event as ContractsEvent, StorageDeposit,
};

both_executors! {
    fn flipper_flips_and_keeps_its_state() {
        new_test_ext(|| {
            let flipper = deploy(fixture("flipper", Build::Dwarf), input("new", false), 0);
            assert!(!query::<bool>(&flipper, input("get", ())));

            // Through the dispatchable, as a transaction would.
            assert_ok!(Contracts::call(
                RuntimeOrigin::signed(ALICE),
                flipper.clone().into(),
                0,
                GAS_LIMIT,
                None,
                input("flip", ()),
            ));
            assert!(query::<bool>(&flipper, input("get", ())));

            // ink! keeps the root storage under key 0; the pallet's reader sees it.
            assert_eq!(Contracts::get_storage(flipper.clone(), vec![0, 0, 0, 0]), Ok(Some(vec![1])));

            // The dispatched call's trace: one frame, the storage round trip in order.
            let traces = take_traces();
            let root = traces.last().and_then(|t| t.root.as_ref()).expect("a frame");
            assert_eq!(root.entry, EntryPoint::Call);
            assert_eq!(root.selector.as_ref().map(|s| s.0.clone()), Some(selector("flip").to_vec()));
            let calls = host_calls(root);
            let position = |name: &str| calls.iter().position(|c| *c == name).unwrap_or_else(|| panic!("{name} in {calls:?}"));
            assert!(position("seal0.input") < position("seal1.get_storage"));
            assert!(position("seal1.get_storage") < position("seal2.set_storage"));
            assert!(matches!(root.outcome, Outcome::Returned { .. }));
            assert!(root.gas_consumed.ref_time > 0);

            // The event clients look for.
            assert!(System::events().iter().any(|r| matches!(
                &r.event,
                RuntimeEvent::Contracts(ContractsEvent::Called { contract, .. }) if *contract == flipper
            )));
        })
    }

    fn erc20_transfers_emit_events_and_failures_revert() {
        new_test_ext(|| {
            let token = deploy(fixture("erc20", Build::Dwarf), input("new", 1_000u128), 0);
            assert_eq!(query::<u128>(&token, input("balance_of", ALICE)), 1_000);

            let transfer: Result<(), u8> = query(&token, input("transfer", (BOB, 300u128)));
            assert_eq!(transfer, Ok(()));
            assert_eq!(query::<u128>(&token, input("balance_of", BOB)), 300);
            assert_eq!(query::<u128>(&token, input("balance_of", ALICE)), 700);

            // Both the constructor's mint and the transfer emitted an event.
            let events = contract_events();
            assert_eq!(events.len(), 2, "{events:?}");
            assert!(events.iter().all(|(contract, _)| *contract == token));

            // Too much: ink! returns Err and sets REVERT; nothing changes.
            let (result, trace) = call(&token, input("transfer", (BOB, 10_000u128)));
            let value = result.expect("the call itself succeeds");
            assert!(value.did_revert(), "{trace}");
            assert!(matches!(trace.root.as_ref().map(|r| &r.outcome), Some(Outcome::Reverted { .. })));
            assert_eq!(query::<u128>(&token, input("balance_of", BOB)), 300);
            assert_eq!(contract_events().len(), 2);
        })
    }

    fn panic_in_a_helper_traps_with_contract_trapped() {
        new_test_ext(|| {
            let contract = deploy(fixture("panic_deep", Build::Dwarf), input("new", ()), 0);
            assert_eq!(query::<u32>(&contract, input("ok", ())), query::<u32>(&contract, input("ok", ())));
            let (result, trace) = call(&contract, input("run", 3u32));
            assert_eq!(result, Err(ContractsError::<Test>::ContractTrapped.into()));
            let Some(Outcome::Trapped { reason, backtrace, .. }) = trace.root.as_ref().map(|r| &r.outcome) else {
                panic!("expected a trap\n{trace}");
            };
            assert!(reason.contains("unreachable"), "{reason}");
            if trace.executor == "wasmtime" {
                // DWARF: the panic's line in the contract's source.
                let source = std::fs::read_to_string(fixtures_dir().join("contracts/panic_deep/lib.rs")).unwrap();
                let panic_line = source.lines().position(|l| l.contains("panic!(")).unwrap() as u32 + 1;
                assert!(
                    backtrace.iter().any(|f| f.file.as_deref().is_some_and(|p| p.ends_with("panic_deep/lib.rs")) && f.line == Some(panic_line)),
                    "no frame at lib.rs:{panic_line}\n{trace}"
                );
            }
        })
    }

    fn an_endless_loop_runs_out_of_gas() {
        new_test_ext(|| {
            let contract = deploy(fixture("gas_loop", Build::Dwarf), input("new", ()), 0);
            let limit = frame_support::weights::Weight::from_parts(5_000_000_000, 1024 * 1024);
            let (result, trace) = Contracts::bare_call(ALICE, contract.clone(), 0, Some(limit), None, input("spin", ()));
            assert_eq!(result.result, Err(ContractsError::<Test>::OutOfGas.into()), "{trace}");
            // As upstream, the fuel burnt since the last host call is charged only where
            // it fits: running out reports what was charged up to that call.
            assert!(result.gas_consumed.all_lte(limit));
            // A bounded loop finishes and needs less.
            let (result, _) = Contracts::bare_call(ALICE, contract, 0, Some(limit), None, input("spin_for", 1000u32));
            assert!(result.result.is_ok());
            assert!(result.gas_required.ref_time() < limit.ref_time());
            assert!(result.gas_required.all_gte(result.gas_consumed));
        })
    }

    fn debug_messages_reach_the_result_and_the_trace() {
        new_test_ext(|| {
            let contract = deploy(fixture("debug_print", Build::Dwarf), input("new", ()), 0);
            let (result, trace) = Contracts::bare_call(ALICE, contract, 0, Some(GAS_LIMIT), None, input("print", 21u32));
            let output = result.result.expect("the call succeeds");
            assert_eq!(output.data, Ok::<u32, u8>(42).encode(), "{trace}");
            let message = String::from_utf8(result.debug_message).expect("utf-8");
            assert!(message.contains("print x = 21"), "{message:?}");
            assert_eq!(trace.root.as_ref().map(|r| r.debug_message.clone()), Some(message));
        })
    }

    fn nested_calls_instantiation_delegate_call_and_termination() {
        new_test_ext(|| {
            let callee = deploy(fixture("callee", Build::Dwarf), input("new", 7u32), 0);
            let callee_hash = ContractInfoOf::<Test>::get(&callee).unwrap().code_hash;
            let caller = deploy(fixture("caller", Build::Dwarf), input("new", ()), 0);

            // A call into another contract, and the trace's frame tree for it.
            assert_eq!(query::<u32>(&caller, input("call_get", callee.clone())), 7);
            let (_, trace) = call(&caller, input("call_get", callee.clone()));
            let root = trace.root.as_ref().unwrap();
            assert_eq!(root.nested.len(), 1, "{trace}");
            let nested = &root.nested[0];
            assert_eq!((nested.depth, nested.entry), (2, EntryPoint::Call));
            assert_eq!(nested.contract.0, callee.encode());
            assert_eq!(nested.caller.0, caller.encode());
            let seal_call = root.host_calls.iter().find(|c| c.func == "seal2.call").expect("seal2.call");
            assert_eq!((seal_call.code.as_deref(), seal_call.nested_frame), (Some("Success"), Some(0)));

            query::<()>(&caller, input("call_set", (callee.clone(), 9u32)));
            assert_eq!(query::<u32>(&callee, input("get", ())), 9);

            // Instantiation from a contract.
            let created: AccountId = query(&caller, input("instantiate_callee", (callee_hash, vec![1u8], 11u32)));
            assert_eq!(query::<u32>(&created, input("get", ())), 11);
            assert_eq!(CodeInfoOf::<Test>::get(callee_hash).unwrap().refcount, 2);

            // A delegate call runs callee's code on caller's storage.
            assert_eq!(query::<Result<u32, u8>>(&caller, input("delegate_set", (callee_hash, 5u32))), Ok(5));
            assert_eq!(query::<u32>(&caller, input("get", ())), 5);
            assert_eq!(query::<u32>(&callee, input("get", ())), 9);
            assert!(System::events().iter().any(|r| matches!(
                &r.event,
                RuntimeEvent::Contracts(ContractsEvent::DelegateCalled { contract, code_hash })
                    if *contract == caller && *code_hash == callee_hash
            )));

            // A callee that reverts rolls back its own write; the caller reverts too.
            let (result, trace) = call(&caller, input("call_and_propagate_revert", callee.clone()));
            assert!(result.unwrap().did_revert(), "{trace}");
            assert!(matches!(trace.root.as_ref().unwrap().nested[0].outcome, Outcome::Reverted { .. }));
            assert_eq!(query::<u32>(&callee, input("get", ())), 9);

            // A callee that traps: the caller gets CalleeTrapped and carries on.
            let (result, trace) = call(&caller, input("call_panicking", callee.clone()));
            assert_eq!(result.unwrap().data, Ok::<Result<(), u8>, u8>(Err(1)).encode(), "{trace}");
            assert!(matches!(trace.root.as_ref().unwrap().nested[0].outcome, Outcome::Trapped { .. }));

            // Termination: the contract and its storage are gone, its balance went to the caller.
            let result: Result<(), u8> = query(&caller, input("terminate_callee", callee.clone()));
            assert_eq!(result, Ok(()));
            assert!(ContractInfoOf::<Test>::get(&callee).is_none());
            assert_eq!(CodeInfoOf::<Test>::get(callee_hash).unwrap().refcount, 1);
            assert!(System::events().iter().any(|r| matches!(
                &r.event,
                RuntimeEvent::Contracts(ContractsEvent::Terminated { contract, beneficiary })
                    if *contract == callee && *beneficiary == caller
            )));
        })
    }

    fn reentrancy_is_refused_unless_allowed() {
        new_test_ext(|| {
            let caller = deploy(fixture("caller", Build::Dwarf), input("new", ()), 0);
            let (result, trace) = call(&caller, input("call_self_reentrant", false));
            assert_eq!(result, Err(ContractsError::<Test>::ReentranceDenied.into()), "{trace}");
            assert_eq!(query::<Result<u32, u8>>(&caller, input("call_self_reentrant", true)), Ok(0));
        })
    }

    fn contracts_dispatch_filtered_runtime_calls() {
        new_test_ext(|| {
            let contract = deploy(fixture("runtime_call", Build::Dwarf), input("new", ()), 10_000);
            let bob_before = Balances::free_balance(BOB);
            let result: Result<(), u8> = query(&contract, input("transfer_through_runtime", (BOB, 500u128)));
            assert_eq!(result, Ok(()));
            assert_eq!(Balances::free_balance(BOB), bob_before + 500);
            // Too much for the contract: the runtime call fails, the contract gets a code.
            let (result, trace) = call(&contract, input("transfer_through_runtime", (BOB, 1_000_000u128)));
            assert!(result.unwrap().did_revert(), "{trace}");
            let runtime_call = trace.root.as_ref().unwrap().host_calls.iter().find(|c| c.func == "seal0.call_runtime").unwrap();
            assert_eq!(runtime_call.code.as_deref(), Some("CallRuntimeFailed"));
        })
    }

    fn chain_extension_functions_reach_the_runtime() {
        new_test_ext(|| {
            let contract = deploy(fixture("chain_extension", Build::Dwarf), input("new", ()), 0);
            let echoed: Result<Vec<u8>, u8> = query(&contract, input("echo", vec![1u8, 2, 3]));
            assert_eq!(echoed, Ok(vec![1, 2, 3]));
            let random: Result<[u8; 32], u8> = query(&contract, input("random", [7u8; 32]));
            assert_eq!(random, Ok(sp_io::hashing::blake2_256(&[7u8; 32])));
        })
    }

    fn upload_holds_a_deposit_and_remove_releases_it() {
        new_test_ext(|| {
            let code = fixture("flipper", Build::Mvp);
            let free_before = Balances::free_balance(ALICE);
            let uploaded = Contracts::bare_upload_code(ALICE, code.clone(), None, pallet_europa_contracts::Determinism::Enforced)
                .expect("upload");
            assert!(uploaded.deposit > 0);
            assert_eq!(Balances::free_balance(ALICE), free_before - uploaded.deposit);
            assert_eq!(CodeInfoOf::<Test>::get(uploaded.code_hash).map(|i| i.refcount), Some(0));
            // Uploading the same code again is free.
            let again = Contracts::bare_upload_code(ALICE, code, None, pallet_europa_contracts::Determinism::Enforced).unwrap();
            assert_eq!(again.deposit, 0);
            // Only the uploader may remove it.
            assert!(Contracts::remove_code(RuntimeOrigin::signed(BOB), uploaded.code_hash).is_err());
            assert_ok!(Contracts::remove_code(RuntimeOrigin::signed(ALICE), uploaded.code_hash));
            assert_eq!(Balances::free_balance(ALICE), free_before);
        })
    }

    fn instantiation_charges_storage_deposits_to_the_origin() {
        new_test_ext(|| {
            let (result, trace) = Contracts::bare_instantiate(
                ALICE, 0, Some(GAS_LIMIT), None,
                pallet_europa_contracts::Code::Upload(fixture("erc20", Build::Mvp)),
                input("new", 5u128), vec![],
            );
            let account = result.result.expect("instantiated").account_id;
            let info = ContractInfoOf::<Test>::get(&account).expect("a contract");
            let StorageDeposit::Charge(charged) = result.storage_deposit else { panic!("a charge\n{trace}") };
            // Upload, existential deposit, base and storage deposits, all accounted.
            let code_deposit = CodeInfoOf::<Test>::get(info.code_hash).unwrap().deposit;
            assert_eq!(
                charged,
                code_deposit + ED + info.storage_base_deposit + info.storage_byte_deposit + info.storage_item_deposit
            );
            assert!(info.storage_items >= 1);
            assert_eq!(info.storage_item_deposit, DEPOSIT_PER_ITEM * info.storage_items as u128);
            assert_eq!(info.storage_byte_deposit, DEPOSIT_PER_BYTE * info.storage_bytes as u128);
        })
    }
}

#[test]
fn encodings_match_what_clients_decode() {
    // ExecReturnValue { flags: REVERT, data } as polkadot.js reads it.
    let value = pallet_europa_contracts::ExecReturnValue {
        flags: ReturnFlags::REVERT,
        data: vec![7],
    };
    assert_eq!(value.encode(), vec![1, 0, 0, 0, 4, 7]);
    let deposit: StorageDeposit<u128> =
        Decode::decode(&mut &[1u8, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..]).unwrap();
    assert_eq!(deposit, StorageDeposit::Charge(5));
}

/// The JSON shape documented in `docs/trace-format.md`, and that it reads back.
#[test]
fn traces_serialize_to_the_documented_json() {
    use_sandbox(
        europa_sandbox::Executor::Wasmtime,
        pallet_europa_contracts::schedule::Profile::Permissive,
    );
    new_test_ext(|| {
        let contract = deploy(fixture("panic_deep", Build::Dwarf), input("new", ()), 0);
        let (_, trace) = call(&contract, input("run", 1u32));
        let json = serde_json::to_value(&trace).expect("serializable");
        if std::env::var("EUROPA_PRINT_TRACE").is_ok() {
            println!("{trace}\n{}", serde_json::to_string_pretty(&json).unwrap());
        }
        assert_eq!(json["executor"], "wasmtime");
        assert!(json["truncated"].is_null(), "a short trace is whole");
        let root = &json["root"];
        for key in [
            "depth",
            "entry",
            "caller",
            "contract",
            "codeHash",
            "selector",
            "args",
            "value",
            "gasLimit",
            "gasConsumed",
            "storageDeposit",
            "hostCalls",
            "events",
            "debugMessage",
            "outcome",
            "nested",
        ] {
            assert!(root.get(key).is_some(), "no {key} in {root}");
        }
        assert_eq!(root["entry"], "call");
        assert_eq!(root["selector"], "0xb95b5eb3");
        assert_eq!(root["hostCalls"][0]["func"], "seal0.value_transferred");
        let trapped = &root["outcome"]["trapped"];
        assert!(trapped["reason"].as_str().unwrap().contains("unreachable"));
        assert!(trapped["backtrace"].as_array().unwrap().iter().any(
            |f| f["line"].is_u64() && f["file"].as_str().is_some_and(|p| p.ends_with("lib.rs"))
        ));
        let back: pallet_europa_contracts::trace::ExecutionTrace =
            serde_json::from_value(json).expect("reads back");
        assert_eq!(back, trace);
    })
}

/// Traces name an error by its pallet only when it is this pallet's: another pallet's
/// error (reached through `call_runtime` or a chain extension) keeps its index.
#[test]
fn errors_are_named_by_the_pallet_they_come_from() {
    use pallet_europa_contracts::describe_error;
    let own: sp_runtime::DispatchError = ContractsError::<Test>::OutOfGas.into();
    assert_eq!(describe_error::<Test>(&own), "Contracts::OutOfGas");
    let balances: sp_runtime::DispatchError =
        pallet_balances::Error::<Test>::InsufficientBalance.into();
    use frame_support::traits::PalletInfo as _;
    let index = <Test as frame_system::Config>::PalletInfo::index::<Balances>().unwrap();
    assert_eq!(
        describe_error::<Test>(&balances),
        format!("Module #{index}::InsufficientBalance")
    );
    assert_eq!(
        describe_error::<Test>(&sp_runtime::DispatchError::BadOrigin),
        "BadOrigin"
    );
}
