// The Profile view: where an execution's gas went, as an interactive flame graph of the
// profile's folded stacks (click a frame to zoom into it, search to light up frames), with
// the functions and source lines that cost the most.

import { errorText, grouped, h, notice, replace } from './dom.js';
import { callRequest } from './contracts.js';

const ROW_PX = 20;
const NARROWEST = 0.002;

export async function profileView(rpc, root, target) {
  const title = target.kind === 'extrinsic' ? `Gas profile of extrinsic ${target.block}.${target.index}` : 'Gas profile of a dry run';
  replace(root, h('h2', {}, title), notice('Profiling…'));
  try {
    const answer = target.kind === 'extrinsic'
      ? await rpc.call('europa_profileExtrinsic', [Number(target.block), Number(target.index)])
      : await rpc.call('europa_profileCall', [callRequest(target.address, target.query)]);
    const profile = answer.profile;
    const back = target.kind === 'extrinsic'
      ? h('a', { href: `#/extrinsic/${target.block}/${target.index}` }, 'back to the extrinsic')
      : h('a', { href: `#/call/${target.address}?${new URLSearchParams(target.query)}` }, 'back to the dry run');
    replace(
      root,
      h('h2', {}, title),
      h('p', {}, back, ' · ', `${grouped(profile.accountedRefTime)} of ${grouped(profile.refTime)} ref_time accounted for`),
      flameGraph(parseFolded(profile.folded)),
      h('div', { class: 'tops' }, topTable('Most own cost: functions', profile.top, profile.refTime), profile.topLines?.length ? topTable('Most own cost: source lines', profile.topLines, profile.refTime) : null),
    );
  } catch (error) {
    replace(root, h('h2', {}, title), notice(errorText(error), 'error'));
  }
}

function topTable(caption, rows, total) {
  return h('table', { class: 'top' }, h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'name'), h('th', { scope: 'col' }, 'own ref_time'), h('th', { scope: 'col' }, 'share'))),
    h('tbody', {}, rows.map((row) => h('tr', {}, h('td', {}, row.name), h('td', { class: 'number' }, grouped(row.selfRefTime)),
      h('td', { class: 'number' }, `${((100 * row.selfRefTime) / Math.max(1, total)).toFixed(1)} %`)))));
}

/** Folded stacks (`a;b;c 123` lines) as a tree: `{name, total, children}`. */
export function parseFolded(folded) {
  const root = { name: 'all', total: 0, children: new Map() };
  for (const line of folded.split('\n')) {
    const cut = line.lastIndexOf(' ');
    if (cut <= 0) continue;
    const cost = Number(line.slice(cut + 1));
    if (!Number.isFinite(cost)) continue;
    let node = root;
    node.total += cost;
    for (const name of line.slice(0, cut).split(';')) {
      if (!node.children.has(name)) node.children.set(name, { name, total: 0, children: new Map() });
      node = node.children.get(name);
      node.total += cost;
    }
  }
  return root;
}

function flameGraph(tree) {
  const graph = h('div', { class: 'flame', role: 'tree', 'aria-label': 'flame graph: click a frame to zoom' });
  const search = h('input', { type: 'search', placeholder: 'search functions', 'aria-label': 'search the flame graph', id: 'flame-search' });
  const matched = h('span', { class: 'muted', 'aria-live': 'polite' });
  const reset = h('button', { type: 'button', onclick: () => draw(tree) }, 'Reset zoom');
  const detail = h('p', { class: 'flame-detail', 'aria-live': 'polite' }, 'Hover or focus a frame for its cost; click it to zoom in.');
  let focus = tree;

  function draw(zoom) {
    focus = zoom;
    const rows = [];
    const place = (node, depth, left) => {
      const width = node.total / Math.max(1, zoom.total);
      if (width < NARROWEST) return;
      const share = ((100 * node.total) / Math.max(1, tree.total)).toFixed(2);
      const text = `${node.name}: ${grouped(node.total)} ref_time (${share} %)`;
      const frame = h('div', {
        class: 'flame-frame',
        role: 'treeitem',
        tabindex: 0,
        title: text,
        style: `left:${(left * 100).toFixed(4)}%;width:${(width * 100).toFixed(4)}%;top:${depth * ROW_PX}px;--hue:${hue(node.name)}`,
        onclick: () => draw(node),
        onkeydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); draw(node); } },
        onmouseenter: () => { detail.textContent = text; },
        onfocus: () => { detail.textContent = text; },
      }, width > 0.03 ? node.name : '');
      frame.dataset.name = node.name;
      rows.push(frame);
      let offset = left;
      for (const child of [...node.children.values()].sort((a, b) => b.total - a.total)) {
        place(child, depth + 1, offset);
        offset += child.total / Math.max(1, zoom.total);
      }
    };
    place(zoom, 0, 0);
    const depth = Math.max(...rows.map((row) => parseInt(row.style.top, 10))) / ROW_PX + 1;
    graph.style.height = `${depth * ROW_PX}px`;
    graph.replaceChildren(...rows);
    highlight();
  }

  function highlight() {
    const query = search.value.trim().toLowerCase();
    let cost = 0;
    const counted = (node, inside) => {
      const hit = query && node.name.toLowerCase().includes(query);
      if (hit && !inside) cost += node.total;
      for (const child of node.children.values()) counted(child, inside || hit);
    };
    counted(focus, false);
    for (const frame of graph.children) frame.classList.toggle('match', Boolean(query) && frame.dataset.name.toLowerCase().includes(query));
    matched.textContent = query ? ` matched: ${((100 * cost) / Math.max(1, focus.total)).toFixed(2)} % of the gas in view` : '';
  }

  search.addEventListener('input', highlight);
  draw(tree);
  return h('section', { class: 'flame-section', 'aria-label': 'flame graph' }, h('p', {}, search, ' ', reset, matched), detail, graph);
}

/** A stable warm colour per name, as flame graphs draw them. */
function hue(name) {
  let sum = 0;
  for (const char of name) sum = (sum * 31 + char.charCodeAt(0)) % 997;
  if (name.startsWith('seal') || name.startsWith('[')) return 200 + (sum % 40);
  return 10 + (sum % 45);
}
