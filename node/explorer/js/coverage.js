// The Coverage view: which lines of each contract the chain's executions ran, as the node
// collects it with --coverage (europa_coverageReport): per contract its totals, per file
// its lines with their hit counts, unhit lines marked, and the source text when the file
// is on the node's machine (line numbers only otherwise).

import { errorText, h, notice, replace, short } from './dom.js';

export async function coverageView(rpc, root) {
  replace(root, h('h2', {}, 'Coverage'), notice('Reading the coverage…'));
  try {
    const codes = await rpc.call('europa_coverageReport', []);
    replace(root,
      h('h2', {}, 'Coverage'),
      h('p', { class: 'muted' }, 'Lines of the contracts’ own sources run by every extrinsic and dry run since the node started (or since europa_resetCoverage). ',
        h('button', { type: 'button', onclick: async () => { await rpc.call('europa_resetCoverage', []); coverageView(rpc, root); } }, 'Reset')),
      codes.length ? codes.map(codeSection) : notice('No contract code has run yet.'));
  } catch (error) {
    const text = errorText(error);
    replace(root, h('h2', {}, 'Coverage'), notice(text.includes('--coverage') ? `${text}.` : text, 'error'));
  }
}

function percent(hit, found) {
  return found ? `${Math.floor((100 * hit) / found)} %` : '–';
}

function codeSection(code) {
  const totals = code.linesFound
    ? `${code.linesHit} of ${code.linesFound} lines (${percent(code.linesHit, code.linesFound)})`
    : `${code.files.flatMap((file) => file.functions).filter((f) => f.hits > 0).length} of ${code.files.flatMap((file) => file.functions).length} functions (no DWARF: by function only)`;
  return h('section', { class: 'coverage-code', 'data-code-hash': code.codeHash },
    h('h3', {}, code.name, ' ', h('span', { class: 'muted' }, short(code.codeHash, 8))),
    h('p', { class: 'coverage-total' }, totals),
    code.files.map(fileDetails));
}

function fileDetails(file) {
  const summary = h('summary', {}, h('code', {}, file.path), ' ',
    h('span', { class: 'muted' }, file.linesFound ? `${file.linesHit}/${file.linesFound} lines (${percent(file.linesHit, file.linesFound)})` : `${file.functions.length} functions`));
  const details = h('details', { class: 'coverage-file', 'data-path': file.path }, summary);
  let built = false;
  details.addEventListener('toggle', () => {
    if (built || !details.open) return;
    built = true;
    details.appendChild(file.lines.length ? linesTable(file) : functionsTable(file));
  });
  return details;
}

/** Each line with code and its count; with the source, every line of the file. */
function linesTable(file) {
  const hits = new Map(file.lines);
  const numbers = file.source ? file.source.map((_, index) => index + 1) : [...hits.keys()];
  return h('table', { class: 'coverage-lines' },
    h('caption', {}, file.source ? 'Source, with how often each line ran' : 'Lines with code (the source is not on this machine)'),
    h('thead', {}, h('tr', {}, ['line', 'runs', file.source ? 'source' : null].filter(Boolean).map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, numbers.map((number) => {
      const count = hits.get(number);
      const kind = count === undefined ? 'no-code' : count > 0 ? 'hit' : 'unhit';
      return h('tr', { class: kind, 'data-line': number },
        h('td', { class: 'number' }, number),
        h('td', { class: 'number' }, count === undefined ? '' : count > 0 ? count : '✗ 0'),
        file.source ? h('td', {}, h('code', {}, file.source[number - 1])) : null);
    })));
}

function functionsTable(file) {
  return h('table', { class: 'coverage-lines' },
    h('caption', {}, 'Functions (no line information)'),
    h('thead', {}, h('tr', {}, ['function', 'calls'].map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, file.functions.map((f) => h('tr', { class: f.hits > 0 ? 'hit' : 'unhit' },
      h('td', {}, f.name), h('td', { class: 'number' }, f.hits > 0 ? f.hits : '✗ 0')))));
}
