/** Small DOM helpers: the page's fixed elements by id, and elements built from a tag, properties and children. */

/** An element of index.html by id; its absence is a bug of the page, reported as such. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`gcam viewer: the page has no element #${id}`);
  return e as T;
}

type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], 'style' | 'dataset'>> & {
  dataset?: Record<string, string>;
};

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props<K> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(e, rest);
  if (dataset) Object.assign(e.dataset, dataset);
  e.append(...children);
  return e;
}

/** Replaces an element's children. */
export function fill(parent: Element, children: readonly (Node | string)[]): void {
  parent.replaceChildren(...children);
}
