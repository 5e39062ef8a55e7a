// The Explorer's entry: connects to the node's RPC server (its port from /config.json)
// and shows the view the URL's hash names, so every view can be linked to:
//   #/                          the chain
//   #/block/<number | hash>     one block
//   #/extrinsic/<block>/<index> what an extrinsic did
//   #/profile/<block>/<index>   its gas profile
//   #/contracts[/<address>]     the contracts, and a form to call one
//   #/call/<address>?origin=…&input=…&value=…          a dry run and its trace
//   #/profile-call/<address>?origin=…&input=…&value=…  its gas profile
//   #/lines/<block>/<index>     an extrinsic line by line
//   #/lines-call/<address>?origin=…&input=…&value=…    a dry run line by line
//   #/coverage                  the lines the chain's executions ran (--coverage)
//   #/debug/extrinsic/<block>/<index>, #/debug/call/<address>?…  a debugger on one

import { blockView, chainView } from './chain.js';
import { callView, contractsView } from './contracts.js';
import { coverageView } from './coverage.js';
import { debugView } from './debug.js';
import { extrinsicView } from './extrinsic.js';
import { h, notice, replace } from './dom.js';
import { linesView } from './lines.js';
import { profileView } from './profile.js';
import { Rpc } from './rpc.js';

const THEME_KEY = 'europa-explorer-theme';

async function main() {
  setUpTheme();
  const page = document.getElementById('view');
  const status = document.getElementById('connection');
  const config = await (await fetch('/config.json')).json();
  const host = location.hostname.includes(':') && !location.hostname.startsWith('[') ? `[${location.hostname}]` : location.hostname;
  const rpc = new Rpc(`ws://${host}:${config.rpcPort}`, (text, connected) => {
    status.textContent = text;
    status.className = connected ? 'connected' : 'disconnected';
  });
  let leave = null;
  const route = () => {
    leave?.();
    leave = null;
    // Each visit renders into a container of its own: a slow view's late answer lands in
    // a container no longer on the page, never over the view the user went on to.
    const view = h('div', { class: 'view-content' });
    page.replaceChildren(view);
    const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    for (const link of document.querySelectorAll('nav a')) {
      const section = { contracts: 'contracts', call: 'contracts', 'lines-call': 'contracts', coverage: 'coverage' }[parts[0]] ?? 'chain';
      link.toggleAttribute('aria-current', link.dataset.view === section);
    }
    switch (parts[0] ?? '') {
      case '':
      case 'chain':
        leave = chainView(rpc, view);
        break;
      case 'block':
        blockView(rpc, view, parts[1]);
        break;
      case 'extrinsic':
        extrinsicView(rpc, view, parts[1], parts[2]);
        break;
      case 'profile':
        profileView(rpc, view, { kind: 'extrinsic', block: parts[1], index: parts[2] });
        break;
      case 'contracts':
        contractsView(rpc, view, parts[1]);
        break;
      case 'call':
        callView(rpc, view, parts[1], query);
        break;
      case 'profile-call':
        profileView(rpc, view, { kind: 'call', address: parts[1], query });
        break;
      case 'lines':
        linesView(rpc, view, { kind: 'extrinsic', block: parts[1], index: parts[2] });
        break;
      case 'lines-call':
        linesView(rpc, view, { kind: 'call', address: parts[1], query });
        break;
      case 'coverage':
        coverageView(rpc, view);
        break;
      case 'debug':
        leave = parts[1] === 'extrinsic'
          ? debugView(rpc, view, { kind: 'extrinsic', block: parts[2], index: parts[3] })
          : debugView(rpc, view, { kind: 'call', address: parts[2], query });
        break;
      default:
        replace(view, h('h2', {}, 'Not found'), notice(`No view called ${parts[0]}.`, 'error'), h('a', { href: '#/' }, 'Go to the chain'));
    }
    page.focus({ preventScroll: true });
  };
  window.addEventListener('hashchange', route);
  route();
}

function setUpTheme() {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved) document.documentElement.dataset.theme = saved;
  document.getElementById('theme').addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === 'dark'
      : matchMedia('(prefers-color-scheme: dark)').matches;
    document.documentElement.dataset.theme = dark ? 'light' : 'dark';
    localStorage.setItem(THEME_KEY, document.documentElement.dataset.theme);
  });
}

main().catch((error) => {
  replace(document.getElementById('view'), notice(`The Explorer could not start: ${error.message}`, 'error'));
});
