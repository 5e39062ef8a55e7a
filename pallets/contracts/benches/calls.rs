//! Contract calls per second in the mock runtime: a flipper call, an ERC20 transfer and
//! a compute-heavy message, on this pallet (wasmtime, wasmi) and on upstream
//! pallet-contracts 51, side by side. Run with `scripts/bench-contracts.sh`.
//!
//! Each case runs the same WASM 1.0 build on fresh chain state, warms up, then calls
//! for about `EUROPA_BENCH_SECONDS` (default 3) seconds; the figure is calls divided
//! by elapsed time. `EUROPA_BENCH_ONLY` picks cases (see `main`).

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
}
