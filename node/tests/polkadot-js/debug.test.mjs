// `europa debug`, the Debug Adapter Protocol server, driven as VS Code's own adapters
// are tested (@vscode/debugadapter-testsupport's DebugClient) against the real node:
// stripped contracts whose DWARF sidecars are registered, a breakpoint on their source,
// steps forward and back, locals read from DWARF, hover and the memory view, the trap,
// and launch configurations that cannot work.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { Keyring } from '@polkadot/api';
import { compactStripLength, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { DebugClient } from '@vscode/debugadapter-testsupport';

import { europaBinary, instantiateWithCode, maxGas, sendInBlock, startNode } from './europa.mjs';

const fixture = (path) => new URL(`../../../pallets/contracts/fixtures/${path}`, import.meta.url);
/** The repository's copy of the source the sidecar's DWARF names `/europa/panic_deep/lib.rs`. */
const SOURCE = fileURLToPath(fixture('contracts/panic_deep/lib.rs'));
/** The source of the fixture whose locals have known values (its DWARF: `/europa/locals/lib.rs`). */
const LOCALS_SOURCE = fileURLToPath(fixture('contracts/locals/lib.rs'));

/** Uploads and instantiates the stripped sidecar fixture `name`, its metadata and debug build registered. */
const withSidecar = async (node, alice, name) => {
  const stripped = JSON.parse(readFileSync(fixture(`sidecar/${name}.contract`), 'utf8'));
  await node.provider.send('europa_registerContract', [stripped]);
  const contract = await instantiateWithCode(node.api, alice, stripped, 'new', []);
  const sidecar = readFileSync(fixture(`sidecar/${name}.debug.wasm`));
  await node.provider.send('europa_registerDebugInfo', [stripped.source.hash, u8aToHex(sidecar)]);
  return contract;
};

describe('europa debug (DAP)', { timeout: 300_000 }, () => {
  let node;
  let alice;
  let contract;
  let locals;
  let dc;

  /** A launch configuration debugging `run(depth)` as a dry run. */
  const launchRun = (depth, extra = {}) => {
    const [, input] = compactStripLength(contract.abi.findMessage('run').toU8a([depth]));
    return { url: node.url, call: { origin: alice.address, dest: contract.address.toString(), input: u8aToHex(input) }, ...extra };
  };
  const top = async () => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  /** Runs `body` with a fresh `europa debug` as `dc`, stopped afterwards. */
  const withAdapter = async (body) => {
    dc = new DebugClient(europaBinary(), 'debug', 'europa');
    dc.defaultTimeout = 60_000;
    await dc.start();
    try {
      await body();
    } finally {
      await dc.stop();
    }
  };
  const lines = (frames) => frames.filter((f) => f.source?.path === SOURCE).map((f) => f.line);

  before(async () => {
    await cryptoWaitReady();
    alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
    node = await startNode();
    contract = await withSidecar(node, alice, 'panic_deep');
    locals = await withSidecar(node, alice, 'locals');
  });

  after(async () => {
    await node?.stop();
  });

  test('a breakpoint on the source stops there; steps go in, back and on to the trap', async () => {
    await withAdapter(async () => {
      // From the source: `level_three`'s `if depth == 0` is line 25; `run(0)` panics on 26.
      await dc.hitBreakpoint(launchRun(0), { path: SOURCE, line: 25 });
      const [, stopped] = await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      assert.equal(stopped.body.reason, 'step');
      const afterNext = lines(await top());
      assert.ok(afterNext.includes(26), `next goes on to the panic's line: ${afterNext}`);

      const [, back] = await Promise.all([dc.stepBackRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      assert.equal(back.body.reason, 'step');
      assert.equal(lines(await top())[0], 25, 'step back returns to the line before');

      const [, trap] = await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      assert.equal(trap.body.reason, 'exception');
      assert.match(trap.body.description, /trapped/);
      const frames = await top();
      assert.ok(lines(frames).includes(26), 'the trap is on the stack at line 26');
      assert.ok(frames.some((f) => /level_three/.test(f.name)), frames.map((f) => f.name).join(' ← '));
      const scopes = (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes;
      const contractScope = scopes.find((s) => s.name === 'Contract');
      const variables = (await dc.variablesRequest({ variablesReference: contractScope.variablesReference })).body.variables;
      assert.match(variables.find((v) => v.name === 'call').value, /panic_deep::run\(depth: 0\)/);
      // ink! read the contract's root before `run`: the Storage scope shows the read,
      // decoded with the metadata's storage layout (the contract's struct has no fields).
      const storage = scopes.find((s) => s.name === 'Storage');
      const reads = (await dc.variablesRequest({ variablesReference: storage.variablesReference })).body.variables;
      assert.ok(reads.some((v) => v.value === 'read PanicDeep (seal1.get_storage)'), JSON.stringify(reads));

      // Back to the breakpoint, then past the end of an execution that returns.
      const [, reverse] = await Promise.all([dc.reverseContinueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      assert.equal(reverse.body.reason, 'breakpoint');
    });
  });

  test('locals and arguments come from DWARF; members expand, hover evaluates, the memory view reads', async () => {
    await withAdapter(async () => {
      // The message by name, as `cargo contract call --message run --args 5` takes it.
      const launch = { url: node.url, call: { origin: alice.address, dest: locals.address.toString(), message: 'run', args: ['5'] } };
      // From the source: `inspect(count, flag, bytes, point)` starts on line 24; `kept` is
      // written on line 25 and read from line 26.
      await dc.hitBreakpoint(launch, { path: LOCALS_SOURCE, line: 24 });
      const inspectFrame = async () => (await top()).find((f) => /inspect/.test(f.name));
      const localsOf = async (frame) => {
        const scopes = (await dc.scopesRequest({ frameId: frame.id })).body.scopes;
        const scope = scopes.find((s) => s.name === 'Locals');
        return (await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
      };
      const valueOf = (variables, name) => variables.find((v) => v.name === name)?.value;
      const entered = await localsOf(await inspectFrame());
      assert.equal(valueOf(entered, 'count'), '5', JSON.stringify(entered));
      assert.equal(valueOf(entered, 'flag'), 'true');
      assert.equal(valueOf(entered, 'bytes'), '[1, 2, 3, 5]');
      assert.equal(valueOf(entered, 'point'), '{x: 5, y: -7}');
      // The storage ink! read before the message, decoded with the metadata's layout.
      const scopes = (await dc.scopesRequest({ frameId: (await inspectFrame()).id })).body.scopes;
      const storage = scopes.find((s) => s.name === 'Storage');
      const accesses = (await dc.variablesRequest({ variablesReference: storage.variablesReference })).body.variables;
      assert.equal(accesses.length, 1, JSON.stringify(accesses));
      assert.match(accesses[0].value, /^read Locals \{ total: 0 \} \(seal1\.get_storage\)$/);
      const point = entered.find((v) => v.name === 'point');
      const members = (await dc.variablesRequest({ variablesReference: point.variablesReference })).body.variables;
      assert.deepEqual(members.map((m) => [m.name, m.value, m.type]), [['x', '5', 'i32'], ['y', '-7', 'i32']]);

      await dc.setBreakpointsRequest({ source: { path: LOCALS_SOURCE }, breakpoints: [{ line: 24 }, { line: 26 }] });
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      const at26 = await inspectFrame();
      assert.equal(at26.line, 26);
      const later = await localsOf(at26);
      assert.equal(valueOf(later, 'kept'), '(5, true, [1, 2, 3, 5], {x: 5, y: -7}, 5000)', JSON.stringify(later));
      const hover = await dc.evaluateRequest({ expression: 'kept.4', frameId: at26.id, context: 'hover' });
      assert.equal(hover.body.result, '5000');
      const kept = await dc.evaluateRequest({ expression: 'kept', frameId: at26.id, context: 'watch' });
      assert.match(kept.body.memoryReference, /^0x[0-9a-f]+$/);
      const memory = await dc.send('readMemory', { memoryReference: kept.body.memoryReference, offset: 12, count: 4 });
      assert.equal(Buffer.from(memory.body.data, 'base64').readInt32LE(0), -7, 'kept.3.y, in memory');
      await assert.rejects(dc.evaluateRequest({ expression: 'nothing', frameId: at26.id, context: 'watch' }), /no variable `nothing`/);

      // A step back: `kept` is not written yet there.
      await Promise.all([dc.stepBackRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      const before = await localsOf(await inspectFrame());
      assert.equal(valueOf(before, 'count'), '5');
      assert.notEqual(valueOf(before, 'kept'), valueOf(later, 'kept'));
    });
  });

  test('a function breakpoint stops on entering the function; without the trap filter the execution just ends', async () => {
    await withAdapter(async () => {
      await Promise.all([
        dc.waitForEvent('initialized').then(async () => {
          const set = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'level_three' }, { name: 'no_such_function' }] });
          assert.deepEqual(set.body.breakpoints.map((b) => b.verified), [true, false]);
          await dc.setExceptionBreakpointsRequest({ filters: [] });
          return dc.configurationDoneRequest();
        }),
        dc.launch(launchRun(0)),
        dc.assertStoppedLocation('function breakpoint', {}),
      ]);
      assert.match((await top())[0].name, /level_three/);
      // `run(0)` enters level_three once; with no exception filter, continue runs out.
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    });
  });

  test('stopOnEntry stops at the first step, and an execution that returns ends the session', async () => {
    await withAdapter(async () => {
      const [, ok] = compactStripLength(contract.abi.findMessage('ok').toU8a([]));
      const launch = { url: node.url, call: { origin: alice.address, dest: contract.address.toString(), inputData: u8aToHex(ok) }, stopOnEntry: true };
      await Promise.all([dc.configurationSequence(), dc.launch(launch), dc.assertStoppedLocation('entry', {})]);
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    });
  });

  test("a contract's next execution is caught from an @polkadot/api transaction", async () => {
    // The gas estimate is a dry run: made before the launch, so the transaction is caught.
    const { gasRequired } = await contract.query.run(alice.address, { gasLimit: maxGas(node.api) }, 0);
    await withAdapter(async () => {
      const launched = Promise.all([
        dc.configurationSequence(),
        dc.launch({ url: node.url, contract: contract.address.toString(), stopOnEntry: true }),
        dc.assertStoppedLocation('entry', {}),
      ]);
      // The adapter is waiting on the node; a test sends its transaction. The launch may
      // not wait yet when the first block comes: send until it is caught.
      let settled = false;
      launched.finally(() => { settled = true; }).catch(() => {});
      for (let tries = 0; !settled && tries < 20; tries += 1) {
        const sent = await sendInBlock(node.api, contract.tx.run({ gasLimit: gasRequired }, 0), alice);
        assert.equal(sent.dispatchError, 'contracts.ContractTrapped');
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      await launched;
      const [, trap] = await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      assert.equal(trap.body.reason, 'exception');
      // No breakpoint taught the adapter the editor's path: frames name DWARF's.
      const panicked = (await top()).filter((f) => f.source?.path === '/europa/panic_deep/lib.rs').map((f) => f.line);
      assert.ok(panicked.includes(26), `the transaction panicked on line 26: ${panicked}`);
    });
  });

  test("a contract's next dry run is caught too: a test's query, stepped with its locals", async () => {
    await withAdapter(async () => {
      const launched = Promise.all([
        dc.configurationSequence(),
        dc.launch({ url: node.url, contract: locals.address.toString(), stopOnEntry: true }),
        dc.assertStoppedLocation('entry', {}),
      ]);
      // A dry run, as a test (or polkadot.js apps) reads a contract: no transaction. The
      // adapter's launch may not wait yet when the first one runs: query until it is caught.
      let settled = false;
      launched.finally(() => { settled = true; }).catch(() => {});
      let answer;
      for (let tries = 0; !settled && tries < 100; tries += 1) {
        answer = await locals.query.run(alice.address, { gasLimit: maxGas(node.api) }, 7);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const { result, output } = answer;
      assert.ok(result.isOk);
      await launched;
      await dc.setBreakpointsRequest({ source: { path: LOCALS_SOURCE }, breakpoints: [{ line: 24 }] });
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      const inspect = (await top()).find((f) => /inspect/.test(f.name));
      const scopes = (await dc.scopesRequest({ frameId: inspect.id })).body.scopes;
      const vars = (await dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === 'Locals').variablesReference })).body.variables;
      assert.equal(vars.find((v) => v.name === 'count').value, '7', 'the dry run\'s own argument');
      // The query's answer, and the session's end, agree: 7 * 1000 + 14 + 7 - 3.
      assert.equal(output.toJSON().ok, 7018);
    });
  });

  test('launch configurations that cannot work get an error, never a hang', async () => {
    await withAdapter(async () => {
      await assert.rejects(dc.launch({ url: node.url }), /exactly one of `call`, `instantiate` and `extrinsic`/);
      await assert.rejects(dc.launch({ url: 'ws://127.0.0.1:1', call: {} }), /cannot reach the node/);
      await assert.rejects(dc.launch(launchRun(0, { url: 'wss://x:1' })), /ws:\/\/HOST:PORT/);
      await assert.rejects(dc.launch({ url: node.url, contract: 'nobody' }), /SS58/);
      const dest = locals.address.toString();
      await assert.rejects(dc.launch({ url: node.url, call: { origin: alice.address, dest, message: 'no_such_message' } }), /no_such_message/);
      await assert.rejects(dc.launch({ url: node.url, call: { origin: alice.address, dest, message: 'run', args: ['5'], input: '0x00' } }), /not both/);
      await assert.rejects(dc.launch(launchRun(0, { contract: contract.address.toString() })), /give `contract` alone/);
      await assert.rejects(dc.launch({ url: node.url, contract: contract.address.toString(), timeoutSecs: 1 }), /ran in no block and no dry run within 1 s/);
    });
  });
});
