// Starts the real `europa` binary the way ink! e2e does (`--dev --port=0 --rpc-port=0`,
// the RPC address read from stderr) and connects @polkadot/api to it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { ApiPromise, WsProvider } from '@polkadot/api';

const STARTUP_MS = 60_000;
const IN_BLOCK_MS = 30_000;
const RPC_LINE = /Running JSON-RPC server: addr=([0-9.]+):(\d+)/;

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

/** A throwaway dev chain; resolves once the node printed its RPC address. */
export async function startNode(extraArgs = []) {
  const args = ['--dev', '--tmp', '--port=0', '--rpc-port=0', '--no-prometheus', ...extraArgs];
  const child = spawn(europaBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const log = [];
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no RPC line within ${STARTUP_MS} ms:\n${log.join('')}`)),
      STARTUP_MS,
    );
    child.on('exit', (code, signal) =>
      reject(new Error(`europa exited (${code ?? signal}) before serving RPC:\n${log.join('')}`)),
    );
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      log.push(chunk);
      const found = RPC_LINE.exec(log.join(''));
      if (found) {
        clearTimeout(timer);
        resolve(`ws://${found[1]}:${found[2]}`);
      }
    });
  });
  const provider = new WsProvider(url);
  const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
  return {
    api,
    /** For methods @polkadot/api does not know, such as `europa_traceCall`. */
    provider,
    url,
    log: () => log.join(''),
    async stop() {
      await api.disconnect();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * Signs and submits `tx`, resolving when it is in a block with the block hash, the
 * extrinsic's event records and events, its dispatch error as `section.Name` (if any)
 * and the full result.
 */
export function sendInBlock(api, tx, signer) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`${tx.method.section}.${tx.method.method} not in a block within ${IN_BLOCK_MS} ms`));
    }, IN_BLOCK_MS);
    tx.signAndSend(signer, (result) => {
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
