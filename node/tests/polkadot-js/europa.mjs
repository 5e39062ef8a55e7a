// Starts the real `europa` binary the way ink! e2e does (`--dev --port=0 --rpc-port=0`,
// the RPC address read from stderr), connects @polkadot/api to it, and deploys fixture
// contracts the way contracts-ui does. Shared by the tests and the node benchmark.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { ApiPromise, WsProvider } from '@polkadot/api';
import { CodePromise } from '@polkadot/api-contract';

const STARTUP_MS = 60_000;
const IN_BLOCK_MS = 30_000;
const LOG_CHUNKS_KEPT = 1000;
const RPC_LINE = /Running JSON-RPC server: addr=([0-9.]+):(\d+)/;

// The node outlives a spawner that merely closes its pipes (as ink! e2e needs), so a
// test or benchmark that dies half-way must not leave its nodes behind.
const running = new Set();
const killRunning = () => running.forEach((child) => child.kill('SIGKILL'));
process.once('exit', killRunning);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killRunning();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

/** The binary `cargo test` builds; `EUROPA_BIN` overrides it. */
export function europaBinary() {
  const bin =
    process.env.EUROPA_BIN ??
    join(process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/europa/target'), 'debug/europa');
  if (!existsSync(bin)) {
    throw new Error(`no europa binary at ${bin}: build it (cargo build -p europa-node) or set EUROPA_BIN`);
  }
  return bin;
}

/**
 * Spawns a throwaway dev chain; resolves once the node printed the address its RPC
 * server bound, with the process, that address and its recent log.
 */
export async function spawnNode(extraArgs = []) {
  const args = ['--dev', '--tmp', '--port=0', '--rpc-port=0', '--no-prometheus', ...extraArgs];
  const child = spawn(europaBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const log = [];
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no RPC line within ${STARTUP_MS} ms:\n${log.join('')}`)),
      STARTUP_MS,
    );
    child.on('exit', (code, signal) =>
      reject(new Error(`europa exited (${code ?? signal}) before serving RPC:\n${log.join('')}`)),
    );
    let serving = false;
    child.stderr.setEncoding('utf8');
    // Keeps draining stderr (a full pipe would stall the node) but only the recent log.
    child.stderr.on('data', (chunk) => {
      log.push(chunk);
      if (log.length > LOG_CHUNKS_KEPT) log.shift();
      const found = !serving && RPC_LINE.exec(log.join(''));
      if (found) {
        serving = true;
        clearTimeout(timer);
        resolve(`${found[1]}:${found[2]}`);
      }
    });
  });
  return {
    child,
    address,
    log: () => log.join(''),
    /** SIGINT, as Ctrl-C would; resolves once the process has exited. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
  };
}

/** A throwaway dev chain with @polkadot/api connected to it. */
export async function startNode(extraArgs = []) {
  const node = await spawnNode(extraArgs);
  const url = `ws://${node.address}`;
  const provider = new WsProvider(url);
  const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
  return {
    ...node,
    api,
    /** For methods @polkadot/api does not know, such as `europa_traceCall`. */
    provider,
    url,
    async stop() {
      await api.disconnect();
      await node.stop();
    },
  };
}

/**
 * Signs (with `options`, e.g. `{ nonce }`) and submits `tx`, resolving when it is in a
 * block with the block hash, the extrinsic's event records and events, its dispatch
 * error as `section.Name` (if any) and the full result.
 */
export function sendInBlock(api, tx, signer, options = {}) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`${tx.method.section}.${tx.method.method} not in a block within ${IN_BLOCK_MS} ms`));
    }, IN_BLOCK_MS);
    tx.signAndSend(signer, options, (result) => {
      const { status } = result;
      // With instant finality the node reports InBlock and Finalized together, and
      // @polkadot/api then passes on only Finalized (it drops the InBlock it was still
      // fetching events for): either one means "in a block".
      if (status.isInBlock || status.isFinalized) {
        clearTimeout(timer);
        unsubscribe();
        resolve({
          blockHash: (status.isInBlock ? status.asInBlock : status.asFinalized).toHex(),
          records: result.events,
          events: result.events.map(({ event }) => event),
          dispatchError: result.dispatchError && describeDispatchError(api, result.dispatchError),
          result,
        });
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        clearTimeout(timer);
        unsubscribe();
        reject(new Error(`${tx.method.section}.${tx.method.method}: ${status.type}`));
      }
    })
      .then((stop) => {
        unsubscribe = stop;
      })
      .catch((error) => {
        clearTimeout(timer);
        reject(error);
      });
  });
}

/** `section.Name` of a module error, as apps and cargo-contract show it. */
export function describeDispatchError(api, error) {
  if (error.isModule) {
    const { section, name } = api.registry.findMetaError(error.asModule);
    return `${section}.${name}`;
  }
  return error.toString();
}

/** A fixture's cargo-contract bundle (`.contract`: metadata with the WASM code). */
export function bundle(name) {
  const path = new URL(`../../../pallets/contracts/fixtures/metadata/${name}.contract`, import.meta.url);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * A whole block's weight for dry runs. (`gasLimit: -1` would send a proof size of 0,
 * which pallet-contracts — here as upstream — answers with OutOfGas.)
 */
export function maxGas(api) {
  return api.registry.createType('WeightV2', api.consts.system.blockWeights.maxBlock);
}

/** A ContractsApi instantiate dry run, as contracts-ui does before deploying. */
export async function dryRunInstantiate(api, origin, code, data, salt = '0x01') {
  const estimate = await api.call.contractsApi.instantiate(origin.address, 0, null, null, code, data, salt);
  if (!estimate.result.isOk) {
    throw new Error(`instantiate dry run failed: ${estimate.result.toString()}`);
  }
  return estimate;
}

/** `instantiate_with_code` of a `.contract` bundle with the gas a dry run asked for. */
export async function instantiateWithCode(api, origin, bundle, constructorName, args) {
  const code = new CodePromise(api, bundle, bundle.source.wasm);
  const data = code.abi.findConstructor(constructorName).toU8a(args);
  const { gasRequired } = await dryRunInstantiate(api, origin, { Upload: bundle.source.wasm }, data);
  const deployed = await sendInBlock(
    api,
    code.tx[constructorName]({ gasLimit: gasRequired, storageDepositLimit: null, salt: '0x01' }, ...args),
    origin,
  );
  if (deployed.dispatchError || !deployed.result.contract) {
    throw new Error(`instantiate_with_code failed: ${deployed.dispatchError ?? 'no contract'}`);
  }
  return deployed.result.contract;
}

/** Decodes the ContractEmitted events among `records` with `abi` (ink! 5: by signature topic). */
export function decodeContractEvents(api, abi, records) {
  return records
    .filter(({ event }) => api.events.contracts.ContractEmitted.is(event))
    .map((record) => abi.decodeEvent(record));
}
