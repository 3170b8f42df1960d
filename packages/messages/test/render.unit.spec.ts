import { describe, expect, it } from 'vitest';
import { msg } from '@dvk/contracts';
import { langFromAcceptLanguage, parseLang, renderer, rulebookTextProblems } from '../src/index.js';

describe('rendering a message', () => {
  const vi = renderer('vi');
  const en = renderer('en');

  it('writes points, dates and lists as a Vietnamese reader does', () => {
    expect(vi.render(msg('calc.assessed', { points: 1210, max: 2000 }))).toBe('12,1 / 20 điểm');
    expect(vi.render(msg('note.report.month', { month: 4, submitted: '2020-05-05', due: '2020-05-05', onTime: true }))).toBe(
      'Tháng 4: nộp ngày 05/05/2020, hạn nộp 05/05/2020 → đúng hạn',
    );
    expect(vi.render(msg('calc.tier.incomplete', { missing: ['A1', 'A2', 'A7'] }))).toBe('Chưa xếp loại: phiếu chấm chưa đủ tiêu chí (thiếu A1, A2 và A7)');
    expect(vi.render(msg('calc.kpi.share', { numerator: 39531, denominator: 40000 }))).toBe('39.531 / 40.000 đơn vị');
    expect(vi.render(msg('roll.active', { year: 2020 }))).toBe('Có trong danh sách đơn vị đánh giá năm 2020: đã đăng ký, còn hoạt động ngày 31/12/2020');
  });

  it('writes English the English way', () => {
    expect(en.render(msg('calc.assessed', { points: 1210, max: 2000 }))).toBe('12.1 / 20 points');
    expect(en.render(msg('calc.dialogues', { held: 1, points: 250 }))).toBe('1 dialogue → 2.5 points');
    expect(en.render(msg('calc.dialogues', { held: 3, points: 500 }))).toBe('3 dialogues → 5 points');
  });

  it('reads the labels of closed sets, nested messages and empty lists', () => {
    expect(vi.render(msg('calc.tier.capped', { total: 8600, min: 8000, tier: 'good', vetoes: ['hotspot', 'discipline'], capTier: 'fair' }))).toBe(
      'Tổng điểm 86 ≥ 80 → “Hoạt động tốt”; có yếu tố khống chế (điểm nóng, điểm phức tạp và kỷ luật) nên không xếp cao hơn “Khá”',
    );
    expect(vi.render(msg('rejected.invalid_merge', { problems: [msg('merge.into_itself', { unitId: 'x' }), msg('merge.source_not_registered', { unitId: 'y' })] }))).toBe(
      'Sáp nhập không hợp lệ: không thể sáp nhập đơn vị x vào chính nó; đơn vị y chưa được đăng ký',
    );
    expect(vi.render(msg('calc.reporting', { max: 1000, onTime: 12, points: 1000, onTimeMonths: [1, 2], lateMonths: [], missingMonths: [] }))).toContain('tháng chậm hạn: không có');
  });

  it('quotes the rulebook’s own wording when the message carries it, with the same parameters', () => {
    const m = msg('rule.total', { cap: 10000, text: { vi: 'Tổng điểm không quá {cap, number, pts}.', en: 'At most {cap, number, pts}.' } });
    expect(vi.render(m)).toBe('Tổng điểm không quá 100.');
    expect(en.render(m)).toBe('At most 100.');
    expect(vi.render(msg('rule.total', { cap: 10000, text: null }))).toBe('Tổng điểm = tổng điểm các tiêu chí + điểm cộng, tối đa 100 điểm.');
  });

  it('wraps every catalogue text in the pseudo-locale, and leaves data alone', () => {
    const p = renderer('pseudo');
    expect(p.render(msg('calc.assessed', { points: 1210, max: 2000 }))).toBe('⟦12,1 / 20 điểm⟧');
    expect(p.label('tier', 'good')).toBe('⟦Hoạt động tốt⟧');
    expect(p.points(1225)).toBe('12,25');
  });

  it('adds the text next to the code and parameters of every message in a value', () => {
    const v = vi.withText({ a: [{ position: 3, note: msg('note.dialogue', { held: '2020-02-05' }) }], n: 1 });
    expect(v).toEqual({ a: [{ position: 3, note: { code: 'note.dialogue', params: { held: '2020-02-05' }, text: 'Đối thoại trực tiếp với nhân dân ngày 05/02/2020' } }], n: 1 });
  });

  it('picks a language from a flag or an Accept-Language header', () => {
    expect(parseLang('en-US')).toBe('en');
    expect(parseLang('VI')).toBe('vi');
    expect(parseLang('fr')).toBeUndefined();
    expect(langFromAcceptLanguage('fr-FR, en;q=0.8, vi;q=0.9')).toBe('vi');
    expect(langFromAcceptLanguage('en-GB,en;q=0.9')).toBe('en');
    expect(langFromAcceptLanguage('de')).toBe('vi');
    expect(langFromAcceptLanguage(undefined)).toBe('vi');
  });
});

describe('the rulebooks’ own wording', () => {
  it('uses only the parameters of each rule, in both languages, in every bundled rulebook', async () => {
    const { readFileSync } = await import('node:fs');
    const { loadRulebook, defaultRulebook, rulebookRules } = await import('@dvk/scoring');
    const example = loadRulebook(JSON.parse(readFileSync(new URL('../../../examples/rulebooks/tan-yen-2016-dvk90.json', import.meta.url), 'utf8')));
    if (example._tag === 'Left') throw new Error(example.left.message);
    for (const rb of [defaultRulebook(), example.right]) {
      const rules = rulebookRules(rb, 2020);
      expect(rules.filter((m) => m.params.text).length, rb.ref.id).toBeGreaterThan(20);
      expect(rulebookTextProblems(rules), rb.ref.id).toEqual([]);
    }
  });

  it('names a parameter a rule does not have', () => {
    const bad = msg('rule.total', { cap: 10000, text: { vi: 'tối đa {cap, number, pts} năm {year}', en: 'at most {cap, number, pts}' } });
    expect(rulebookTextProblems([bad])).toEqual(['rule.total (vi): {year} is not a parameter of this rule (it has: cap)']);
  });
});
