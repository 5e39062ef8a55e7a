//! Contract calls per second in the mock runtime: a flipper call, an ERC20 transfer and
//! a compute-heavy message, on this pallet (wasmtime, wasmi) and on upstream
//! pallet-contracts 51, side by side. Run with `scripts/bench-contracts.sh`.
//!
//! Each case runs the same WASM 1.0 build on fresh chain state, warms up, then calls
//! for about `EUROPA_BENCH_SECONDS` (default 3) seconds; the figure is calls divided
//! by elapsed time. `EUROPA_BENCH_ONLY` picks cases (see `main`). The compute case is
//! also timed as native Rust (the fixture's algorithm, checked to return the same hash),
//! the floor any executor is measured against.

#[path = "../tests/all/mock/mod.rs"]
mod mock;

use std::time::{Duration, Instant};

use europa_sandbox::Executor;
use mock::*;
use pallet_europa_contracts::schedule::Profile;

#[derive(Clone, Copy, PartialEq)]
enum Pallet {
    Europa(Executor),
    Upstream,
}

impl Pallet {
    fn name(self) -> String {
        match self {
            Pallet::Europa(executor) => format!("europa/{executor}"),
            Pallet::Upstream => "upstream".into(),
        }
    }

    fn deploy(self, name: &str, constructor: Vec<u8>) -> AccountId {
        let code = fixture(name, Build::Mvp);
        match self {
            Pallet::Europa(executor) => {
                use_sandbox(executor, Profile::Permissive);
                deploy(code, constructor, 0)
            }
            Pallet::Upstream => {
                let result = Upstream::bare_instantiate(
                    ALICE,
                    0,
                    GAS_LIMIT,
                    None,
                    pallet_contracts::Code::Upload(code),
                    constructor,
                    vec![],
                    pallet_contracts::DebugInfo::Skip,
                    pallet_contracts::CollectEvents::Skip,
                );
                result.result.expect("upstream instantiates").account_id
            }
        }
    }

    fn call(self, dest: &AccountId, data: Vec<u8>) {
        let ok = match self {
            Pallet::Europa(_) => {
                let (result, _) =
                    Contracts::bare_call(ALICE, dest.clone(), 0, Some(GAS_LIMIT), None, data);
                result.result.is_ok_and(|r| !r.did_revert())
            }
            Pallet::Upstream => Upstream::bare_call(
                ALICE,
                dest.clone(),
                0,
                GAS_LIMIT,
                None,
                data,
                pallet_contracts::DebugInfo::Skip,
                pallet_contracts::CollectEvents::Skip,
                pallet_contracts::Determinism::Enforced,
            )
            .result
            .is_ok_and(|r| !r.did_revert()),
        };
        assert!(ok, "{} failed a call", self.name());
    }
}

struct Case {
    name: &'static str,
    contract: &'static str,
    constructor: fn() -> Vec<u8>,
    message: fn() -> Vec<u8>,
}

/// Calls per second of `case` on `pallet`.
fn measure(pallet: Pallet, case: &Case, budget: Duration) -> f64 {
    new_test_ext(|| {
        let contract = pallet.deploy(case.contract, (case.constructor)());
        let message = (case.message)();
        for _ in 0..20 {
            pallet.call(&contract, message.clone());
        }
        let start = Instant::now();
        let mut calls = 0u64;
        while start.elapsed() < budget {
            for _ in 0..10 {
                pallet.call(&contract, message.clone());
            }
            calls += 10;
            // Events pile up in storage otherwise; a real chain starts each block empty.
            System::reset_events();
        }
        calls as f64 / start.elapsed().as_secs_f64()
    })
}

/// The compute fixture's `work(rounds)` (fixtures/contracts/compute), natively.
fn compute_work_native(rounds: u32) -> u64 {
    fn xorshift(mut x: u32) -> u32 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    }
    let mut values = [0u32; 4096];
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut seed: u32 = 0x9e37_79b9;
    for round in 0..rounds {
        seed = xorshift(seed ^ round.wrapping_add(1)) | 1;
        let mut x = seed;
        for v in values.iter_mut() {
            x = xorshift(x);
            *v = x;
        }
        values.sort_unstable();
        for v in values.iter() {
            hash ^= u64::from(*v);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// Native `work(1)` calls per second, after checking that the contract computes the
/// same hash (so the two run the same algorithm).
fn measure_native_compute(budget: Duration) -> f64 {
    let contract_hash = new_test_ext(|| {
        let contract = Pallet::Europa(Executor::Wasmtime).deploy("compute", input("new", ()));
        let (result, _) = Contracts::bare_call(
            ALICE,
            contract,
            0,
            Some(GAS_LIMIT),
            None,
            input("work", 1u32),
        );
        let data = result.result.expect("work(1) returns").data;
        // ink! returns `Result<u64, LangError>`: `Ok` is a zero byte, then the value.
        u64::from_le_bytes(data[1..9].try_into().expect("a u64"))
    });
    assert_eq!(
        contract_hash,
        compute_work_native(1),
        "the native algorithm differs"
    );
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < budget {
        std::hint::black_box(compute_work_native(std::hint::black_box(1)));
        calls += 1;
    }
    calls as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let seconds: u64 = std::env::var("EUROPA_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let budget = Duration::from_secs(seconds);
    let cases = [
        Case {
            name: "flipper flip",
            contract: "flipper",
            constructor: || input("new", false),
            message: || input("flip", ()),
        },
        Case {
            name: "erc20 transfer",
            contract: "erc20",
            constructor: || input("new", u128::MAX / 2),
            message: || input("transfer", (BOB, 1u128)),
        },
        Case {
            name: "compute work(1)",
            contract: "compute",
            constructor: || input("new", ()),
            message: || input("work", 1u32),
        },
    ];
    let pallets = [
        Pallet::Europa(Executor::Wasmtime),
        Pallet::Europa(Executor::Wasmi),
        Pallet::Upstream,
    ];
    println!(
        "{:<18} {:>16} {:>16} {:>16} {:>12}",
        "calls/s", "europa/wasmtime", "europa/wasmi", "upstream", "wasmtime/up"
    );
    // `EUROPA_BENCH_ONLY=<text>` measures only the cases and pallets whose
    // `<case> <pallet>` contains it (e.g. under a profiler); the others read 0.
    let only = std::env::var("EUROPA_BENCH_ONLY").unwrap_or_default();
    for case in &cases {
        let rates: Vec<f64> = pallets
            .iter()
            .map(
                |p| match format!("{} {}", case.name, p.name()).contains(&only) {
                    true => measure(*p, case, budget),
                    false => 0.0,
                },
            )
            .collect();
        println!(
            "{:<18} {:>16.0} {:>16.0} {:>16.0} {:>11.2}x",
            case.name,
            rates[0],
            rates[1],
            rates[2],
            rates[0] / rates[2]
        );
    }
    if "compute work(1) native".contains(&only) {
        let native = measure_native_compute(budget);
        println!(
            "{:<18} {native:>16.0} (native Rust, the same algorithm)",
            "compute work(1)"
        );
    }
}
