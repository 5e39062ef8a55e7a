//! Every family of Europa's methods through the typed client (`europa-rpc-api` with its
//! `client` feature), as a Rust user calls them, on a node spawned in this process
//! (`europa_node::spawn`): each answer reads as its type says, and the values are the
//! execution's. And nodes in one process keep apart.

use europa_rpc_api::{
    chain::{ChainControlApiClient, CheatsApiClient},
    coverage::{CoverageApiClient, CoverageFilter},
    debug::{DebugApiClient, DebugTarget, Exception, Move, Stop},
    explore::ExploreApiClient,
    insight::InsightApiClient,
    line_record::LineRecordRequest,
    params::{Account, Amount, BlockRef, Hash, HexBytes},
    trace::{CallRequest, DryRunResult, ExtrinsicOutcome, InstantiateRequest, TraceApiClient},
    trace_format::Outcome,
};

use super::*;

fn alice() -> Account {
    Account(Sr25519Keyring::Alice.to_account_id())
}

#[test]
fn every_answer_of_the_node_reads_as_its_type() {
    // In this process: the binary is not what this test is about.
    let node = Node::spawn_dev(&["--coverage"]);
    let api = node.api();
    let code = contract_fixture("dwarf", "panic_deep");
    let contract = deploy(&node, code.clone(), ink_input("new", ()));
    let deployed_in = head_number(&node) as u32;
    let run = CallRequest {
        origin: alice(),
        dest: Account(contract.clone()),
        input_data: HexBytes::from(ink_input("run", 1u32)),
        ..CallRequest::default()
    };

    // Traces: the trap, where DWARF says it is.
    let traced = api
        .run(|c| c.trace_call(run.clone(), None))
        .expect("traceCall");
    assert_eq!(
        traced.result,
        DryRunResult::Err("Contracts::ContractTrapped".into())
    );
    let root = traced.trace.root.as_ref().expect("a frame");
    let trapped = root
        .frames()
        .find(|frame| matches!(frame.outcome, Outcome::Trapped { .. }));
    let location = trapped
        .and_then(|frame| frame.explanation.as_ref())
        .and_then(|explanation| explanation.location.as_ref())
        .expect("the trap's source line");
    assert!(location.file.ends_with("panic_deep/lib.rs"), "{location:?}");
    assert!(traced.gas_consumed.ref_time > 0);

    let rejected = InstantiateRequest {
        origin: alice(),
        code: Some(HexBytes::from(vec![0])),
        ..InstantiateRequest::default()
    };
    let instantiated = api
        .run(|c| c.trace_instantiate(rejected, None))
        .expect("traceInstantiate");
    assert_eq!(
        instantiated.result,
        DryRunResult::Err("Contracts::CodeRejected".into())
    );

    let profiled = api
        .run(|c| c.profile_call(run.clone(), None))
        .expect("profileCall");
    let profile = profiled.profile.expect("a profile");
    assert!(
        profile.ref_time > 0 && !profile.top.is_empty(),
        "{profile:?}"
    );

    let block = BlockRef::Number(deployed_in);
    let traces = api.run(|c| c.trace_block(block)).expect("traceBlock");
    let index = traces
        .first()
        .expect("the deployment's trace")
        .extrinsic_index;
    let extrinsic = api
        .run(|c| c.trace_extrinsic(block, index))
        .expect("traceExtrinsic");
    assert_eq!(extrinsic.outcome, ExtrinsicOutcome::Ok(()));
    assert_eq!(extrinsic.block_number, deployed_in);
    assert!(extrinsic.trace.is_some() && !extrinsic.events.is_empty());
    let profiled = api
        .run(|c| c.profile_extrinsic(block, index))
        .expect("profileExtrinsic");
    assert!(profiled.profile.is_some());
    let changes = api
        .run(|c| c.modified_state_kvs(block, None))
        .expect("modifiedStateKvs");
    assert!(!changes.is_empty());
    let operations = api
        .run(|c| c.extrinsic_state_changes(block, index))
        .expect("extrinsicStateChanges");
    assert!(!operations.is_empty());

    // A line record and a debugging session on the same call.
    let record = api
        .run(|c| c.line_record(LineRecordRequest::of_call(run.clone(), None)))
        .expect("lineRecord");
    assert!(!record.record.steps.is_empty() && !record.record.frames.is_empty());
    let target = DebugTarget {
        execution: LineRecordRequest::of_call(run.clone(), None),
        ..DebugTarget::default()
    };
    let session = api.run(|c| c.launch(target)).expect("debugLaunch").session;
    let path = location.file.clone();
    let set = api
        .run(|c| c.set_breakpoints(session, path, vec![location.line.unwrap_or(1)]))
        .expect("debugSetBreakpoints");
    assert_eq!(set.len(), 1);
    let found = api
        .run(|c| c.set_function_breakpoints(session, vec!["no_such_function".into()]))
        .expect("debugSetFunctionBreakpoints");
    assert_eq!(found, [false]);
    let filters = api
        .run(|c| c.set_exception_filters(session, vec![Exception::Trap]))
        .expect("debugSetExceptionFilters");
    assert_eq!(filters, [Exception::Trap]);
    let mut state = api
        .run(|c| c.step(session, Move::Continue))
        .expect("debugStep");
    if state.stop == Stop::Breakpoint {
        state = api
            .run(|c| c.step(session, Move::Continue))
            .expect("debugStep");
    }
    assert_eq!(state.stop, Stop::Exception, "{state:?}");
    assert_eq!(
        api.run(|c| c.state(session)).expect("debugState").step,
        state.step
    );
    let variables = api
        .run(|c| c.variables(session, None))
        .expect("debugVariables");
    assert!(variables.memory_bytes > 0);
    let memory = api
        .run(|c| c.read_memory(session, 0, 4, None))
        .expect("debugReadMemory");
    assert_eq!(memory.data.len(), 2 + 8);
    api.run(|c| c.storage(session)).expect("debugStorage");
    assert!(api.run(|c| c.close(session)).expect("debugClose"));

    // Coverage, metadata and the explorer's views.
    let coverage = api.run(|c| c.coverage(None, None)).expect("coverage");
    assert!(coverage.contains("SF:"), "{coverage}");
    let covered = api
        .run(|c| c.coverage_report(None, Some(CoverageFilter::All)))
        .expect("coverageReport");
    assert!(covered.iter().any(|code| code.lines_hit > 0));
    let metadata = std::fs::read_to_string(fixtures("metadata/panic_deep.json")).unwrap();
    let metadata: Value = serde_json::from_str(&metadata).unwrap();
    let registered = api
        .run(|c| c.register_contract(metadata))
        .expect("registerContract");
    assert_eq!(registered.name, "panic_deep");
    let listed = api
        .run(|c| c.registered_contracts())
        .expect("registeredContracts");
    assert!(listed.contains(&registered));
    let input = api
        .run(|c| c.encode_message(registered.code_hash, "run".into(), vec!["1".into()]))
        .expect("encodeMessage");
    assert_eq!(input.0, ink_input("run", 1u32));
    let summary = api.run(|c| c.block_summary(block)).expect("blockSummary");
    assert_eq!(summary.number, deployed_in);
    assert!(summary
        .extrinsics
        .iter()
        .any(|xt| xt.call.as_deref() == Some("instantiate_with_code")));
    let contracts = api.run(|c| c.contracts(None)).expect("contracts");
    let listed = contracts
        .iter()
        .find(|listed| listed.address.0 == contract)
        .expect("listed");
    // The metadata registered is of another build (a release one): its name is not this
    // code's.
    assert_eq!(listed.code_hash, Hash::from(blake2_256(&code)));
    assert!(api.run(|c| c.reset_coverage()).expect("resetCoverage") >= 1);

    // Moving the chain and changing its state.
    let head = head_number(&node) as u32;
    let snapshot = api.run(|c| c.snapshot()).expect("snapshot");
    assert_eq!(
        api.run(|c| c.forward_to_height(head + 2))
            .expect("forwardToHeight"),
        head + 2
    );
    assert!(api.run(|c| c.revert(snapshot)).expect("revert"));
    assert_eq!(head_number(&node) as u32, head);
    assert!(api.run(|c| c.increase_time(1_000)).expect("increaseTime") >= 1_000);
    let tomorrow = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as u64
        + 86_400_000;
    api.run(|c| c.set_next_block_timestamp(tomorrow))
        .expect("setNextBlockTimestamp");
    let bob = Account(Sr25519Keyring::Bob.to_account_id());
    let set_in: Hash = api
        .run(|c| c.set_balance(bob, Amount(7 * UNIT)))
        .expect("setBalance");
    assert_ne!(set_in, Hash::zero());
    let key = HexBytes::from(b":europa:typed".to_vec());
    api.run(|c| c.set_storage(vec![(key, Some(HexBytes::from(vec![1])))], None))
        .expect("setStorage");
    let code_hash = Hash::from(blake2_256(&code));
    let moved = api.run(|c| c.set_contract_code(Account(contract.clone()), code_hash));
    assert!(moved.is_ok(), "{moved:?}");
    let height = head_number(&node) as u32;
    assert_eq!(
        api.run(|c| c.backward_to_height(height - 1))
            .expect("backwardToHeight"),
        height - 1
    );
}

/// Two nodes in one process, each with its own executor: nothing about contract
/// execution is process-wide.
#[test]
fn nodes_in_one_process_run_contracts_on_their_own_executors() {
    let wasmi = europa_node::spawn(europa_node::NodeConfig::dev()).expect("a wasmi node");
    let wasmtime = europa_node::spawn(europa_node::NodeConfig::dev().args(["--sandbox=wasmtime"]))
        .expect("a wasmtime node");
    assert_ne!(wasmi.rpc_addr(), wasmtime.rpc_addr());
    assert_ne!(wasmi.chain_dir(), wasmtime.chain_dir());
    let instantiate = InstantiateRequest {
        origin: alice(),
        code: Some(HexBytes::from(contract_fixture("mvp", "panic_deep"))),
        data: HexBytes::from(ink_input("new", ())),
        ..InstantiateRequest::default()
    };
    for (node, executor) in [(&wasmi, "wasmi"), (&wasmtime, "wasmtime")] {
        let report = node
            .block_on(node.client().trace_instantiate(instantiate.clone(), None))
            .expect("traceInstantiate");
        assert!(
            matches!(report.result, DryRunResult::Ok(_)),
            "{:?}",
            report.result
        );
        assert_eq!(report.trace.executor, executor);
    }
    let chain_dir = wasmtime.chain_dir().to_owned();
    drop(wasmtime);
    // A `--tmp` chain goes with its node; the other node carries on.
    assert!(!chain_dir.exists(), "{}", chain_dir.display());
    let height = wasmi.block_on(wasmi.client().forward_to_height(2));
    assert_eq!(height.expect("forwardToHeight"), 2);
}
