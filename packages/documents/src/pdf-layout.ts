import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';

/**
 * A few layout tools over PDFKit for Party documents: the bundled Noto Serif faces (they have
 * every Vietnamese glyph), A4 pages with the margins of the Party's document guidance, paragraphs
 * with keep-with-next, and tables that repeat their header and break between rows.
 */

const require = createRequire(import.meta.url);
const face = (dir: string, file: string) => require.resolve(`@expo-google-fonts/noto-serif/${dir}/${file}.ttf`);
export const FONT_FILES = {
  R: face('400Regular', 'NotoSerif_400Regular'),
  B: face('700Bold', 'NotoSerif_700Bold'),
  I: face('400Regular_Italic', 'NotoSerif_400Regular_Italic'),
  BI: face('700Bold_Italic', 'NotoSerif_700Bold_Italic'),
} as const;
export type Face = keyof typeof FONT_FILES;

export const MM = 72 / 25.4;
/** Top 20 mm, bottom 25 mm (the verification footer sits in it), left 30 mm, right 15 mm. */
export const MARGINS = { top: 20 * MM, bottom: 25 * MM, left: 30 * MM, right: 15 * MM };

export type Doc = PDFKit.PDFDocument;
export type Layout = 'portrait' | 'landscape';

export function newDocument(info: PDFKit.DocumentInfo): Doc {
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGINS,
    bufferPages: true,
    autoFirstPage: true,
    info,
    lang: 'vi-VN',
    displayTitle: true,
    pdfVersion: '1.7',
  });
  for (const [name, file] of Object.entries(FONT_FILES)) doc.registerFont(name, file);
  doc.font('R');
  return doc;
}

export async function finish(doc: Doc): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

export const left = (doc: Doc) => doc.page.margins.left;
export const contentWidth = (doc: Doc) => doc.page.width - doc.page.margins.left - doc.page.margins.right;
export const bottom = (doc: Doc) => doc.page.height - doc.page.margins.bottom;

/** Pages added by PDFKit itself (a paragraph running over) take the layout set here. */
export function addPage(doc: Doc, layout: Layout): void {
  (doc.options as { layout?: Layout }).layout = layout;
  doc.addPage({ size: 'A4', layout, margins: MARGINS });
}

export function currentLayout(doc: Doc): Layout {
  return doc.page.width > doc.page.height ? 'landscape' : 'portrait';
}

/** Starts a new page unless `height` points still fit on this one. */
export function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottom(doc) - 1) addPage(doc, currentLayout(doc));
}

export interface TextStyle {
  face?: Face;
  size?: number;
  align?: 'left' | 'center' | 'right' | 'justify';
  indent?: number;
  gapAfter?: number;
  lineGap?: number;
  underline?: boolean;
}

export function para(doc: Doc, text: string, s: TextStyle = {}): void {
  doc.font(s.face ?? 'R').fontSize(s.size ?? 12);
  doc.text(text, left(doc), doc.y, {
    width: contentWidth(doc),
    align: s.align ?? 'justify',
    indent: s.indent ?? 0,
    lineGap: s.lineGap ?? 2,
    underline: s.underline ?? false,
  });
  doc.y += s.gapAfter ?? 4;
}

/** A heading kept with at least `keep` points of what follows it. */
export function heading(doc: Doc, text: string, s: TextStyle & { keep?: number } = {}): void {
  doc.font(s.face ?? 'B').fontSize(s.size ?? 12);
  const h = doc.heightOfString(text, { width: contentWidth(doc) - (s.indent ?? 0) });
  doc.y += 4;
  ensureSpace(doc, h + (s.keep ?? 60));
  para(doc, text, { face: 'B', align: 'left', gapAfter: 4, ...s });
}

export interface Column {
  header: string;
  /** Points; the last column with `flex` takes what the others leave. */
  width?: number;
  flex?: boolean;
  align?: 'left' | 'center' | 'right';
}

export interface TableOptions {
  size?: number;
  headerSize?: number;
  /** Rows drawn in bold (e.g. a total). */
  boldRows?: ReadonlySet<number>;
  pad?: number;
}

const GREY = '#e6e6e6';

function columnWidths(doc: Doc, columns: readonly Column[]): number[] {
  const total = contentWidth(doc);
  const fixed = columns.reduce((s, c) => s + (c.flex ? 0 : (c.width ?? 0)), 0);
  const flexCount = columns.filter((c) => c.flex).length || 1;
  return columns.map((c) => (c.flex ? (total - fixed) / flexCount : (c.width ?? 0)));
}

function rowHeight(doc: Doc, widths: readonly number[], cells: readonly string[], bold: boolean, size: number, pad: number): number {
  doc.font(bold ? 'B' : 'R').fontSize(size);
  let h = 0;
  cells.forEach((t, i) => (h = Math.max(h, doc.heightOfString(t || ' ', { width: widths[i]! - 2 * pad, lineGap: 0 }))));
  return h + 2 * pad;
}

/** The height a table would take (header and every row, on one page). */
export function measureTable(doc: Doc, columns: readonly Column[], rows: readonly (readonly string[])[], o: TableOptions = {}): number {
  const size = o.size ?? 10;
  const pad = o.pad ?? 3;
  const widths = columnWidths(doc, columns);
  let h = rowHeight(doc, widths, columns.map((c) => c.header), true, o.headerSize ?? size, pad);
  rows.forEach((r, i) => (h += rowHeight(doc, widths, r, o.boldRows?.has(i) ?? false, size, pad)));
  return h + 8;
}

/**
 * Draws a table from the current position; rows never split, the header repeats on every page,
 * and a table shorter than half a page is kept on one page.
 */
export function table(doc: Doc, columns: readonly Column[], rows: readonly (readonly string[])[], o: TableOptions = {}): void {
  const size = o.size ?? 10;
  const headerSize = o.headerSize ?? size;
  const pad = o.pad ?? 3;
  const widths = columnWidths(doc, columns);
  const heightOf = (cells: readonly string[], bold: boolean, fs: number) => rowHeight(doc, widths, cells, bold, fs, pad);
  const draw = (cells: readonly string[], y: number, h: number, header: boolean, bold: boolean, fs: number) => {
    let x = left(doc);
    cells.forEach((t, i) => {
      const w = widths[i]!;
      if (header) doc.rect(x, y, w, h).fill(GREY);
      doc.lineWidth(0.5).strokeColor('#000000').rect(x, y, w, h).stroke();
      doc.fillColor('#000000').font(header || bold ? 'B' : 'R').fontSize(fs);
      const th = doc.heightOfString(t || ' ', { width: w - 2 * pad, lineGap: 0 });
      const dy = header ? (h - th) / 2 : pad;
      doc.text(t, x + pad, y + dy, { width: w - 2 * pad, align: header ? 'center' : (columns[i]!.align ?? 'left'), lineGap: 0 });
      x += w;
    });
  };

  const whole = measureTable(doc, columns, rows, o);
  if (whole < (bottom(doc) - doc.page.margins.top) / 2) ensureSpace(doc, whole);
  const headerCells = columns.map((c) => c.header);
  const hh = heightOf(headerCells, true, headerSize);
  let y = doc.y;
  const firstRow = rows[0] ? heightOf(rows[0], o.boldRows?.has(0) ?? false, size) : 0;
  if (y + hh + firstRow > bottom(doc) - 1) {
    addPage(doc, currentLayout(doc));
    y = doc.y;
  }
  draw(headerCells, y, hh, true, true, headerSize);
  y += hh;
  rows.forEach((r, i) => {
    const bold = o.boldRows?.has(i) ?? false;
    const h = heightOf(r, bold, size);
    if (y + h > bottom(doc) - 1) {
      addPage(doc, currentLayout(doc));
      y = doc.y;
      draw(headerCells, y, hh, true, true, headerSize);
      y += hh;
    }
    draw(r, y, h, false, bold, size);
    y += h;
  });
  doc.x = left(doc);
  doc.y = y + 8;
}
