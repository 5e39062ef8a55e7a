// The gas-profiler benchmark (run by scripts/bench-profile.sh): the wall time of
// europa_profileCall against europa_traceCall of the same dry run, through the real node
// over WebSocket, for (a) an erc20 `transfer` (host calls dominate) and (b) compute
// `work(1)` of the fixture's DWARF build (a sort of 4096 u32: WASM execution dominates,
// functions named). EUROPA_BENCH_PROFILE_SAMPLES (20) of each, taken alternately after
// one unmeasured call of each (code compiled, caches warm); the node runs with the
// fixtures' metadata (`--contracts`), so both methods decode the frames. Prints p50/p90
// side by side and the overhead (profile ÷ trace), and what each profile accounts for;
// asserts only that profiling leaves the dry run's gas and result unchanged.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { Keyring } from '@polkadot/api';
import { compactStripLength, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { bundle, instantiateWithCode, startNode } from './europa.mjs';

const settings = {
  samples: Number(process.env.EUROPA_BENCH_PROFILE_SAMPLES ?? 20),
};
const FIXTURES = new URL('../../../pallets/contracts/fixtures/', import.meta.url);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (value) => `${value.toFixed(1)} ms`;

function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90) };
}

async function timed(work) {
  const started = performance.now();
  const result = await work();
  return [performance.now() - started, result];
}

/** A message's input (selector and SCALE arguments) as 0x-hex. */
function input(contract, message, args) {
  return u8aToHex(compactStripLength(contract.abi.findMessage(message).toU8a(args))[1]);
}

/** Times europa_traceCall and europa_profileCall of one dry run, alternately. */
async function compare(provider, label, request) {
  const trace = () => provider.send('europa_traceCall', [request]);
  const profile = () => provider.send('europa_profileCall', [request]);
  const [traced, profiled] = [await trace(), await profile()];
  if (JSON.stringify(traced.gasConsumed) !== JSON.stringify(profiled.gasConsumed)) {
    throw new Error(`${label}: profiling changed gasConsumed: ${JSON.stringify([traced.gasConsumed, profiled.gasConsumed])}`);
  }
  if (JSON.stringify(traced.result) !== JSON.stringify(profiled.result) || !profiled.result.ok) {
    throw new Error(`${label}: ${JSON.stringify(traced.result)} traced, ${JSON.stringify(profiled.result)} profiled`);
  }
  const { refTime, accountedRefTime, top, folded } = profiled.profile;
  const times = { trace: [], profile: [] };
  for (let i = 0; i < settings.samples; i += 1) {
    times.trace.push((await timed(trace))[0]);
    times.profile.push((await timed(profile))[0]);
  }
  const stacks = folded.trim().split('\n').length;
  const answerKiB = (JSON.stringify(profiled).length / 1024).toFixed(0);
  const answer = `${accountedRefTime} of ${refTime} ref_time accounted, ${stacks} stacks, answer ${answerKiB} KiB; top ${top[0].name}`;
  return { label, answer, trace: summarize(times.trace), profile: summarize(times.profile) };
}

async function main() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const [alice, bob] = [keyring.addFromUri('//Alice'), keyring.addFromUri('//Bob')];
  const metadata = new URL('metadata', FIXTURES).pathname;
  const node = await startNode(['--contracts', metadata]);
  const { api, provider } = node;
  try {
    console.log(`europa gas-profiler benchmark (${JSON.stringify(settings)})`);
    const erc20 = await instantiateWithCode(api, alice, bundle('erc20'), 'new', [1_000_000n]);
    // compute's ABI with the DWARF build as its code: named functions in the profile.
    const computeBundle = bundle('compute');
    const dwarf = u8aToHex(readFileSync(new URL('dwarf/compute.wasm', FIXTURES)));
    const compute = await instantiateWithCode(
      api,
      alice,
      { ...computeBundle, source: { ...computeBundle.source, wasm: dwarf } },
      'new',
      [],
    );
    const dryRun = (contract, message, args) => ({
      origin: alice.address,
      dest: contract.address.toString(),
      inputData: input(contract, message, args),
    });
    const rows = [
      await compare(provider, 'erc20 transfer(Bob, 100)', dryRun(erc20, 'transfer', [bob.address, 100])),
      await compare(provider, 'compute work(1) (dwarf)', dryRun(compute, 'work', [1])),
    ];
    const width = Math.max(...rows.map((row) => row.label.length));
    const column = 30;
    console.log(
      `${'dry run'.padEnd(width)}  ${'europa_traceCall p50 / p90'.padEnd(column)}${'europa_profileCall p50 / p90'.padEnd(column)}overhead p50 (p90)`,
    );
    for (const { label, trace, profile } of rows) {
      const pair = ({ p50, p90 }) => `${ms(p50)} / ${ms(p90)}`.padEnd(column);
      const ratio = (p) => (profile[p] / trace[p]).toFixed(2);
      console.log(`${label.padEnd(width)}  ${pair(trace)}${pair(profile)}×${ratio('p50')} (×${ratio('p90')})`);
    }
    for (const { label, answer } of rows) console.log(`${label}: ${answer}`);
  } finally {
    await node.stop();
  }
}

await main();
