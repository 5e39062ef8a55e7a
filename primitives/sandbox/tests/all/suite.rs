//! The shared sandbox test suite. Every test in `executor_tests!` runs once per
//! executor, as `<name>::wasmtime` and `<name>::wasmi`.

use europa_sandbox::*;

fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test module is valid WAT")
}

fn engine(executor: Executor) -> Engine {
    Engine::new(SandboxConfig::new(executor)).expect("default config is valid")
}

fn engine_with(executor: Executor, features: WasmFeatures, limits: Limits) -> Engine {
    Engine::new(
        SandboxConfig::new(executor)
            .with_features(features)
            .with_limits(limits),
    )
    .expect("config is valid")
}

/// Host state for the tests: a log of what host functions saw.
#[derive(Default)]
struct Recorder {
    calls: Vec<String>,
    seen: Vec<Value>,
}

fn sig(params: &[ValueType], results: &[ValueType]) -> Signature {
    Signature::new(params, results)
}

use ValueType::{I32, I64};

fn record(
    ctx: &mut FunctionContext<'_, Recorder>,
    args: &[Value],
) -> Result<ReturnValue, HostError> {
    ctx.state().calls.push("record".into());
    ctx.state().seen.extend_from_slice(args);
    let sum = args.iter().map(|v| match v {
        Value::I32(v) => i64::from(*v),
        Value::I64(v) => *v,
        _ => 0,
    });
    Ok(ReturnValue::Value(Value::I64(sum.sum())))
}

fn fail(ctx: &mut FunctionContext<'_, Recorder>, _: &[Value]) -> Result<ReturnValue, HostError> {
    ctx.state().calls.push("fail".into());
    Err(HostError::new("the host says stop"))
}

fn wrong_result(
    _: &mut FunctionContext<'_, Recorder>,
    _: &[Value],
) -> Result<ReturnValue, HostError> {
    Ok(ReturnValue::Value(Value::I64(1)))
}

/// Reverses the bytes at (ptr, len) in place and returns their sum.
fn reverse_in_memory(
    ctx: &mut FunctionContext<'_, Recorder>,
    args: &[Value],
) -> Result<ReturnValue, HostError> {
    let (ptr, len) = match args {
        [Value::I32(ptr), Value::I32(len)] => (*ptr as u32, *len as u32),
        _ => return Err(HostError::new("bad arguments")),
    };
    let (state, mut memory) = ctx
        .state_and_memory()
        .map_err(|e| HostError::new(e.to_string()))?;
    let mut bytes = memory
        .read(ptr, len)
        .map_err(|e| HostError::new(e.to_string()))?;
    state
        .calls
        .push(format!("reverse {}", String::from_utf8_lossy(&bytes)));
    bytes.reverse();
    memory
        .set(ptr, &bytes)
        .map_err(|e| HostError::new(e.to_string()))?;
    Ok(ReturnValue::Value(Value::I32(
        bytes.iter().map(|b| i32::from(*b)).sum(),
    )))
}

fn burn_fuel(
    ctx: &mut FunctionContext<'_, Recorder>,
    args: &[Value],
) -> Result<ReturnValue, HostError> {
    let amount = args[0]
        .as_i64()
        .ok_or_else(|| HostError::new("expected i64"))?;
    ctx.consume_fuel(amount as u64)?;
    Ok(ReturnValue::Value(Value::I64(ctx.fuel_remaining() as i64)))
}

fn full_env() -> EnvironmentDefinitionBuilder<Recorder> {
    let mut env = EnvironmentDefinitionBuilder::new();
    env.add_host_func("env", "record", sig(&[I32, I64], &[I64]), record)
        .add_host_func("env", "fail", sig(&[], &[]), fail)
        .add_host_func("env", "wrong_result", sig(&[], &[]), wrong_result)
        .add_host_func(
            "env",
            "reverse",
            sig(&[I32, I32], &[I32]),
            reverse_in_memory,
        )
        .add_host_func("env", "burn", sig(&[I64], &[I64]), burn_fuel)
        .add_memory(
            "env",
            "memory",
            Memory::new(1, Some(4)).expect("valid limits"),
        );
    env
}

fn guest() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"))
            .join("fixtures/guest.wasm"),
    )
    .expect("fixtures/guest.wasm is missing: run scripts/build-sandbox-fixtures.sh")
}

fn trap_kind(result: Result<Vec<Value>, Error>) -> TrapKind {
    match result {
        Err(Error::Trap(trap)) => trap.kind,
        other => panic!("expected a trap, got {other:?}"),
    }
}

executor_tests! {
    fn instantiate_and_invoke(executor) {
        let code = wasm(r#"(module
            (global (export "answer") i32 (i32.const 42))
            (global (export "big") i64 (i64.const -7))
            (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
            (func (export "nothing")))"#);
        let env = EnvironmentDefinitionBuilder::new();
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &env, &mut state).unwrap();
        instance.set_fuel(1_000);
        assert_eq!(instance.invoke("add", &[Value::I32(40), Value::I32(2)], &mut state), Ok(vec![Value::I32(42)]));
        assert_eq!(instance.invoke("add", &[Value::I32(i32::MAX), Value::I32(1)], &mut state), Ok(vec![Value::I32(i32::MIN)]));
        assert_eq!(instance.invoke("nothing", &[], &mut state), Ok(vec![]));
        assert_eq!(instance.get_global_val("answer"), Some(Value::I32(42)));
        assert_eq!(instance.get_global_val("big"), Some(Value::I64(-7)));
        assert_eq!(instance.get_global_val("missing"), None);
        assert!(instance.memory().is_none(), "the module has no memory");
    }

    fn invoking_a_missing_export_or_with_wrong_arguments_fails(executor) {
        let code = wasm(r#"(module (func (export "add") (param i32 i32) (result i32) (local.get 0)))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        instance.set_fuel(1_000);
        assert_eq!(instance.invoke("nope", &[], &mut state), Err(Error::ExportNotFound("nope".into())));
        match instance.invoke("add", &[Value::I64(1)], &mut state) {
            Err(Error::ArgumentMismatch { name, expected, got }) => {
                assert_eq!(name, "add");
                assert_eq!(expected.params, vec![I32, I32]);
                assert_eq!(got.params, vec![I64]);
            }
            other => panic!("expected an argument mismatch, got {other:?}"),
        }
        assert_eq!(instance.invoke("add", &[Value::I32(5), Value::I32(6)], &mut state), Ok(vec![Value::I32(5)]), "the instance still works");
    }

    fn host_functions_get_arguments_state_and_return_values(executor) {
        let code = wasm(r#"(module
            (import "env" "record" (func $record (param i32 i64) (result i64)))
            (func (export "run") (result i64)
                (i64.add (call $record (i32.const 7) (i64.const 100)) (call $record (i32.const -1) (i64.const 1)))))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &full_env(), &mut state).unwrap();
        instance.set_fuel(10_000);
        assert_eq!(instance.invoke("run", &[], &mut state), Ok(vec![Value::I64(107)]));
        assert_eq!(state.calls, vec!["record", "record"]);
        assert_eq!(state.seen, vec![Value::I32(7), Value::I64(100), Value::I32(-1), Value::I64(1)]);
    }

    fn host_error_stops_execution_and_propagates(executor) {
        let code = wasm(r#"(module
            (import "env" "fail" (func $fail))
            (import "env" "record" (func $record (param i32 i64) (result i64)))
            (func (export "run") (call $fail) (drop (call $record (i32.const 1) (i64.const 1)))))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &full_env(), &mut state).unwrap();
        instance.set_fuel(10_000);
        assert_eq!(instance.invoke("run", &[], &mut state), Err(Error::Host(HostError::new("the host says stop"))));
        assert_eq!(state.calls, vec!["fail"], "nothing ran after the failing host call");
    }

    fn host_function_returning_the_wrong_type_is_an_error(executor) {
        let code = wasm(r#"(module (import "env" "wrong_result" (func $f)) (func (export "run") (call $f)))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &full_env(), &mut state).unwrap();
        instance.set_fuel(10_000);
        match instance.invoke("run", &[], &mut state) {
            Err(Error::Host(error)) => assert!(error.reason.contains("signature declares () -> ()"), "{error}"),
            other => panic!("expected a host error, got {other:?}"),
        }
    }

    fn imported_memory_is_read_and_written_by_host_functions(executor) {
        let code = wasm(r#"(module
            (import "env" "memory" (memory 1 4))
            (import "env" "reverse" (func $reverse (param i32 i32) (result i32)))
            (data (i32.const 16) "europa")
            (func (export "run") (result i32 i32)
                (call $reverse (i32.const 16) (i32.const 6))
                (i32.load8_u (i32.const 16))))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &full_env(), &mut state).unwrap();
        instance.set_fuel(10_000);
        let sum: i32 = "europa".bytes().map(i32::from).sum();
        assert_eq!(instance.invoke("run", &[], &mut state), Ok(vec![Value::I32(sum), Value::I32(i32::from(b'a'))]));
        assert_eq!(state.calls, vec!["reverse europa"]);
        let mut memory = instance.memory().expect("the imported memory");
        assert_eq!(memory.pages(), 1);
        assert_eq!(memory.read(16, 6).unwrap(), b"aporue");
        memory.set(100, b"xyz").unwrap();
        assert_eq!(memory.read(100, 3).unwrap(), b"xyz");
        assert_eq!(memory.read(65535, 2), Err(Error::OutOfBounds { offset: 65535, len: 2, size: 65536 }));
        assert_eq!(memory.set(u32::MAX, b"a"), Err(Error::OutOfBounds { offset: u32::MAX, len: 1, size: 65536 }));
    }

    fn host_memory_access_out_of_bounds_is_reported_to_the_host(executor) {
        let code = wasm(r#"(module
            (import "env" "memory" (memory 1 4))
            (import "env" "reverse" (func $reverse (param i32 i32) (result i32)))
            (func (export "run") (result i32) (call $reverse (i32.const 65530) (i32.const 100))))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &full_env(), &mut state).unwrap();
        instance.set_fuel(10_000);
        match instance.invoke("run", &[], &mut state) {
            Err(Error::Host(error)) => assert!(error.reason.contains("out of bounds: 100 bytes at offset 65530"), "{error}"),
            other => panic!("expected a host error, got {other:?}"),
        }
    }

    fn a_module_exporting_its_own_memory_is_accessible(executor) {
        let code = wasm(r#"(module (memory (export "memory") 2) (data (i32.const 8) "hi"))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        let memory = instance.memory().expect("exported memory");
        assert_eq!(memory.pages(), 2);
        assert_eq!(memory.read(8, 2).unwrap(), b"hi");
    }

    fn fuel_is_metered_and_exhaustion_is_an_error(executor) {
        let code = wasm(r#"(module
            (func (export "count") (param i32) (result i32) (local i32)
                (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                    (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
                (local.get 1))
            (func (export "forever") (loop $l (br $l))))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        instance.set_fuel(1_000_000);
        assert_eq!(instance.invoke("count", &[Value::I32(10)], &mut state), Ok(vec![Value::I32(10)]));
        let small = 1_000_000 - instance.fuel_remaining();
        instance.set_fuel(1_000_000);
        assert_eq!(instance.invoke("count", &[Value::I32(1000)], &mut state), Ok(vec![Value::I32(1000)]));
        let large = 1_000_000 - instance.fuel_remaining();
        assert!(small > 0 && large > 10 * small, "fuel grows with work: {small} vs {large}");

        instance.set_fuel(10_000);
        assert_eq!(instance.invoke("forever", &[], &mut state), Err(Error::OutOfFuel));
        assert_eq!(instance.fuel_remaining(), 0);
        instance.set_fuel(1_000_000);
        assert_eq!(instance.invoke("count", &[Value::I32(3)], &mut state), Ok(vec![Value::I32(3)]), "usable after running out");
    }

    fn host_functions_can_burn_fuel(executor) {
        let code = wasm(r#"(module
            (import "env" "burn" (func $burn (param i64) (result i64)))
            (func (export "run") (param i64) (result i64) (call $burn (local.get 0))))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &full_env(), &mut state).unwrap();
        instance.set_fuel(100_000);
        let left = instance.invoke("run", &[Value::I64(50_000)], &mut state).unwrap()[0].as_i64().unwrap();
        assert!(left < 50_000 && left > 49_000, "left {left}");
        instance.set_fuel(100_000);
        assert_eq!(instance.invoke("run", &[Value::I64(200_000)], &mut state), Err(Error::Host(HostError::new("out of fuel"))));
        assert_eq!(instance.fuel_remaining(), 0);
    }

    fn memory_growth_stops_at_the_page_limit(executor) {
        let limits = Limits { max_memory_pages: 4, ..Limits::default() };
        let code = wasm(r#"(module (memory (export "memory") 1)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
            (func (export "size") (result i32) (memory.size)))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine_with(executor, WasmFeatures::permissive(), limits), &code, &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        instance.set_fuel(10_000);
        assert_eq!(instance.invoke("grow", &[Value::I32(3)], &mut state), Ok(vec![Value::I32(1)]));
        assert_eq!(instance.invoke("grow", &[Value::I32(1)], &mut state), Ok(vec![Value::I32(-1)]), "a fifth page is refused");
        assert_eq!(instance.invoke("grow", &[Value::I32(65536)], &mut state), Ok(vec![Value::I32(-1)]));
        assert_eq!(instance.invoke("size", &[], &mut state), Ok(vec![Value::I32(4)]));
    }

    fn memory_larger_than_the_limit_is_rejected(executor) {
        let limits = Limits { max_memory_pages: 4, ..Limits::default() };
        let engine = engine_with(executor, WasmFeatures::permissive(), limits);
        let mut state = Recorder::default();
        let env = EnvironmentDefinitionBuilder::new();
        let defined = wasm(r#"(module (memory 5))"#);
        assert_eq!(
            Instance::new(&engine, &defined, &env, &mut state).err(),
            Some(Error::LimitExceeded(Limit::MemoryPages { requested: 5, max: 4 }))
        );
        let imported = wasm(r#"(module (import "env" "memory" (memory 8)))"#);
        let mut env = EnvironmentDefinitionBuilder::new();
        env.add_memory("env", "memory", Memory::new(8, None).unwrap());
        assert_eq!(
            Instance::new(&engine, &imported, &env, &mut state).err(),
            Some(Error::LimitExceeded(Limit::MemoryPages { requested: 8, max: 4 }))
        );
    }

    fn unbounded_recursion_hits_the_call_stack_limit(executor) {
        let code = wasm(r#"(module (func $f (export "f") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
                (else (i32.add (call $f (i32.sub (local.get 0) (i32.const 1))) (i32.const 1))))))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        instance.set_fuel(u64::MAX);
        assert_eq!(instance.invoke("f", &[Value::I32(100)], &mut state), Ok(vec![Value::I32(100)]));
        assert_eq!(
            instance.invoke("f", &[Value::I32(-1)], &mut state),
            Err(Error::LimitExceeded(Limit::CallStack { max_depth: Limits::default().max_call_depth }))
        );
        instance.set_fuel(1_000_000);
        assert_eq!(instance.invoke("f", &[Value::I32(3)], &mut state), Ok(vec![Value::I32(3)]), "usable after the overflow");
    }

    fn unbounded_recursion_in_rust_code_hits_the_call_stack_limit(executor) {
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &guest(), &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        instance.set_fuel(u64::MAX);
        assert_eq!(instance.invoke("recurse", &[Value::I32(50)], &mut state), Ok(vec![Value::I32(50)]));
        // Rust code keeps its own stack in linear memory, and whichever stack runs out
        // first ends the call: the call-stack limit, or the guest's 64 KiB shadow stack
        // (its pointer then leaves linear memory).
        match instance.invoke("recurse", &[Value::I32(i32::MAX)], &mut state) {
            Err(Error::LimitExceeded(Limit::CallStack { .. })) => {}
            Err(Error::Trap(trap)) => {
                assert_eq!(trap.kind, TrapKind::MemoryOutOfBounds);
                assert_eq!(trap.backtrace.len(), MAX_BACKTRACE_FRAMES, "bounded backtrace");
                assert!(trap.omitted_frames > 0);
            }
            other => panic!("expected the recursion to exhaust a stack, got {other:?}"),
        }
    }

    fn oversized_code_is_rejected_before_parsing(executor) {
        let limits = Limits { max_code_size: 1024, ..Limits::default() };
        let engine = engine_with(executor, WasmFeatures::permissive(), limits);
        let code = vec![0u8; 1025];
        assert_eq!(
            Instance::new(&engine, &code, &EnvironmentDefinitionBuilder::new(), &mut Recorder::default()).err(),
            Some(Error::LimitExceeded(Limit::CodeSize { size: 1025, max: 1024 }))
        );
        assert!(matches!(engine.validate(&guest()), Err(Error::LimitExceeded(Limit::CodeSize { .. }))));
    }

    fn malformed_bytes_are_an_invalid_module(executor) {
        let engine = engine(executor);
        let env = EnvironmentDefinitionBuilder::new();
        let guest = guest();
        let inputs: [&[u8]; 5] = [b"", b"\0asm", b"not wasm at all", &[0, 0x61, 0x73, 0x6d, 2, 0, 0, 0], &guest[..guest.len() / 2]];
        for input in inputs {
            match Instance::new(&engine, input, &env, &mut Recorder::default()) {
                Err(Error::InvalidModule(message)) => assert!(!message.is_empty()),
                other => panic!("expected an invalid module for {input:?}, got {:?}", other.err()),
            }
        }
        let type_error = wasm(r#"(module (func (result i32) (i64.const 1)))"#);
        match Instance::new(&engine, &type_error, &env, &mut Recorder::default()) {
            Err(Error::InvalidModule(message)) => assert!(message.contains("type mismatch"), "{message}"),
            other => panic!("expected an invalid module, got {:?}", other.err()),
        }
    }

    fn a_missing_import_names_itself(executor) {
        let code = wasm(r#"(module (import "seal0" "not_there" (func (param i32))))"#);
        match Instance::new(&engine(executor), &code, &full_env(), &mut Recorder::default()) {
            Err(Error::Link { module, field, reason: LinkError::Missing }) => {
                assert_eq!((module.as_str(), field.as_str()), ("seal0", "not_there"));
            }
            other => panic!("expected a missing import, got {:?}", other.err()),
        }
    }

    fn a_wrong_import_signature_is_a_link_error(executor) {
        let code = wasm(r#"(module (import "env" "record" (func (param i32) (result i64))))"#);
        let error = Instance::new(&engine(executor), &code, &full_env(), &mut Recorder::default()).err().unwrap();
        assert_eq!(
            error,
            Error::Link {
                module: "env".into(),
                field: "record".into(),
                reason: LinkError::SignatureMismatch {
                    imported: Box::new(sig(&[I32], &[I64])),
                    defined: Box::new(sig(&[I32, I64], &[I64])),
                },
            }
        );
        assert_eq!(error.to_string(), "cannot link import `env.record`: signature mismatch: the module imports (i32) -> (i64), the host defines (i32, i64) -> (i64)");
    }

    fn imports_of_the_wrong_kind_or_limits_are_link_errors(executor) {
        let engine = engine(executor);
        let as_memory = wasm(r#"(module (import "env" "record" (memory 1)))"#);
        assert!(matches!(
            Instance::new(&engine, &as_memory, &full_env(), &mut Recorder::default()).err(),
            Some(Error::Link { reason: LinkError::KindMismatch { imported: "memory", defined: "function" }, .. })
        ));
        let too_big = wasm(r#"(module (import "env" "memory" (memory 2 2)))"#);
        assert!(matches!(
            Instance::new(&engine, &too_big, &full_env(), &mut Recorder::default()).err(),
            Some(Error::Link { reason: LinkError::MemoryMismatch { .. }, .. })
        ));
        let table = wasm(r#"(module (import "env" "table" (table 1 funcref)))"#);
        assert!(matches!(
            Instance::new(&engine, &table, &full_env(), &mut Recorder::default()).err(),
            Some(Error::Link { reason: LinkError::Missing, .. })
        ));
    }

    fn forbidden_features_are_named(executor) {
        let cases = [
            (WasmFeature::BulkMemory, r#"(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))))"#),
            (WasmFeature::SignExtension, r#"(module (func (result i32) (i32.extend8_s (i32.const 1))))"#),
            (WasmFeature::MultiValue, r#"(module (func (result i32 i32) (i32.const 1) (i32.const 2)))"#),
            (WasmFeature::ReferenceTypes, r#"(module (table 1 funcref) (table 1 funcref))"#),
            (WasmFeature::Floats, r#"(module (func (result f32) (f32.add (f32.const 1) (f32.const 2))))"#),
            (WasmFeature::Simd, r#"(module (func (result v128) (v128.const i32x4 0 0 0 0)))"#),
            (WasmFeature::Threads, r#"(module (memory 1 1 shared))"#),
        ];
        let integer_mvp = engine_with(executor, WasmFeatures::none(), Limits::default());
        for (feature, text) in cases {
            match Instance::new(&integer_mvp, &wasm(text), &EnvironmentDefinitionBuilder::new(), &mut Recorder::default()) {
                Err(Error::ForbiddenFeature { feature: named, message }) => {
                    assert_eq!(named, feature, "{message}");
                    assert!(!message.is_empty());
                }
                other => panic!("{feature}: expected a forbidden feature, got {:?}", other.err()),
            }
            // The same module passes validation once the feature is allowed.
            let allowing = engine_with(Executor::Wasmtime, WasmFeatures::none().with(feature), Limits::default());
            assert_eq!(allowing.validate(&wasm(text)), Ok(()), "{feature}");
            // The strict profile allows exactly what upstream's wasmi configuration does.
            let strict = engine_with(executor, WasmFeatures::strict(), Limits::default());
            let in_strict = feature == WasmFeature::SignExtension;
            assert_eq!(strict.validate(&wasm(text)).is_ok(), in_strict, "{feature}");
        }
    }

    fn the_permissive_profile_runs_what_current_rust_emits(executor) {
        let code = wasm(r#"(module (memory (export "memory") 1)
            (func (export "run") (result i32 i32)
                (memory.fill (i32.const 0) (i32.const 255) (i32.const 8))
                (memory.copy (i32.const 8) (i32.const 0) (i32.const 8))
                (i32.extend8_s (i32.load8_u (i32.const 15)))
                (i32.const 7)))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        instance.set_fuel(10_000);
        assert_eq!(instance.invoke("run", &[], &mut state), Ok(vec![Value::I32(-1), Value::I32(7)]));
        let strict = engine_with(executor, WasmFeatures::strict(), Limits::default());
        assert!(matches!(strict.validate(&code), Err(Error::ForbiddenFeature { .. })));
    }

    fn floats_run_when_allowed(executor) {
        let code = wasm(r#"(module (func (export "div") (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1))))"#);
        let engine = engine_with(executor, WasmFeatures::permissive().with(WasmFeature::Floats), Limits::default());
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine, &code, &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        instance.set_fuel(1_000);
        let result = instance.invoke("div", &[Value::F64(1.0f64.to_bits()), Value::F64(4.0f64.to_bits())], &mut state);
        assert_eq!(result, Ok(vec![Value::F64(0.25f64.to_bits())]));
    }

    fn traps_have_a_common_kind(executor) {
        let code = wasm(r#"(module (memory 1) (table 2 funcref) (type $t (func))
            (func $i (result i32) (i32.const 1)) (elem (i32.const 0) $i)
            (func (export "unreachable") unreachable)
            (func (export "div0") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
            (func (export "overflow") (result i32) (i32.div_s (i32.const -2147483648) (i32.const -1)))
            (func (export "oob") (result i32) (i32.load (i32.const 65535)))
            (func (export "null") (call_indirect (type $t) (i32.const 1)))
            (func (export "badsig") (call_indirect (type $t) (i32.const 0)))
            (func (export "table") (call_indirect (type $t) (i32.const 5))))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        instance.set_fuel(100_000);
        let mut kind = |name| trap_kind(instance.invoke(name, &[], &mut state));
        assert_eq!(kind("unreachable"), TrapKind::Unreachable);
        assert_eq!(kind("div0"), TrapKind::IntegerDivisionByZero);
        assert_eq!(kind("overflow"), TrapKind::IntegerOverflow);
        assert_eq!(kind("oob"), TrapKind::MemoryOutOfBounds);
        assert_eq!(kind("null"), TrapKind::IndirectCallToNull);
        assert_eq!(kind("badsig"), TrapKind::BadSignature);
        assert_eq!(kind("table"), TrapKind::TableOutOfBounds);
    }

    fn segments_that_do_not_fit_trap_at_instantiation(executor) {
        let engine = engine(executor);
        let env = EnvironmentDefinitionBuilder::new();
        let elements = wasm(r#"(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))"#);
        let data = wasm(r#"(module (memory 1) (data (i32.const 65535) "ab"))"#);
        for (code, kind) in [(elements, TrapKind::TableOutOfBounds), (data, TrapKind::MemoryOutOfBounds)] {
            match Instance::new(&engine, &code, &env, &mut Recorder::default()) {
                Err(Error::Trap(trap)) => assert_eq!(trap.kind, kind),
                other => panic!("expected a {kind} trap, got {:?}", other.err()),
            }
        }
    }

    fn start_function_runs_with_state_and_fuel(executor) {
        let code = wasm(r#"(module (import "env" "record" (func $r (param i32 i64) (result i64)))
            (func $start (drop (call $r (i32.const 3) (i64.const 4)))) (start $start))"#);
        let mut state = Recorder::default();
        Instance::new(&engine(executor), &code, &full_env(), &mut state).unwrap();
        assert_eq!(state.seen, vec![Value::I32(3), Value::I64(4)]);

        let endless = wasm(r#"(module (func $start (loop $l (br $l))) (start $start))"#);
        assert_eq!(
            Instance::new(&engine(executor), &endless, &EnvironmentDefinitionBuilder::new(), &mut state).err(),
            Some(Error::OutOfFuel)
        );
    }

    fn the_start_function_spends_the_fuel_it_is_given(executor) {
        let code = wasm(r#"(module (global $g (mut i32) (i32.const 0))
            (func $start (loop $l (global.set $g (i32.add (global.get $g) (i32.const 1)))
                (br_if $l (i32.lt_u (global.get $g) (i32.const 100)))))
            (start $start)
            (func (export "f")))"#);
        let mut state = Recorder::default();
        let instance = Instance::with_fuel(&engine(executor), &code, &EnvironmentDefinitionBuilder::new(), &mut state, 1_000_000).unwrap();
        let spent = 1_000_000 - instance.fuel_remaining();
        assert!((500..2_000).contains(&spent), "100 turns of the loop cost {spent}");
        let endless = wasm(r#"(module (func $start (loop $l (br $l))) (start $start))"#);
        assert_eq!(
            Instance::with_fuel(&engine(executor), &endless, &EnvironmentDefinitionBuilder::new(), &mut state, 5_000).err(),
            Some(Error::OutOfFuel)
        );
    }

    fn bulk_instructions_cost_fuel_by_length(executor) {
        // One unit of fuel per 64 bytes of memory, per 8 table elements (wasmi's rates).
        let code = wasm(r#"(module (memory 16) (table 4096 funcref)
            (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
            (func (export "copy") (param i32) (memory.copy (i32.const 0) (i32.const 8) (local.get 0)))
            (func (export "table_fill") (param i32) (table.fill (i32.const 0) (ref.null func) (local.get 0))))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        let mut fuel = |name: &str, len: i32| {
            instance.set_fuel(10_000_000);
            instance.invoke(name, &[Value::I32(len)], &mut state).unwrap();
            10_000_000 - instance.fuel_remaining()
        };
        // Memory at one unit per 64 bytes, table elements at one per 8, on both. (The
        // first call of a function on wasmi also pays for compiling it.)
        for (name, len, fewest, most) in [
            ("fill", 1_000_000, 1_000_000 / 64 * 9 / 10, 1_000_000 / 64 * 11 / 10),
            ("copy", 1_000_000, 1_000_000 / 64 * 9 / 10, 1_000_000 / 64 * 11 / 10),
            ("table_fill", 4_096, 4_096 / 8 * 9 / 10, 4_096 / 8 * 11 / 10),
        ] {
            fuel(name, 0);
            let extra = fuel(name, len) - fuel(name, 0);
            assert!(
                (fewest..=most).contains(&extra),
                "{name} of {len}: {extra} fuel more than of 0, expected {fewest}..={most}"
            );
        }
        // Running out of fuel in the middle is the usual error.
        instance.set_fuel(1_000);
        assert_eq!(instance.invoke("fill", &[Value::I32(1_000_000)], &mut state), Err(Error::OutOfFuel));
    }

    fn memory_growth_costs_fuel_by_size(executor) {
        // As wasmi 0.32 (upstream's executor): one unit per 64 bytes a successful
        // `memory.grow` adds; a memory's initial pages and a refused growth cost nothing.
        let code = wasm(r#"(module (memory 1 16)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#);
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &code, &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        let mut grow = |pages: i32| {
            instance.set_fuel(1_000_000);
            let result = instance.invoke("grow", &[Value::I32(pages)], &mut state).unwrap();
            (result, 1_000_000 - instance.fuel_remaining())
        };
        grow(0); // wasmi compiles a function on its first call, for fuel.
        let (refused, refused_fuel) = grow(100);
        assert_eq!(refused, vec![Value::I32(-1)]);
        assert!(refused_fuel < 64, "a refused growth cost {refused_fuel}");
        let (grown, fuel) = grow(4);
        assert_eq!(grown, vec![Value::I32(1)]);
        let per_page = 65_536 / 64;
        let paid = fuel.saturating_sub(refused_fuel);
        assert!((4 * per_page..=4 * per_page + 64).contains(&paid), "{paid}");
    }

    fn rust_panic_traps_with_the_reason(executor) {
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &guest(), &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        instance.set_fuel(1_000_000);
        assert_eq!(instance.invoke("panic_deep", &[Value::I32(-5)], &mut state), Ok(vec![Value::I32(-9)]));
        assert_eq!(trap_kind(instance.invoke("panic_deep", &[Value::I32(1)], &mut state)), TrapKind::Unreachable);
    }

    fn compute_gives_the_same_result(executor) {
        let mut state = Recorder::default();
        let mut instance = Instance::new(&engine(executor), &guest(), &EnvironmentDefinitionBuilder::new(), &mut state).unwrap();
        instance.set_fuel(u64::MAX);
        // The value the guest's algorithm gives natively (see `reference_sort_and_hash`).
        assert_eq!(instance.invoke("sort_and_hash", &[Value::I32(2)], &mut state), Ok(vec![Value::I64(reference_sort_and_hash(2))]));
    }

    fn instances_are_independent(executor) {
        let code = wasm(r#"(module (global $g (mut i32) (i32.const 0)) (export "g" (global $g))
            (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1)))))"#);
        let engine = engine(executor);
        let env = EnvironmentDefinitionBuilder::new();
        let mut state = Recorder::default();
        let mut a = Instance::new(&engine, &code, &env, &mut state).unwrap();
        let mut b = Instance::new(&engine, &code, &env, &mut state).unwrap();
        a.set_fuel(1000);
        a.invoke("bump", &[], &mut state).unwrap();
        a.invoke("bump", &[], &mut state).unwrap();
        assert_eq!(a.get_global_val("g"), Some(Value::I32(2)));
        assert_eq!(b.get_global_val("g"), Some(Value::I32(0)));
    }
}

/// The guest's `sort_and_hash`, computed natively.
fn reference_sort_and_hash(rounds: i32) -> i64 {
    let mut buffer = [0u32; 2048];
    let mut seed = 0x9e37_79b9u32;
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for _ in 0..rounds {
        for slot in buffer.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            *slot = seed;
        }
        buffer.sort_unstable();
        for value in buffer.iter() {
            hash = (hash ^ u64::from(*value)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash as i64
}

#[test]
fn rust_panic_backtrace_has_file_and_line_dwarf_wasmtime() {
    let source = include_str!("../../fixtures/guest/src/lib.rs");
    let panic_line = source
        .lines()
        .position(|l| l.contains("PANIC-MARKER"))
        .expect("marker in the guest source") as u32
        + 1;
    let mut state = Recorder::default();
    let mut instance = Instance::new(
        &engine(Executor::Wasmtime),
        &guest(),
        &EnvironmentDefinitionBuilder::new(),
        &mut state,
    )
    .unwrap();
    instance.set_fuel(1_000_000);
    let trap = match instance.invoke("panic_deep", &[Value::I32(1)], &mut state) {
        Err(Error::Trap(trap)) => trap,
        other => panic!("expected a trap, got {other:?}"),
    };
    assert_eq!(trap.kind, TrapKind::Unreachable);
    let rendered = trap.to_string();
    let helper = trap
        .backtrace
        .iter()
        .find(|f| {
            f.func_name
                .as_deref()
                .is_some_and(|n| n.ends_with("failing_helper"))
        })
        .unwrap_or_else(|| panic!("no failing_helper frame in\n{rendered}"));
    let location = helper
        .location
        .as_ref()
        .unwrap_or_else(|| panic!("no DWARF location in\n{rendered}"));
    assert!(location.file.ends_with("src/lib.rs"), "{rendered}");
    assert_eq!(location.line, Some(panic_line), "{rendered}");
    assert!(location.column.is_some(), "{rendered}");
    // Callers follow, innermost first.
    let names: Vec<_> = trap
        .backtrace
        .iter()
        .filter_map(|f| f.func_name.as_deref())
        .collect();
    let position = |suffix: &str| {
        names
            .iter()
            .position(|n| n.ends_with(suffix))
            .unwrap_or_else(|| panic!("no {suffix} in\n{rendered}"))
    };
    assert!(
        position("failing_helper") < position("middle_layer"),
        "{rendered}"
    );
    assert!(
        position("middle_layer") < position("outer_layer"),
        "{rendered}"
    );
    assert!(
        position("outer_layer") <= position("panic_deep"),
        "{rendered}"
    );
    assert!(helper.module_offset.is_some());
}

#[test]
fn traps_without_dwarf_use_name_section_names_wasmtime() {
    let code = wasm(
        r#"(module (func $_ZN5guest6helper17h0123456789abcdefE unreachable)
        (func (export "run") (call $_ZN5guest6helper17h0123456789abcdefE)))"#,
    );
    let mut state = Recorder::default();
    let mut instance = Instance::new(
        &engine(Executor::Wasmtime),
        &code,
        &EnvironmentDefinitionBuilder::new(),
        &mut state,
    )
    .unwrap();
    instance.set_fuel(1_000);
    match instance.invoke("run", &[], &mut state) {
        Err(Error::Trap(trap)) => {
            assert_eq!(
                trap.backtrace[0].func_name.as_deref(),
                Some("guest::helper"),
                "{trap}"
            );
            assert_eq!(trap.backtrace[0].func_index, 0);
            assert!(trap.backtrace[0].location.is_none());
            assert_eq!(trap.backtrace[1].func_index, 1);
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn second_instantiation_of_the_same_code_is_not_compiled_again_wasmtime() {
    let engine = engine(Executor::Wasmtime);
    let env = EnvironmentDefinitionBuilder::new();
    let mut state = Recorder::default();
    Instance::new(&engine, &guest(), &env, &mut state).unwrap();
    assert_eq!(engine.compilations(), 1);
    Instance::new(&engine, &guest(), &env, &mut state).unwrap();
    engine.clone().validate(&guest()).unwrap();
    assert_eq!(engine.compilations(), 1, "the cached module is reused");
    let other = wasm(r#"(module (func (export "f")))"#);
    Instance::new(&engine, &other, &env, &mut state).unwrap();
    assert_eq!(engine.compilations(), 2);

    // The cache is shared across threads.
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                let mut state = Recorder::default();
                let mut instance = Instance::new(
                    &engine,
                    &guest(),
                    &EnvironmentDefinitionBuilder::new(),
                    &mut state,
                )
                .unwrap();
                instance.set_fuel(u64::MAX);
                instance
                    .invoke("sort_and_hash", &[Value::I32(1)], &mut state)
                    .unwrap()
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(
            thread.join().unwrap(),
            vec![Value::I64(reference_sort_and_hash(1))]
        );
    }
    assert_eq!(engine.compilations(), 2);
}

#[test]
fn wasmi_rejects_threads_at_configuration() {
    let config = SandboxConfig::new(Executor::Wasmi).with_features(WasmFeatures::all());
    assert!(matches!(Engine::new(config).err(), Some(Error::Config(_))));
}

#[test]
fn executor_names_parse() {
    assert_eq!("wasmtime".parse::<Executor>(), Ok(Executor::Wasmtime));
    assert_eq!("wasmi".parse::<Executor>(), Ok(Executor::Wasmi));
    assert!("v8"
        .parse::<Executor>()
        .unwrap_err()
        .contains("expected one of: wasmtime, wasmi"));
}

#[test]
fn memory_descriptor_checks_its_limits() {
    assert!(Memory::new(2, Some(1)).is_err());
    assert!(Memory::new(70_000, None).is_err());
    let memory = Memory::new(1, Some(16)).unwrap();
    assert_eq!((memory.initial(), memory.maximum()), (1, Some(16)));
}
