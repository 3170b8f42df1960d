// The year page (#/year/2020[/list]): KPI cards against the plan's targets with a chart over the
// years, the downloads of the year, and the ranking tables per list with badges, a filter and the
// distribution of totals.
import { download, exists, getJSON, hasToken } from './api.js';
import { histogram, histogramBins, kpiChart } from './charts.js';
import { badge, clear, h, link } from './dom.js';
import {
  KIND_LABEL,
  LISTS,
  LIST_LABEL,
  LIST_SHORT,
  NOT_RATED,
  STATUS_LABEL,
  TIER_LABEL,
  TITLE_LABEL,
  VETO_LABEL,
  fmtNum,
  fmtPoints,
  fold,
  kpiNumber,
  kpiValue,
  kpiVerdict,
  targetLines,
} from './labels.js';

const LIST_COLOUR = { dvk_candidates: '#b91c1c', mobilization_team: '#1d4ed8', mobilization_bloc: '#0f766e', mass_org: '#7e22ce' };

export async function renderOverview(root, { year, info, history: kpiHistory, list }) {
  const [kpis, ...rankings] = await Promise.all([getJSON(`v1/years/${year}/kpis`), ...LISTS.map((l) => getJSON(`v1/years/${year}/rankings/${l}`))]);
  const byList = Object.fromEntries(rankings.map((r) => [r.list, r]));
  clear(root);
  root.append(
    yearBanner(year, info, kpis),
    kpiSection(year, kpis, kpiHistory),
    exportSection(year),
    rankingSection(year, byList, LISTS.includes(list) ? list : 'dvk_candidates'),
  );
}

function yearBanner(year, info, kpis) {
  const closed = info?.closed;
  return h(
    'section',
    { class: 'banner', 'aria-labelledby': 'year-heading' },
    h('h2', { id: 'year-heading', tabindex: '-1' }, `Kết quả đánh giá năm ${year}`),
    h(
      'p',
      { class: 'banner-meta' },
      closed ? badge('closed', 'Đã chốt năm', `Năm được chốt tại sự kiện #${info.closedPosition}`) : badge('open', 'Chưa chốt năm — số liệu tạm thời'),
      ' ',
      h('span', { class: 'muted' }, `Bộ tiêu chí ${kpis.rulebook.id} phiên bản ${kpis.rulebook.version} · số liệu đến sự kiện #${fmtNum(kpis.position)}`),
    ),
  );
}

// --- KPIs ---------------------------------------------------------------------------------------

function kpiSection(year, data, kpiHistory) {
  const entries = Object.entries(data.kpis);
  const judged = entries.filter(([, k]) => k.met !== null);
  const met = judged.filter(([, k]) => k.met).length;
  return h(
    'section',
    { class: 'block', 'aria-labelledby': 'kpi-heading' },
    h('div', { class: 'block-head' }, h('h2', { id: 'kpi-heading' }, 'Chỉ tiêu so với kế hoạch'), h('p', { class: 'kpi-summary', id: 'kpi-summary' }, `Đạt ${met}/${judged.length} chỉ tiêu có mục tiêu`)),
    h(
      'div',
      { class: 'kpi-grid' },
      entries.map(([id, k]) => kpiCard(year, id, k, data.explain[id], kpiHistory)),
    ),
  );
}

function kpiCard(year, id, k, explain, kpiHistory) {
  const v = kpiVerdict(k);
  const isShare = !('count' in k);
  const chart = h('div', { class: 'kpi-chart' });
  const series = kpiHistory.map((y) => kpiNumber(y.kpis[id]));
  const years = kpiHistory.map((y) => y.year);
  const alt = `${id} qua các năm: ${kpiHistory.map((y) => `${y.year}: ${y.kpis[id] ? kpiValue(y.kpis[id]) : '—'}`).join('; ')}${k.target !== '—' ? `; mục tiêu ${k.target}` : ''}`;
  const card = h(
    'article',
    { class: `kpi kpi--${v.cls}`, dataset: { kpi: id, met: String(k.met) }, 'aria-labelledby': `kpi-${id}-label` },
    h('div', { class: 'kpi-top' }, h('span', { class: 'kpi-id' }, id), h('span', { class: `verdict verdict--${v.cls}` }, h('span', { 'aria-hidden': 'true' }, v.icon), ` ${v.text}`)),
    h('h3', { class: 'kpi-label', id: `kpi-${id}-label` }, k.label),
    h('p', { class: 'kpi-value', dataset: { value: isShare ? (k.percent ?? '') : String(k.count) } }, kpiValue(k)),
    isShare
      ? h('p', { class: 'kpi-frac', dataset: { numerator: k.numerator, denominator: k.denominator } }, `${fmtNum(k.numerator)}/${fmtNum(k.denominator)} đơn vị`)
      : h('p', { class: 'kpi-frac' }, id === 'K8' ? 'điểm nóng trong năm' : 'đơn vị'),
    h('p', { class: 'kpi-target' }, 'Mục tiêu: ', h('strong', null, k.target === '—' ? 'theo dõi' : k.target)),
    h('figure', { class: 'kpi-fig', role: 'img', 'aria-label': alt }, chart),
    explain ? kpiExplain(year, id, explain) : null,
  );
  requestAnimationFrame(() =>
    kpiChart(chart, { years, values: series, targets: targetLines(k.target), unit: isShare ? '%' : '', selected: year, met: k.met }),
  );
  return card;
}

function kpiExplain(year, id, x) {
  const list = h('ul', { class: 'chips' });
  const d = h(
    'details',
    { class: 'kpi-explain' },
    h('summary', null, 'Cách tính'),
    h('p', { class: 'rule' }, x.rule.text),
    h('p', null, x.of.length ? `Được tính ${fmtNum(x.counted.length)} trên ${fmtNum(x.of.length)} đơn vị:` : `Được tính ${fmtNum(x.counted.length)} đơn vị:`),
    list,
  );
  // the list can hold hundreds of units: built when opened
  d.addEventListener('toggle', () => {
    if (!d.open || list.childElementCount) return;
    for (const u of x.counted) list.append(h('li', null, link(`#/unit/${encodeURIComponent(u)}/${year}`, u)));
  });
  return d;
}

// --- downloads ----------------------------------------------------------------------------------

/**
 * EXPORTS: the year's export files, `GET v1/years/:year/export.xlsx` and `.csv`, are served by
 * another package (documents). Each link shows only when its endpoint answers (HEAD 2xx); while
 * the endpoint is missing (404) the block stays hidden.
 */
function exportSection(year) {
  const files = [
    { path: `v1/years/${year}/export.xlsx`, name: `dan-van-${year}.xlsx`, text: 'Bảng tính Excel (.xlsx)' },
    { path: `v1/years/${year}/export.csv`, name: `dan-van-${year}.csv`, text: 'Dữ liệu CSV (.csv)' },
  ];
  const ul = h('ul', { class: 'downloads' });
  const section = h('section', { class: 'block exports', id: 'exports', 'aria-labelledby': 'exports-heading', hidden: true }, h('h2', { id: 'exports-heading' }, `Tải về số liệu năm ${year}`), ul);
  void Promise.all(files.map(async (f) => ((await exists(f.path)) ? f : null))).then((found) => {
    for (const f of found.filter(Boolean)) {
      const a = h('a', { href: f.path, download: f.name, class: 'button' }, '⬇ ', f.text);
      a.addEventListener('click', (ev) => {
        if (!hasToken()) return; // a plain link works without a token
        ev.preventDefault();
        void download(f.path, f.name);
      });
      ul.append(h('li', null, a));
    }
    section.hidden = ul.childElementCount === 0;
  });
  return section;
}

// --- rankings -----------------------------------------------------------------------------------

function rankingSection(year, byList, active) {
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Danh sách xếp hạng' });
  const panels = h('div', { class: 'panels' });
  const built = new Set();
  const select = (list, focus) => {
    for (const b of tabs.children) {
      const on = b.dataset.list === list;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    for (const p of panels.children) p.hidden = p.dataset.list !== list;
    if (!built.has(list)) {
      built.add(list);
      buildPanel(panels.querySelector(`[data-list="${list}"]`), year, byList[list]);
    }
    history.replaceState(null, '', `#/year/${year}/${list}`);
  };
  LISTS.forEach((list, i) => {
    const r = byList[list];
    tabs.append(
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `tab-${list}`,
          'aria-controls': `panel-${list}`,
          dataset: { list },
          onclick: () => select(list),
          onkeydown: (ev) => {
            const d = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
            if (d) select(LISTS[(i + d + LISTS.length) % LISTS.length], true);
          },
        },
        LIST_SHORT[list],
        h('span', { class: 'tab-count' }, String(r.content.entries.length + r.content.unrated.length)),
      ),
    );
    panels.append(h('div', { class: 'panel', role: 'tabpanel', id: `panel-${list}`, 'aria-labelledby': `tab-${list}`, dataset: { list }, hidden: true }));
  });
  const section = h('section', { class: 'block', 'aria-labelledby': 'rank-heading' }, h('div', { class: 'block-head' }, h('h2', { id: 'rank-heading' }, 'Xếp hạng')), tabs, panels);
  queueMicrotask(() => select(active));
  return section;
}

function buildPanel(panel, year, r) {
  const { entries, unrated } = r.content;
  const critIds = Object.keys(entries[0]?.criteria ?? unrated[0]?.criteria ?? {});
  const chart = h('div', { class: 'hist-chart' });
  const bins = histogramBins(entries.map((e) => e.total)).filter((b) => b.count);
  const alt = `Phân bố tổng điểm của ${entries.length} đơn vị được xếp hạng: ${bins.map((b) => `${b.from}–${b.to} điểm: ${b.count}`).join('; ')}`;

  const q = h('input', { type: 'search', id: `filter-${r.list}`, placeholder: 'Tên hoặc mã đơn vị', autocomplete: 'off' });
  const badgeSel = h('select', { id: `badge-${r.list}` }, h('option', { value: '' }, 'Tất cả'), badgeOptions(entries));
  const shown = h('p', { class: 'muted', 'aria-live': 'polite' });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'ranking', dataset: { list: r.list } },
    h('caption', { class: 'vh' }, `Xếp hạng ${LIST_LABEL[r.list]} năm ${year}`),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col', class: 'num' }, 'Hạng'),
        h('th', { scope: 'col' }, 'Đơn vị'),
        h('th', { scope: 'col', class: 'num' }, 'Tổng điểm'),
        critIds.map((c) => h('th', { scope: 'col', class: 'num crit' }, c)),
        h('th', { scope: 'col' }, 'Xếp loại, danh hiệu'),
        h('th', { scope: 'col' }, 'Ghi chú'),
      ),
    ),
    tbody,
  );
  const apply = () => {
    const needle = fold(q.value);
    const want = badgeSel.value;
    clear(tbody);
    let n = 0;
    for (const e of entries) {
      if (needle && !fold(`${e.name} ${e.unitId}`).includes(needle)) continue;
      if (want && !matchesBadge(e, want)) continue;
      n++;
      tbody.append(rankRow(year, e, critIds));
    }
    if (n === 0) tbody.append(h('tr', null, h('td', { colspan: String(5 + critIds.length), class: 'empty' }, 'Không có đơn vị nào khớp bộ lọc.')));
    shown.textContent = `Hiển thị ${fmtNum(n)}/${fmtNum(entries.length)} đơn vị được xếp hạng`;
  };
  q.addEventListener('input', apply);
  badgeSel.addEventListener('change', apply);

  panel.append(
    h(
      'div',
      { class: 'panel-head' },
      h('h3', null, LIST_LABEL[r.list]),
      h(
        'p',
        { class: 'pub' },
        badge(`pub-${r.status}`, STATUS_LABEL[r.status] ?? r.status),
        r.version ? ` phiên bản ${r.version}` : '',
        r.status !== 'unpublished' && !r.current ? ' · có số liệu mới hơn chưa công bố' : '',
        ' · ',
        h('span', { class: 'muted', title: r.contentDigest }, `đến sự kiện #${fmtNum(r.position)} · mã băm ${r.contentDigest.slice(7, 19)}…`),
      ),
      h('p', null, `${fmtNum(entries.length)} đơn vị được xếp hạng, ${fmtNum(unrated.length)} chưa đánh giá`),
    ),
    h(
      'div',
      { class: 'panel-top' },
      h('figure', { class: 'hist' }, h('figcaption', null, 'Phân bố tổng điểm (số đơn vị theo khoảng 5 điểm)'), h('div', { role: 'img', 'aria-label': alt }, chart)),
      h(
        'div',
        { class: 'filter-box' },
        entries.length ? stats(entries.map((e) => e.total)) : null,
        h(
          'form',
          { class: 'filters', role: 'search', onsubmit: (ev) => ev.preventDefault() },
          h('div', { class: 'field' }, h('label', { for: q.id }, 'Lọc đơn vị'), q),
          h('div', { class: 'field' }, h('label', { for: badgeSel.id }, 'Xếp loại, danh hiệu'), badgeSel),
        ),
        shown,
      ),
    ),
    h('div', { class: 'table-wrap' }, table),
    unrated.length
      ? h(
          'section',
          { class: 'unrated' },
          h('h4', null, `${NOT_RATED} (${fmtNum(unrated.length)})`),
          h(
            'ul',
            null,
            unrated.map((u) =>
              h('li', null, link(`#/unit/${encodeURIComponent(u.unitId)}/${year}`, u.name), ' ', h('span', { class: 'uid' }, u.unitId), ` — ${KIND_LABEL[u.kind] ?? u.kind}; thiếu ${u.missing.join(', ')}`),
            ),
          ),
        )
      : null,
  );
  apply();
  requestAnimationFrame(() => histogram(chart, entries.map((e) => e.total), { colour: LIST_COLOUR[r.list] }));
}

function stats(totals) {
  const mean = totals.reduce((a, b) => a + b, 0) / totals.length;
  const tile = (label, v) => h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, fmtPoints(v)));
  return h('div', { class: 'stats' }, tile('Trung bình', Math.round(mean * 100) / 100), tile('Cao nhất', Math.max(...totals)), tile('Thấp nhất', Math.min(...totals)));
}

function badgeOptions(entries) {
  const tiers = new Set(entries.map((e) => e.tier).filter(Boolean));
  const titles = new Set(entries.flatMap((e) => e.titles));
  const out = [];
  for (const t of Object.keys(TIER_LABEL)) if (tiers.has(t)) out.push(h('option', { value: `tier:${t}` }, TIER_LABEL[t]));
  for (const t of Object.keys(TITLE_LABEL)) if (titles.has(t)) out.push(h('option', { value: `title:${t}` }, TITLE_LABEL[t]));
  if (entries.some((e) => !e.titles.length && !e.tier)) out.push(h('option', { value: 'none' }, 'Không có danh hiệu'));
  if (entries.some((e) => e.vetoes.length)) out.push(h('option', { value: 'veto' }, 'Có điểm nóng, kỷ luật'));
  return out;
}

function matchesBadge(e, want) {
  if (want === 'veto') return e.vetoes.length > 0;
  if (want === 'none') return !e.titles.length && !e.tier;
  const [kind, v] = want.split(':');
  return kind === 'tier' ? e.tier === v : e.titles.includes(v);
}

export function unitBadges(e) {
  const out = [];
  if (e.tier) out.push(badge(`tier-${e.tier}`, TIER_LABEL[e.tier]));
  for (const t of e.titles) out.push(badge(`title-${t}`, t === 'tieu_bieu' ? `★ ${TITLE_LABEL[t]}` : TITLE_LABEL[t]));
  return out;
}

function rankRow(year, e, critIds) {
  return h(
    'tr',
    { dataset: { unit: e.unitId } },
    h('td', { class: 'num rank', 'data-label': 'Hạng' }, String(e.rank)),
    h('td', { class: 'unit', 'data-label': 'Đơn vị' }, link(`#/unit/${encodeURIComponent(e.unitId)}/${year}`, e.name), h('span', { class: 'uid' }, e.unitId)),
    h('td', { class: 'num total', 'data-label': 'Tổng điểm' }, fmtPoints(e.total)),
    critIds.map((c) => h('td', { class: 'num crit', 'data-label': c }, e.criteria[c] === null || e.criteria[c] === undefined ? '—' : fmtNum(e.criteria[c]))),
    h('td', { class: 'badges', 'data-label': 'Xếp loại, danh hiệu' }, unitBadges(e).length ? unitBadges(e) : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'notes', 'data-label': 'Ghi chú' }, e.vetoes.map((v) => badge('veto', `⚠ ${VETO_LABEL[v] ?? v}`)), e.bonus ? h('span', { class: 'muted' }, ` thưởng +${fmtNum(e.bonus)}`) : null),
  );
}

