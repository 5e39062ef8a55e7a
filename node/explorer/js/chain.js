// The Chain view: the latest blocks and their extrinsics, live, and the controls that move
// the chain (forward, back, snapshot and revert, time travel); and one block by number or
// hash (the Block view).

import { accountName, errorText, h, notice, replace, short } from './dom.js';

const BLOCKS_SHOWN = 20;

export function chainView(rpc, root) {
  const status = h('div', { class: 'status-line', 'aria-live': 'polite' });
  const list = h('div', { class: 'blocks', 'aria-live': 'polite', 'aria-busy': 'true' });
  const snapshots = h('ul', { class: 'snapshots', 'aria-label': 'snapshots taken here' });
  const cache = new Map();
  let refreshing = null;
  let again = false;

  const say = (text, kind) => replace(status, notice(text, kind));
  const act = async (what, method, params, { confirm: question } = {}) => {
    if (question && !window.confirm(question)) return undefined;
    try {
      const result = await rpc.call(method, params);
      say(`${what}: ${JSON.stringify(result)}`, 'ok');
      cache.clear();
      refresh();
      return result;
    } catch (error) {
      say(`${what} failed: ${errorText(error)}`, 'error');
      return undefined;
    }
  };
  const head = async () => Number((await rpc.call('chain_getHeader', [])).number);
  const numberInput = (label, value) => h('input', { type: 'number', min: 0, value, 'aria-label': label, class: 'small' });

  const forwardBy = numberInput('blocks to seal', 1);
  const backTo = numberInput('height to go back to', 0);
  const revertTo = numberInput('snapshot id', 0);
  const hours = numberInput('hours to move the clock', 1);
  const controls = h(
    'form',
    { class: 'controls', onsubmit: (event) => event.preventDefault(), 'aria-label': 'chain controls' },
    h('fieldset', {}, h('legend', {}, 'Forward'), forwardBy,
      h('button', { type: 'button', id: 'forward', onclick: async () => act('forwarded to', 'europa_forwardToHeight', [(await head()) + Number(forwardBy.value)]) }, 'Seal blocks')),
    h('fieldset', {}, h('legend', {}, 'Back to height'), backTo,
      h('button', { type: 'button', id: 'backward', onclick: () => act('back at', 'europa_backwardToHeight', [Number(backTo.value)], { confirm: `Discard every block above #${backTo.value}?` }) }, 'Go back')),
    h('fieldset', {}, h('legend', {}, 'Snapshots'),
      h('button', { type: 'button', id: 'snapshot', onclick: async () => {
        const id = await act('snapshot taken', 'europa_snapshot', []);
        if (id !== undefined) {
          revertTo.value = id;
          snapshots.appendChild(h('li', {}, `snapshot ${id} at #${await head()}`));
        }
      } }, 'Snapshot'),
      revertTo,
      h('button', { type: 'button', id: 'revert', onclick: () => act('reverted', 'europa_revert', [Number(revertTo.value)], { confirm: `Revert the chain to snapshot ${revertTo.value}, discarding the blocks after it?` }) }, 'Revert')),
    h('fieldset', {}, h('legend', {}, 'Time travel'), hours, ' h ',
      h('button', { type: 'button', id: 'time-travel', onclick: () => act('clock ahead by (ms)', 'europa_increaseTime', [Math.round(Number(hours.value) * 3_600_000)]) }, 'Move the clock')),
  );

  async function load() {
    const best = await head();
    const numbers = [];
    for (let n = best; n >= Math.max(0, best - BLOCKS_SHOWN + 1); n -= 1) numbers.push(n);
    const hashes = await rpc.call('chain_getBlockHash', [numbers]);
    const blocks = await Promise.all(
      hashes.map(async (hash) => {
        if (!cache.has(hash)) cache.set(hash, await rpc.call('europa_blockSummary', [hash]));
        return cache.get(hash);
      }),
    );
    for (const hash of [...cache.keys()]) if (!hashes.includes(hash)) cache.delete(hash);
    list.setAttribute('aria-busy', 'false');
    replace(list, blocks.map(renderBlock));
  }

  // One refresh at a time; heads arriving meanwhile ask for one more, not one each.
  function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = load()
      .catch((error) => say(`reading the chain failed: ${errorText(error)}`, 'error'))
      .finally(() => {
        refreshing = null;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  const goTo = h('input', { type: 'text', placeholder: 'number or 0x… hash', 'aria-label': 'block to open', id: 'go-to-block' });
  const finder = h('form', { class: 'go-to', onsubmit: (event) => {
    event.preventDefault();
    if (goTo.value.trim()) location.hash = `#/block/${encodeURIComponent(goTo.value.trim())}`;
  } }, h('label', {}, 'Go to block ', goTo), ' ', h('button', { type: 'submit' }, 'Open'));
  replace(root, h('h2', {}, 'Chain'), controls, snapshots, finder, status, list);
  refresh();
  return rpc.subscribe('chain_subscribeNewHeads', [], refresh);
}

/** One block, by number or hash: `#/block/<number | 0x…>`. */
export async function blockView(rpc, root, which) {
  replace(root, h('h2', {}, `Block ${which}`), notice('Reading the block…'));
  try {
    const block = await rpc.call('europa_blockSummary', [/^\d+$/.test(which) ? Number(which) : which]);
    replace(root, h('h2', {}, `Block #${block.number}`),
      h('p', {}, h('a', { href: '#/' }, 'back to the chain'), ' · parent ', h('code', {}, short(block.parentHash, 10))),
      renderBlock(block));
  } catch (error) {
    replace(root, h('h2', {}, `Block ${which}`), notice(errorText(error), 'error'), h('a', { href: '#/' }, 'back to the chain'));
  }
}

function renderBlock(block) {
  const time = block.timestamp ? `${new Date(block.timestamp).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
  return h(
    'article',
    { class: 'block', 'data-number': block.number, 'aria-label': `block ${block.number}` },
    h('header', {}, h('h3', {}, h('a', { href: `#/block/${block.number}` }, `#${block.number}`)), h('code', { title: block.hash }, short(block.hash, 8)), h('span', { class: 'muted' }, time)),
    h('ol', { class: 'extrinsics', start: 0 }, block.extrinsics.map((extrinsic) => renderExtrinsic(block, extrinsic))),
  );
}

function renderExtrinsic(block, extrinsic) {
  const failed = extrinsic.outcome?.err;
  const eventNames = extrinsic.events.map((event) => event.name ?? '?').filter((name) => !name.startsWith('System.Extrinsic'));
  return h(
    'li',
    { class: `extrinsic${failed ? ' failed' : ''}${extrinsic.pallet === 'Contracts' ? ' contract' : ''}` },
    h('a', { href: `#/extrinsic/${block.number}/${extrinsic.index}`, title: extrinsic.text }, `${extrinsic.pallet ?? '?'}.${extrinsic.call ?? '?'}`),
    extrinsic.signer ? h('span', { class: 'signer' }, ` by ${accountName(extrinsic.signer, extrinsic.signerName)}`) : null,
    ' ',
    h('span', { class: `badge ${failed ? 'err' : 'ok'}`, title: extrinsic.outcome?.docs ?? '' }, failed ? `✗ ${failed}` : '✓'),
    eventNames.length ? h('span', { class: 'muted event-names' }, ` ${eventNames.join(', ')}`) : null,
  );
}
