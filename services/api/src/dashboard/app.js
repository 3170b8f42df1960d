// The dashboard's entry module: year picker, unit search, hash routes
//   #/year/2020[/list]        KPIs and rankings of a year
//   #/unit/xa-cao-thuong/2020 a unit's explained scorecard
//   #/rejected[/offset]       rejected facts
import { ApiError, getJSON } from './api.js';
import { disposeCharts } from './charts.js';
import { clear, h } from './dom.js';
import { KIND_LABEL, fmtNum } from './labels.js';
import { renderOverview } from './overview.js';
import { renderRejected } from './rejected.js';
import { renderUnit } from './unit.js';

const main = document.getElementById('main');
const status = document.getElementById('status');
const yearSelect = document.getElementById('year');
const footer = document.getElementById('footer');

const state = { years: [], history: [], year: null, route: null, renderSeq: 0 };

function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const num = (s) => (s !== undefined && /^\d{4}$/.test(s) ? Number(s) : null);
  if (parts[0] === 'unit' && parts[1]) return { view: 'unit', unitId: parts[1], year: num(parts[2]) };
  if (parts[0] === 'rejected') return { view: 'rejected', offset: Number(parts[1] ?? 0) || 0 };
  if (parts[0] === 'year') return { view: 'year', year: num(parts[1]), list: parts[2] ?? null };
  return { view: 'year', year: null, list: null };
}

function setStatus(text, kind = 'info') {
  status.textContent = text;
  status.className = text ? `status status--${kind}` : 'status';
}

function latestYear() {
  return state.years.length ? state.years[state.years.length - 1].year : null;
}

async function route(focus) {
  const seq = ++state.renderSeq;
  const r = parseRoute(location.hash);
  if (r.view !== 'rejected' && r.year === null) {
    const y = state.year ?? latestYear();
    if (y === null) return;
    location.replace(r.view === 'unit' ? `#/unit/${encodeURIComponent(r.unitId)}/${y}` : `#/year/${y}`);
    return;
  }
  if (r.year !== null) {
    state.year = r.year;
    yearSelect.value = String(r.year);
  }
  state.route = r;
  document.body.dataset.view = r.view;
  setStatus('Đang tải…');
  main.setAttribute('aria-busy', 'true');
  const target = h('div', { class: 'view' });
  try {
    if (r.view === 'year') {
      const info = state.years.find((y) => y.year === r.year);
      if (!info) throw new ApiError(404, { message: `Không có số liệu năm ${r.year}.` });
      await renderOverview(target, { year: r.year, info, history: state.history, list: r.list });
      document.title = `Năm ${r.year} — Công tác dân vận`;
    } else if (r.view === 'unit') {
      await renderUnit(target, { unitId: r.unitId, year: r.year, years: state.years });
      document.title = `${target.querySelector('h2')?.textContent ?? r.unitId} (${r.year}) — Công tác dân vận`;
    } else {
      await renderRejected(target, { offset: r.offset });
      document.title = 'Sự kiện bị loại — Công tác dân vận';
    }
    if (seq !== state.renderSeq) return; // a newer navigation won
    disposeCharts(main);
    clear(main).append(target);
    setStatus('');
    if (focus) (main.querySelector('h2[tabindex]') ?? main).focus();
  } catch (err) {
    if (seq !== state.renderSeq) return;
    disposeCharts(main);
    clear(main).append(h('section', { class: 'block notice' }, h('h2', { tabindex: '-1' }, 'Không tải được dữ liệu'), h('p', null, err.message)));
    setStatus('Không tải được dữ liệu.', 'error');
  } finally {
    if (seq === state.renderSeq) main.removeAttribute('aria-busy');
  }
}

yearSelect.addEventListener('change', () => {
  const y = Number(yearSelect.value);
  const r = parseRoute(location.hash);
  location.hash = r?.view === 'unit' ? `#/unit/${encodeURIComponent(r.unitId)}/${y}` : `#/year/${y}${r?.view === 'year' && r.list ? `/${r.list}` : ''}`;
});

// --- search ---------------------------------------------------------------------------------------

function setupSearch() {
  const input = document.getElementById('search');
  const list = document.getElementById('search-results');
  let timer = 0;
  let seq = 0;
  let active = -1;
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const options = () => [...list.querySelectorAll('[role="option"]')];
  const highlight = (i) => {
    const opts = options();
    if (!opts.length) return;
    active = (i + opts.length) % opts.length;
    opts.forEach((o, j) => o.setAttribute('aria-selected', String(j === active)));
    input.setAttribute('aria-activedescendant', opts[active].id);
    opts[active].scrollIntoView({ block: 'nearest' });
  };
  const go = (unitId) => {
    close();
    input.value = '';
    location.hash = `#/unit/${encodeURIComponent(unitId)}/${state.year ?? latestYear()}`;
  };
  const search = async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) return close();
    try {
      const r = await getJSON(`v1/units?q=${encodeURIComponent(q)}&limit=20`);
      if (mine !== seq) return;
      clear(list);
      if (!r.units.length) list.append(h('li', { class: 'none' }, 'Không tìm thấy đơn vị nào.'));
      r.units.forEach((u, i) =>
        list.append(
          h(
            'li',
            { role: 'option', id: `sr-${i}`, 'aria-selected': 'false', dataset: { unit: u.unitId }, onmousedown: (ev) => (ev.preventDefault(), go(u.unitId)) },
            h('span', { class: 'sr-name' }, u.name),
            h('span', { class: 'sr-meta' }, `${KIND_LABEL[u.kind] ?? u.kind} · ${u.unitId}${u.ended ? ' · đã kết thúc' : ''}`),
          ),
        ),
      );
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      active = -1;
    } catch (err) {
      if (mine === seq) setStatus(`Không tìm được: ${err.message}`, 'error');
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown') (ev.preventDefault(), highlight(active + 1));
    else if (ev.key === 'ArrowUp') (ev.preventDefault(), highlight(active - 1));
    else if (ev.key === 'Escape') close();
    else if (ev.key === 'Enter') {
      ev.preventDefault();
      const opts = options();
      const o = opts[active >= 0 ? active : 0];
      if (o) go(o.dataset.unit);
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  document.getElementById('search-form').addEventListener('submit', (ev) => ev.preventDefault());
}

// --- start --------------------------------------------------------------------------------------

async function start() {
  setupSearch();
  setStatus('Đang tải…');
  try {
    const [years, history] = await Promise.all([getJSON('v1/years'), getJSON('v1/kpis')]);
    state.years = years.years;
    state.history = history.years;
    clear(yearSelect).append(...state.years.map((y) => h('option', { value: String(y.year), title: y.closed ? 'Đã chốt năm' : 'Chưa chốt năm — số liệu tạm thời' }, String(y.year))));
    yearSelect.disabled = state.years.length === 0;
    if (years.checkpoint) footer.textContent = `Số liệu đến sự kiện #${fmtNum(years.checkpoint.position)} (${fmtNum(years.checkpoint.events)} sự kiện), cập nhật ${new Date(years.checkpoint.updatedAt).toLocaleString('vi-VN')}.`;
    if (!state.years.length) {
      clear(main).append(h('section', { class: 'block notice' }, h('h2', null, 'Chưa có dữ liệu'), h('p', null, 'Chưa có năm nào có kết quả. Hãy nhập sự kiện (dvk import) rồi tải lại trang.')));
      setStatus('');
      return;
    }
    state.year = latestYear();
    yearSelect.value = String(state.year);
    window.addEventListener('hashchange', () => void route(true));
    await route(false);
    document.body.dataset.ready = 'true';
  } catch (err) {
    clear(main).append(h('section', { class: 'block notice' }, h('h2', null, 'Không tải được dữ liệu'), h('p', null, err.message)));
    setStatus('Không tải được dữ liệu.', 'error');
  }
}

void start();
