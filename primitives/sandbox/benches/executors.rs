//! wasmtime vs wasmi on a compute-heavy guest compiled from Rust, and wasmtime
//! instantiation from a cold compile vs from the module cache.
//!
//! `scripts/bench-sandbox.sh` runs this and prints the ratios.

use criterion::{criterion_main, Criterion};
use europa_sandbox::*;

const ROUNDS: i32 = 4;

fn guest() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"))
            .join("fixtures/guest.wasm"),
    )
    .expect("fixtures/guest.wasm")
}

fn compute(c: &mut Criterion) {
    let code = guest();
    let env = EnvironmentDefinitionBuilder::<()>::new();
    let mut group = c.benchmark_group("compute");
    group.sample_size(20);
    for executor in Executor::ALL {
        let engine = Engine::new(SandboxConfig::new(*executor)).expect("engine");
        let mut instance = Instance::new(&engine, &code, &env, &mut ()).expect("instance");
        group.bench_function(executor.name(), |b| {
            b.iter(|| {
                instance.set_fuel(u64::MAX);
                instance
                    .invoke("sort_and_hash", &[Value::I32(ROUNDS)], &mut ())
                    .expect("runs")
            })
        });
    }
    group.finish();
}

fn instantiate(c: &mut Criterion) {
    let code = guest();
    let env = EnvironmentDefinitionBuilder::<()>::new();
    let mut group = c.benchmark_group("instantiate");
    let uncached = Engine::new(SandboxConfig {
        module_cache_capacity: 0,
        ..SandboxConfig::new(Executor::Wasmtime)
    })
    .expect("engine");
    group.bench_function("wasmtime_cold", |b| {
        b.iter(|| Instance::new(&uncached, &code, &env, &mut ()).expect("instance"))
    });
    let cached = Engine::new(SandboxConfig::new(Executor::Wasmtime)).expect("engine");
    Instance::new(&cached, &code, &env, &mut ()).expect("warms the cache");
    group.bench_function("wasmtime_cached", |b| {
        b.iter(|| Instance::new(&cached, &code, &env, &mut ()).expect("instance"))
    });
    let wasmi = Engine::new(SandboxConfig::new(Executor::Wasmi)).expect("engine");
    group.bench_function("wasmi", |b| {
        b.iter(|| Instance::new(&wasmi, &code, &env, &mut ()).expect("instance"))
    });
    group.finish();
}

/// Both benchmarks, configured from the command line (what `criterion_group!` would
/// write, with a doc comment).
fn benches() {
    let mut criterion = Criterion::default().configure_from_args();
    compute(&mut criterion);
    instantiate(&mut criterion);
}

criterion_main!(benches);
