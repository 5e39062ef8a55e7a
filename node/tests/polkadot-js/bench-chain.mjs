// The chain-surface benchmark (run by scripts/bench-chain.sh): europa_forwardToHeight and
// europa_revert on a chain of EUROPA_BENCH_BLOCKS (10 000) blocks, and the re-executing
// methods (europa_traceExtrinsic, europa_traceBlock, europa_modifiedStateKvs,
// europa_extrinsicStateChanges) on one block of EUROPA_BENCH_BLOCK_CALLS (100) contract calls.
// Prints the figures; asserts nothing about time.
import { performance } from 'node:perf_hooks';

import { Keyring } from '@polkadot/api';
import { CodePromise } from '@polkadot/api-contract';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { bundle, startNode } from './europa.mjs';

const settings = {
  blocks: Number(process.env.EUROPA_BENCH_BLOCKS ?? 10_000),
  blockCalls: Number(process.env.EUROPA_BENCH_BLOCK_CALLS ?? 100),
  traces: Number(process.env.EUROPA_BENCH_TRACES ?? 20),
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (value) => `${value.toFixed(1)} ms`;

async function timed(work) {
  const started = performance.now();
  const result = await work();
  return [performance.now() - started, result];
}

/** Submits signed transactions, then seals them into one block; returns its hash. */
async function sealTogether(provider, signed) {
  for (const xt of signed) await provider.send('author_submitExtrinsic', [xt.toHex()]);
  const created = await provider.send('engine_createBlock', [false, true, null]);
  return created.hash;
}

async function main() {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
  const node = await startNode(['--sealing', 'manual']);
  const { api, provider } = node;
  try {
    // Forward and back on a long chain.
    const snapshot = await provider.send('europa_snapshot', []);
    const [forwardMs, head] = await timed(() => provider.send('europa_forwardToHeight', [settings.blocks]));
    console.log(`europa_forwardToHeight 0 → ${head}: ${ms(forwardMs)} (${((head * 1000) / forwardMs).toFixed(0)} blocks/s)`);
    const [revertMs] = await timed(() => provider.send('europa_revert', [snapshot]));
    const after = (await api.rpc.chain.getHeader()).number.toNumber();
    console.log(`europa_revert to #${after} from #${head} (${head - after} blocks discarded): ${ms(revertMs)}`);

    // One block of many contract calls, then traces of it.
    const flipperBundle = bundle('flipper');
    const code = new CodePromise(api, flipperBundle, flipperBundle.source.wasm);
    let nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
    const gasLimit = api.registry.createType('WeightV2', { refTime: 50_000_000_000, proofSize: 1_000_000 });
    const deploy = await code.tx
      .new({ gasLimit, storageDepositLimit: null, salt: '0x01' }, false)
      .signAsync(alice, { nonce, era: 0 });
    nonce += 1;
    const deployBlock = await sealTogether(provider, [deploy]);
    const events = await (await api.at(deployBlock)).query.system.events();
    const instantiated = events.find(({ event }) => api.events.contracts.Instantiated.is(event));
    if (!instantiated) throw new Error('flipper did not deploy');
    const address = instantiated.event.data.contract.toString();
    const flip = flipperBundle.spec.messages.find((m) => m.label === 'flip').selector;
    const calls = [];
    for (let i = 0; i < settings.blockCalls; i += 1) {
      calls.push(await api.tx.contracts.call(address, 0, gasLimit, null, flip).signAsync(alice, { nonce, era: 0 }));
      nonce += 1;
    }
    const block = await sealTogether(provider, calls);
    const body = await api.rpc.chain.getBlock(block);
    const count = body.block.extrinsics.length;
    console.log(`a block of ${count} extrinsics (${settings.blockCalls} flipper calls and the timestamp)`);

    const samples = [];
    for (let i = 0; i < settings.traces; i += 1) {
      const index = 1 + Math.floor((i * (count - 1)) / settings.traces);
      const [took, traced] = await timed(() => provider.send('europa_traceExtrinsic', [block, index]));
      if (!traced.trace) throw new Error(`extrinsic ${index} has no trace`);
      samples.push(took);
    }
    samples.sort((a, b) => a - b);
    console.log(
      `europa_traceExtrinsic on it, ${samples.length} extrinsics from first to last: p50 ${ms(percentile(samples, 50))}, max ${ms(samples.at(-1))}`,
    );
    const [blockMs, traces] = await timed(() => provider.send('europa_traceBlock', [block]));
    console.log(`europa_traceBlock on it (${traces.length} traces): ${ms(blockMs)}`);

    // State history, by re-execution too.
    const [keysMs, keys] = await timed(() => provider.send('europa_modifiedStateKvs', [block]));
    const [contractKeysMs, contractKeys] = await timed(() =>
      provider.send('europa_modifiedStateKvs', [block, address]),
    );
    console.log(
      `europa_modifiedStateKvs on it: top trie ${keys.length} keys in ${ms(keysMs)}, the contract's ${contractKeys.length} in ${ms(contractKeysMs)}`,
    );
    const changes = [];
    for (let i = 0; i < settings.traces; i += 1) {
      const index = 1 + Math.floor((i * (count - 1)) / settings.traces);
      const [took] = await timed(() => provider.send('europa_extrinsicStateChanges', [block, index]));
      changes.push(took);
    }
    changes.sort((a, b) => a - b);
    console.log(
      `europa_extrinsicStateChanges on it, ${changes.length} extrinsics from first to last: p50 ${ms(percentile(changes, 50))}, max ${ms(changes.at(-1))}`,
    );
  } finally {
    await node.stop();
  }
}

await main();
