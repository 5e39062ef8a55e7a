// The Debug view: one execution stepped through on the node (europa_debug* sessions),
// forwards and backwards — controls with keyboard shortcuts, the source of the current
// step with its line marked, breakpoints (by line and by function name), which failures
// stop, the stack, the selected frame's variables read from DWARF, the frame's host
// calls so far, and a timeline to scrub. The session ends when the view is left.
//   #/debug/extrinsic/<block>/<index>
//   #/debug/call/<address>?origin=…&input=…&value=…

import { errorText, grouped, h, notice, replace, short } from './dom.js';
import { callRequest } from './contracts.js';
import { sourcePane } from './source.js';

/** Key → move, as the buttons say them. */
const KEYS = { n: 'over', s: 'in', o: 'out', b: 'back', c: 'continue', C: 'reverseContinue', r: 'restart' };
/** The ways a frame can end that `continue` may stop at, as the node names them. */
const EXCEPTIONS = [['trap', 'trap', true], ['revert', 'revert', false], ['outOfGas', 'out of gas', false], ['storageDepositLimit', 'storage deposit limit', false]];
const BUTTONS = [
  ['restart', '⏮ Restart', 'r'],
  ['reverseContinue', '⏪ Reverse continue', 'Shift+C'],
  ['back', '↶ Back', 'b'],
  ['over', '↷ Over', 'n'],
  ['in', '↓ In', 's'],
  ['out', '↑ Out', 'o'],
  ['continue', '⏩ Continue', 'c'],
];

export function debugView(rpc, root, target) {
  const title = target.kind === 'extrinsic' ? `Debugging extrinsic ${target.block}.${target.index}` : 'Debugging a dry run';
  replace(root, h('h2', {}, title), notice('Recording the execution…'));
  let session = null;
  let left = false;
  (async () => {
    try {
      const request = target.kind === 'extrinsic'
        ? { extrinsic: { block: Number(target.block), index: Number(target.index) } }
        : { call: callRequest(target.address, target.query) };
      const launched = await rpc.call('europa_debugLaunch', [request]);
      session = launched.session;
      if (left) {
        rpc.call('europa_debugClose', [session]).catch(() => {});
        return;
      }
      debugger_(rpc, root, title, launched);
    } catch (error) {
      replace(root, h('h2', {}, title), notice(errorText(error), 'error'));
    }
  })();
  return () => {
    left = true;
    if (session !== null) rpc.call('europa_debugClose', [session]).catch(() => {});
  };
}

function debugger_(rpc, root, title, launched) {
  const breakpoints = new Map();
  const status = h('p', { class: 'debug-status', 'aria-live': 'polite' });
  const source = h('div', { class: 'debug-source' });
  const stack = h('ol', { class: 'debug-stack', 'aria-label': 'stack' });
  const calls = h('ol', { class: 'debug-host-calls', 'aria-label': 'host calls so far' });
  const frame = h('dl', { class: 'debug-frame' });
  const timeline = h('input', { type: 'range', min: 0, max: Math.max(0, launched.steps - 1), value: 0, 'aria-label': 'timeline: step', class: 'debug-timeline' });
  const breakAt = h('input', { type: 'text', placeholder: 'lib.rs:25', class: 'small', 'aria-label': 'breakpoint at file:line', id: 'debug-break-at' });
  const breakList = h('span', { class: 'muted debug-breakpoints' });
  const variables = h('div', { class: 'debug-variables', 'aria-live': 'polite' });
  let state = null;
  let busy = false;
  // The stack entry whose variables are shown, and which answer is the latest asked.
  let selected = 0;
  let asked = 0;

  const move = async (how) => {
    if (busy) return;
    busy = true;
    try {
      show(await rpc.call('europa_debugStep', [launched.session, how]));
    } catch (error) {
      replace(status, notice(errorText(error), 'error'));
    } finally {
      busy = false;
    }
  };
  const show = (next) => {
    state = next;
    timeline.value = String(next.step);
    const where = next.stack[0];
    replace(status,
      h('strong', {}, `step ${next.step} of ${next.steps}`), ' · ',
      h('span', { class: `badge ${next.stop === 'exception' ? 'err' : 'ok'}`, 'data-stop': next.stop }, next.stop),
      ' · ', `${grouped(next.refTime)} ref_time burnt in the frame`,
      next.stop === 'exception' ? [' · ', h('span', { class: 'err' }, next.outcome)] : null);
    selected = 0;
    showStack();
    loadVariables();
    replace(calls, next.hostCalls.length
      ? next.hostCalls.map((call) => h('li', { class: call.error ? 'err' : '' },
        h('code', {}, call.func), `(${call.args.map(([name, value]) => `${name}: ${short(value, 10)}`).join(', ')})`,
        call.code ? ` → ${call.code}` : '', call.output ? ` => ${short(call.output, 10)}` : '', call.error ? ` ✗ ${call.error}` : ''))
      : h('li', { class: 'muted' }, 'none yet'));
    replace(frame,
      h('dt', {}, 'call'), h('dd', {}, next.call),
      h('dt', {}, 'contract'), h('dd', {}, short(next.contract, 8)),
      h('dt', {}, 'caller'), h('dd', {}, short(next.caller, 8)),
      h('dt', {}, 'value'), h('dd', {}, next.value),
      h('dt', {}, 'ref_time'), h('dd', {}, `${grouped(next.refTime)} burnt of ${grouped(next.gasLimit)}`),
      h('dt', {}, 'code'), h('dd', {}, short(next.codeHash, 8)),
      h('dt', {}, 'outcome'), h('dd', {}, next.outcome));
    showSource(where);
  };
  const showStack = () => {
    replace(stack, state.stack.map((entry, index) => h('li', { class: index === selected ? 'current' : '' },
      h('button', { type: 'button', class: 'link', title: 'show its variables', onclick: () => { selected = index; showStack(); loadVariables(); } },
        h('code', {}, entry.name)), ' ',
      h('span', { class: 'location' }, entry.file ? `${entry.file.split('/').pop()}:${entry.line ?? '?'}` : ''))));
  };
  // Variables need the execution run again to the step: a stale answer is dropped.
  const loadVariables = async () => {
    const ask = ++asked;
    replace(variables, h('p', { class: 'muted' }, 'Reading the variables…'));
    try {
      const answer = await rpc.call('europa_debugVariables', [launched.session, selected]);
      if (ask !== asked) return;
      replace(variables,
        h('p', { class: 'muted' }, `in ${answer.function ?? 'code DWARF names no function for'}`),
        answer.variables.length ? h('ul', { class: 'debug-variable-tree' }, answer.variables.map((v) => h('li', {}, variableTree(v))))
          : h('p', { class: 'muted' }, 'none here'));
    } catch (error) {
      if (ask === asked) replace(variables, notice(errorText(error), 'muted'));
    }
  };
  const showSource = (where) => {
    const file = where?.file;
    replace(source, sourcePane(file, where?.line, file ? launched.sources[file] : null, {
      marks: breakpoints.get(file) ?? new Set(),
      onLine: (line) => toggle(file, line),
    }));
  };
  // Breakpoints by the file as given (a DWARF path, or an ending of one such as
  // `lib.rs`, which the node matches); shown by the file DWARF names.
  const requested = new Map();
  const toggle = async (file, line) => {
    const set = new Set(requested.get(file) ?? []);
    if (set.has(line)) set.delete(line); else set.add(line);
    requested.set(file, set);
    try {
      const answer = await rpc.call('europa_debugSetBreakpoints', [launched.session, file, [...set]]);
      const placed = new Set(answer.map((b) => b.line).filter((l) => l !== null));
      const dwarfFile = answer.find((b) => b.file)?.file ?? file;
      breakpoints.set(dwarfFile, placed);
      if (answer.some((b) => b.line === null)) replace(status, notice(`No code at or after some of those lines in ${file}.`, 'error'));
      replace(breakList, [...breakpoints].flatMap(([path, lines]) => [...lines].map((l) => `${path.split('/').pop()}:${l}`)).join(', ') || 'no breakpoints');
      if (state) showSource(state.stack[0]);
    } catch (error) {
      replace(status, notice(errorText(error), 'error'));
    }
  };
  timeline.addEventListener('change', () => move({ goto: Number(timeline.value) }));
  const setting = async (method, value, then) => {
    try {
      then(await rpc.call(method, [launched.session, value]));
    } catch (error) {
      replace(status, notice(errorText(error), 'error'));
    }
  };
  const exceptionBoxes = EXCEPTIONS.map(([name, label, on]) => h('label', {},
    h('input', { type: 'checkbox', value: name, checked: on, 'data-exception': name, onchange: () => {
      const chosen = exceptionBoxes.map((label) => label.querySelector('input')).filter((box) => box.checked).map((box) => box.value);
      setting('europa_debugSetExceptionFilters', chosen, () => {});
    } }), ` ${label} `));
  const functionNames = h('input', { type: 'text', placeholder: 'level_three, transfer', class: 'small', id: 'debug-functions', 'aria-label': 'stop on entering functions named' });
  const functionsFound = h('span', { class: 'muted debug-functions-found' });
  const functionForm = h('form', { class: 'debug-break', onsubmit: (event) => {
    event.preventDefault();
    const names = functionNames.value.split(',').map((n) => n.trim()).filter(Boolean);
    setting('europa_debugSetFunctionBreakpoints', names, (found) => replace(functionsFound,
      names.map((name, i) => `${name}: ${found[i] ? 'found' : 'not in this execution'}`).join(', ') || 'none'));
  } }, h('label', {}, 'Stop on entering ', functionNames, ' '), h('button', { type: 'submit' }, 'Set'), ' ', functionsFound);
  const controls = h('div', { class: 'debug-controls', role: 'toolbar', 'aria-label': 'debugger controls' },
    BUTTONS.map(([how, label, key]) => h('button', { type: 'button', 'data-move': how, title: `${label} (${key})`, 'aria-keyshortcuts': key, onclick: () => move(how) }, label)));
  const breakForm = h('form', { class: 'debug-break', onsubmit: (event) => {
    event.preventDefault();
    const cut = breakAt.value.lastIndexOf(':');
    const line = Number(breakAt.value.slice(cut + 1));
    if (cut > 0 && Number.isInteger(line) && line > 0) toggle(breakAt.value.slice(0, cut), line);
  } }, h('label', {}, 'Breakpoint at ', breakAt, ' '), h('button', { type: 'submit' }, 'Toggle'), ' ', breakList);
  const view = h('div', { class: 'debugger', tabindex: 0 },
    controls, timeline, status,
    h('div', { class: 'debug-panes' },
      h('div', {}, source, breakForm, functionForm, h('p', { class: 'debug-exceptions' }, 'Continue stops when a frame ends in: ', exceptionBoxes)),
      h('div', {}, h('h3', {}, 'Stack'), stack, h('h3', {}, 'Variables'), variables,
        h('h3', {}, 'Contract'), frame, h('h3', {}, 'Host calls so far'), calls)));
  view.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement) return;
    const how = KEYS[event.key];
    if (!how || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    move(how);
  });
  replace(root, h('h2', {}, title),
    h('p', { class: 'muted' }, `${grouped(launched.steps)} steps, ${launched.stepsExecutor === launched.executor ? `run on ${launched.executor}` : `decided on ${launched.executor}, stepped on its ${launched.stepsExecutor} lens (gas as ${launched.stepsExecutor} counts it)`}${launched.refTime == null ? '' : `; the chain charged ${grouped(launched.refTime)} ref_time for the call`}. Keys: n over, s in, o out, b back, c continue, Shift+C reverse continue, r restart.`),
    view);
  view.focus();
  move('restart');
}

/** A variable from DWARF, its members (elements, pointee) folded beneath it. */
function variableTree(variable) {
  const line = [h('code', {}, variable.name), ': ', h('span', { class: 'muted' }, variable.type), ' = ', h('span', { class: 'value' }, variable.value)];
  if (!variable.children?.length) return h('span', { class: 'debug-variable', 'data-name': variable.name }, line);
  return h('details', { class: 'debug-variable', 'data-name': variable.name }, h('summary', {}, line),
    h('ul', {}, variable.children.map((child) => h('li', {}, variableTree(child)))));
}
