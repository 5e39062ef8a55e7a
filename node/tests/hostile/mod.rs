//! Hostile contracts and requests against the real node: each ends in its documented
//! error, within generous bounds of time and memory, and the node keeps sealing.
//! `scripts/bench-hostile.sh` measures the real figures.

use std::time::{Duration, Instant};

use codec::Encode;
use europa_runtime::RuntimeCall;
use frame_support::weights::Weight;
use serde_json::json;
use sp_keyring::Sr25519Keyring;

use super::{dry_run, head_number, submit_signed, wait_for_block};
use crate::{
    insight::custom_section,
    node::{hex, Node},
};

/// Inputs for `hostile.wat` that both the pallet's tests and these use.
#[path = "../../../pallets/contracts/fixtures/hostile_inputs.rs"]
mod hostile_inputs;
use hostile_inputs::nested_xcm;

/// `pallets/contracts/fixtures/hostile.wat`, compiled.
pub(crate) fn hostile_code() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../pallets/contracts/fixtures/hostile.wat");
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `Sudo.sudo` nested `depth` times around `System.remark`: two bytes a level.
pub(crate) fn nested_sudo(depth: usize) -> Vec<u8> {
    let mut call = [4u8, 0].repeat(depth);
    call.extend(RuntimeCall::System(frame_system::Call::remark { remark: vec![] }).encode());
    call
}

/// One hostile behaviour: the contract's input and the error it must end in.
pub(crate) struct Case {
    pub name: &'static str,
    pub input: Vec<u8>,
    pub error: &'static str,
}

/// Every behaviour of the hostile contract (its first input byte picks it).
pub(crate) fn cases() -> Vec<Case> {
    let mut call_runtime = vec![0];
    call_runtime.extend(nested_sudo(30_000));
    let mut xcm_execute = vec![11];
    xcm_execute.extend(nested_xcm(30_000));
    let case = |name, input, error| Case { name, input, error };
    vec![
        case("deep call_runtime nesting", call_runtime, "DecodingFailed"),
        case("debug text in a loop", vec![1], "OutOfGas"),
        case("events in a loop", vec![2], "OutOfGas"),
        case("bulk memory in a loop", vec![3], "OutOfGas"),
        case("host calls in a loop", vec![4], "OutOfGas"),
        case("an empty loop", vec![5], "OutOfGas"),
        case("WASM recursion", vec![6], "ContractTrapped"),
        case("recursion through nested calls", vec![7], ""),
        case("return data in a loop", vec![8], "OutOfGas"),
        case(
            "transient storage filled",
            vec![10],
            "OutOfTransientStorage",
        ),
        case("deep XCM nesting", xcm_execute, "DecodingFailed"),
    ]
}

/// Uploads and instantiates the hostile contract as Alice; returns its address.
pub(crate) fn deploy_hostile(node: &Node) -> sp_runtime::AccountId32 {
    super::deploy(node, hostile_code(), vec![])
}

/// The name of a dry run's module error (`DecodingFailed`), or "" when it succeeded.
pub(crate) fn error_name(
    result: &Result<pallet_europa_contracts::ExecReturnValue, sp_runtime::DispatchError>,
) -> String {
    match result {
        Ok(_) => String::new(),
        Err(sp_runtime::DispatchError::Module(module)) => {
            use codec::Decode;
            pallet_europa_contracts::Error::<europa_runtime::Runtime>::decode(
                &mut &module.error[..],
            )
            .map(|error| format!("{error:?}"))
            .unwrap_or_else(|_| format!("{module:?}"))
        }
        Err(other) => format!("{other:?}"),
    }
}

/// Generous bounds: they catch the unbounded case (minutes, gigabytes), not a slow one.
const MAX_SECONDS: u64 = 60;
const MAX_PEAK_GROWTH_MIB: u64 = 512;

/// Half a block: what an extrinsic may ask for and still fit.
const EXTRINSIC_GAS: Weight = Weight::from_parts(1_000_000_000_000, 10 * 1024 * 1024);

/// Runs `request` against `node`; returns its answer, how long it took and how much the
/// node's peak resident memory grew meanwhile (MiB).
fn measured<R>(node: &Node, request: impl FnOnce() -> R) -> (R, (Duration, u64)) {
    let before = node.reset_peak_rss();
    let started = Instant::now();
    let answer = request();
    let elapsed = started.elapsed();
    (
        answer,
        (elapsed, node.peak_rss_kib().saturating_sub(before) / 1024),
    )
}

#[test]
fn hostile_contracts_end_in_their_errors_and_the_node_keeps_sealing() {
    let alice = Sr25519Keyring::Alice.to_account_id().to_string();
    for executor in ["wasmtime", "wasmi"] {
        let node = Node::start_dev(&["--sandbox", executor]);
        let contract = deploy_hostile(&node);
        for case in cases() {
            // As a dry run at the block's maximum weight, as clients send it.
            let (result, figures) =
                measured(&node, || dry_run(&node, &contract, case.input.clone()));
            assert_eq!(
                error_name(&result.result),
                case.error,
                "{executor}, {}: {result:?}",
                case.name
            );
            // The same, traced: the trace is bounded too.
            let request = json!([{ "origin": alice, "dest": contract.to_string(), "inputData": hex(&case.input) }]);
            let (traced, trace_figures) =
                measured(&node, || node.call("europa_traceCall", request));
            let traced = traced.expect("europa_traceCall");
            let expected = if case.error.is_empty() {
                json!(null)
            } else {
                json!(format!("Contracts::{}", case.error))
            };
            assert_eq!(
                traced["result"]["err"], expected,
                "{executor}, {}",
                case.name
            );
            if case.input == [4] {
                // Host calls in a loop: the first 10 000 are kept, the rest counted.
                let trace = &traced["trace"];
                assert_eq!(
                    trace["root"]["hostCalls"].as_array().map(Vec::len),
                    Some(10_000)
                );
                assert!(
                    trace["truncated"]["hostCalls"].as_u64() > Some(0),
                    "{}",
                    trace["truncated"]
                );
            }
            for (what, (elapsed, growth_mib)) in [("dry run", figures), ("trace", trace_figures)] {
                // The figures scripts/bench-hostile.sh reports.
                eprintln!(
                    "hostile {executor:<8} {:<32} {what:<7} {:>6.0} ms, peak RSS +{growth_mib} MiB",
                    case.name,
                    elapsed.as_secs_f64() * 1e3
                );
                assert!(
                    elapsed < Duration::from_secs(MAX_SECONDS),
                    "{executor}, {} {what}: {elapsed:?}",
                    case.name
                );
                assert!(
                    growth_mib < MAX_PEAK_GROWTH_MIB,
                    "{executor}, {} {what}: peak RSS grew {growth_mib} MiB",
                    case.name
                );
            }

            // As an extrinsic with the gas the dry run asked for: sealed, the chain goes on.
            let block = head_number(&node);
            submit_signed(
                &node,
                RuntimeCall::Contracts(pallet_europa_contracts::Call::call {
                    dest: contract.clone().into(),
                    value: 0,
                    gas_limit: result.gas_required.min(EXTRINSIC_GAS),
                    storage_deposit_limit: None,
                    data: case.input,
                }),
            );
            wait_for_block(&node, block + 1);
        }
        // A start function that spins is paid for by the deployment's gas.
        let spinning = wat::parse_str(
            r#"(module (import "env" "memory" (memory 1 16)) (func $spin (loop $l (br $l)))
                (start $spin) (func (export "deploy")) (func (export "call")))"#,
        )
        .unwrap();
        let traced = node
            .call(
                "europa_traceInstantiate",
                json!([{ "origin": alice, "code": hex(&spinning) }]),
            )
            .expect("a dry-run instantiation");
        assert_eq!(
            traced["result"]["err"], "Contracts::OutOfGas",
            "{executor}: {traced}"
        );
        // And the chain still seals a plain transfer.
        let block = head_number(&node);
        super::submit_alice_transfer(
            &node,
            super::next_index(&node, Sr25519Keyring::Alice) as u32,
        );
        wait_for_block(&node, block + 1);
    }
}

#[test]
fn unsafe_methods_are_refused_on_external_interfaces_unless_allowed() {
    let alice = Sr25519Keyring::Alice.to_account_id().to_string();
    let trace_request = json!([{ "origin": alice, "dest": alice }]);
    let node = Node::start_dev(&["--rpc-external"]);
    for (method, params) in [
        ("europa_traceCall", trace_request.clone()),
        ("europa_traceExtrinsic", json!([0, 0])),
        ("engine_createBlock", json!([true, true, null])),
        ("europa_forwardToHeight", json!([5])),
        ("europa_backwardToHeight", json!([0])),
        ("europa_snapshot", json!([])),
        ("europa_revert", json!([0])),
        ("europa_increaseTime", json!([1000])),
        ("europa_setNextBlockTimestamp", json!([0])),
        ("europa_setBalance", json!([alice, 1])),
        ("europa_setStorage", json!([[["0x00", null]]])),
        (
            "europa_setContractCode",
            json!([alice, format!("0x{}", "00".repeat(32))]),
        ),
    ] {
        let error = node.call(method, params).expect_err("refused");
        assert_eq!(error["code"], -32601, "{method}: {error}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(method) && message.contains("--rpc-methods unsafe"),
            "{error}"
        );
    }
    assert!(
        node.call("system_health", json!([])).is_ok(),
        "safe methods are served"
    );
    drop(node);

    let node = Node::start_dev(&["--rpc-external", "--rpc-methods", "unsafe"]);
    let traced = node
        .call("europa_traceCall", trace_request.clone())
        .expect("allowed");
    assert_eq!(traced["result"]["err"], "Contracts::ContractNotFound");
    drop(node);

    // Local interfaces serve them by default.
    let node = Node::start_dev(&[]);
    assert!(node.call("europa_traceCall", trace_request).is_ok());
    assert!(node
        .call("engine_createBlock", json!([true, true, null]))
        .is_ok());
}

#[test]
fn slow_traces_do_not_delay_other_calls() {
    let node = Node::start_dev(&[]);
    let contract = deploy_hostile(&node);
    let alice = Sr25519Keyring::Alice.to_account_id().to_string();
    let request = json!([{ "origin": alice, "dest": contract.to_string(), "inputData": "0x05" }]);
    std::thread::scope(|scope| {
        let started = Instant::now();
        // More slow traces than the machine has cores (and the RPC server workers).
        let traces: Vec<_> = (0..3)
            .map(|_| {
                let (rpc, request) = (node.rpc(), request.clone());
                scope.spawn(move || rpc.call("europa_traceCall", request))
            })
            .collect();
        // Let the traces get going, then ask for something else, more than once.
        std::thread::sleep(Duration::from_millis(200));
        for _ in 0..5 {
            let asked = Instant::now();
            node.call("system_health", json!([]))
                .expect("system_health");
            assert!(
                asked.elapsed() < Duration::from_secs(1),
                "system_health took {:?}",
                asked.elapsed()
            );
        }
        for trace in traces {
            let traced = trace.join().unwrap().expect("the trace finishes");
            assert_eq!(traced["result"]["err"], "Contracts::OutOfGas");
        }
        assert!(
            started.elapsed() > Duration::from_millis(400),
            "the traces were not slow enough to prove anything"
        );
    });
}

#[test]
fn chains_run_side_by_side_without_p2p_or_metrics_ports() {
    // No --port, no --no-prometheus: nothing but RPC is opened, so both start.
    let first = Node::start(&["--dev", "--tmp", "--rpc-port=0"]);
    let second = Node::start(&["--dev", "--tmp", "--rpc-port=0"]);
    for node in [&first, &second] {
        assert!(node.call("system_health", json!([])).is_ok());
        assert_eq!(node.call("system_peers", json!([])).unwrap(), json!([]));
        let listening = node.call("system_localListenAddresses", json!([])).unwrap();
        assert_eq!(listening, json!([]), "no p2p listener");
    }
    // Asked for, the p2p port is opened (and still accepts no peer).
    let asked = Node::start(&[
        "--dev",
        "--tmp",
        "--rpc-port=0",
        "--port=0",
        "--no-prometheus",
    ]);
    let listening = asked
        .call("system_localListenAddresses", json!([]))
        .unwrap();
    assert!(!listening.as_array().unwrap().is_empty(), "{listening}");
}

/// A contract of about `bytes` of code: `deploy` and `call` do nothing, and as many
/// functions as it takes of straight-line arithmetic.
fn huge_code(bytes: usize, variant: u32) -> Vec<u8> {
    // Six bytes of code a unit, a thousand units a function.
    let unit = format!("(drop (i32.add (i32.const {variant}) (i32.const 2)))");
    let function = format!("(func {})", unit.repeat(1_000));
    let functions = function.repeat(bytes / 6_000);
    wat::parse_str(format!(
        r#"(module (import "env" "memory" (memory 1 16)) (func (export "deploy")) (func (export "call")) {functions})"#
    ))
    .expect("valid WAT")
}

#[test]
fn huge_and_many_codes_are_compiled_within_bounds() {
    for executor in ["wasmtime", "wasmi"] {
        let node = Node::start_dev(&["--sandbox", executor]);
        let alice = Sr25519Keyring::Alice.to_account_id().to_string();
        // Close to the runtime's 4 MiB code limit, instantiated in a dry run.
        let code = huge_code(3_900_000, 1);
        let (traced, (elapsed, growth_mib)) = measured(&node, || {
            node.call(
                "europa_traceInstantiate",
                json!([{ "origin": alice, "code": hex(&code) }]),
            )
        });
        let traced = traced.expect("europa_traceInstantiate");
        assert!(
            traced["result"]["ok"].is_object(),
            "{executor}: {}",
            traced["result"]
        );
        eprintln!(
            "hostile {executor:<8} {:<32} {:<7} {:>6.0} ms, peak RSS +{growth_mib} MiB",
            "huge code (3.9 MB)",
            "trace",
            elapsed.as_secs_f64() * 1e3
        );
        assert!(
            elapsed < Duration::from_secs(MAX_SECONDS),
            "{executor}: {elapsed:?}"
        );
        assert!(
            growth_mib < MAX_PEAK_GROWTH_MIB,
            "{executor}: peak RSS grew {growth_mib} MiB"
        );

        // Many distinct codes: the module cache keeps within its bounds.
        let before = node.reset_peak_rss();
        for variant in 0..12 {
            let code = huge_code(400_000, variant + 10);
            let traced = node
                .call(
                    "europa_traceInstantiate",
                    json!([{ "origin": alice, "code": hex(&code) }]),
                )
                .expect("europa_traceInstantiate");
            assert!(
                traced["result"]["ok"].is_object(),
                "{executor}: {}",
                traced["result"]
            );
        }
        let growth_mib = node.peak_rss_kib().saturating_sub(before) / 1024;
        assert!(
            growth_mib < MAX_PEAK_GROWTH_MIB,
            "{executor}: peak RSS grew {growth_mib} MiB"
        );
    }
}

#[test]
fn concurrent_traces_while_blocks_are_sealed() {
    let node = Node::start_dev(&[]);
    let contract = deploy_hostile(&node);
    let alice = Sr25519Keyring::Alice.to_account_id().to_string();
    let start = head_number(&node);
    std::thread::scope(|scope| {
        let tracers: Vec<_> = (0..6)
            .map(|i| {
                let rpc = node.rpc();
                // Host calls, debug text and events, two requests each, at once.
                let mode = [4u8, 1, 2][i % 3];
                let request = json!([{ "origin": alice, "dest": contract.to_string(), "inputData": hex(&[mode]) }]);
                scope.spawn(move || rpc.call("europa_traceCall", request))
            })
            .collect();
        for sealed in 1..=5u64 {
            super::submit_alice_transfer(
                &node,
                super::next_index(&node, Sr25519Keyring::Alice) as u32,
            );
            wait_for_block(&node, start + sealed);
        }
        // Re-executions of history meanwhile: the block that deployed the contract,
        // whole and by its extrinsic.
        let history: Vec<_> = (0..4)
            .map(|i| {
                let rpc = node.rpc();
                scope.spawn(move || match i % 2 {
                    0 => rpc.call("europa_traceBlock", json!([start])),
                    _ => rpc.call("europa_traceExtrinsic", json!([start, 1])),
                })
            })
            .collect();
        for tracer in tracers {
            let traced = tracer.join().unwrap().expect("every trace is answered");
            assert_eq!(traced["result"]["err"], "Contracts::OutOfGas");
        }
        for traced in history {
            let traced = traced
                .join()
                .unwrap()
                .expect("every re-execution is answered");
            let root = match traced.as_array() {
                Some(block) => block[0]["trace"]["root"].clone(),
                None => traced["trace"]["root"].clone(),
            };
            assert_eq!(root["entry"], "deploy", "{traced}");
        }
    });
    assert!(
        head_number(&node) >= start + 5,
        "blocks were sealed meanwhile"
    );
}

#[test]
fn deeply_nested_extrinsics_are_refused_wherever_they_enter() {
    let node = Node::start_dev(&[]);
    // A bare extrinsic: `Sudo.sudo` 100 000 times around a remark, 200 KB. Decoded
    // without a depth limit, it overflows the native stack the runtime runs on.
    let mut xt = vec![4u8];
    xt.extend(nested_sudo(100_000));
    let mut encoded = codec::Compact(xt.len() as u32).encode();
    encoded.extend(xt);
    let deep = hex(&encoded);
    let error = node
        .call("author_submitExtrinsic", json!([deep]))
        .expect_err("refused");
    assert!(error.to_string().contains("256 levels"), "{error}");
    assert!(node.call("payment_queryInfo", json!([deep])).is_err());
    let error = node
        .call("state_call", json!(["BlockBuilder_apply_extrinsic", deep]))
        .expect_err("refused");
    assert!(error.to_string().contains("256 levels"), "{error}");
    // Still alive, still sealing.
    let block = head_number(&node);
    super::submit_alice_transfer(&node, 0);
    wait_for_block(&node, block + 1);
}

/// A contract whose constructor traps, with DWARF whose one function covers all its
/// code and nests `DW_TAG_inlined_subroutine` `depth` levels deep: addr2line recurses
/// once per level when it symbolizes the trap.
fn dwarf_bomb(depth: usize) -> Vec<u8> {
    let mut code = wat::parse_str(
        r#"(module (import "env" "memory" (memory 1 16))
            (func (export "deploy") unreachable) (func (export "call")))"#,
    )
    .expect("valid WAT");
    // Abbreviations: 1 compile unit, 2 subprogram, 3 inlined subroutine (each with
    // children; the first two cover addresses 0..2^28 with low_pc and a high_pc length).
    let covers = [0x11, 0x01, 0x12, 0x06, 0, 0];
    let mut abbrev = vec![1, 0x11, 1];
    abbrev.extend(covers);
    abbrev.extend([2, 0x2e, 1]);
    abbrev.extend(covers);
    abbrev.extend([3, 0x1d, 1, 0, 0, 0]);
    let range = [0u8, 0, 0, 0, 0, 0, 0, 0x10];
    let mut entries = vec![1];
    entries.extend(range);
    entries.push(2);
    entries.extend(range);
    entries.extend(std::iter::repeat_n(3u8, depth));
    entries.extend(std::iter::repeat_n(0u8, depth + 2));
    // A DWARF 4 unit header: length, version, abbreviations at 0, 4-byte addresses.
    let mut info = ((entries.len() + 7) as u32).to_le_bytes().to_vec();
    info.extend([4, 0, 0, 0, 0, 0, 4]);
    info.extend(entries);
    code.extend(custom_section(".debug_abbrev", &abbrev));
    code.extend(custom_section(".debug_info", &info));
    // Present, as in any debug build (no unit points into it).
    code.extend(custom_section(".debug_line", &[]));
    code
}

#[test]
fn nested_debug_info_is_ignored_not_followed() {
    // A million levels: 2 MB, under the code size limit; what symbolizing a trap of
    // such code did before was to overflow the stack and abort the node.
    let code = dwarf_bomb(1_000_000);
    for executor in ["wasmtime", "wasmi"] {
        let node = Node::start_dev(&["--sandbox", executor, "--trace", "host-calls"]);
        let alice = Sr25519Keyring::Alice.to_account_id();

        // A plain dry run, as any client may send one.
        let args = (
            alice.clone(),
            0u128,
            None::<Weight>,
            None::<u128>,
            pallet_europa_contracts::Code::<sp_core::H256>::Upload(code.clone()),
            vec![0u8],
            Vec::<u8>::new(),
        );
        let (answer, (elapsed, growth_mib)) = measured(&node, || {
            node.call(
                "state_call",
                json!(["ContractsApi_instantiate", hex(&args.encode())]),
            )
        });
        assert!(answer.is_ok(), "{executor}: {answer:?}");
        assert!(
            growth_mib < 64,
            "{executor}: peak RSS grew {growth_mib} MiB"
        );
        eprintln!(
            "hostile {executor:<8} DWARF nested 1M deep, dry run: {:.0} ms, +{growth_mib} MiB",
            elapsed.as_secs_f64() * 1e3
        );

        // Traced: the trap is explained without source lines, saying why.
        let traced = node
            .call(
                "europa_traceInstantiate",
                json!([{ "origin": alice.to_string(), "code": hex(&code), "data": "0x00" }]),
            )
            .expect("europa_traceInstantiate");
        let root = &traced["trace"]["root"];
        let explanation = root["explanation"]["text"].as_str().unwrap_or_default();
        assert!(explanation.starts_with("trapped"), "{traced}");
        if executor == "wasmtime" {
            assert!(
                explanation.contains("debug info was ignored")
                    && explanation.contains("nesting of DWARF entries"),
                "{traced}"
            );
            let ignored = &root["outcome"]["trapped"]["debugInfoIgnored"];
            assert!(
                ignored
                    .as_str()
                    .is_some_and(|why| why.contains("limit of 128")),
                "{traced}"
            );
        }

        // On chain, where the log symbolizes the trap while the block is built (nested
        // less deeply, so that uploading it fits a block).
        let code = dwarf_bomb(100_000);
        let block = head_number(&node);
        submit_signed(
            &node,
            RuntimeCall::Contracts(pallet_europa_contracts::Call::upload_code {
                code: code.clone(),
                storage_deposit_limit: None,
                determinism: pallet_europa_contracts::Determinism::Enforced,
            }),
        );
        wait_for_block(&node, block + 1);
        let code_hash = crate::blake2_256(&code);
        submit_signed(
            &node,
            RuntimeCall::Contracts(pallet_europa_contracts::Call::instantiate {
                value: 0,
                gas_limit: Weight::from_parts(100_000_000_000, 1024 * 1024),
                storage_deposit_limit: None,
                code_hash: code_hash.into(),
                data: vec![0],
                salt: vec![],
            }),
        );
        wait_for_block(&node, block + 2);
        let log = node.wait_for_log("✗ trapped").join("\n");
        if executor == "wasmtime" {
            assert!(
                log.contains("debug info was ignored") && log.contains("limit of 128"),
                "{log}"
            );
        }

        // As the stored code's DWARF sidecar: refused, saying why.
        let refused = node
            .call(
                "europa_registerDebugInfo",
                json!([hex(&code_hash), hex(&code)]),
            )
            .expect_err("refused");
        assert!(
            refused.to_string().contains("debug info is not read"),
            "{refused}"
        );

        // The node goes on sealing.
        super::submit_alice_transfer(
            &node,
            super::next_index(&node, Sr25519Keyring::Alice) as u32,
        );
        wait_for_block(&node, block + 3);
    }
}
