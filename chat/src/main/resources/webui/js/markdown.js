// Model output shown as Markdown, safely: markdown-it with HTML switched off escapes any HTML in
// the answer (it appears as text, never as elements), and its link check refuses javascript:,
// vbscript:, file: and data: URLs. Images are not rendered at all (an answer must not make the
// browser fetch anything). The page's Content-Security-Policy backs this up.
import markdownit from '../vendor/markdown-it/dist/browser/markdown-it.esm.min.mjs';

const md = markdownit({ html: false, linkify: false, typographer: false }).disable('image');

export function renderMarkdown(element, text) {
  element.innerHTML = md.render(text);
  for (const link of element.querySelectorAll('a')) {
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
  }
}

/** For text that grows while it streams: re-renders at most once per frame, always ending on the last text. */
export function liveMarkdown(element) {
  let latest = null;
  return text => {
    if (latest === null) {
      requestAnimationFrame(() => {
        renderMarkdown(element, latest);
        latest = null;
      });
    }
    latest = text;
  };
}
