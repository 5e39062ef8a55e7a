//! The host function ABI against upstream 51: what is linked, with which signature,
//! and what each function does when called — directly and from a read-only call.

use codec::Encode;

use super::{differential, differential_within, record};
use crate::mock::*;

/// How upstream 51 links a host function (with the unstable interface on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Linked {
    Stable,
    Unstable,
    /// Linked for code stored before; new code may not import it.
    Deprecated,
}

/// Every host function upstream 51 links, `seal_`-prefixed aliases listed on their own.
const UPSTREAM_HOST_FUNCTIONS: &[(&str, &str, Linked)] = &[
    ("seal0", "set_storage", Linked::Stable),
    ("seal0", "seal_set_storage", Linked::Stable),
    ("seal1", "set_storage", Linked::Stable),
    ("seal1", "seal_set_storage", Linked::Stable),
    ("seal2", "set_storage", Linked::Stable),
    ("seal2", "seal_set_storage", Linked::Stable),
    ("seal0", "clear_storage", Linked::Stable),
    ("seal0", "seal_clear_storage", Linked::Stable),
    ("seal1", "clear_storage", Linked::Stable),
    ("seal1", "seal_clear_storage", Linked::Stable),
    ("seal0", "get_storage", Linked::Stable),
    ("seal0", "seal_get_storage", Linked::Stable),
    ("seal1", "get_storage", Linked::Stable),
    ("seal1", "seal_get_storage", Linked::Stable),
    ("seal0", "contains_storage", Linked::Stable),
    ("seal0", "seal_contains_storage", Linked::Stable),
    ("seal1", "contains_storage", Linked::Stable),
    ("seal1", "seal_contains_storage", Linked::Stable),
    ("seal0", "take_storage", Linked::Stable),
    ("seal0", "seal_take_storage", Linked::Stable),
    ("seal0", "set_transient_storage", Linked::Unstable),
    ("seal0", "clear_transient_storage", Linked::Unstable),
    ("seal0", "get_transient_storage", Linked::Unstable),
    ("seal0", "contains_transient_storage", Linked::Unstable),
    ("seal0", "take_transient_storage", Linked::Unstable),
    ("seal0", "transfer", Linked::Stable),
    ("seal0", "seal_transfer", Linked::Stable),
    ("seal0", "call", Linked::Stable),
    ("seal0", "seal_call", Linked::Stable),
    ("seal1", "call", Linked::Stable),
    ("seal1", "seal_call", Linked::Stable),
    ("seal2", "call", Linked::Stable),
    ("seal0", "delegate_call", Linked::Stable),
    ("seal0", "seal_delegate_call", Linked::Stable),
    ("seal0", "instantiate", Linked::Stable),
    ("seal0", "seal_instantiate", Linked::Stable),
    ("seal1", "instantiate", Linked::Stable),
    ("seal1", "seal_instantiate", Linked::Stable),
    ("seal2", "instantiate", Linked::Stable),
    ("seal0", "terminate", Linked::Stable),
    ("seal0", "seal_terminate", Linked::Stable),
    ("seal1", "terminate", Linked::Stable),
    ("seal1", "seal_terminate", Linked::Stable),
    ("seal0", "input", Linked::Stable),
    ("seal0", "seal_input", Linked::Stable),
    ("seal0", "seal_return", Linked::Stable),
    ("seal0", "caller", Linked::Stable),
    ("seal0", "seal_caller", Linked::Stable),
    ("seal0", "is_contract", Linked::Stable),
    ("seal0", "seal_is_contract", Linked::Stable),
    ("seal0", "code_hash", Linked::Stable),
    ("seal0", "seal_code_hash", Linked::Stable),
    ("seal0", "own_code_hash", Linked::Stable),
    ("seal0", "seal_own_code_hash", Linked::Stable),
    ("seal0", "caller_is_origin", Linked::Stable),
    ("seal0", "seal_caller_is_origin", Linked::Stable),
    ("seal0", "caller_is_root", Linked::Stable),
    ("seal0", "address", Linked::Stable),
    ("seal0", "seal_address", Linked::Stable),
    ("seal0", "weight_to_fee", Linked::Stable),
    ("seal0", "seal_weight_to_fee", Linked::Stable),
    ("seal1", "weight_to_fee", Linked::Unstable),
    ("seal0", "gas_left", Linked::Stable),
    ("seal0", "seal_gas_left", Linked::Stable),
    ("seal1", "gas_left", Linked::Unstable),
    ("seal0", "balance", Linked::Stable),
    ("seal0", "seal_balance", Linked::Stable),
    ("seal0", "value_transferred", Linked::Stable),
    ("seal0", "seal_value_transferred", Linked::Stable),
    ("seal0", "random", Linked::Deprecated),
    ("seal0", "seal_random", Linked::Deprecated),
    ("seal1", "random", Linked::Deprecated),
    ("seal1", "seal_random", Linked::Deprecated),
    ("seal0", "now", Linked::Stable),
    ("seal0", "seal_now", Linked::Stable),
    ("seal0", "minimum_balance", Linked::Stable),
    ("seal0", "seal_minimum_balance", Linked::Stable),
    ("seal0", "tombstone_deposit", Linked::Deprecated),
    ("seal0", "seal_tombstone_deposit", Linked::Deprecated),
    ("seal0", "restore_to", Linked::Deprecated),
    ("seal0", "seal_restore_to", Linked::Deprecated),
    ("seal1", "restore_to", Linked::Deprecated),
    ("seal1", "seal_restore_to", Linked::Deprecated),
    ("seal0", "set_rent_allowance", Linked::Deprecated),
    ("seal0", "seal_set_rent_allowance", Linked::Deprecated),
    ("seal1", "set_rent_allowance", Linked::Deprecated),
    ("seal1", "seal_set_rent_allowance", Linked::Deprecated),
    ("seal0", "rent_allowance", Linked::Deprecated),
    ("seal0", "seal_rent_allowance", Linked::Deprecated),
    ("seal0", "deposit_event", Linked::Stable),
    ("seal0", "seal_deposit_event", Linked::Stable),
    ("seal0", "block_number", Linked::Stable),
    ("seal0", "seal_block_number", Linked::Stable),
    ("seal0", "hash_sha2_256", Linked::Stable),
    ("seal0", "seal_hash_sha2_256", Linked::Stable),
    ("seal0", "hash_keccak_256", Linked::Stable),
    ("seal0", "seal_hash_keccak_256", Linked::Stable),
    ("seal0", "hash_blake2_256", Linked::Stable),
    ("seal0", "seal_hash_blake2_256", Linked::Stable),
    ("seal0", "hash_blake2_128", Linked::Stable),
    ("seal0", "seal_hash_blake2_128", Linked::Stable),
    ("seal0", "call_chain_extension", Linked::Stable),
    ("seal0", "seal_call_chain_extension", Linked::Stable),
    ("seal0", "debug_message", Linked::Stable),
    ("seal0", "seal_debug_message", Linked::Stable),
    ("seal0", "call_runtime", Linked::Stable),
    ("seal0", "xcm_execute", Linked::Stable),
    ("seal0", "xcm_send", Linked::Stable),
    ("seal0", "ecdsa_recover", Linked::Stable),
    ("seal0", "seal_ecdsa_recover", Linked::Stable),
    ("seal0", "sr25519_verify", Linked::Stable),
    ("seal0", "set_code_hash", Linked::Stable),
    ("seal0", "seal_set_code_hash", Linked::Stable),
    ("seal0", "ecdsa_to_eth_address", Linked::Stable),
    ("seal0", "seal_ecdsa_to_eth_address", Linked::Stable),
    ("seal0", "reentrance_count", Linked::Unstable),
    ("seal0", "account_reentrance_count", Linked::Unstable),
    ("seal0", "instantiation_nonce", Linked::Stable),
    ("seal0", "lock_delegate_dependency", Linked::Stable),
    ("seal0", "unlock_delegate_dependency", Linked::Stable),
];

/// The host function ABI, both ways: Europa links exactly what upstream 51 links, and
/// each with upstream's signature — a stub importing it is accepted by both pallets,
/// and with one parameter more refused by both; deprecated functions are refused in
/// new code by both. A host function added or lost on either side fails here.
#[test]
fn differential_host_function_inventory() {
    use std::collections::BTreeMap;
    // Upstream's own test pins its count of stable functions (aliases and deprecated
    // ones included) at 111: the list above is complete.
    let stable = UPSTREAM_HOST_FUNCTIONS
        .iter()
        .filter(|(_, _, linked)| *linked != Linked::Unstable)
        .count();
    assert_eq!(stable, 111);
    let upstream: BTreeMap<(String, String), Linked> = UPSTREAM_HOST_FUNCTIONS
        .iter()
        .map(|(module, name, linked)| ((module.to_string(), name.to_string()), *linked))
        .collect();
    let ours: BTreeMap<(String, String), bool> =
        new_test_ext(pallet_europa_contracts::host_function_inventory::<Test>)
            .into_iter()
            .map(|f| ((f.module, f.name), f.deprecated))
            .collect();
    let missing: Vec<_> = upstream.keys().filter(|k| !ours.contains_key(*k)).collect();
    let extra: Vec<_> = ours.keys().filter(|k| !upstream.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "Europa lacks {missing:?} and has {extra:?} beyond upstream"
    );
    for (key, deprecated) in &ours {
        assert_eq!(*deprecated, upstream[key] == Linked::Deprecated, "{key:?}");
    }

    // Upstream's test configuration has no chain extension, so neither pallet links
    // `call_chain_extension` here.
    differential(|chain, steps| {
        set_chain_extension_enabled(false);
        for function in pallet_europa_contracts::host_function_inventory::<Test>() {
            let chain_extension = function.name.ends_with("call_chain_extension");
            let name = format!("{}.{}", function.module, function.name);
            let types = |types: &[europa_sandbox::ValueType]| {
                types
                    .iter()
                    .map(|t| format!("{t:?}").to_lowercase())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let stub = |params: String| {
                let module = format!(
                    r#"(module (import "{}" "{}" (func (param {params}) (result {})))
                        (import "env" "memory" (memory 1 1))
                        (func (export "call")) (func (export "deploy")))"#,
                    function.module,
                    function.name,
                    types(&function.signature.results),
                );
                wat::parse_str(module).expect("valid WAT")
            };
            let params = types(&function.signature.params);
            let step = chain.upload(stub(params.clone()));
            assert_eq!(
                step.observed.result.is_ok(),
                !function.deprecated && !chain_extension,
                "{name} on {}: {:?}",
                chain.name(),
                step.observed.result
            );
            record(steps, &format!("import {name}"), step);
            let step = chain.upload(stub(format!("{params} i32")));
            assert!(
                step.observed.result.is_err(),
                "{name} with a parameter more"
            );
            record(steps, &format!("import {name} with a parameter more"), step);
        }
    });
}

/// wasmtime's `ref_time` where host calls dominate (each probe below is one host call
/// and a few instructions): within 10% of upstream's (measured 0.92 to 1.00).
const HOST_CALL_REF_TIME: core::ops::RangeInclusive<f64> = 0.9..=1.1;

/// Calls every host function new code may import, with two argument patterns (all
/// zero; every `i32` 32, which points at a 256-byte output capacity), once directly
/// and once from a read-only call: results, events, deposits and gas must be
/// upstream's. A function whose declaration says the wrong thing about mutating state
/// (or whose arguments are decoded in the wrong order) shows up here.
#[test]
fn differential_every_host_function_called() {
    differential_within(HOST_CALL_REF_TIME, |chain, steps| {
        set_chain_extension_enabled(false);
        let (step, read_only_caller) = chain.instantiate(read_only_caller(), vec![], 0);
        record(steps, "instantiate the read-only caller", step);
        let read_only_caller = read_only_caller.expect("instantiated");
        let probed = pallet_europa_contracts::host_function_inventory::<Test>()
            .into_iter()
            .filter(|function| {
                !function.deprecated
                    && !function.name.starts_with("seal_")
                    && function.name != "call_chain_extension"
            });
        for function in probed {
            for pattern in [0, 32] {
                let name = format!("{}.{} with {pattern}s", function.module, function.name);
                // The input keeps the address apart for functions without parameters.
                let input = vec![pattern as u8];
                let (step, callee) = chain.instantiate(probe(&function, pattern), input, 0);
                let callee = callee.unwrap_or_else(|| {
                    panic!("{}: the probe of {name}: {:?}", chain.name(), step.observed)
                });
                record(steps, &format!("instantiate the probe of {name}"), step);
                let step = chain.call(&read_only_caller, callee.encode());
                record(steps, &format!("{name}, read-only"), step);
                record(steps, &name, chain.call(&callee, vec![]));
            }
        }
    });
}

/// A contract whose `call` calls `function` with every `i32` argument `pattern` and
/// every `i64` zero (all the gas there is).
fn probe(function: &pallet_europa_contracts::LinkedHostFunction, pattern: i32) -> Vec<u8> {
    use europa_sandbox::ValueType;
    let wat_type = |ty: &ValueType| format!("{ty:?}").to_lowercase();
    let params: Vec<_> = function.signature.params.iter().map(wat_type).collect();
    let results: Vec<_> = function.signature.results.iter().map(wat_type).collect();
    let args: String = function
        .signature
        .params
        .iter()
        .map(|ty| match ty {
            ValueType::I64 => "(i64.const 0)".to_string(),
            _ => format!("(i32.const {pattern})"),
        })
        .collect();
    let drops = "(drop)".repeat(results.len());
    let module = format!(
        r#"(module
            (import "{}" "{}" (func $probed (param {}) (result {})))
            (import "env" "memory" (memory 1 1))
            (data (i32.const 32) "\00\01")
            (func (export "deploy"))
            (func (export "call") (call $probed {args}) {drops}))"#,
        function.module,
        function.name,
        params.join(" "),
        results.join(" "),
    );
    wat::parse_str(module).expect("valid WAT")
}

/// A contract that calls the account its input names, read-only, and returns the
/// call's return code.
fn read_only_caller() -> Vec<u8> {
    wat::parse_str(
        r#"(module
            (import "seal0" "input" (func $input (param i32 i32)))
            (import "seal2" "call" (func $call
                (param i32 i32 i64 i64 i32 i32 i32 i32 i32 i32) (result i32)))
            (import "seal0" "seal_return" (func $return (param i32 i32 i32)))
            (import "env" "memory" (memory 1 1))
            ;; the input's capacity at 0, the callee at 4, the value (zero) at 200
            (data (i32.const 0) "\20")
            (func (export "deploy"))
            (func (export "call")
                (call $input (i32.const 4) (i32.const 0))
                (i32.store (i32.const 100)
                    (call $call
                        (i32.const 16) ;; READ_ONLY
                        (i32.const 4) (i64.const 0) (i64.const 0)
                        (i32.const -1) (i32.const 200)
                        (i32.const 0) (i32.const 0)
                        (i32.const -1) (i32.const 0)))
                (call $return (i32.const 0) (i32.const 100) (i32.const 4))))"#,
    )
    .expect("valid WAT")
}
