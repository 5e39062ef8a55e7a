// The node benchmark (run by scripts/bench-node.sh): start to RPC-ready, submit→in-block
// latency of a transfer and of a contract call, sustained contract calls per second,
// and resident memory after many blocks. Prints the figures; asserts nothing about time.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

import { Keyring } from '@polkadot/api';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { bundle, instantiateWithCode, maxGas, sendInBlock, spawnNode, startNode } from './europa.mjs';

const settings = {
  startups: Number(process.env.EUROPA_BENCH_STARTUPS ?? 5),
  latencySamples: Number(process.env.EUROPA_BENCH_LATENCY_SAMPLES ?? 200),
  calls: Number(process.env.EUROPA_BENCH_CALLS ?? 3000),
  e2eRuns: Number(process.env.EUROPA_BENCH_E2E_RUNS ?? 5),
  blocks: Number(process.env.EUROPA_BENCH_BLOCKS ?? 10_000),
  computeRounds: Number(process.env.EUROPA_BENCH_COMPUTE_ROUNDS ?? 20),
  computeRuns: Number(process.env.EUROPA_BENCH_COMPUTE_RUNS ?? 20),
  nodeArgs: (process.env.EUROPA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
};
const WATCH_TIMEOUT_MS = 30_000;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (value) => `${value.toFixed(1)} ms`;

export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), min: sorted[0], max: sorted.at(-1) };
}

/**
 * Resident memory of a process (Linux /proc): the total, the heap and other anonymous
 * memory, and file pages mapped in (ParityDB maps its index tables).
 */
function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mib = (field) => (Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)[1]) / 1024).toFixed(1);
  return `${mib('VmRSS')} MiB (anonymous ${mib('RssAnon')}, file-backed ${mib('RssFile')})`;
}

/** Time from spawning the binary to its first JSON-RPC answer. */
async function measureStartup() {
  const samples = [];
  for (let run = 0; run < settings.startups; run += 1) {
    const started = performance.now();
    const node = await spawnNode(settings.nodeArgs);
    for (;;) {
      try {
        if (await httpCall(node.address, 'system_health', [])) break;
      } catch {
        // Bound but not answering yet: ask again.
      }
    }
    samples.push(performance.now() - started);
    await node.stop();
  }
  return summarize(samples);
}

/** Submits signed `xt` and resolves with the ms until the node reports it in a block. */
function submitAndTime(provider, xt) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const finish = (outcome) => {
      clearTimeout(timer);
      subscribed
        .then((id) => provider.unsubscribe('author_extrinsicUpdate', 'author_unwatchExtrinsic', id))
        .catch(() => {});
      outcome();
    };
    const timer = setTimeout(() => finish(() => reject(new Error('not in a block in time'))), WATCH_TIMEOUT_MS);
    const subscribed = provider.subscribe(
      'author_extrinsicUpdate',
      'author_submitAndWatchExtrinsic',
      [xt.toHex()],
      (error, status) => {
        if (error) {
          finish(() => reject(error));
        } else if (status.inBlock || status.finalized) {
          const elapsed = performance.now() - started;
          finish(() => resolve(elapsed));
        } else if (status === 'invalid' || status === 'dropped' || status.usurped) {
          finish(() => reject(new Error(`transaction ${JSON.stringify(status)}`)));
        }
      },
    );
    subscribed.catch(reject);
  });
}

/** One JSON-RPC call over HTTP (its own request/response, no subscription framing). */
async function httpCall(address, method, params) {
  const response = await fetch(`http://${address}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const reply = await response.json();
  if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
  return reply.result;
}

/**
 * Submits `xt` over HTTP and polls the best block until it grows: the node's own
 * submit → sealed-and-imported time, free of WebSocket framing delays.
 */
async function submitAndPoll(address, xt) {
  const height = async () => parseInt((await httpCall(address, 'chain_getHeader', [])).number, 16);
  const before = await height();
  const started = performance.now();
  await httpCall(address, 'author_submitExtrinsic', [xt.toHex()]);
  while ((await height()) === before) {
    if (performance.now() - started > WATCH_TIMEOUT_MS) throw new Error('not in a block in time');
  }
  return performance.now() - started;
}

/**
 * Latency of `count` transactions made by `makeTx()`, one at a time, measured both ways:
 * as the node seals them (HTTP) and as a watching client sees them (WebSocket).
 */
async function measureLatency(node, signer, makeTx, count) {
  const { api, provider, address } = node;
  let nonce = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
  const sealed = [];
  const watched = [];
  for (let i = 0; i < count; i += 1) {
    // Signed before the clock starts: the figures are the node's, not the client's.
    const viaHttp = await makeTx().signAsync(signer, { nonce, era: 0 });
    const viaWatch = await makeTx().signAsync(signer, { nonce: nonce + 1, era: 0 });
    nonce += 2;
    sealed.push(await submitAndPoll(address, viaHttp));
    watched.push(await submitAndTime(provider, viaWatch));
  }
  return { sealed: summarize(sealed), watched: summarize(watched) };
}

/**
 * `count` flips signed up front, submitted as fast as the node takes them; the clock runs
 * from the first submission until the chain holds the last one.
 */
export async function measureThroughput(node, signer, flipper, gasLimit, count) {
  const { api, provider } = node;
  const first = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
  const signed = [];
  for (let i = 0; i < count; i += 1) {
    const xt = await flipper.tx.flip({ gasLimit, storageDepositLimit: null }).signAsync(signer, { nonce: first + i, era: 0 });
    signed.push(xt.toHex());
  }
  const before = (await flipper.query.get(signer.address, { gasLimit: maxGas(api) })).output.toJSON().ok;
  const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();

  const started = performance.now();
  const IN_FLIGHT = 64;
  let next = 0;
  const sender = async () => {
    while (next < signed.length) {
      const xt = signed[next];
      next += 1;
      await provider.send('author_submitExtrinsic', [xt]);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
  const submittedAfter = performance.now() - started;
  for (;;) {
    const { nonce } = await api.query.system.account(signer.address);
    if (nonce.toNumber() >= first + count) break;
    if (performance.now() - started > 10 * 60_000) throw new Error('calls not all included within 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const elapsed = performance.now() - started;
  const endBlock = (await api.rpc.chain.getHeader()).number.toNumber();
  const after = (await flipper.query.get(signer.address, { gasLimit: maxGas(api) })).output.toJSON().ok;
  // Every flip must have run: an even count leaves the flag as it was.
  const allRan = after === (count % 2 === 0 ? before : !before);
  return { perSecond: (count * 1000) / elapsed, elapsed, submittedAfter, blocks: endBlock - startBlock, allRan };
}

const E2E_MESSAGES = 20;

/**
 * What an ink! e2e test does, through @polkadot/api-contract: deploy (a dry run, then the
 * watched instantiation) and 20 messages, each dry-run and then submitted and watched
 * until it is in a block. Returns each run's wall time.
 */
async function measureE2eStyle(api, signer, runs) {
  const times = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    // A supply of its own per run: the same code, data and salt would be the same address.
    const erc20 = await instantiateWithCode(api, signer, bundle('erc20'), 'new', [1_000_000n + BigInt(run)]);
    for (let message = 0; message < E2E_MESSAGES; message += 1) {
      const { gasRequired, result } = await erc20.query.transfer(signer.address, { gasLimit: maxGas(api) }, signer.address, 1);
      if (!result.isOk) throw new Error(`transfer dry run failed: ${result.toString()}`);
      const sent = await sendInBlock(api, erc20.tx.transfer({ gasLimit: gasRequired, storageDepositLimit: null }, signer.address, 1), signer);
      if (sent.dispatchError) throw new Error(`transfer failed: ${sent.dispatchError}`);
    }
    times.push(performance.now() - started);
  }
  return summarize(times);
}

/**
 * Dry runs of a compute-bound message (the `compute` fixture's `work(rounds)`: sorting
 * and hashing, few host calls) through `ContractsApi_call`, timed from the client.
 */
async function measureCompute(api, signer, rounds, runs) {
  const compute = await instantiateWithCode(api, signer, bundle('compute'), 'new', []);
  const times = [];
  let refTime;
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    const { result, gasConsumed } = await compute.query.work(signer.address, { gasLimit: maxGas(api) }, rounds);
    times.push(performance.now() - started);
    if (!result.isOk) throw new Error(`compute.work failed: ${result.toString()}`);
    refTime = gasConsumed.refTime.toBigInt();
  }
  return { ...summarize(times), refTime };
}

/** Seals empty blocks over `engine_createBlock` until the chain is `target` blocks high. */
async function growChain(node, target) {
  const { api, provider } = node;
  let height = (await api.rpc.chain.getHeader()).number.toNumber();
  const started = performance.now();
  const made = target - height;
  while (height < target) {
    await provider.send('engine_createBlock', [true, true, null]);
    height += 1;
  }
  return { made, seconds: (performance.now() - started) / 1000 };
}

function reportLatency(what, { sealed, watched }) {
  const line = ({ p50, p99, max }) => `p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(max)}`;
  console.log(`${what} submit → in block, ${settings.latencySamples} each:`);
  console.log(`  sealed (HTTP submit, best block polled): ${line(sealed)}`);
  console.log(`  watched (author_submitAndWatchExtrinsic → inBlock/finalized): ${line(watched)}`);
}

async function main() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');

  console.log(`europa node benchmark (${JSON.stringify(settings)})`);
  const startup = await measureStartup();
  console.log(
    `start → RPC-ready over ${settings.startups} starts: p50 ${ms(startup.p50)}, min ${ms(startup.min)}, max ${ms(startup.max)}`,
  );

  const node = await startNode(settings.nodeArgs);
  try {
    const pid = node.child.pid;
    console.log(`RSS after start: ${rss(pid)}`);

    const transfer = await measureLatency(
      node,
      alice,
      () => node.api.tx.balances.transferKeepAlive(bob.address, 1_000_000_000n),
      settings.latencySamples,
    );
    reportLatency('transfer', transfer);

    const e2e = await measureE2eStyle(node.api, alice, settings.e2eRuns);
    console.log(
      `ink! e2e-style test (deploy + ${E2E_MESSAGES} ERC20 transfers, each dry-run then watched into a block, ` +
        `@polkadot/api-contract), ${settings.e2eRuns} runs: p50 ${ms(e2e.p50)} per test ` +
        `(${ms(e2e.p50 / (E2E_MESSAGES + 1))} per transaction), min ${ms(e2e.min)}, max ${ms(e2e.max)}`,
    );

    const flipper = await instantiateWithCode(node.api, alice, bundle('flipper'), 'new', [false]);
    const dryRun = await flipper.query.flip(alice.address, { gasLimit: maxGas(node.api) });
    const gasLimit = dryRun.gasRequired;
    const call = await measureLatency(
      node,
      alice,
      () => flipper.tx.flip({ gasLimit, storageDepositLimit: null }),
      settings.latencySamples,
    );
    reportLatency('contract call (flipper.flip)', call);

    const throughput = await measureThroughput(node, alice, flipper, gasLimit, settings.calls);
    console.log(
      `sustained contract calls: ${throughput.perSecond.toFixed(0)} calls/s (${settings.calls} flips in ${ms(throughput.elapsed)}, ` +
        `${throughput.blocks} blocks, all submitted after ${ms(throughput.submittedAfter)}, every flip ran: ${throughput.allRan})`,
    );
    console.log(`RSS after the calls: ${rss(pid)}`);

    const compute = await measureCompute(node.api, alice, settings.computeRounds, settings.computeRuns);
    console.log(
      `compute-heavy dry run (compute.work(${settings.computeRounds}), ${settings.computeRuns} runs): ` +
        `p50 ${ms(compute.p50)}, min ${ms(compute.min)}, max ${ms(compute.max)}; gasConsumed.refTime ${compute.refTime}`,
    );

    const grown = await growChain(node, settings.blocks);
    const height = (await node.api.rpc.chain.getHeader()).number.toNumber();
    console.log(
      `RSS at block ${height}: ${rss(pid)} (${grown.made} empty blocks sealed over engine_createBlock in ${grown.seconds.toFixed(1)} s)`,
    );
    if (!throughput.allRan) process.exitCode = 1;
  } finally {
    await node.stop();
  }
}

// Run as a script, not when another benchmark imports its measurements.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
