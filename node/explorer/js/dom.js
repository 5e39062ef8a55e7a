// Building the page from data: every text a contract, a chain or a user wrote goes in as
// text (textContent), never as markup, so a contract's debug message cannot script the page.

/**
 * An element: `h('a', {href: '#/', class: 'x', onclick: fn}, 'text', child)`.
 * Children may be strings, numbers, nodes, arrays of them, or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = value;
    else if (key === 'style') element.style.cssText = value;
    else if (key in element && key !== 'list') element[key] = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else if (child instanceof Node) element.appendChild(child);
    else element.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces everything in `element` with `children`. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** `0x1234…cdef` */
export function short(text, keep = 6) {
  if (typeof text !== 'string' || text.length <= keep * 2 + 3) return text ?? '';
  return `${text.slice(0, keep)}…${text.slice(-keep)}`;
}

/** 1 234 567 */
export function grouped(number) {
  if (number === null || number === undefined) return '';
  return BigInt(number).toLocaleString('en-US').replaceAll(',', '\u202f');
}

/** The chain's balances have 12 decimals (UNIT). */
export function units(plancks) {
  if (plancks === null || plancks === undefined) return '';
  const value = BigInt(plancks);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 10n ** 12n;
  const fraction = (abs % 10n ** 12n).toString().padStart(12, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole.toLocaleString('en-US')}${fraction ? `.${fraction}` : ''} UNIT`;
}

/** A status line: what is going on, or what went wrong. */
export function notice(text, kind = 'info') {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** An RPC error as one line. */
export function errorText(error) {
  return error?.message ?? String(error);
}

/** A `<details>` section that builds its body the first time it is opened. */
export function lazyDetails(summary, build, { open = false, className = '' } = {}) {
  const details = h('details', { class: className }, h('summary', {}, summary));
  let built = false;
  const fill = () => {
    if (built || !details.open) return;
    built = true;
    details.appendChild(build());
  };
  details.addEventListener('toggle', fill);
  if (open) {
    details.open = true;
    fill();
  }
  return details;
}

/** The dev accounts every Europa dev chain funds, by name. */
export const DEV_ACCOUNTS = {
  Alice: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
  Bob: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
  Charlie: '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y',
  Dave: '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy',
  Eve: '5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw',
  Ferdie: '5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL',
};

/** An account as a person reads it: a dev account's name, otherwise its address shortened. */
export function accountName(address, name) {
  if (name) return name;
  const known = Object.entries(DEV_ACCOUNTS).find(([, dev]) => dev === address);
  return known ? known[0] : short(address);
}
