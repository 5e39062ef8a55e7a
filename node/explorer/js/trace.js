// A contract execution trace (docs/trace-format.md) as a call tree: each frame with its
// decoded call, gas, deposit and outcome; opened, its failure explained (source line,
// excerpt, backtrace), its events, debug text, host calls and the frames it started.

import { accountName, grouped, h, lazyDetails, short, units } from './dom.js';
import { virtualList } from './virtual-list.js';

/** The whole trace: uploads, the frame tree, the execution's error. */
export function renderTrace(trace) {
  if (!trace) return h('p', { class: 'muted' }, 'No contract ran.');
  return h(
    'section',
    { class: 'trace', 'aria-label': 'contract execution trace' },
    h('p', { class: 'muted' }, `executor: ${trace.executor}`),
    (trace.uploads ?? []).map((upload) =>
      h(
        'p',
        { class: upload.rejected ? 'upload rejected' : 'upload' },
        `upload ${short(upload.codeHash, 10)} (${grouped(upload.codeLen)} bytes)`,
        upload.featuresUsed?.length ? `, uses ${upload.featuresUsed.join(', ')}` : '',
        upload.rejected ? ` REJECTED: ${upload.rejected}` : '',
      ),
    ),
    trace.root ? renderFrame(trace.root, 0) : null,
    trace.error
      ? h('div', { class: 'failure', role: 'note' }, h('strong', {}, 'error: '), trace.explanation ?? trace.error)
      : null,
    trace.truncated ? h('p', { class: 'warning' }, `TRUNCATED: ${JSON.stringify(trace.truncated)}`) : null,
  );
}

/** What a frame did, in one line: `Alice → erc20::transfer(to: …, value: 100)`. */
export function frameCall(frame) {
  const decoded = frame.decoded;
  const arrow = { deploy: '→ new ', delegateCall: '→ delegate ' }[frame.entry] ?? '→ ';
  const caller = decoded ? accountName(decoded.caller, decoded.callerName) : short(frame.caller, 8);
  const call = decoded?.call ?? `${decoded?.contract ?? short(frame.contract, 8)}::${frame.selector ?? ''}(${short(frame.args ?? '', 12)})`;
  return `${caller || 'origin'} ${arrow}${call}`;
}

function outcomeOf(frame) {
  const outcome = frame.outcome ?? {};
  if ('returned' in outcome) return { kind: 'ok', text: `← ${frame.decoded?.returned ?? outcome.returned.data}` };
  if ('reverted' in outcome) return { kind: 'err', text: `← REVERTED ${frame.decoded?.returned ?? outcome.reverted.data}` };
  if ('terminated' in outcome) return { kind: 'ok', text: `← terminated, balance to ${short(outcome.terminated.beneficiary, 8)}` };
  if ('trapped' in outcome) return { kind: 'err', text: `← TRAPPED: ${outcome.trapped.reason}` };
  if ('failed' in outcome) return { kind: 'err', text: `← FAILED: ${outcome.failed.error}` };
  return { kind: 'muted', text: '← ?' };
}

function renderFrame(frame, depth) {
  const outcome = outcomeOf(frame);
  const deposit = BigInt(frame.storageDeposit ?? 0);
  const head = h(
    'span',
    { class: 'frame-head' },
    h('span', { class: 'gas', title: 'ref_time consumed, nested frames included' }, `[${grouped(frame.gasConsumed?.refTime)}]`),
    ' ',
    h('span', { class: 'call' }, frameCall(frame)),
    BigInt(frame.value ?? 0) !== 0n ? h('span', { class: 'muted' }, ` value ${units(frame.value)}`) : null,
    deposit !== 0n ? h('span', { class: 'muted' }, ` ${deposit > 0n ? 'deposit' : 'refund'} ${units(deposit > 0n ? deposit : -deposit)}`) : null,
    ' ',
    h('span', { class: `badge ${outcome.kind}` }, outcome.text),
  );
  const failed = outcome.kind === 'err';
  return lazyDetails(head, () => frameBody(frame, depth), {
    open: depth < 2 || failed,
    className: `frame depth-${Math.min(depth, 6)}${failed ? ' failed' : ''}`,
  });
}

function frameBody(frame, depth) {
  const trapped = frame.outcome?.trapped;
  return h(
    'div',
    { class: 'frame-body' },
    h('p', { class: 'muted' }, `contract ${frame.decoded?.address ?? frame.contract} · code ${short(frame.codeHash, 10)}`),
    frame.explanation ? renderExplanation(frame.explanation) : null,
    trapped?.backtrace?.length
      ? lazyDetails(`backtrace (${trapped.backtrace.length} frames)`, () =>
          h('ol', { class: 'backtrace' }, trapped.backtrace.map((at) =>
            h('li', {}, `${at.func ?? '<unknown>'}`, at.file ? h('span', { class: 'location' }, ` (${at.file}:${at.line ?? '?'}:${at.column ?? '?'})`) : null),
          )),
        { open: true })
      : null,
    (frame.events ?? []).length
      ? h('div', { class: 'events' }, h('h4', {}, `Events (${frame.events.length})`), frame.events.map(renderContractEvent))
      : null,
    frame.debugMessage ? h('div', {}, h('h4', {}, 'Debug messages'), h('pre', { class: 'debug' }, frame.debugMessage)) : null,
    renderHostCalls(frame.hostCalls ?? []),
    (frame.nested ?? []).map((nested) => renderFrame(nested, depth + 1)),
  );
}

/** Why a frame failed, with the source line and the lines around it when known. */
export function renderExplanation(explanation) {
  const location = explanation.location;
  return h(
    'div',
    { class: 'explanation', role: 'note' },
    h('p', {}, '✗ ', explanation.text),
    location
      ? h('p', { class: 'location' }, `${location.file}:${location.line ?? '?'}:${location.column ?? '?'}`, location.function ? ` in ${location.function}` : '')
      : null,
    location?.excerpt?.length
      ? h('pre', { class: 'excerpt' }, location.excerpt.map(([number, text]) =>
          h('span', { class: number === location.line ? 'failing-line' : '' }, `${String(number).padStart(5)} | ${text}\n`),
        ))
      : null,
  );
}

function renderContractEvent(event) {
  if (event.decoded) {
    const fields = event.decoded.fields.map(([name, value]) => `${name}: ${value}`).join(', ');
    return h('p', { class: 'event' }, h('strong', {}, `emit ${event.decoded.name}`), ` { ${fields} }`);
  }
  return h('p', { class: 'event' }, `emit topics [${(event.topics ?? []).map((topic) => short(topic, 8)).join(', ')}] data ${short(event.data, 16)}`);
}

/** One host call as the log writes it. */
export function hostCallText(call) {
  const args = (call.args ?? []).map(([name, value]) => `${name}: ${value}`).join(', ');
  return `${call.func}(${args})${call.code ? ` -> ${call.code}` : ''}${call.output ? ` => ${call.output}` : ''}${call.error ? ` !! ${call.error}` : ''} [gas ${grouped(call.gas)}]`;
}

/** A host call that ended the frame other than by returning or terminating. */
function stoppedByFailure(call) {
  return Boolean(call.error) && !/^(returned|terminated)/.test(call.error);
}

function renderHostCalls(calls) {
  if (!calls.length) return null;
  return lazyDetails(`Host calls (${calls.length})`, () => {
    const detail = h('pre', { class: 'host-call-detail', 'aria-live': 'polite' });
    const list = virtualList(
      calls,
      (call, index) =>
        h(
          'button',
          {
            type: 'button',
            class: `host-call${stoppedByFailure(call) ? ' stopped' : ''}`,
            title: hostCallText(call),
            onclick: () => {
              detail.textContent = `#${index} ${hostCallText(call)}${call.nestedFrame !== null && call.nestedFrame !== undefined ? `\nran nested frame ${call.nestedFrame}` : ''}`;
            },
          },
          h('span', { class: 'index' }, String(index)),
          hostCallText(call),
        ),
      { label: 'host calls' },
    );
    return h('div', { class: 'host-calls' }, list, detail);
  }, { className: 'host-calls-section' });
}
