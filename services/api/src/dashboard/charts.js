// Small charts drawn with uPlot (served from node_modules, no CDN): a KPI over the years with its
// target line(s), and the histogram of totals of a ranking list. Each chart has a text alternative
// (aria-label on its figure) since a canvas says nothing to a screen reader.
//
// uPlot is node_modules/uplot/dist/uPlot.esm.js, served by the API at assets/vendor/ (see
// dashboard.ts); it is imported by URL because the file only exists at that address, not next to
// this one in the source tree.
const { default: uPlot } = await import(new URL('./vendor/uPlot.esm.js', import.meta.url).href);

const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';
const AXIS = { stroke: '#44403c', font: FONT, grid: { stroke: '#e7e5e4', width: 1 }, ticks: { stroke: '#d6d3d1', width: 1, size: 4 } };
const live = new Set();

/** Keeps every chart as wide as its box (phone rotation, window resizes). */
const resizer = new ResizeObserver((entries) => {
  for (const e of entries) {
    const u = e.target.__uplot;
    const w = Math.floor(e.contentRect.width);
    if (u && w > 0 && Math.abs(u.width - w) > 1) u.setSize({ width: w, height: u.height });
  }
});

function mount(el, opts, data) {
  const width = Math.max(200, Math.floor(el.getBoundingClientRect().width) || 280);
  const u = new uPlot({ ...opts, width }, data, el);
  el.__uplot = u;
  live.add(u);
  resizer.observe(el);
  return u;
}

/** Destroys the charts inside a container that is about to be replaced. */
export function disposeCharts(root) {
  for (const u of [...live]) {
    if (!root || root.contains(u.root)) {
      resizer.unobserve(u.root.parentElement);
      u.destroy();
      live.delete(u);
    }
  }
}

/**
 * A KPI over the years: the values as a line with points, the target(s) as dashed lines, the
 * selected year as a ring.
 */
export function kpiChart(el, { years, values, targets, unit, selected, met }) {
  const targetSeries = targets.map((t) => years.map(() => t));
  const all = [...values.filter((v) => v !== null), ...targets];
  // zoomed on the values and targets (with a margin), within 0–100 for shares
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = unit === '%' ? Math.max(5, (hi - lo) * 0.25) : Math.max(1, Math.ceil((hi - lo) * 0.25));
  const min = Math.max(0, Math.floor((lo - pad) / (unit === '%' ? 5 : 1)) * (unit === '%' ? 5 : 1));
  const max = unit === '%' ? Math.min(100, Math.ceil((hi + pad) / 5) * 5) : Math.ceil(hi + pad);
  const colour = met === false ? '#b91c1c' : met === true ? '#15803d' : '#1d4ed8';
  const fmt = (v) => (v === null || v === undefined ? '—' : `${String(v).replace('.', ',')}${unit}`);
  return mount(
    el,
    {
      height: 96,
      legend: { show: false },
      cursor: { show: true, x: false, y: false, points: { size: 8 } },
      padding: [8, 8, 0, 0],
      scales: { x: { time: false, range: [years[0] - 0.3, years[years.length - 1] + 0.3] }, y: { range: [min, max + (max - min) * 0.06] } },
      axes: [
        { ...AXIS, size: 24, space: 30, incrs: [1, 2, 5, 10], values: (_u, vs) => vs.map((v) => (Number.isInteger(v) ? String(v) : '')), grid: { show: false } },
        { ...AXIS, size: 46, space: 22, incrs: unit === '%' ? [1, 2, 5, 10, 20, 25, 50] : [1, 2, 5, 10, 20, 50, 100], values: (_u, vs) => vs.map((v) => `${v}${unit}`) },
      ],
      series: [
        {},
        { label: 'Giá trị', stroke: colour, width: 2, points: { show: true, size: 5, fill: colour }, value: (_u, v) => fmt(v) },
        ...targetSeries.map(() => ({ label: 'Mục tiêu', stroke: '#a16207', width: 1.5, dash: [5, 4], points: { show: false } })),
      ],
      hooks: {
        draw: [
          (u) => {
            const i = years.indexOf(selected);
            const v = values[i];
            if (i < 0 || v === null || v === undefined) return;
            const { ctx } = u;
            const x = u.valToPos(selected, 'x', true);
            const y = u.valToPos(v, 'y', true);
            ctx.save();
            ctx.setLineDash([]);
            ctx.beginPath();
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.strokeStyle = '#1c1917';
            ctx.arc(x, y, 6 * devicePixelRatio, 0, 2 * Math.PI);
            ctx.stroke();
            ctx.restore();
          },
        ],
      },
    },
    [years, values, ...targetSeries],
  );
}

/** Bins of 5 points: [0,5), [5,10) … [95,100]. */
export function histogramBins(totals, width = 5) {
  const n = Math.ceil(100 / width);
  const counts = new Array(n).fill(0);
  for (const t of totals) counts[Math.min(n - 1, Math.max(0, Math.floor(t / width)))]++;
  return counts.map((c, i) => ({ from: i * width, to: (i + 1) * width, count: c }));
}

/** The distribution of totals of a ranking list. */
export function histogram(el, totals, { colour = '#1d4ed8' } = {}) {
  const all = histogramBins(totals);
  // from the first ten with a unit in it up to 100: no wide empty stretch on the left
  const from = Math.min(50, Math.floor(Math.min(100, ...totals) / 10) * 10);
  const bins = all.filter((b) => b.from >= from);
  const xs = bins.map((b) => b.from + 2.5);
  const ys = bins.map((b) => b.count || null); // no bar (not even a hairline) for an empty bin
  const splits = [];
  for (let x = from; x <= 100; x += from < 50 ? 10 : 5) splits.push(x);
  return mount(
    el,
    {
      height: 150,
      legend: { show: false },
      cursor: { show: false },
      padding: [10, 10, 0, 0],
      scales: { x: { time: false, range: [from, 100] }, y: { range: [0, Math.max(1, ...bins.map((b) => b.count)) * 1.18] } },
      axes: [
        { ...AXIS, size: 30, splits: () => splits, values: (_u, vs) => vs.map(String), grid: { show: false } },
        { ...AXIS, size: 36, space: 28, incrs: [1, 2, 5, 10, 20, 50, 100], values: (_u, vs) => vs.map((v) => (Number.isInteger(v) ? String(v) : '')) },
      ],
      series: [{}, { label: 'Số đơn vị', stroke: colour, fill: `${colour}cc`, width: 1, paths: uPlot.paths.bars({ size: [0.92, 100] }), points: { show: false } }],
      hooks: {
        draw: [
          (u) => {
            // the count on top of each non-empty bar
            const { ctx } = u;
            ctx.save();
            ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
            ctx.fillStyle = '#1c1917';
            ctx.textAlign = 'center';
            bins.forEach((b, i) => {
              if (!b.count) return;
              ctx.fillText(String(b.count), u.valToPos(xs[i], 'x', true), u.valToPos(b.count, 'y', true) - 4 * devicePixelRatio);
            });
            ctx.restore();
          },
        ],
      },
    },
    [xs, ys],
  );
}
