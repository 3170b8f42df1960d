export { LANGS, DEFAULT_LANG, CATALOGUES, FORMATS, Renderer, renderer, parseLang, langFromAcceptLanguage, rulebookTextProblems, type Lang, type RenderedMsg } from './render.js';
export { MESSAGES, EDGE_MESSAGES, LABELS, type EdgeCode } from './catalogue/codes.js';
