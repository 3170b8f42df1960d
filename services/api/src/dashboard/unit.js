// The unit page (#/unit/xa-cao-thuong/2020): every figure of a unit-year with its rule, its
// computation and the events behind it — used (✓) and ignored (✗) with the reason — plus the
// events of that unit and year that were rejected from scoring.
import { ApiError, getJSON } from './api.js';
import { badge, clear, h, link } from './dom.js';
import { KIND_LABEL, LIST_LABEL, NOT_RATED, SOURCE_LABEL, TIER_LABEL, VETO_LABEL, fmtLocal, fmtNum, fmtPoints } from './labels.js';
import { unitBadges } from './overview.js';

export async function renderUnit(root, { unitId, year, years }) {
  let data = null;
  let missing = null;
  try {
    data = await getJSON(`v1/years/${year}/units/${encodeURIComponent(unitId)}`);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    missing = err;
  }
  if (!data) {
    // a village, a unit not on this year's roll, or an unknown id: say which, and where to go
    let unit = null;
    try {
      unit = await getJSON(`v1/units/${encodeURIComponent(unitId)}`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
    }
    clear(root).append(notScored(unitId, year, unit, missing));
    return;
  }
  const s = data.scorecard;
  clear(root).append(
    h(
      'nav',
      { class: 'crumbs', 'aria-label': 'Đường dẫn' },
      link(`#/year/${year}/${s.list}`, `← Xếp hạng năm ${year}`),
      ' / ',
      h('span', null, LIST_LABEL[s.list] ?? s.list),
    ),
    unitHeader(data, year, years),
    summary(s),
    h(
      'section',
      { class: 'block', 'aria-labelledby': 'crit-heading' },
      h('div', { class: 'block-head' }, h('h2', { id: 'crit-heading' }, 'Các tiêu chí'), h('p', { class: 'legend muted' }, h('span', { class: 'ev-mark ev-mark--used' }, '✓'), ' sự kiện được tính · ', h('span', { class: 'ev-mark ev-mark--ignored' }, '✗'), ' sự kiện không tính (kèm lý do)')),
      h('div', { class: 'criteria' }, s.criteria.map((c) => criterion(c, data.events))),
    ),
    h(
      'section',
      { class: 'block', 'aria-labelledby': 'result-heading' },
      h('h2', { id: 'result-heading' }, 'Tổng hợp kết quả'),
      h(
        'div',
        { class: 'rules' },
        ruleBlock('Điểm thưởng', `${fmtNum(s.bonus.points)} điểm`, s.bonus.rule.text, null, eventList(s.bonus.used, s.bonus.ignored, data.events)),
        ruleBlock('Tổng điểm', `${fmtPoints(s.total)} / 100`, s.totalRule.text, [s.totalComputation.text]),
        ruleBlock(
          'Điểm nóng, kỷ luật (veto)',
          s.vetoes.length ? s.vetoes.map((v) => VETO_LABEL[v.id] ?? v.id).join(', ') : 'không có',
          null,
          s.vetoes.map((v) => v.rule.text),
          s.vetoes.length ? eventList(s.vetoes.flatMap((v) => v.events), [], data.events, '!') : null,
        ),
        ruleBlock('Xếp loại', s.tier ? TIER_LABEL[s.tier] : s.complete ? '—' : NOT_RATED, s.tierRule?.text, [s.tierComputation.text]),
        ruleBlock('Xếp hạng', s.rank ? `Hạng ${s.rank}` : '—', s.rankRule.text, [s.rankComputation.text]),
        ruleBlock('Danh hiệu', s.titles.length ? unitBadges(s) : 'không', null, [...s.titleRules.map((r) => r.text), ...s.titleComputations.map((r) => r.text)]),
      ),
    ),
    rejectedBlock(data.rejected),
    h('p', { class: 'muted small' }, `Bộ tiêu chí ${s.rulebook.id} phiên bản ${s.rulebook.version} (${s.rulebook.hash})`),
  );
}

function unitHeader(data, year, years) {
  const s = data.scorecard;
  const u = data.unit;
  const known = new Set(years.map((y) => y.year));
  return h(
    'header',
    { class: 'unit-head' },
    h('h2', { id: 'unit-heading', tabindex: '-1' }, s.name),
    h(
      'p',
      { class: 'muted' },
      `${KIND_LABEL[s.kind] ?? s.kind} · mã `,
      h('code', null, s.unitId),
      u && u.name !== s.name ? ` · tên hiện nay: ${u.name}` : '',
      u?.ended ? ` · ${endedText(u.ended)}` : '',
    ),
    h(
      'nav',
      { class: 'year-chips', 'aria-label': 'Các năm của đơn vị' },
      data.years.map((y) =>
        y === year
          ? h('span', { class: 'chip chip--on', 'aria-current': 'page' }, String(y))
          : known.has(y)
            ? link(`#/unit/${encodeURIComponent(s.unitId)}/${y}`, String(y))
            : null,
      ),
    ),
  );
}

function summary(s) {
  const tile = (label, value, cls) => h('div', { class: `tile ${cls ?? ''}` }, h('span', { class: 'tile-label' }, label), h('span', { class: 'tile-value' }, value));
  return h(
    'section',
    { class: 'tiles', 'aria-label': 'Kết quả năm' },
    tile('Tổng điểm', h('span', { dataset: { total: s.total } }, fmtPoints(s.total), h('small', null, ' / 100'))),
    tile('Xếp loại, danh hiệu', unitBadges(s).length ? unitBadges(s) : s.complete ? '—' : badge('unrated', NOT_RATED)),
    tile('Xếp hạng', s.rank ? `${s.rank}` : '—'),
    tile('Báo cáo đúng hạn', `${s.monthsOnTime}/12 tháng`),
    s.vetoes.length ? tile('Veto', s.vetoes.map((v) => badge('veto', `⚠ ${VETO_LABEL[v.id] ?? v.id}`)), 'tile--warn') : null,
    s.complete ? null : tile('Chưa đủ tiêu chí', `thiếu ${s.missing.join(', ')}`, 'tile--warn'),
  );
}

function criterion(c, events) {
  const pct = c.points === null ? 0 : Math.round((100 * c.points) / c.max);
  return h(
    'article',
    { class: `crit-card ${c.points === null ? 'crit-card--missing' : ''}`, dataset: { criterion: c.id } },
    h(
      'header',
      null,
      h('h3', null, h('span', { class: 'crit-id' }, c.id), ' ', c.name.vi),
      h('p', { class: 'crit-points' }, c.points === null ? h('span', { class: 'missing' }, 'Chưa chấm') : h('strong', null, fmtNum(c.points)), ` / ${fmtNum(c.max)}`),
    ),
    h('meter', { min: '0', max: String(c.max), value: String(c.points ?? 0), 'aria-label': `${c.id}: ${c.points ?? 0} trên ${c.max} điểm (${pct}%)` }),
    h(
      'dl',
      { class: 'crit-dl' },
      h('dt', null, 'Nguồn'),
      h('dd', null, SOURCE_LABEL[c.source] ?? c.source),
      h('dt', null, 'Quy tắc'),
      h('dd', { class: 'rule' }, c.rule.text),
      h('dt', null, 'Cách tính'),
      h('dd', { class: 'computation' }, c.computation.text),
    ),
    eventList(c.used, c.ignored, events),
  );
}

function eventList(used, ignored, events, usedMark = '✓') {
  if (!used.length && !ignored.length) return h('p', { class: 'muted no-events' }, 'Không có sự kiện nào.');
  return h('ul', { class: 'events' }, used.map((n) => eventItem(n, events, 'used', usedMark)), ignored.map((n) => eventItem(n, events, 'ignored', '✗')));
}

function eventItem(n, events, cls, mark) {
  const e = events[String(n.position)];
  return h(
    'li',
    { class: `ev ev--${cls}`, dataset: { position: n.position, eventId: e?.eventId ?? '' } },
    h('span', { class: `ev-mark ev-mark--${cls}`, 'aria-label': cls === 'used' ? 'được tính' : 'không tính' }, mark),
    h(
      'div',
      { class: 'ev-body' },
      h('p', { class: 'ev-note' }, n.note.text),
      e
        ? h(
            'details',
            { class: 'ev-meta' },
            h('summary', null, h('span', { class: 'ev-type' }, e.type), ` #${n.position} · `, h('code', { class: 'ev-id' }, e.eventId)),
            h(
              'dl',
              null,
              h('dt', null, 'Thời điểm'),
              h('dd', null, fmtLocal(e.occurredAt)),
              h('dt', null, 'Nguồn gửi'),
              h('dd', null, e.source),
              h('dt', null, 'Ghi nhận'),
              h('dd', null, e.recordedAt),
              h('dt', null, 'Dữ liệu'),
              h('dd', null, h('pre', null, JSON.stringify(e.data, null, 2))),
            ),
          )
        : h('p', { class: 'muted' }, `#${n.position} (không đọc được sự kiện)`),
    ),
  );
}

function ruleBlock(title, value, rule, extraRules, extra) {
  return h(
    'div',
    { class: 'rule-block' },
    h('h3', null, title, ': ', h('span', { class: 'rule-value' }, value)),
    rule ? h('p', { class: 'rule' }, rule) : null,
    extraRules?.length ? h('ul', { class: 'rule-list' }, extraRules.map((r) => h('li', { class: 'rule' }, r))) : null,
    extra ?? null,
  );
}

function rejectedBlock(rejected) {
  return h(
    'section',
    { class: 'block', 'aria-labelledby': 'rej-heading' },
    h('h2', { id: 'rej-heading' }, 'Sự kiện bị loại khỏi việc chấm điểm'),
    rejected.length
      ? h(
          'ul',
          { class: 'events' },
          rejected.map((r) =>
            h(
              'li',
              { class: 'ev ev--rejected', dataset: { position: r.position, eventId: r.eventId ?? '' } },
              h('span', { class: 'ev-mark ev-mark--ignored', 'aria-label': 'bị loại' }, '✗'),
              h('div', { class: 'ev-body' }, h('p', { class: 'ev-note' }, r.reason.text), h('p', { class: 'muted' }, h('span', { class: 'ev-type' }, r.type), ` #${r.position} · `, h('code', { class: 'ev-id' }, r.eventId ?? '—'), ` · ${r.code}`)),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'Không có sự kiện nào của đơn vị trong năm này bị loại.'),
  );
}

function endedText(ended) {
  return ended.text;
}

function notScored(unitId, year, unit, err) {
  if (!unit) return h('section', { class: 'block notice' }, h('h2', { tabindex: '-1' }, 'Không tìm thấy đơn vị'), h('p', null, `Không có đơn vị mã “${unitId}”.`), h('p', { class: 'muted' }, err?.message ?? ''));
  const u = unit.unit;
  return h(
    'section',
    { class: 'block notice' },
    h('h2', { id: 'unit-heading', tabindex: '-1' }, u.name),
    h('p', { class: 'muted' }, `${KIND_LABEL[u.kind] ?? u.kind} · mã `, h('code', null, u.unitId), u.ended ? ` · ${endedText(u.ended)}` : ''),
    h(
      'p',
      null,
      u.kind === 'village'
        ? `Thôn, khu phố không có phiếu chấm điểm; đơn vị chỉ được tính trong chỉ tiêu K6 (có mô hình “Dân vận khéo”).`
        : `Đơn vị không có phiếu chấm điểm năm ${year}.`,
    ),
    h('p', { class: 'muted small' }, err?.message ?? ''),
    unit.years.length
      ? h('div', null, h('h3', null, 'Các năm có kết quả'), h('ul', { class: 'year-list' }, unit.years.map((y) => h('li', null, link(`#/unit/${encodeURIComponent(u.unitId)}/${y.year}`, `${y.year}`), ` — ${fmtPoints(y.total)} điểm`, y.rank ? `, hạng ${y.rank}` : '', ' ', unitBadges(y)))))
      : null,
  );
}
