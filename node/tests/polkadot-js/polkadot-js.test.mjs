// @polkadot/api and @polkadot/api-contract against the real node: what polkadot.js apps,
// contracts-ui and scripts written against substrate-contracts-node do.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Keyring, WsProvider } from '@polkadot/api';
import { Abi, BlueprintPromise, ContractPromise } from '@polkadot/api-contract';
import { compactStripLength, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import {
  bundle,
  decodeContractEvents,
  describeDispatchError,
  dryRunInstantiate,
  instantiateWithCode,
  maxGas,
  sendInBlock,
  startNode,
} from './europa.mjs';

describe('europa with @polkadot/api', { timeout: 180_000 }, () => {
  let node;
  let api;
  let alice;
  let bob;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    alice = keyring.addFromUri('//Alice');
    bob = keyring.addFromUri('//Bob');
    node = await startNode();
    api = node.api;
  });

  after(async () => {
    await node?.stop();
  });

  test('reads the runtime, its metadata v15 and the chain properties', async () => {
    assert.equal(api.runtimeVersion.specName.toString(), 'europa');
    // @polkadot/api reads the newest metadata the runtime offers; subxt 0.35 asks for v15.
    const versions = (await api.call.metadata.metadataVersions()).toJSON();
    assert.ok(versions.includes(15), `metadata versions ${versions}`);
    assert.equal(api.runtimeMetadata.version, Math.max(...versions));
    assert.ok((await api.call.metadata.metadataAtVersion(15)).isSome, 'metadata_at_version(15)');
    for (const call of ['uploadCode', 'instantiateWithCode', 'instantiate', 'call', 'removeCode', 'setCode']) {
      assert.equal(typeof api.tx.contracts[call], 'function', `contracts.${call}`);
    }
    // The chain properties, as @polkadot/api applied them.
    assert.equal(api.registry.chainSS58, 42);
    assert.ok(api.registry.chainTokens[0] && api.registry.chainTokens[0] !== 'Unit', 'token symbol');
    assert.ok(api.registry.chainDecimals[0] > 0, 'token decimals');
    // polkadot.js apps marks a chain of this type as a development chain (dev accounts shown).
    assert.ok((await api.rpc.system.chainType()).isDevelopment, 'chain type Development');
    assert.ok((await api.query.sudo.key()).eq(alice.address), 'Alice is sudo');
  });

  test('signAndSend reports InBlock, with the block\'s events, then Finalized, for every transaction', async () => {
    for (let i = 0; i < 5; i += 1) {
      const statuses = [];
      await new Promise((resolve, reject) => {
        api.tx.balances
          .transferKeepAlive(bob.address, 1_000n + BigInt(i))
          .signAndSend(alice, ({ status, events }) => {
            statuses.push(status.isInBlock ? `InBlock(${events.length} events)` : status.type);
            if (status.isFinalized) resolve();
          })
          .catch(reject);
      });
      assert.equal(statuses.length, 3, statuses.join(' '));
      assert.equal(statuses[0], 'Ready');
      assert.match(statuses[1], /^InBlock\([1-9]\d* events\)$/);
      assert.equal(statuses[2], 'Finalized');
    }
  });

  test('a client slower than finality still reports InBlock; one that only watches is not held', async () => {
    // A callback that blocks the event loop on Ready (as a loaded machine does): the
    // in-block and finalized statuses then wait in the socket, and @polkadot/api drops
    // an InBlock whose events it is still fetching when Finalized comes — unless the
    // node holds Finalized for this connection, which it knows to read in-block blocks
    // from its first transactions (any one of them read in time is enough).
    for (let i = 0; i < 3; i += 1) {
      await sendInBlock(api, api.tx.balances.transferKeepAlive(bob.address, 1_990n + BigInt(i)), alice);
    }
    const busyMs = 300;
    for (let i = 0; i < 5; i += 1) {
      const statuses = [];
      await new Promise((resolve, reject) => {
        api.tx.balances
          .transferKeepAlive(bob.address, 2_000n + BigInt(i))
          .signAndSend(alice, ({ status }) => {
            statuses.push(status.type);
            if (status.isReady) {
              const until = Date.now() + busyMs;
              while (Date.now() < until);
            }
            if (status.isFinalized) resolve();
          })
          .catch(reject);
      });
      assert.deepEqual(statuses, ['Ready', 'InBlock', 'Finalized'], `transaction ${i}`);
    }

    // A client that watches and reads nothing (as subxt waiting for finality does) is
    // told Finalized at the chain's pace, not after the node's wait for readers.
    const watcher = new WsProvider(`ws://${node.address}`);
    try {
      await watcher.isReady;
      const nonce = await api.rpc.system.accountNextIndex(alice.address);
      const tx = await api.tx.balances.transferKeepAlive(bob.address, 3_000n).signAsync(alice, { nonce });
      const seen = {};
      await new Promise((resolve, reject) => {
        watcher
          .subscribe('author_extrinsicUpdate', 'author_submitAndWatchExtrinsic', [tx.toHex()], (error, status) => {
            if (error) return reject(error);
            if (status?.inBlock) seen.inBlock = Date.now();
            if (status?.finalized) {
              seen.finalized = Date.now();
              resolve();
            }
          })
          .catch(reject);
      });
      assert.ok(seen.inBlock, 'in block');
      assert.ok(seen.finalized - seen.inBlock < 1_500, `finalized ${seen.finalized - seen.inBlock} ms after in block`);
    } finally {
      await watcher.disconnect();
    }
  });

  test('a transfer from Alice to Bob is sealed into a block', async () => {
    const amount = 1_234_567_890n;
    const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
    const tx = api.tx.balances.transferKeepAlive(bob.address, amount);
    const { blockHash, events, dispatchError } = await sendInBlock(api, tx, alice);
    assert.equal(dispatchError, undefined);

    const transfer = events.find((event) => api.events.balances.Transfer.is(event));
    assert.ok(transfer, 'a Balances.Transfer event');
    assert.ok(transfer.data.from.eq(alice.address));
    assert.ok(transfer.data.to.eq(bob.address));
    assert.equal(transfer.data.amount.toBigInt(), amount);
    assert.ok(events.some((event) => api.events.system.ExtrinsicSuccess.is(event)));

    const block = await api.rpc.chain.getBlock(blockHash);
    assert.ok(
      block.block.extrinsics.some((xt) => xt.hash.eq(tx.hash)),
      'the block holds the transfer',
    );
    const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
    assert.equal(after - before, amount);
  });

  test('an ERC20 is uploaded, instantiated, called and dry-run with its metadata', async () => {
    const erc20 = bundle('erc20');
    const abi = new Abi(erc20, api.registry.getChainProperties());

    // upload_code: the code hash polkadot.js computes matches the one the chain stores.
    const upload = await sendInBlock(api, api.tx.contracts.uploadCode(abi.info.source.wasm, null, 'Enforced'), alice);
    assert.equal(upload.dispatchError, undefined);
    const stored = upload.events.find((event) => api.events.contracts.CodeStored.is(event));
    assert.ok(stored, 'a Contracts.CodeStored event');
    const codeHash = stored.data.codeHash.toHex();
    assert.equal(codeHash, erc20.source.hash);

    // instantiate: gas from a ContractsApi dry run, as contracts-ui does.
    const supply = 1_000_000n;
    const constructor = abi.findConstructor('new');
    const estimate = await dryRunInstantiate(api, alice, { Existing: codeHash }, constructor.toU8a([supply]));
    const blueprint = new BlueprintPromise(api, abi, codeHash);
    const deployed = await sendInBlock(
      api,
      blueprint.tx.new({ gasLimit: estimate.gasRequired, storageDepositLimit: null, salt: '0x01' }, supply),
      alice,
    );
    assert.equal(deployed.dispatchError, undefined);
    const instantiated = deployed.events.find((event) => api.events.contracts.Instantiated.is(event));
    assert.ok(instantiated, 'a Contracts.Instantiated event');
    const address = instantiated.data.contract.toString();
    assert.equal(address, estimate.result.asOk.accountId.toString(), 'the dry run predicted the address');
    // The constructor's Transfer event, decoded with the ABI.
    const [minted] = decodeContractEvents(api, abi, deployed.records);
    assert.equal(minted.event.identifier, 'erc20::erc20::Transfer');
    assert.equal(minted.args[2].toBigInt(), supply);

    // call: a transfer, its event decoded from ContractEmitted, then dry-run reads.
    const contract = new ContractPromise(api, abi, address);
    const dryTransfer = await contract.query.transfer(alice.address, { gasLimit: maxGas(api) }, bob.address, 250);
    assert.ok(dryTransfer.result.isOk, dryTransfer.result.toString() + dryTransfer.debugMessage.toUtf8());
    assert.deepEqual(dryTransfer.output.toJSON(), { ok: { ok: null } });
    const sent = await sendInBlock(
      api,
      contract.tx.transfer({ gasLimit: dryTransfer.gasRequired, storageDepositLimit: null }, bob.address, 250),
      alice,
    );
    assert.equal(sent.dispatchError, undefined);
    const [transferred] = decodeContractEvents(api, abi, sent.records);
    assert.equal(transferred.event.identifier, 'erc20::erc20::Transfer');
    assert.equal(transferred.args[0].unwrap().toString(), alice.address);
    assert.equal(transferred.args[1].unwrap().toString(), bob.address);
    assert.equal(transferred.args[2].toBigInt(), 250n);

    const balanceOf = async (who) => {
      const { result, output } = await contract.query.balanceOf(alice.address, { gasLimit: maxGas(api) }, who);
      assert.ok(result.isOk);
      return BigInt(output.toJSON().ok);
    };
    assert.equal(await balanceOf(bob.address), 250n);
    assert.equal(await balanceOf(alice.address), supply - 250n);

    // A transfer beyond the balance: the message returns the contract's error, and a
    // dry run of it reports the revert without changing anything.
    const tooMuch = await contract.query.transfer(bob.address, { gasLimit: maxGas(api) }, alice.address, 251);
    assert.ok(tooMuch.result.isOk);
    const REVERT = 1;
    assert.equal(tooMuch.result.asOk.flags.bits.toNumber() & REVERT, REVERT, tooMuch.result.toString());
    assert.deepEqual(tooMuch.output.toJSON(), { ok: { err: 'InsufficientBalance' } });
    assert.equal(await balanceOf(bob.address), 250n);
  });

  test('with its metadata registered, an ERC20 transfer is traced in its own terms, a revert explained and its gas profiled', async () => {
    const erc20 = bundle('erc20');
    // The metadata alone, as cargo-contract writes `erc20.json`: the bundle without its code.
    const { wasm, ...source } = erc20.source;
    const metadata = { ...erc20, source };
    const registered = await node.provider.send('europa_registerContract', [metadata]);
    assert.deepEqual(registered, { name: 'erc20', codeHash: erc20.source.hash });
    const listed = await node.provider.send('europa_registeredContracts', []);
    assert.ok(listed.some((entry) => entry.name === 'erc20' && entry.codeHash === erc20.source.hash), JSON.stringify(listed));

    const contract = await instantiateWithCode(api, alice, erc20, 'new', [4_321n]);
    const { gasRequired } = await contract.query.transfer(alice.address, { gasLimit: maxGas(api) }, bob.address, 21);
    const sent = await sendInBlock(
      api,
      contract.tx.transfer({ gasLimit: gasRequired, storageDepositLimit: null }, bob.address, 21),
      alice,
    );
    assert.equal(sent.dispatchError, undefined);
    const index = sent.records[0].phase.asApplyExtrinsic.toNumber();
    const { trace } = await node.provider.send('europa_traceExtrinsic', [sent.blockHash, index]);
    const { decoded, events } = trace.root;
    assert.equal(decoded?.entry, 'transfer', JSON.stringify(trace.root));
    assert.equal(decoded.contract, 'erc20');
    assert.equal(decoded.kind, 'message');
    assert.deepEqual(decoded.args, [['to', bob.address], ['value', '21']]);
    assert.equal(decoded.callerName, 'Alice');
    assert.equal(decoded.returned, 'Ok(Ok())');
    assert.equal(events[0].decoded?.name, 'Transfer', JSON.stringify(events));
    assert.deepEqual(events[0].decoded.fields, [
      ['from', `Some(${alice.address})`],
      ['to', `Some(${bob.address})`],
      ['value', '21'],
    ]);

    // A transfer beyond Alice's balance: the contract's error, decoded and explained.
    const tooMuch = compactStripLength(contract.abi.findMessage('transfer').toU8a([bob.address, 1_000_000n]))[1];
    const traced = await node.provider.send('europa_traceCall', [
      { origin: alice.address, dest: contract.address.toString(), inputData: u8aToHex(tooMuch) },
    ]);
    const REVERT = 1;
    assert.equal(traced.result.ok?.flags, REVERT, JSON.stringify(traced.result));
    assert.equal(traced.trace.root.decoded.returned, 'Ok(Err(InsufficientBalance))');
    assert.match(traced.trace.root.explanation.text, /InsufficientBalance/);

    // Its gas profile: the same dry run's gas, every unit of it placed, in flame-graph
    // formats; the extrinsic's too.
    const transfer = compactStripLength(contract.abi.findMessage('transfer').toU8a([bob.address, 1n]))[1];
    const request = { origin: alice.address, dest: contract.address.toString(), inputData: u8aToHex(transfer) };
    const [plain, profiled] = [
      await node.provider.send('europa_traceCall', [request]),
      await node.provider.send('europa_profileCall', [request]),
    ];
    assert.deepEqual(profiled.gasConsumed, plain.gasConsumed);
    assert.equal(profiled.profile.refTime, plain.gasConsumed.refTime);
    assert.equal(profiled.profile.accountedRefTime, plain.gasConsumed.refTime);
    assert.ok(profiled.profile.folded.split('\n').some((line) => line.startsWith('erc20::transfer;')));
    assert.ok(profiled.profile.top.some(({ name }) => name === 'seal1.get_storage'), JSON.stringify(profiled.profile.top));
    assert.equal(profiled.profile.speedscope.profiles[0].type, 'sampled');
    assert.match(profiled.profile.svg, /<svg/);
    const { profile } = await node.provider.send('europa_profileExtrinsic', [sent.blockHash, index]);
    assert.equal(profile.accountedRefTime, profile.refTime);
    assert.equal(profile.refTime, trace.root.gasConsumed.refTime);
  });

  test('a trapping contract: dry run and extrinsic both report Contracts.ContractTrapped', async () => {
    const contract = await instantiateWithCode(api, alice, bundle('panic_deep'), 'new', []);

    const ok = await contract.query.ok(alice.address, { gasLimit: maxGas(api) });
    assert.equal(ok.output.toJSON().ok, 42);

    const dryRun = await contract.query.run(alice.address, { gasLimit: maxGas(api) }, 3);
    assert.ok(dryRun.result.isErr);
    assert.equal(describeDispatchError(api, dryRun.result.asErr), 'contracts.ContractTrapped');

    const failed = await sendInBlock(api, contract.tx.run({ gasLimit: dryRun.gasRequired }, 3), alice);
    assert.equal(failed.dispatchError, 'contracts.ContractTrapped');
    assert.ok(failed.events.some((event) => api.events.system.ExtrinsicFailed.is(event)));
  });

  test('the trace RPC explains a dry-run call', async () => {
    const contract = await instantiateWithCode(api, alice, bundle('flipper'), 'new', [true]);
    const traced = await node.provider.send('europa_traceCall', [
      { origin: alice.address, dest: contract.address.toString(), inputData: contract.abi.findMessage('get').selector.toHex() },
    ]);
    assert.ok(traced.result.ok, JSON.stringify(traced.result));
    const { root } = traced.trace;
    assert.equal(root.contract, contract.address.toHex());
    assert.equal(root.entry, 'call');
    assert.ok(root.hostCalls.some((call) => call.func === 'seal1.get_storage'), JSON.stringify(root.hostCalls));

    await assert.rejects(node.provider.send('europa_traceCall', [{ origin: alice.address }]), /-32602|dest/);
  });

  test('snapshot, deploy and call, revert: the chain and its state are back, and it goes on', async () => {
    const before = (await api.rpc.chain.getHeader()).number.toNumber();
    const snapshot = await node.provider.send('europa_snapshot', []);

    const flipper = await instantiateWithCode(api, alice, bundle('flipper'), 'new', [false]);
    const { gasRequired } = await flipper.query.flip(alice.address, { gasLimit: maxGas(api) });
    const flipped = await sendInBlock(api, flipper.tx.flip({ gasLimit: gasRequired }), alice);
    assert.equal(flipped.dispatchError, undefined);
    const get = await flipper.query.get(alice.address, { gasLimit: maxGas(api) });
    assert.equal(get.output.toJSON().ok, true);
    assert.ok((await api.query.contracts.contractInfoOf(flipper.address)).isSome);
    assert.ok((await api.rpc.chain.getHeader()).number.toNumber() > before);

    assert.equal(await node.provider.send('europa_revert', [snapshot]), true);
    assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), before);
    assert.ok((await api.query.contracts.contractInfoOf(flipper.address)).isNone, 'the contract is gone');
    await assert.rejects(node.provider.send('europa_revert', [snapshot]), /no snapshot/);

    // The chain goes on from there, and Alice's nonce is back too: the revert told
    // @polkadot/api's subscriptions, so a plain signAndSend signs with the right nonce.
    const transfer = await sendInBlock(api, api.tx.balances.transferKeepAlive(bob.address, 1), alice);
    assert.equal(transfer.dispatchError, undefined);
    assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), before + 1);
  });

  test('a long-lived client goes on after every revert: its subscriptions get the reverted values, plain signAndSend works', async () => {
    // What an app does: one ApiPromise, Alice's account watched all along (signAndSend
    // takes the nonce from that subscription), and the heads watched too.
    const watch = async (subscribe, value) => {
      let current;
      let waiters = [];
      const unsubscribe = await subscribe((item) => {
        current = value(item);
        waiters = waiters.filter(({ wanted, resolve }) => (current === wanted ? (resolve(), false) : true));
      });
      return {
        unsubscribe,
        current: () => current,
        /** Resolves once the subscription has reported `wanted` (at once if it is the last value). */
        until(wanted, what) {
          if (current === wanted) return Promise.resolve();
          return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${what}: ${wanted} not reported, last ${current}`)), 10_000);
            waiters.push({ wanted, resolve: () => (clearTimeout(timer), resolve()) });
          });
        },
      };
    };
    const nonce = await watch((cb) => api.query.system.account(alice.address, cb), (info) => info.nonce.toNumber());
    const best = await watch((cb) => api.rpc.chain.subscribeNewHeads(cb), (header) => header.number.toNumber());
    const finalized = await watch((cb) => api.rpc.chain.subscribeFinalizedHeads(cb), (header) => header.number.toNumber());
    const transferTwice = async () => {
      for (let i = 0; i < 2; i++) {
        const { dispatchError } = await sendInBlock(api, api.tx.balances.transferKeepAlive(bob.address, 1), alice);
        assert.equal(dispatchError, undefined);
      }
    };
    try {
      for (const [kind, mark, goBack] of [
        ['europa_revert', () => node.provider.send('europa_snapshot', []), (snapshot) => node.provider.send('europa_revert', [snapshot])],
        ['europa_backwardToHeight', async () => (await api.rpc.chain.getHeader()).number.toNumber(), (height) => node.provider.send('europa_backwardToHeight', [height])],
      ]) {
        for (let round = 0; round < 10; round++) {
          const what = `${kind}, round ${round}`;
          const head = (await api.rpc.chain.getHeader()).number.toNumber();
          const start = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
          await nonce.until(start, what);
          const marked = await mark();
          await transferTwice();
          await nonce.until(start + 2, what);
          await best.until(head + 2, what);
          await finalized.until(head + 2, what);
          await goBack(marked);
          await nonce.until(start, `${what}: the reverted nonce`);
          await best.until(head, `${what}: the reverted best head`);
          await finalized.until(head, `${what}: the reverted finalized head`);
          assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), head, what);
          await transferTwice();
          await nonce.until(start + 2, what);
        }
      }
    } finally {
      nonce.unsubscribe();
      best.unsubscribe();
      finalized.unsubscribe();
    }
  });

  test('time travel: the next block has the timestamp asked for, the ones after move on', async () => {
    const now = (await api.query.timestamp.now()).toBigInt();
    const nextWeek = now + 7n * 86_400_000n;
    await node.provider.send('europa_setNextBlockTimestamp', [Number(nextWeek)]);
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    assert.equal(await node.provider.send('europa_forwardToHeight', [head + 1]), head + 1);
    assert.equal((await api.query.timestamp.now()).toBigInt(), nextWeek);

    await node.provider.send('europa_increaseTime', [3_600_000]);
    await sendInBlock(api, api.tx.balances.transferKeepAlive(bob.address, 1), alice);
    assert.ok((await api.query.timestamp.now()).toBigInt() >= nextWeek + 3_600_000n);
    await assert.rejects(node.provider.send('europa_setNextBlockTimestamp', [Number(now)]), /before the head/);
  });

  test('Alice, the sudo key, calls a contract as Bob through Sudo.sudoAs (the README example)', async () => {
    const flipper = await instantiateWithCode(api, alice, bundle('flipper'), 'new', [false]);
    const { gasRequired } = await flipper.query.flip(bob.address, { gasLimit: maxGas(api) });
    const data = flipper.abi.findMessage('flip').toU8a([]);
    const call = api.tx.contracts.call(flipper.address, 0, gasRequired, null, data);
    const sent = await sendInBlock(api, api.tx.sudo.sudoAs(bob.address, call), alice);
    assert.equal(sent.dispatchError, undefined);
    const called = sent.events.find((event) => api.events.contracts.Called.is(event));
    assert.ok(called, 'a Contracts.Called event');
    assert.equal(called.data.caller.asSigned.toString(), bob.address);
    const get = await flipper.query.get(alice.address, { gasLimit: maxGas(api) });
    assert.equal(get.output.toJSON().ok, true);
  });

  test('state cheats: a balance set over RPC is what @polkadot/api reads', async () => {
    const block = await node.provider.send('europa_setBalance', [bob.address, '5000000000000000']);
    assert.match(block, /^0x[0-9a-f]{64}$/);
    assert.equal((await api.query.system.account(bob.address)).data.free.toBigInt(), 5_000_000_000_000_000n);
  });

  test('a badly signed extrinsic is refused and the node keeps serving', async () => {
    const tx = api.tx.balances.transferKeepAlive(bob.address, 1);
    await tx.signAsync(alice);
    const bytes = tx.toU8a();
    // Flip a byte inside the signature (after the length prefix, version byte and signer).
    bytes[40] ^= 0xff;
    await assert.rejects(api.rpc.author.submitExtrinsic(bytes), /1010|Invalid|bad signature/i);
    // Bytes that are no extrinsic at all (polkadot.js refuses to send them, so raw).
    await assert.rejects(node.provider.send('author_submitExtrinsic', ['0x0102']), /decode|Invalid|1001|1002/i);
    assert.ok((await api.rpc.chain.getHeader()).number.toNumber() > 0);
  });
});

describe('europa with @polkadot/api at its request-size limit', { timeout: 120_000 }, () => {
  let node;

  before(async () => {
    node = await startNode(['--rpc-max-request-size', '1']);
  });

  after(async () => {
    await node?.stop();
  });

  test('an oversized call fails at once with the limit and its flag, and the connection keeps working', async () => {
    const data = `0x${'ab'.repeat(700 * 1024)}`;
    const started = Date.now();
    await assert.rejects(
      node.provider.send('state_call', ['Core_version', data]),
      /-32007.*limit of 1 MiB.*--rpc-max-request-size/s,
    );
    // polkadot.js would otherwise wait for its 60 s request timeout.
    assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms`);
    // More than twice over the limit, as a mistaken upload of a debug build is: the same.
    await assert.rejects(
      node.provider.send('state_call', ['Core_version', `0x${'ab'.repeat(1600 * 1024)}`]),
      /-32007.*limit of 1 MiB.*--rpc-max-request-size/s,
    );
    assert.ok((await node.api.rpc.system.health()).isSyncing.isFalse);
  });

  test('a message beyond what the node reads closes the connection with the limit and its flag; the client reconnects', async () => {
    const started = Date.now();
    await assert.rejects(
      node.provider.send('state_call', ['Core_version', `0x${'ab'.repeat(5 * 1024 * 1024)}`]),
      /1009.*not read.*limited to 1 MiB.*--rpc-max-request-size/s,
    );
    assert.ok(Date.now() - started < 10_000, `failed after ${Date.now() - started} ms`);
    // The same ApiPromise goes on once its provider has reconnected (by itself).
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        assert.ok((await node.api.rpc.system.health()).isSyncing.isFalse);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  });
});
