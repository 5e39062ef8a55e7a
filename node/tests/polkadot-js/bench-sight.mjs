// The sight benchmark (run by scripts/bench-sight.sh): sustained contract calls per
// second with --coverage against without, a line record of a compute-heavy call (time,
// and the node's peak memory), europa_coverage of the fixtures' codes, and a debugging
// session's start, memory and steps. Prints the figures; asserts nothing about time.
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { Keyring } from '@polkadot/api';
import { compactStripLength, u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';

import { measureThroughput } from './bench.mjs';
import { bundle, instantiateWithCode, maxGas, startNode } from './europa.mjs';

const settings = {
  calls: Number(process.env.EUROPA_BENCH_CALLS ?? 2000),
  rounds: Number(process.env.EUROPA_BENCH_RECORD_ROUNDS ?? 2),
  maxSteps: Number(process.env.EUROPA_BENCH_RECORD_STEPS ?? 1_000_000),
  reports: Number(process.env.EUROPA_BENCH_COVERAGE_REPORTS ?? 10),
  debugSteps: Number(process.env.EUROPA_BENCH_DEBUG_STEPS ?? 100_000),
  debugMoves: Number(process.env.EUROPA_BENCH_DEBUG_MOVES ?? 200),
  debugVariables: Number(process.env.EUROPA_BENCH_DEBUG_VARIABLES ?? 20),
  nodeArgs: (process.env.EUROPA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
};
const fixtures = new URL('../../../pallets/contracts/fixtures/', import.meta.url);
const ms = (value) => `${value.toFixed(1)} ms`;

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mib = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)[1]) / 1024;
  return { peak: mib('VmHWM'), now: mib('VmRSS') };
}

/** A fixture's `.contract` bundle with its code replaced by the DWARF build. */
function dwarfBundle(name) {
  const code = readFileSync(new URL(`dwarf/${name}.wasm`, fixtures));
  const withDwarf = bundle(name);
  withDwarf.source.wasm = u8aToHex(code);
  withDwarf.source.hash = blake2AsHex(code);
  return withDwarf;
}

async function callsPerSecond(alice, args) {
  const node = await startNode([...settings.nodeArgs, ...args]);
  try {
    const flipper = await instantiateWithCode(node.api, alice, bundle('flipper'), 'new', [false]);
    const { gasRequired } = await flipper.query.flip(alice.address, { gasLimit: maxGas(node.api) });
    return await measureThroughput(node, alice, flipper, gasRequired, settings.calls);
  } finally {
    await node.stop();
  }
}

async function lineRecord(alice) {
  const node = await startNode(settings.nodeArgs);
  try {
    const compute = await instantiateWithCode(node.api, alice, dwarfBundle('compute'), 'new', []);
    // The message's encoding without the length prefix a call's `data` carries.
    const [, input] = compactStripLength(compute.abi.findMessage('work').toU8a([settings.rounds]));
    const before = memory(node.child.pid);
    const started = performance.now();
    const record = await node.provider.send('europa_lineRecord', [{
      call: { origin: alice.address, dest: compute.address.toString(), inputData: u8aToHex(input) },
      maxSteps: settings.maxSteps,
    }]);
    const took = performance.now() - started;
    const after = memory(node.child.pid);
    const bytes = JSON.stringify(record).length;
    return { took, before, after, steps: record.steps.length, dropped: record.stepsDropped, bytes };
  } finally {
    await node.stop();
  }
}

async function coverageOfTwenty(alice) {
  const node = await startNode([...settings.nodeArgs, '--coverage']);
  try {
    const codes = ['dwarf', 'mvp'].flatMap((build) =>
      readdirSync(new URL(`${build}/`, fixtures)).filter((file) => file.endsWith('.wasm'))
        .map((file) => u8aToHex(readFileSync(new URL(`${build}/${file}`, fixtures)))));
    // A dry-run instantiation of each: covered whatever its constructor makes of the input.
    for (const code of codes) {
      await node.api.call.contractsApi.instantiate(alice.address, 0, null, null, { Upload: code }, '0x9bae9d5e', '0x01');
    }
    const times = [];
    let lcov = '';
    for (let run = 0; run < settings.reports; run += 1) {
      const started = performance.now();
      lcov = await node.provider.send('europa_coverage', [null, 'all']);
      times.push(performance.now() - started);
    }
    const records = lcov.split('\n').filter((line) => line === 'end_of_record').length;
    const contracts = new Set(lcov.split('\n').filter((line) => line.startsWith('TN:'))).size;
    return { codes: codes.length, contracts, records, first: times[0], rest: times.slice(1) };
  } finally {
    await node.stop();
  }
}

/** p50 and p99 of `samples`. */
function spread(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return `p50 ${ms(at(50))}, p99 ${ms(at(99))}`;
}

async function debugging(alice) {
  const node = await startNode(settings.nodeArgs);
  try {
    const compute = await instantiateWithCode(node.api, alice, dwarfBundle('compute'), 'new', []);
    const [, input] = compactStripLength(compute.abi.findMessage('work').toU8a([1]));
    const call = { origin: alice.address, dest: compute.address.toString(), inputData: u8aToHex(input) };
    const before = memory(node.child.pid);
    let started = performance.now();
    const { session, steps } = await node.provider.send('europa_debugLaunch', [{ call, maxSteps: settings.debugSteps }]);
    const launch = performance.now() - started;
    const held = memory(node.child.pid);
    await node.provider.send('europa_debugStep', [session, { goto: Math.floor(steps / 2) }]);
    const time = async (how) => {
      const samples = [];
      for (let i = 0; i < settings.debugMoves; i += 1) {
        started = performance.now();
        await node.provider.send('europa_debugStep', [session, how]);
        samples.push(performance.now() - started);
      }
      return spread(samples);
    };
    const forward = await time('in');
    const back = await time('back');
    const over = await time('over');
    // Variables at a step: the execution runs again up to it (a new step each time),
    // then once more at the same step (kept).
    const reruns = [];
    const kept = [];
    for (let i = 1; i <= settings.debugVariables; i += 1) {
      await node.provider.send('europa_debugStep', [session, { goto: Math.floor((i * steps) / (settings.debugVariables + 1)) }]);
      started = performance.now();
      await node.provider.send('europa_debugVariables', [session, 0]);
      reruns.push(performance.now() - started);
      started = performance.now();
      await node.provider.send('europa_debugVariables', [session, 0]);
      kept.push(performance.now() - started);
    }
    const withSnapshots = memory(node.child.pid);

    const caller = await instantiateWithCode(node.api, alice, dwarfBundle('caller'), 'new', []);
    const size = readFileSync(new URL('dwarf/caller.wasm', fixtures)).length;
    const [, get] = compactStripLength(caller.abi.findMessage('get').toU8a([]));
    started = performance.now();
    await node.provider.send('europa_debugLaunch', [{ call: { origin: alice.address, dest: caller.address.toString(), inputData: u8aToHex(get) } }]);
    const bigLaunch = performance.now() - started;
    return { steps, launch, before, held, forward, back, over, size, bigLaunch, variables: spread(reruns), keptVariables: spread(kept), withSnapshots };
  } finally {
    await node.stop();
  }
}

async function main() {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');

  const plain = await callsPerSecond(alice, []);
  const covered = await callsPerSecond(alice, ['--coverage']);
  console.log(
    `sustained contract calls (${settings.calls} flips): ${plain.perSecond.toFixed(0)} calls/s without coverage, ` +
      `${covered.perSecond.toFixed(0)} calls/s with --coverage (${((100 * covered.perSecond) / plain.perSecond).toFixed(0)} %)`,
  );

  const record = await lineRecord(alice);
  console.log(
    `line record of compute.work(${settings.rounds}) (maxSteps ${settings.maxSteps}): ${ms(record.took)}, ` +
      `${record.steps} steps kept, ${record.dropped} left out, ${(record.bytes / 2 ** 20).toFixed(1)} MiB of JSON; ` +
      `node peak RSS ${record.before.peak.toFixed(0)} → ${record.after.peak.toFixed(0)} MiB`,
  );

  const coverage = await coverageOfTwenty(alice);
  const median = [...coverage.rest].sort((a, b) => a - b)[Math.floor(coverage.rest.length / 2)] ?? coverage.first;
  console.log(
    `europa_coverage of ${coverage.contracts} codes (${coverage.records} file records, filter all): ` +
      `first ${ms(coverage.first)}, then median ${ms(median)}`,
  );
  const debug = await debugging(alice);
  console.log(
    `debugging session of compute.work(1), ${debug.steps} steps: started in ${ms(debug.launch)}, ` +
      `node RSS ${debug.before.now.toFixed(0)} → ${debug.held.now.toFixed(0)} MiB with it open; ` +
      `step in ${debug.forward}, step back ${debug.back}, step over ${debug.over}; ` +
      `variables at a new step (a re-run) ${debug.variables}, at the same step again ${debug.keptVariables}, ` +
      `node RSS ${debug.withSnapshots.now.toFixed(0)} MiB with four snapshots kept; ` +
      `a session on caller's ${(debug.size / 1024).toFixed(0)} KiB DWARF build started in ${ms(debug.bigLaunch)}`,
  );
  if (!plain.allRan || !covered.allRan) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
