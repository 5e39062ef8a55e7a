// The Explorer (the web page the node serves) in a real browser, headless Chromium driven
// by playwright-core, against the real node: the chain live, an extrinsic's call tree, a
// trap explained down to its source line and stepped through line by line, a dry run and
// its gas profile from the Contracts view, coverage by line, and snapshot → transfer →
// revert from the page.
//
// CHROMIUM names the browser (default /usr/bin/chromium, Debian's). With
// EUROPA_SCREENSHOTS=<dir> each view is also saved there (scripts/explorer-screenshots.sh
// refreshes the ones in docs/images).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { chromium } from 'playwright-core';

import { bundle, instantiateWithCode, maxGas, sendInBlock, startNode } from './europa.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.EUROPA_SCREENSHOTS;
const EXPLORER_LINE = /Europa Explorer: (http:\/\/\S+?)\/?\s/;
const fixture = (path) => new URL(`../../../pallets/contracts/fixtures/${path}`, import.meta.url);

/** Unsigned and signed LEB128. */
const uleb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
const sleb = (n) => { const out = []; for (;;) { const b = n & 0x7f; n >>= 7; if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) { out.push(b); return out; } out.push(b | 0x80); } };
const utf8 = (text) => [...new TextEncoder().encode(text)];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const name = (text) => vec(utf8(text).map((b) => [b]));
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];

/**
 * A contract whose `call` prints `text` as debug text and traps in a function named
 * `func` (by its `name` section): the fields a contract controls, with markup in them.
 */
function hostileTextContract(text, func) {
  const message = utf8(text);
  const body = (code) => vec([0x00, ...code, 0x0b].map((b) => [b]));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 2, 0x7f, 0x7f, 1, 0x7f], [0x60, 0, 0]])),
    ...section(2, vec([
      [...name('seal0'), ...name('debug_message'), 0x00, 0x00],
      [...name('env'), ...name('memory'), 0x02, 0x01, 0x01, 0x10],
    ])),
    ...section(3, vec([[1], [1], [1]])),
    ...section(7, vec([[...name('deploy'), 0x00, 1], [...name('call'), 0x00, 2]])),
    ...section(10, vec([
      body([]),
      body([0x10, 3]),
      body([0x41, 0, 0x41, ...sleb(message.length), 0x10, 0, 0x1a, 0x00]),
    ])),
    ...section(11, vec([[0x00, 0x41, 0, 0x0b, ...vec(message.map((b) => [b]))]])),
    ...section(0, [...name('name'), ...section(1, vec([[3, ...name(func)]]))]),
  ]);
}

describe('the Explorer in Chromium', { timeout: 300_000 }, () => {
  let node;
  let api;
  let alice;
  let bob;
  let browser;
  let page;
  let explorer;
  const pageErrors = [];

  const shot = async (name) => {
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `explorer-${name}.png`), fullPage: false });
  };
  const open = async (hash) => {
    await page.goto(`${explorer}/${hash}`);
    await page.locator('#connection.connected').waitFor();
  };

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium or set CHROMIUM`);
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    alice = keyring.addFromUri('//Alice');
    bob = keyring.addFromUri('//Bob');
    node = await startNode(['--ui-port=0', '--coverage']);
    api = node.api;
    const found = EXPLORER_LINE.exec(node.log());
    assert.ok(found, `no Explorer line in the log:\n${node.log()}`);
    explorer = found[1];
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()));
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  test('the chain view shows a new block when a transfer is sealed', async () => {
    await open('#/');
    await page.locator('article.block[data-number="0"]').waitFor();
    const transfer = await sendInBlock(api, api.tx.balances.transferKeepAlive(bob.address, 1_000_000_000_000n), alice);
    const { number } = await api.rpc.chain.getHeader(transfer.blockHash);
    const block = page.locator(`article.block[data-number="${number.toNumber()}"]`);
    await block.waitFor();
    const extrinsic = block.locator('li.extrinsic', { hasText: 'Balances.transfer_keep_alive' });
    await extrinsic.waitFor();
    assert.match(await extrinsic.textContent(), /by Alice/);
    assert.match(await extrinsic.textContent(), /Balances\.Transfer/);
    await shot('chain');

    // One block by number, from the page's own form; and a block that is not there.
    await page.fill('#go-to-block', String(number.toNumber()));
    await page.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(`**/#/block/${number.toNumber()}`);
    await page.getByRole('heading', { name: `Block #${number.toNumber()}` }).waitFor();
    await page.locator('li.extrinsic', { hasText: 'Balances.transfer_keep_alive' }).waitFor();
    await open('#/block/99999');
    await page.locator('.notice.error', { hasText: 'not on this chain' }).waitFor();
  });

  test('a contract extrinsic opens as its call tree, decoded, with its host calls and state changes', async () => {
    // Metadata uploaded from the Contracts view, as a user would.
    await open('#/contracts');
    await page.setInputFiles('#metadata-file', fileURLToPath(fixture('metadata/erc20.contract')));
    await page.getByRole('button', { name: 'Register metadata' }).click();
    await page.getByText('Registered erc20').waitFor();

    const erc20 = await instantiateWithCode(api, alice, bundle('erc20'), 'new', [1_000n]);
    const { gasRequired } = await erc20.query.transfer(alice.address, { gasLimit: maxGas(api) }, bob.address, 7);
    const sent = await sendInBlock(api, erc20.tx.transfer({ gasLimit: gasRequired, storageDepositLimit: null }, bob.address, 7), alice);
    const { number } = await api.rpc.chain.getHeader(sent.blockHash);
    const index = sent.records[0].phase.asApplyExtrinsic.toNumber();

    await open('#/');
    const link = page.locator(`article.block[data-number="${number.toNumber()}"] a`, { hasText: 'Contracts.call' });
    await link.click();
    await page.waitForURL(`**/#/extrinsic/${number.toNumber()}/${index}`);
    const root = page.locator('details.frame').first();
    await root.locator('.call', { hasText: `erc20::transfer(to: ${bob.address}, value: 7)` }).waitFor();
    assert.match(await root.locator('.badge').first().textContent(), /Ok\(Ok\(\)\)/);
    await page.getByText('emit Transfer').waitFor();
    await root.locator('summary', { hasText: /^Host calls/ }).click();
    const rows = root.locator('.host-call');
    await rows.first().waitFor();
    assert.ok((await rows.count()) > 3);
    await page.locator('.host-call', { hasText: 'seal2.set_storage' }).first().click();
    assert.match(await page.locator('.host-call-detail').textContent(), /set_storage\(key: 0x/);
    const changes = page.locator('table.state-changes tbody tr');
    assert.ok((await changes.count()) > 0);
    assert.ok(await page.locator('table.state-changes td', { hasText: 'childPut' }).count() > 0);
    await shot('extrinsic');
  });

  test("a trapped call is explained with its Rust file:line, from a DWARF sidecar uploaded on the page", async () => {
    const stripped = JSON.parse(readFileSync(fixture('sidecar/panic_deep.contract'), 'utf8'));
    await node.provider.send('europa_registerContract', [stripped]);
    const contract = await instantiateWithCode(api, alice, stripped, 'new', []);
    await open(`#/contracts/${contract.address.toString()}`);
    await page.fill('#sidecar-code-hash', stripped.source.hash);
    await page.setInputFiles('#sidecar-file', fileURLToPath(fixture('sidecar/panic_deep.debug.wasm')));
    await page.getByRole('button', { name: 'Register debug build' }).click();
    await page.getByText('Debug build attached').waitFor();

    const { gasRequired } = await contract.query.run(alice.address, { gasLimit: maxGas(api) }, 1);
    const failed = await sendInBlock(api, contract.tx.run({ gasLimit: gasRequired }, 1), alice);
    assert.equal(failed.dispatchError, 'contracts.ContractTrapped');
    const { number } = await api.rpc.chain.getHeader(failed.blockHash);
    const index = failed.records[0].phase.asApplyExtrinsic.toNumber();
    await open(`#/extrinsic/${number.toNumber()}/${index}`);
    const explanation = page.locator('.explanation').first();
    await explanation.waitFor();
    assert.match(await explanation.textContent(), /trapped/);
    assert.match(await explanation.locator('.location').textContent(), /lib\.rs:26:13/);
    assert.match(await page.locator('.badge.err').first().textContent(), /ContractTrapped/);
    await page.locator('ol.backtrace li', { hasText: 'level_three' }).first().waitFor();
    await shot('trap');

    // Line by line, from the keyboard: the first step, the next, then the last, whose
    // stack runs through the panicking `level_three`.
    await page.getByRole('link', { name: 'lines' }).click();
    await page.waitForURL(`**/#/lines/${number.toNumber()}/${index}`);
    const list = page.locator('.lines-list');
    await list.locator('.lines-row.current[data-step="0"]').waitFor();
    await list.focus();
    await page.keyboard.press('ArrowDown');
    await list.locator('.lines-row.current[data-step="1"]').waitFor();
    await page.keyboard.press('End');
    const last = Number(await list.getAttribute('aria-label').then((label) => /\((\d+)\)/.exec(label)[1])) - 1;
    await list.locator(`.lines-row.current[data-step="${last}"]`).waitFor();
    assert.match(await page.locator('.lines-detail').textContent(), /stack: .*level_three/);
    assert.ok((await list.locator('.lines-row.host').count()) > 0, 'host calls in place');
    await page.locator('.lines-source', { hasText: 'not on the node' }).waitFor();
    await shot('lines');

    // The debugger on the same extrinsic: keys step forwards and back, a breakpoint set
    // by file:line stops there, and going on ends on the trap.
    await open(`#/debug/extrinsic/${number.toNumber()}/${index}`);
    const stop = (kind) => page.locator(`.debug-status [data-stop="${kind}"]`).waitFor();
    const at = async () => Number(/step (\d+)/.exec(await page.locator('.debug-status').textContent())[1]);
    await stop('entry');
    await page.keyboard.press('n');
    await stop('step');
    const next = await at();
    assert.ok(next > 0);
    await page.keyboard.press('b');
    await page.waitForFunction(() => /step 0 of/.test(document.querySelector('.debug-status')?.textContent ?? ''));
    await page.fill('#debug-break-at', 'panic_deep/lib.rs:25');
    await page.getByRole('button', { name: 'Toggle' }).click();
    await page.locator('.debug-breakpoints', { hasText: 'lib.rs:25' }).waitFor();
    await page.locator('.debugger').focus();
    await page.keyboard.press('c');
    await stop('breakpoint');
    assert.match(await page.locator('.debug-stack li').first().textContent(), /level_three.*lib\.rs:25/);
    // Its variables, from the sidecar's DWARF: `run(1)` is at depth 1 the first time.
    const depth = page.locator('.debug-variables [data-name="depth"] .value');
    await depth.waitFor();
    assert.equal(await depth.textContent(), '1');
    // `run(1)` passes line 25 twice (depth 1, then 0); each move waits for the last.
    const first = await at();
    await page.keyboard.press('c');
    await page.waitForFunction((step) => !new RegExp(`step ${step} of`).test(document.querySelector('.debug-status')?.textContent ?? ''), first);
    await stop('breakpoint');
    await page.waitForFunction(() => document.querySelector('.debug-variables [data-name="depth"] .value')?.textContent === '0');
    // Stop on entering `level_one` too; with no failure selected, continue runs to the end.
    await page.fill('#debug-functions', 'level_one, no_such_function');
    await page.getByRole('button', { name: 'Set' }).click();
    await page.locator('.debug-functions-found', { hasText: 'level_one: found, no_such_function: not in this execution' }).waitFor();
    await page.locator('[data-exception="trap"]').uncheck();
    await page.locator('.debugger').focus();
    await page.keyboard.press('r');
    await stop('entry');
    await page.keyboard.press('c');
    await stop('functionBreakpoint');
    assert.match(await page.locator('.debug-stack li').first().textContent(), /level_one/);
    await page.locator('[data-move="continue"]').click();
    await page.waitForFunction(() => document.querySelector('.debug-status [data-stop]')?.dataset.stop !== 'functionBreakpoint');
    await page.locator('[data-exception="trap"]').check();
    await page.locator('[data-move="restart"]').click();
    await stop('entry');
    await page.fill('#debug-functions', '');
    await page.getByRole('button', { name: 'Set' }).click();
    await page.locator('.debugger').focus();
    await page.keyboard.press('c');
    await stop('breakpoint');
    // The same kind of stop again: wait for the step to change before the next key.
    const again = await at();
    await page.keyboard.press('c');
    await page.waitForFunction((step) => !new RegExp(`step ${step} of`).test(document.querySelector('.debug-status')?.textContent ?? ''), again);
    await stop('breakpoint');
    await page.keyboard.press('c');
    await stop('exception');
    assert.ok((await page.locator('.debug-host-calls li').count()) > 0, 'host calls so far');
    await shot('debug');
  });

  test('the Coverage view marks the lines that ran and those that did not', async () => {
    // The fixtures' DWARF build of flipper, deployed with `new(true)`, flipped once.
    const dwarf = readFileSync(fixture('dwarf/flipper.wasm'));
    const flipper = bundle('flipper');
    flipper.source.wasm = u8aToHex(dwarf);
    flipper.source.hash = blake2AsHex(dwarf);
    const contract = await instantiateWithCode(api, alice, flipper, 'new', [true]);
    const { gasRequired } = await contract.query.flip(alice.address, { gasLimit: maxGas(api) });
    await sendInBlock(api, contract.tx.flip({ gasLimit: gasRequired }), alice);
    await open('#/coverage');
    const code = page.locator(`section.coverage-code[data-code-hash="${flipper.source.hash}"]`);
    await code.waitFor();
    assert.match(await code.locator('.coverage-total').textContent(), /\d+ of \d+ lines/);
    await code.locator('details[data-path="/europa/flipper/lib.rs"] summary').click();
    // From the source: `flip`'s body (24) ran, `get`'s (28-29) did not.
    await code.locator('tr.hit[data-line="24"]').waitFor();
    assert.ok((await code.locator('tr.unhit[data-line="28"], tr.unhit[data-line="29"]').count()) > 0);
    assert.equal(await code.locator('tr.hit[data-line="28"], tr.hit[data-line="29"]').count(), 0);
    await shot('coverage');
  });

  test('a message is dry-run from the Contracts view, and its gas profile drawn as a flame graph', async () => {
    const erc20 = await instantiateWithCode(api, alice, bundle('erc20'), 'new', [500n]);
    await open(`#/contracts/${erc20.address.toString()}`);
    const form = page.locator('form.message[data-message="transfer"]');
    await form.locator('input[name="to"]').fill(bob.address);
    await form.locator('input[name="value"]').fill('5');
    await shot('contracts');
    await form.getByRole('button', { name: 'Dry run' }).click();
    await page.waitForURL('**/#/call/**');
    await page.locator('.dry-run dd.ok', { hasText: 'Ok(Ok())' }).waitFor();
    await page.locator('.call', { hasText: `erc20::transfer(to: ${bob.address}, value: 5)` }).waitFor();

    await page.getByRole('link', { name: 'gas profile' }).click();
    const frame = page.locator('.flame-frame', { hasText: 'erc20::transfer' }).first();
    await frame.waitFor();
    const before = await page.locator('.flame-frame').count();
    await page.fill('#flame-search', 'seal1.get_storage');
    assert.ok((await page.locator('.flame-frame.match').count()) > 0);
    assert.match(await page.locator('.flame-section').textContent(), /matched: \d+\.\d+ % of the gas/);
    await shot('profile');
    // Zooming into a frame draws only it and what it called.
    await page.locator('.flame-frame', { hasText: 'seal1.get_storage' }).first().click();
    assert.ok((await page.locator('.flame-frame').count()) < before);

    // A bad argument is refused with the transcoder's reason, and the page stays up.
    await open(`#/contracts/${erc20.address.toString()}`);
    await form.locator('input[name="to"]').fill('not an account');
    await form.locator('input[name="value"]').fill('5');
    await form.getByRole('button', { name: 'Dry run' }).click();
    await page.locator('.call-form .notice.error', { hasText: 'transfer' }).waitFor();
  });

  test('a trace of 10 000 host calls opens with only the rows in view drawn', async () => {
    const printer = await instantiateWithCode(api, alice, bundle('debug_print'), 'new', []);
    await node.provider.send('europa_registerContract', [bundle('debug_print')]);
    await open(`#/contracts/${printer.address.toString()}`);
    const form = page.locator('form.message[data-message="print_lines"]');
    await form.locator('input[name="n"]').fill('12000');
    await form.getByRole('button', { name: 'Dry run' }).click();
    const summary = page.locator('details.frame summary', { hasText: /^Host calls \(10000\)/ }).first();
    await summary.waitFor({ timeout: 120_000 });
    const took = await page.evaluate(async () => {
      const started = performance.now();
      const found = [...document.querySelectorAll('details.frame summary')].find((element) => element.textContent.startsWith('Host calls (10000)'));
      found.click();
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      return performance.now() - started;
    });
    const rows = await page.locator('.host-call').count();
    assert.ok(rows > 0 && rows < 200, `${rows} host-call rows in the page`);
    // The last one is reachable by scrolling.
    await page.locator('.virtual-list').first().evaluate((list) => { list.scrollTop = list.scrollHeight; });
    await page.locator('.host-call .index', { hasText: /^9999$/ }).waitFor();
    console.log(`# the 10 000 host calls opened in ${took.toFixed(1)} ms (${rows} rows drawn)`);
  });

  test('snapshot, transfer, revert from the page: the block is gone and the chain goes on', async () => {
    page.on('dialog', (dialog) => dialog.accept());
    await open('#/');
    await page.locator('article.block').first().waitFor();
    await page.click('#snapshot');
    await page.locator('.status-line', { hasText: 'snapshot taken' }).waitFor();
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    await sendInBlock(api, api.tx.balances.transferKeepAlive(bob.address, 2_000_000_000_000n), alice);
    const added = page.locator(`article.block[data-number="${head + 1}"]`);
    await added.waitFor();
    await page.click('#revert');
    await page.locator('.status-line', { hasText: 'reverted' }).waitFor();
    await added.waitFor({ state: 'detached' });
    assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), head);
    await page.click('#forward');
    await page.locator(`article.block[data-number="${head + 1}"]`).waitFor();
  });

  test('each visit of the chain view holds one subscription, ended when it is left; a late answer stays off the page', async () => {
    const sent = [];
    const watch = (socket) => socket.on('framesent', ({ payload }) => {
      const method = /"method":"(chain_(?:un)?subscribeNewHeads)"/.exec(String(payload))?.[1];
      if (method) sent.push(method);
    });
    page.on('websocket', watch);
    // A fresh load, so that the page's socket is one this test watches.
    await page.goto('about:blank');
    await open('#/');
    await page.locator('article.block').first().waitFor();
    for (let visit = 0; visit < 5; visit += 1) {
      await page.evaluate(() => { location.hash = '#/contracts'; });
      await page.locator('h2', { hasText: 'Contracts' }).first().waitFor();
      await page.evaluate(() => { location.hash = '#/'; });
      await page.locator('article.block').first().waitFor();
    }
    await page.waitForTimeout(500);
    page.off('websocket', watch);
    const subscribed = sent.filter((method) => method === 'chain_subscribeNewHeads').length;
    const unsubscribed = sent.filter((method) => method === 'chain_unsubscribeNewHeads').length;
    assert.ok(subscribed >= 6, `${subscribed} subscriptions`);
    assert.equal(subscribed - unsubscribed, 1, `${subscribed} subscribed, ${unsubscribed} ended`);

    // A trace that is still running when the user goes on never replaces the next view.
    const link = await page.locator('li.extrinsic.contract a').first().getAttribute('href');
    await page.evaluate((hash) => { location.hash = hash; }, link);
    await page.evaluate(() => { location.hash = '#/contracts'; });
    await page.locator('h2', { hasText: 'Contracts' }).first().waitFor();
    await page.waitForTimeout(3000);
    assert.equal(await page.locator('#view h2').first().textContent(), 'Contracts');
  });

  test('the keyboard alone opens an extrinsic and its host calls', async () => {
    await open('#/');
    // Each view takes the focus, so the next Tab lands in its content.
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.getElementById('view').contains(document.activeElement)));
    const link = page.locator('li.extrinsic.contract a').first();
    await link.waitFor();
    await link.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/#/extrinsic/**');
    const hostCalls = page.locator('details.host-calls-section > summary').first();
    await hostCalls.waitFor();
    await hostCalls.focus();
    await page.keyboard.press('Enter');
    await page.locator('.host-call').first().waitFor();
  });

  test('text keeps a contrast of at least 4.5:1 in both themes', async () => {
    await open('#/');
    await page.locator('li.extrinsic.failed').first().waitFor();
    for (const theme of ['light', 'dark']) {
      await page.evaluate((name) => { document.documentElement.dataset.theme = name; }, theme);
      const ratios = await page.evaluate(() => {
        const rgb = (color) => color.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
        const luminance = (color) => {
          const [r, g, b] = rgb(color).map((channel) => {
            const c = channel / 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const background = getComputedStyle(document.body).backgroundColor;
        const ratio = (selector) => {
          const element = document.querySelector(selector);
          const [a, b] = [luminance(getComputedStyle(element).color), luminance(background)].sort((x, y) => y - x);
          return [selector, (a + 0.05) / (b + 0.05)];
        };
        return ['body', 'a', '.muted', '.badge.ok', '.badge.err'].map(ratio);
      });
      for (const [selector, ratio] of ratios) assert.ok(ratio >= 4.5, `${theme}: ${selector} has contrast ${ratio.toFixed(2)}`);
    }
    await page.evaluate(() => { delete document.documentElement.dataset.theme; });
  });

  test('a dark theme, and the page raised no error', async () => {
    await open('#/');
    await page.click('#theme');
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    assert.ok(['dark', 'light'].includes(theme));
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, '');
    if (theme === 'light') await page.click('#theme');
    await shot('dark');
    assert.deepEqual(pageErrors, []);
  });

  test('what a contract controls is shown as text, never as markup', async () => {
    const text = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>\u001b[31m\r forged';
    const func = '<b onmouseover="window.__pwned=3">evil</b>';
    // As hex: @polkadot/api reads a Uint8Array given for `Bytes` as already length-prefixed.
    const code = `0x${Buffer.from(hostileTextContract(text, func)).toString('hex')}`;
    const gasLimit = api.registry.createType('WeightV2', { refTime: 50_000_000_000n, proofSize: 1_000_000n });
    const deployed = await sendInBlock(api, api.tx.contracts.instantiateWithCode(0, gasLimit, null, code, '0x', '0x09'), alice);
    const instantiated = deployed.events.find((event) => api.events.contracts.Instantiated.is(event));
    assert.ok(instantiated, `not deployed: ${deployed.dispatchError}`);
    const address = instantiated.data[1].toString();
    await open(`#/call/${address}?origin=${alice.address}&input=0x`);
    await page.locator('.explanation', { hasText: 'trapped' }).first().waitFor();
    await page.locator('summary', { hasText: 'backtrace' }).first().click();
    await page.locator('ol.backtrace li').first().waitFor({ state: 'attached' });
    const shown = await page.locator('#view').textContent();
    assert.ok(shown.includes('<img src=x onerror='), 'the debug text, literally');
    assert.ok(shown.includes('<b onmouseover='), 'the function name, literally');
    assert.equal(await page.locator('#view img, #view script, #view b').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(pageErrors, []);
  });
});
