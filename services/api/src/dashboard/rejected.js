// The auditors' page (#/rejected): every event kept in the log but excluded from scoring, and why.
import { getJSON } from './api.js';
import { clear, h, link } from './dom.js';
import { fmtNum } from './labels.js';

const PAGE = 100;

export async function renderRejected(root, { offset = 0 } = {}) {
  const r = await getJSON(`v1/rejected?limit=${PAGE}&offset=${offset}`);
  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Trang' },
    offset > 0 ? link(`#/rejected/${Math.max(0, offset - PAGE)}`, '← Trang trước') : null,
    h('span', { class: 'muted' }, r.total ? `${fmtNum(offset + 1)}–${fmtNum(Math.min(r.total, offset + r.items.length))} / ${fmtNum(r.total)}` : ''),
    offset + PAGE < r.total ? link(`#/rejected/${offset + PAGE}`, 'Trang sau →') : null,
  );
  clear(root).append(
    h(
      'section',
      { class: 'block', 'aria-labelledby': 'rejected-heading' },
      h('h2', { id: 'rejected-heading', tabindex: '-1' }, 'Sự kiện bị loại khỏi việc chấm điểm'),
      h('p', { class: 'muted' }, 'Các sự kiện đúng định dạng nhưng không phù hợp với trạng thái (đơn vị chưa đăng ký, tiêu chí không thuộc loại đơn vị, điểm vượt mức tối đa…) vẫn được lưu trong nhật ký nhưng không được tính điểm.'),
      r.total === 0
        ? h('p', null, 'Không có sự kiện nào bị loại.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'ranking rejected' },
              h('thead', null, h('tr', null, ['Vị trí', 'Năm', 'Đơn vị', 'Loại sự kiện', 'Mã sự kiện', 'Lý do'].map((t) => h('th', { scope: 'col' }, t)))),
              h(
                'tbody',
                null,
                r.items.map((x) =>
                  h(
                    'tr',
                    { dataset: { position: x.position } },
                    h('td', { class: 'num', 'data-label': 'Vị trí' }, `#${x.position}`),
                    h('td', { 'data-label': 'Năm' }, x.year ?? '—'),
                    h('td', { 'data-label': 'Đơn vị' }, x.unitId && x.year ? link(`#/unit/${encodeURIComponent(x.unitId)}/${x.year}`, x.unitId) : (x.unitId ?? '—')),
                    h('td', { 'data-label': 'Loại sự kiện' }, x.type),
                    h('td', { 'data-label': 'Mã sự kiện' }, h('code', null, x.eventId ?? '—')),
                    h('td', { 'data-label': 'Lý do' }, x.reason.text, h('span', { class: 'muted' }, ` (${x.code})`)),
                  ),
                ),
              ),
            ),
          ),
      pager,
    ),
  );
}
