// A list that draws only the rows in view, so a trace with 10 000 host calls opens at
// once: the page holds a few dozen row elements whatever the list's length.

const OVERSCAN = 8;

/**
 * A scrollable list of `items`, each drawn by `renderRow(item, index)` into a row of
 * `rowHeight` pixels. Arrow keys, Page Up/Down, Home and End scroll through it, unless
 * `onKey(event)` handles the key (returns true): a list with a selection moves it instead.
 */
export function virtualList(items, renderRow, { rowHeight = 24, maxHeight = 420, label = 'list', role = 'list', onKey = () => false } = {}) {
  const viewport = document.createElement('div');
  viewport.className = 'virtual-list';
  viewport.tabIndex = 0;
  viewport.setAttribute('role', role);
  viewport.setAttribute('aria-label', `${label} (${items.length})`);
  viewport.style.height = `${Math.min(maxHeight, items.length * rowHeight + 2)}px`;
  const spacer = document.createElement('div');
  spacer.className = 'virtual-spacer';
  spacer.style.height = `${items.length * rowHeight}px`;
  viewport.appendChild(spacer);

  let drawn = '';
  const draw = () => {
    const first = Math.max(0, Math.floor(viewport.scrollTop / rowHeight) - OVERSCAN);
    const visible = Math.ceil(viewport.clientHeight / rowHeight) + OVERSCAN * 2;
    const last = Math.min(items.length, first + (visible || 30));
    const key = `${first}:${last}`;
    if (key === drawn) return;
    drawn = key;
    const rows = [];
    for (let index = first; index < last; index += 1) {
      const row = renderRow(items[index], index);
      row.classList.add('virtual-row');
      row.setAttribute('role', role === 'listbox' ? 'option' : 'listitem');
      row.style.top = `${index * rowHeight}px`;
      row.style.height = `${rowHeight}px`;
      rows.push(row);
    }
    spacer.replaceChildren(...rows);
  };
  viewport.addEventListener('scroll', () => requestAnimationFrame(draw));
  viewport.addEventListener('keydown', (event) => {
    if (onKey(event)) {
      event.preventDefault();
      return;
    }
    const page = viewport.clientHeight - rowHeight;
    const moves = { ArrowDown: rowHeight, ArrowUp: -rowHeight, PageDown: page, PageUp: -page };
    if (event.key in moves) viewport.scrollTop += moves[event.key];
    else if (event.key === 'Home') viewport.scrollTop = 0;
    else if (event.key === 'End') viewport.scrollTop = viewport.scrollHeight;
    else return;
    event.preventDefault();
  });
  // Drawn once it is in the document and has a height.
  requestAnimationFrame(draw);
  viewport.redraw = () => {
    drawn = '';
    draw();
  };
  /** Scrolls row `index` into view (to the middle, when it was out of view) and redraws. */
  viewport.reveal = (index) => {
    const top = index * rowHeight;
    if (top < viewport.scrollTop || top > viewport.scrollTop + viewport.clientHeight - rowHeight) {
      viewport.scrollTop = top - viewport.clientHeight / 2;
    }
    viewport.redraw();
  };
  return viewport;
}
