// The Contracts view: the contracts on chain, a form per message to dry-run it (its
// arguments filled in from the metadata), and uploads of metadata and DWARF sidecars.
// A dry run opens the call view, whose URL holds the request (so it can be shared).

import { DEV_ACCOUNTS, accountName, errorText, grouped, h, notice, replace, short, units } from './dom.js';
import { renderTrace } from './trace.js';

export async function contractsView(rpc, root, selected) {
  replace(root, h('h2', {}, 'Contracts'), notice('Reading the contracts on chain…'));
  let contracts;
  try {
    contracts = await rpc.call('europa_contracts', []);
  } catch (error) {
    replace(root, h('h2', {}, 'Contracts'), notice(errorText(error), 'error'));
    return;
  }
  const chosen = contracts.find((contract) => contract.address === selected);
  replace(
    root,
    h('h2', {}, 'Contracts'),
    contracts.length
      ? h('table', { class: 'contracts' },
          h('thead', {}, h('tr', {}, ['contract', 'address', 'code hash', 'balance', 'storage deposit', 'items'].map((title) => h('th', { scope: 'col' }, title)))),
          h('tbody', {}, contracts.map((contract) => h('tr', { class: contract.address === selected ? 'selected' : '' },
            h('td', {}, h('a', { href: `#/contracts/${contract.address}` }, contract.name ?? 'no metadata: register a .contract')),
            h('td', { title: contract.address }, accountName(contract.address, contract.addressName)),
            h('td', { title: contract.codeHash }, h('code', {}, short(contract.codeHash, 8))),
            h('td', {}, units(contract.balance)),
            h('td', {}, units(contract.storageDeposit)),
            h('td', {}, `${contract.storageItems} (${grouped(contract.storageBytes)} bytes)`)))))
      : h('p', { class: 'muted' }, 'No contract is on chain yet.'),
    chosen ? callForm(rpc, chosen) : null,
    uploads(rpc, contracts),
  );
}

function callForm(rpc, contract) {
  const origin = h('select', { 'aria-label': 'caller', id: 'origin' },
    Object.entries(DEV_ACCOUNTS).map(([name, address]) => h('option', { value: address }, name)));
  const value = h('input', { type: 'text', value: '0', 'aria-label': 'value in plancks', class: 'small' });
  const status = h('div', { 'aria-live': 'polite' });
  const go = (view, input) => {
    const query = new URLSearchParams({ origin: origin.value, input, value: value.value || '0' });
    location.hash = `#/${view}/${contract.address}?${query}`;
  };
  const common = h('p', { class: 'call-common' }, h('label', {}, 'Caller ', origin), ' ', h('label', {}, 'Value ', value));
  if (!contract.messages) {
    const input = h('input', { type: 'text', placeholder: '0x… (selector and SCALE arguments)', 'aria-label': 'input data', class: 'wide', id: 'raw-input' });
    return h('section', { class: 'call-form', 'aria-label': `call ${contract.address}` },
      h('h3', {}, `Call ${short(contract.address)}`),
      h('p', { class: 'muted' }, 'No metadata for this code: register its .contract below to call it by message, or give the input as bytes.'),
      common,
      h('p', {}, input, ' ',
        h('button', { type: 'button', onclick: () => go('call', input.value || '0x') }, 'Dry run'), ' ',
        h('button', { type: 'button', onclick: () => go('profile-call', input.value || '0x') }, 'Profile')),
      status);
  }
  return h('section', { class: 'call-form', 'aria-label': `call ${contract.name}` },
    h('h3', {}, `Call ${contract.name} (${accountName(contract.address, contract.addressName)})`),
    common,
    contract.messages.map((message) => {
      const inputs = message.args.map(([name, type]) =>
        h('label', { class: 'arg' }, `${name}: `, h('input', { type: 'text', name, placeholder: type, 'aria-label': `${message.label} ${name} (${type})` })));
      const run = async (view) => {
        try {
          const args = inputs.map((label) => label.querySelector('input').value);
          const input = await rpc.call('europa_encodeMessage', [contract.codeHash, message.label, args]);
          go(view, input);
        } catch (error) {
          replace(status, notice(errorText(error), 'error'));
        }
      };
      return h('form', { class: 'message', 'data-message': message.label, onsubmit: (event) => { event.preventDefault(); run('call'); } },
        h('h4', { title: message.docs }, message.label, h('span', { class: 'muted' }, ` ${message.mutates ? 'mutates' : 'reads'}${message.payable ? ', payable' : ''} → ${message.returns || '()'}`)),
        message.docs ? h('p', { class: 'muted' }, message.docs) : null,
        inputs,
        h('button', { type: 'submit' }, 'Dry run'), ' ',
        h('button', { type: 'button', onclick: () => run('profile-call') }, 'Profile'));
    }),
    status);
}

function uploads(rpc, contracts) {
  const status = h('div', { 'aria-live': 'polite', class: 'upload-status' });
  const say = (text, kind) => replace(status, notice(text, kind));
  const metadataFile = h('input', { type: 'file', accept: '.contract,.json', 'aria-label': 'metadata file', id: 'metadata-file' });
  const sidecarFile = h('input', { type: 'file', accept: '.wasm', 'aria-label': 'debug build', id: 'sidecar-file' });
  const codeHashes = [...new Set(contracts.map((contract) => contract.codeHash))];
  const codeHash = h('input', { type: 'text', list: 'code-hashes', placeholder: '0x… code hash', 'aria-label': 'code hash', class: 'wide', id: 'sidecar-code-hash' });
  return h('section', { class: 'uploads' },
    h('h3', {}, 'Teach Europa about a contract'),
    h('datalist', { id: 'code-hashes' }, codeHashes.map((hash) => h('option', { value: hash }))),
    h('form', { onsubmit: async (event) => {
      event.preventDefault();
      const file = metadataFile.files[0];
      if (!file) return say('Choose a .contract or metadata .json first.', 'error');
      try {
        const learned = await rpc.call('europa_registerContract', [await file.text()]);
        say(`Registered ${learned.name} (code ${short(learned.codeHash, 8)}): its calls and events now read in its own terms.`, 'ok');
      } catch (error) {
        say(`${file.name}: ${errorText(error)}`, 'error');
      }
    } }, h('label', {}, 'Metadata (.contract or .json) ', metadataFile), ' ', h('button', { type: 'submit' }, 'Register metadata')),
    h('form', { onsubmit: async (event) => {
      event.preventDefault();
      const file = sidecarFile.files[0];
      if (!file) return say('Choose the debug build (.wasm with DWARF) first.', 'error');
      try {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const hex = `0x${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
        const learned = await rpc.call('europa_registerDebugInfo', [codeHash.value.trim(), hex]);
        say(`Debug build attached to code ${short(learned.codeHash, 8)}: its traps now show Rust source lines.`, 'ok');
      } catch (error) {
        say(`${file.name}: ${errorText(error)}`, 'error');
      }
    } }, h('label', {}, 'DWARF sidecar (.wasm) ', sidecarFile), ' ', h('label', {}, 'for code ', codeHash), ' ', h('button', { type: 'submit' }, 'Register debug build')),
    status);
}

/** The request a call URL holds: `#/call/<address>?origin=…&input=…&value=…`. */
export function callRequest(address, query) {
  const params = new URLSearchParams(query);
  return {
    origin: params.get('origin') ?? DEV_ACCOUNTS.Alice,
    dest: address,
    value: params.get('value') ?? '0',
    inputData: params.get('input') ?? '0x',
  };
}

/** A dry run's answer and its trace. */
export async function callView(rpc, root, address, query) {
  const request = callRequest(address, query);
  replace(root, h('h2', {}, 'Dry run'), notice('Running…'));
  try {
    const answer = await rpc.call('europa_traceCall', [request]);
    const result = answer.result.ok ? `ok: ${answer.trace?.root?.decoded?.returned ?? answer.result.ok.data}${answer.result.ok.flags & 1 ? ' (reverted)' : ''}` : `err: ${answer.result.err}`;
    const deposit = answer.storageDeposit.charge ? `charge ${units(answer.storageDeposit.charge)}` : `refund ${units(answer.storageDeposit.refund)}`;
    replace(
      root,
      h('h2', {}, 'Dry run'),
      h('p', {}, h('a', { href: `#/contracts/${address}` }, 'back to the contract'), ' · ',
        h('a', { href: `#/profile-call/${address}?${new URLSearchParams(query)}` }, 'gas profile'), ' · ',
        h('a', { href: `#/lines-call/${address}?${new URLSearchParams(query)}` }, 'lines'), ' · ',
        h('a', { href: `#/debug/call/${address}?${new URLSearchParams(query)}` }, 'debug')),
      h('dl', { class: 'dry-run' },
        h('dt', {}, 'result'), h('dd', { class: answer.result.ok && !(answer.result.ok.flags & 1) ? 'ok' : 'err' }, result),
        h('dt', {}, 'gas consumed'), h('dd', {}, `${grouped(answer.gasConsumed.refTime)} ref_time, ${grouped(answer.gasConsumed.proofSize)} proof_size`),
        h('dt', {}, 'gas required'), h('dd', {}, `${grouped(answer.gasRequired.refTime)} ref_time, ${grouped(answer.gasRequired.proofSize)} proof_size`),
        h('dt', {}, 'storage deposit'), h('dd', {}, deposit),
        answer.debugMessage ? [h('dt', {}, 'debug messages'), h('dd', {}, h('pre', { class: 'debug' }, answer.debugMessage))] : null),
      renderTrace(answer.trace),
    );
  } catch (error) {
    replace(root, h('h2', {}, 'Dry run'), notice(errorText(error), 'error'));
  }
}
