// Browser helpers: building elements with text (never markup from data), escaping for the chart
// library's HTML tooltips, and number/time formats. Runs in the page, compiled with the rest of musicflow.

interface ElementProps {
  className?: string;
  text?: string | number | null;
  title?: string;
}

/** An element whose text is set as text: data never becomes markup. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined && props.text !== null) node.textContent = String(props.text);
  if (props.title) node.title = props.title;
  for (const child of children) node.appendChild(child);
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`page is missing #${id}`);
  return node as T;
}

export function setText(id: string, value: string | number | null | undefined): void {
  byId(id).textContent = value === null || value === undefined ? '–' : String(value);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For the one place markup is built from data: chart tooltips, which the chart library renders as HTML. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A definition list from [term, value] pairs; a pair with a null term starts a titled section. */
export function fillFacts(list: HTMLElement, facts: Array<[string | null, string | number | null]>): void {
  list.replaceChildren(...facts.flatMap(([term, value]) => (term === null
    ? [el('div', { className: 'section', text: value })]
    : [el('dt', { text: term }), el('dd', { text: value ?? '–' })])));
}

export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US');
}

export function fmtPct(share: number | null | undefined, digits = 1): string {
  return share === null || share === undefined ? '–' : `${(share * 100).toFixed(digits)}%`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2014-10-20 08:25" in UTC, as the log's times are meant. */
export function fmtTime(ms: number | null | undefined, seconds = false): string {
  if (ms === null || ms === undefined) return '–';
  const d = new Date(ms);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return seconds ? `${base}:${pad(d.getUTCSeconds())}` : base;
}
