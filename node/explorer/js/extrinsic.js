// The Extrinsic view: what one extrinsic did — its call, signer and outcome, its events,
// the trace of the contracts it ran, and the storage it changed (old → new).

import { accountName, errorText, h, notice, replace, short } from './dom.js';
import { renderTrace } from './trace.js';

const CHILD_PREFIX = Array.from(new TextEncoder().encode(':child_storage:default:'), (byte) => byte.toString(16).padStart(2, '0')).join('');
const OLD_VALUES_READ = 200;

export async function extrinsicView(rpc, root, blockNumber, index) {
  replace(root, h('h2', {}, `Extrinsic ${blockNumber}.${index}`), notice('Re-executing the block up to it…'));
  try {
    const block = await rpc.call('europa_blockSummary', [Number(blockNumber)]);
    const summary = block.extrinsics[Number(index)];
    if (!summary) throw new Error(`block #${blockNumber} has ${block.extrinsics.length} extrinsics`);
    const [report, changes] = await Promise.all([
      rpc.call('europa_traceExtrinsic', [Number(blockNumber), Number(index)]),
      rpc.call('europa_extrinsicStateChanges', [Number(blockNumber), Number(index)]),
    ]);
    const failed = summary.outcome?.err;
    replace(
      root,
      h('h2', {}, `Extrinsic ${blockNumber}.${index}: ${summary.pallet}.${summary.call}`),
      h('p', {},
        summary.signer ? `signed by ${accountName(summary.signer, summary.signerName)} (${summary.signer}) · ` : 'unsigned · ',
        h('span', { class: `badge ${failed ? 'err' : 'ok'}` }, failed ? `✗ ${failed}` : '✓ ok'),
        failed && summary.outcome.docs ? h('span', { class: 'muted' }, ` ${summary.outcome.docs}`) : null,
        ' · ', h('a', { href: '#/' }, 'back to the chain'),
        report.trace ? [' · ', h('a', { href: `#/profile/${blockNumber}/${index}` }, 'gas profile'),
          ' · ', h('a', { href: `#/lines/${blockNumber}/${index}` }, 'lines'),
          ' · ', h('a', { href: `#/debug/extrinsic/${blockNumber}/${index}` }, 'debug')] : null),
      h('pre', { class: 'call-text' }, summary.text),
      h('h3', {}, 'Contract execution'),
      renderTrace(report.trace),
      (report.otherTraces ?? []).map((trace) => [h('h3', {}, 'Further execution'), renderTrace(trace)]),
      h('h3', {}, `Events (${summary.events.length})`),
      h('ul', { class: 'chain-events' }, summary.events.map((event) =>
        h('li', {}, h('strong', { title: event.docs ?? '' }, event.name ?? '?'), ' ', h('span', { class: 'muted' }, event.text)))),
      h('h3', {}, `State changes (${changes.length})`),
      await stateChanges(rpc, block.parentHash, changes),
    );
  } catch (error) {
    replace(root, h('h2', {}, `Extrinsic ${blockNumber}.${index}`), notice(errorText(error), 'error'));
  }
}

/** The storage operations, with each changed key's value before the block where it can be read. */
async function stateChanges(rpc, parentHash, changes) {
  if (!changes.length) return h('p', { class: 'muted' }, 'No storage changed.');
  const old = await Promise.all(changes.map((change, position) => {
    if (position >= OLD_VALUES_READ) return undefined;
    if (change.op === 'put') return rpc.call('state_getStorage', [change.key, parentHash]).catch(() => undefined);
    if (change.op === 'childPut') {
      return rpc.call('childstate_getStorage', [`0x${CHILD_PREFIX}${change.child.slice(2)}`, change.key, parentHash]).catch(() => undefined);
    }
    return undefined;
  }));
  return h('table', { class: 'state-changes' },
    h('thead', {}, h('tr', {}, ['op', 'contract', 'key', 'before the block → set to'].map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, changes.map((change, position) => h('tr', {},
      h('td', {}, change.op),
      h('td', {}, change.contract ? short(change.contract, 6) : ''),
      h('td', { title: change.key ?? change.prefix ?? '' }, h('code', {}, short(change.key ?? change.prefix ?? change.child ?? '', 10))),
      h('td', {}, h('code', { title: `${old[position] ?? ''} → ${change.value ?? ''}` },
        old[position] !== undefined ? `${short(old[position] ?? '(none)', 12)} → ` : '',
        change.value === null ? '(removed)' : short(change.value ?? '', 12)))))),
  );
}
