// A few lines of source around the current one, as the Lines and Debug views show them:
// the text when the node's machine has the file (the record or session carries it),
// otherwise where the line is.

import { h } from './dom.js';

const CONTEXT = 10;

/**
 * The source pane for `line` of `file`, whose text is `lines` (or null). `marks` are
 * lines to mark (breakpoints); with `onLine`, line numbers are buttons calling it.
 */
export function sourcePane(file, line, lines, { marks = new Set(), onLine = null } = {}) {
  if (!file) return [h('p', { class: 'muted' }, 'No DWARF for this code: the steps are its functions.')];
  if (!lines) {
    return [h('p', {}, h('code', { class: 'location' }, `${file}:${line ?? '?'}`)),
      h('p', { class: 'muted' }, 'The source is not on the node’s machine: line numbers only.')];
  }
  const from = Math.max(1, line - CONTEXT);
  const to = Math.min(lines.length, line + CONTEXT);
  const shown = [];
  for (let number = from; number <= to; number += 1) {
    const label = onLine
      ? h('button', { type: 'button', class: 'number', title: 'toggle a breakpoint', onclick: () => onLine(number) }, number)
      : h('span', { class: 'number' }, number);
    shown.push(h('div', { class: `source-line${number === line ? ' current' : ''}${marks.has(number) ? ' breakpoint' : ''}`, 'data-line': number },
      label, h('code', {}, lines[number - 1])));
  }
  return [h('p', {}, h('code', {}, file)), h('div', { class: 'source-text' }, shown)];
}
