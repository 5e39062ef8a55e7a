// The Lines view: one execution line by line (europa_lineRecord) — the steps as a list,
// host calls and nested frames in place, beside the source of the current step with its
// line highlighted. ↑/↓ (or k/j) move one step, Page Up/Down ten, Home/End to the ends.

import { errorText, grouped, h, notice, replace, short } from './dom.js';
import { callRequest } from './contracts.js';
import { sourcePane } from './source.js';
import { virtualList } from './virtual-list.js';

const ROW_PX = 24;

export async function linesView(rpc, root, target) {
  const title = target.kind === 'extrinsic' ? `Lines of extrinsic ${target.block}.${target.index}` : 'Lines of a dry run';
  replace(root, h('h2', {}, title), notice('Recording…'));
  try {
    const request = target.kind === 'extrinsic'
      ? { extrinsic: { block: Number(target.block), index: Number(target.index) } }
      : { call: callRequest(target.address, target.query) };
    const record = await rpc.call('europa_lineRecord', [request]);
    const back = target.kind === 'extrinsic'
      ? h('a', { href: `#/extrinsic/${target.block}/${target.index}` }, 'back to the extrinsic')
      : h('a', { href: `#/call/${target.address}?${new URLSearchParams(target.query)}` }, 'back to the dry run');
    replace(root, h('h2', {}, title), h('p', {}, back, ' · ', summary(record)), stepper(record));
  } catch (error) {
    replace(root, h('h2', {}, title), notice(errorText(error), 'error'));
  }
}

function summary(record) {
  const executor = record.stepsExecutor === record.executor
    ? `run on ${record.executor}`
    : `decided on ${record.executor}, lines from its ${record.stepsExecutor} lens (gas as ${record.stepsExecutor} counts it)`;
  const dropped = record.stepsDropped ? `, ${grouped(record.stepsDropped)} more left out` : '';
  return `${grouped(record.steps.length)} steps in ${record.frames.length} frame${record.frames.length === 1 ? '' : 's'}${dropped}; ${executor}`;
}

/** The rows: every step, with host calls before the step they precede. */
function rowsOf(record) {
  const rows = [];
  let call = 0;
  record.steps.forEach((step, index) => {
    while (call < record.hostCalls.length && record.hostCalls[call].step <= index) rows.push({ call: record.hostCalls[call++] });
    rows.push({ step, index });
  });
  while (call < record.hostCalls.length) rows.push({ call: record.hostCalls[call++] });
  return rows;
}

function where(record, step) {
  const location = step[2] === null ? null : record.locations[step[2]];
  const frame = record.frames[step[0]];
  const func = frame.functions[step[1]]?.name ?? '(outside any function)';
  if (!location) return { text: func, location: null };
  return { text: `${location.file?.split('/').pop() ?? '?'}:${location.line ?? '?'}  ${location.function ?? func}`, location };
}

function stepper(record) {
  if (!record.steps.length) return notice('The execution reached no code with steps.');
  const rows = rowsOf(record);
  const stepRows = rows.map((row, index) => (row.step ? index : -1)).filter((index) => index >= 0);
  let current = 0;
  const source = h('div', { class: 'lines-source', 'aria-live': 'polite' });
  const detail = h('div', { class: 'lines-detail' });
  const renderRow = (row) => {
    if (!row.step) {
      const call = row.call;
      return h('div', { class: `lines-row host${call.error ? ' stopped' : ''}` },
        h('span', { class: 'index' }, '↳'),
        `${call.func}${call.code ? ` → ${call.code}` : ''}${call.error ? ` ✗ ${call.error}` : ''}${call.nestedFrame !== null ? ` (frame ${call.nestedFrame})` : ''}`);
    }
    const selected = row.index === current;
    return h('div', { class: `lines-row step${selected ? ' current' : ''}`, 'aria-selected': selected ? 'true' : 'false', 'data-step': row.index, onclick: () => select(row.index) },
      h('span', { class: 'index' }, row.index),
      h('span', { class: 'frame-mark' }, '│'.repeat(record.frames[row.step[0]].depth)),
      where(record, row.step).text);
  };
  const moves = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1, PageDown: 10, PageUp: -10 };
  const onKey = (event) => {
    if (event.key in moves) select(current + moves[event.key]);
    else if (event.key === 'Home') select(0);
    else if (event.key === 'End') select(record.steps.length - 1);
    else return false;
    return true;
  };
  const list = virtualList(rows, renderRow, { rowHeight: ROW_PX, maxHeight: 480, label: 'steps', role: 'listbox', onKey });
  list.classList.add('lines-list');
  list.setAttribute('aria-label', `steps (${record.steps.length})`);
  const select = (step) => {
    current = Math.max(0, Math.min(record.steps.length - 1, step));
    list.reveal(stepRows[current]);
    showStep(record, record.steps[current], current, source, detail);
  };
  requestAnimationFrame(() => select(0));
  return h('div', { class: 'lines' }, h('div', {}, list, detail), source);
}

function showStep(record, step, index, source, detail) {
  const frame = record.frames[step[0]];
  const { location } = where(record, step);
  const stack = [];
  for (let node = step[1]; node !== null && node !== undefined; node = frame.functions[node]?.parent) stack.push(frame.functions[node]?.name ?? '(outside any function)');
  replace(detail,
    h('p', {}, h('strong', {}, `step ${index}`), ` · frame ${step[0]}: ${frame.call} · ${grouped(step[3])} ref_time burnt in the frame`),
    location ? h('p', { class: 'location' }, `${location.file}:${location.line}${location.column ? `:${location.column}` : ''}`) : null,
    location?.inlinedAt?.length ? h('p', { class: 'muted' }, 'inlined into ', location.inlinedAt.map((site) => `${site.function ?? '?'} (${site.file?.split('/').pop()}:${site.line})`).join(' ← ')) : null,
    h('p', { class: 'muted' }, 'stack: ', stack.join(' ← ')),
    h('p', { class: 'muted' }, `${short(frame.contract)} · code ${short(frame.codeHash, 8)} · ${frame.outcome}`));
  const file = location?.file;
  replace(source, sourcePane(file, location?.line, file ? record.sources[file] : null));
}
