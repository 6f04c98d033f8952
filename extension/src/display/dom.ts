/** Small DOM builders for the renderers: text only (textContent), never HTML strings. */

type Child = Node | string | null | undefined | false;

/** An element with a class (`jp-cryoprotect-` names), attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; title?: string; attrs?: Record<string, string> } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) {
    node.className = props.className;
  }
  if (props.title) {
    node.title = props.title;
  }
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child);
    }
  }
  return node;
}

/** A two-column table of labelled values (a property table), or null when there is nothing to show. */
export function factTable(
  caption: string | null,
  rows: readonly (readonly [string, Child, string?])[]
): HTMLTableElement | null {
  if (rows.length === 0) {
    return null;
  }
  return h(
    'table',
    { className: 'jp-cryoprotect-Facts' },
    caption ? h('caption', {}, caption) : null,
    h(
      'tbody',
      {},
      ...rows.map(([label, value, title]) =>
        h('tr', {}, h('th', { attrs: { scope: 'row' } }, label), h('td', { title }, value))
      )
    )
  );
}

/** A table with a header row; `numeric` columns align right. */
export function dataTable(
  className: string,
  headers: readonly { label: string; numeric?: boolean; title?: string }[],
  rows: readonly (readonly (Child | { text: string; title?: string })[])[],
  caption?: string
): HTMLTableElement {
  const cell = (
    tag: 'td' | 'th',
    value: Child | { text: string; title?: string },
    numeric?: boolean
  ) => {
    const className = numeric ? 'jp-cryoprotect-numeric' : undefined;
    if (value !== null && typeof value === 'object' && 'text' in value) {
      return h(tag, { className, title: value.title }, value.text);
    }
    return h(tag, { className }, value);
  };
  return h(
    'table',
    { className: `jp-cryoprotect-Table ${className}` },
    caption ? h('caption', {}, caption) : null,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...headers.map(header =>
          h(
            'th',
            {
              className: header.numeric ? 'jp-cryoprotect-numeric' : undefined,
              title: header.title,
              attrs: { scope: 'col' }
            },
            header.label
          )
        )
      )
    ),
    h(
      'tbody',
      {},
      ...rows.map(row =>
        h('tr', {}, ...row.map((value, index) => cell('td', value, headers[index]?.numeric)))
      )
    )
  );
}

/** A bulleted list, or null when empty. */
export function list(className: string, items: readonly Child[]): HTMLUListElement | null {
  return items.length === 0
    ? null
    : h('ul', { className }, ...items.map(item => h('li', {}, item)));
}

/** A heading-and-content section of a methods-style report. */
export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { className: 'jp-cryoprotect-Section' }, h('h4', {}, title), ...children);
}
