// A tiny DOM builder: h('p', { class: 'x' }, 'text', child). Text always goes in as text nodes,
// never as HTML, so names and notes from the data cannot inject markup. No inline styles (CSP).

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export const link = (href, ...children) => h('a', { href }, ...children);

/** A badge: text always, colour only as a second cue. */
export function badge(cls, text, title) {
  return h('span', { class: `badge badge--${cls}`, title }, text);
}
