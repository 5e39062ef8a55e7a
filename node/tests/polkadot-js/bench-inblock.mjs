// InBlock under load (run by scripts/bench-node.sh): plain `signAndSend` transfers from
// one long-lived ApiPromise while busy processes take every core, as a build sharing the
// machine does. Counts the callbacks that saw InBlock (@polkadot/api drops an InBlock
// whose events it is still fetching when Finalized arrives) and how long Finalized
// followed InBlock. Prints the figures; asserts nothing about time.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

import { Keyring } from '@polkadot/api';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { startNode } from './europa.mjs';

const transactions = Number(process.env.EUROPA_BENCH_INBLOCK_TRANSACTIONS ?? 200);
const busy = Number(process.env.EUROPA_BENCH_INBLOCK_BUSY ?? availableParallelism() * 8);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const [alice, bob] = [keyring.addFromUri('//Alice'), keyring.addFromUri('//Bob')];
  const node = await startNode();
  const hogs = Array.from({ length: busy }, () =>
    spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
  try {
    let inBlockSeen = 0;
    const finalizedAfter = [];
    for (let i = 0; i < transactions; i += 1) {
      await new Promise((resolve, reject) => {
        let inBlockAt;
        node.api.tx.balances
          .transferKeepAlive(bob.address, 1_000n + BigInt(i))
          .signAndSend(alice, ({ status }) => {
            if (status.isInBlock) {
              inBlockSeen += 1;
              inBlockAt = performance.now();
            } else if (status.isFinalized) {
              if (inBlockAt !== undefined) finalizedAfter.push(performance.now() - inBlockAt);
              resolve();
            } else if (status.isInvalid || status.isDropped) {
              reject(new Error(`transaction ${i}: ${status.type}`));
            }
          })
          .catch(reject);
      });
    }
    finalizedAfter.sort((a, b) => a - b);
    console.log(`signAndSend under load (${busy} busy processes), ${transactions} transfers:`);
    console.log(`  InBlock reported: ${inBlockSeen} of ${transactions}`);
    console.log(
      `  Finalized after InBlock: p50 ${percentile(finalizedAfter, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(finalizedAfter, 99).toFixed(1)} ms, max ${finalizedAfter.at(-1).toFixed(1)} ms`,
    );
  } finally {
    for (const hog of hogs) hog.kill();
    await node.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
