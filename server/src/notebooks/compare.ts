import { PROGRESS_MIME } from '@cryoprotect/kernel/node';
import { cryoprotectMetadata, joinedText, type Notebook, type NotebookOutput } from './notebook.js';

/**
 * Outputs compared the way a reviewer would: text exactly (or, where the notebook or the cell
 * states a tolerance, numbers within it and every other character the same), JSON payloads
 * value by value under the same rule, SVG and HTML drawings by their structure (how many of each
 * element) rather than their coordinates, raster images skipped with the reason. Volatile text —
 * times, dates, durations, ids, absolute paths, and any pattern the notebook names — is masked on
 * both sides before comparing, and the mask's name stays in its place so a reader sees what was
 * left out.
 *
 * Metadata (notebook or cell, the cell's winning):
 *   "cryoprotect": { "check": {
 *       "tolerance": { "relative": 1e-9, "absolute": 0 },
 *       "volatile": [{ "name": "run times", "pattern": "took \\d+ ms" }],   (notebook only)
 *       "skip": "prints the wall-clock time of training"                    (cell only) } }
 */

export interface Tolerance {
  relative: number;
  absolute: number;
}

export interface VolatilePattern {
  name: string;
  pattern: RegExp;
}

/** Always masked: what differs between two faithful runs on two machines or two days. */
export const BUILT_IN_VOLATILE: readonly VolatilePattern[] = [
  {
    name: 'time',
    pattern: /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g
  },
  { name: 'date', pattern: /\b\d{4}-\d{2}-\d{2}\b/g },
  // A server a notebook starts or is given for the run listens where the machine had a free port.
  { name: 'local address', pattern: /\bhttps?:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?/g },
  { name: 'id', pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi },
  { name: 'duration', pattern: /\b\d+(?:\.\d+)?\s?(?:ms|s)\b/g },
  { name: 'path', pattern: /\/(?:tmp|home|root|Users|var|private|work)\/[^\s"'<>)\]]*/g }
];

/** One output reduced to what is compared: per MIME type (or "text" for streams and errors). */
export interface ComparableOutput {
  /** stream:stdout, stream:stderr, display, result or error. */
  type: string;
  data: Record<string, Comparable>;
}

export type Comparable =
  | { text: string }
  | { json: unknown }
  | { structure: string }
  | { text: string; structure: string }
  | { skipped: string };

export interface ComparableCell {
  /** 1-based position among all cells, as a reader counts them. */
  cell: number;
  id: string | null;
  skip?: string;
  tolerance?: Tolerance;
  outputs: ComparableOutput[];
}

export interface CheckSettings {
  tolerance: Tolerance;
  volatile: VolatilePattern[];
}

export interface Difference {
  cell: number;
  id: string | null;
  /** Where in the cell: "outputs", "output 2 text/plain", "output 1 application/…json $.mae". */
  where: string;
  expected: string;
  actual: string;
}

export const EXACT: Tolerance = { relative: 0, absolute: 0 };

/** The notebook's check settings from its metadata; a bad pattern is an error naming it. */
export function checkSettings(nb: Notebook): CheckSettings {
  const check = Private.object(cryoprotectMetadata(nb.metadata).check);
  const volatile = [...BUILT_IN_VOLATILE];
  const named = check.volatile;
  if (named !== undefined) {
    if (!Array.isArray(named)) {
      throw new Error('metadata.cryoprotect.check.volatile: expected a list of {name, pattern}');
    }
    for (const [i, entry] of named.entries()) {
      const { name, pattern } = Private.object(entry);
      if (typeof name !== 'string' || typeof pattern !== 'string') {
        throw new Error(
          `metadata.cryoprotect.check.volatile[${i}]: expected {"name": text, "pattern": regular expression}`
        );
      }
      try {
        volatile.push({ name, pattern: new RegExp(pattern, 'g') });
      } catch (error) {
        throw new Error(
          `metadata.cryoprotect.check.volatile[${i}] (${name}): ${(error as Error).message}`
        );
      }
    }
  }
  return {
    tolerance: Private.tolerance(check.tolerance, 'metadata.cryoprotect.check.tolerance') ?? EXACT,
    volatile
  };
}

/** Every code cell's outputs as compared (volatile text masked, drawings by structure). */
export function comparableCells(nb: Notebook, settings: CheckSettings): ComparableCell[] {
  const cells: ComparableCell[] = [];
  for (const [index, cell] of nb.cells.entries()) {
    if (cell.cell_type !== 'code' || (cell.metadata.tags ?? []).includes('injected-parameters')) {
      continue;
    }
    const check = Private.object(cryoprotectMetadata(cell.metadata).check);
    const where = `cell ${index + 1} metadata.cryoprotect.check`;
    const skip = check.skip;
    if (skip !== undefined && (typeof skip !== 'string' || skip.trim() === '')) {
      throw new Error(`${where}.skip: expected the reason the cell is not compared`);
    }
    const tolerance = Private.tolerance(check.tolerance, `${where}.tolerance`);
    cells.push({
      cell: index + 1,
      id: typeof cell.id === 'string' ? cell.id : null,
      ...(skip ? { skip } : {}),
      ...(tolerance ? { tolerance } : {}),
      // Progress outputs say how a run went, not what it computed.
      outputs: skip
        ? []
        : (cell.outputs ?? [])
            .filter(o => o.data?.[PROGRESS_MIME] === undefined)
            .map(o => comparableOutput(o, settings.volatile))
    });
  }
  return cells;
}

export function comparableOutput(
  output: NotebookOutput,
  volatile: readonly VolatilePattern[]
): ComparableOutput {
  const mask = (text: string) => Private.mask(text, volatile);
  switch (output.output_type) {
    case 'stream':
      return {
        type: `stream:${output.name ?? 'stdout'}`,
        data: { text: { text: mask(joinedText(output.text)) } }
      };
    case 'error':
      return {
        type: 'error',
        data: { text: { text: mask(`${output.ename ?? ''}: ${output.evalue ?? ''}`) } }
      };
    default: {
      const data: Record<string, Comparable> = {};
      for (const [mime, value] of Object.entries(output.data ?? {})) {
        data[mime] = Private.comparable(mime, value, mask);
      }
      return { type: output.output_type === 'execute_result' ? 'result' : 'display', data };
    }
  }
}

/**
 * The differences between expected and actual cells, matched by cell id (by position when a
 * notebook has no ids); empty when they agree.
 */
export function compareCells(
  expected: readonly ComparableCell[],
  actual: readonly ComparableCell[],
  settings: CheckSettings
): Difference[] {
  const differences: Difference[] = [];
  const byId = new Map(actual.filter(c => c.id !== null).map(c => [c.id, c]));
  const used = new Set<ComparableCell>();
  for (const [i, old] of expected.entries()) {
    const now = (old.id !== null ? byId.get(old.id) : undefined) ?? actual[i];
    const at = { cell: old.cell, id: old.id };
    if (!now || (old.id !== null && now.id !== old.id)) {
      differences.push({ ...at, where: 'cell', expected: 'present', actual: 'missing' });
      continue;
    }
    used.add(now);
    if (old.skip || now.skip) {
      continue;
    }
    const tolerance = now.tolerance ?? old.tolerance ?? settings.tolerance;
    if (old.outputs.length !== now.outputs.length) {
      differences.push({
        ...at,
        where: 'outputs',
        expected: Private.summary(old.outputs),
        actual: Private.summary(now.outputs)
      });
      continue;
    }
    for (const [o, before] of old.outputs.entries()) {
      const after = now.outputs[o];
      const label = `output ${o + 1}`;
      if (before.type !== after.type) {
        differences.push({ ...at, where: label, expected: before.type, actual: after.type });
        continue;
      }
      const mimes = new Set([...Object.keys(before.data), ...Object.keys(after.data)]);
      for (const mime of mimes) {
        const where = mime === 'text' ? label : `${label} ${mime}`;
        const a = before.data[mime];
        const b = after.data[mime];
        if (!a || !b) {
          differences.push({
            ...at,
            where,
            expected: a ? 'present' : 'absent',
            actual: b ? 'present' : 'absent'
          });
          continue;
        }
        for (const d of Private.compare(a, b, tolerance, '')) {
          differences.push({ ...at, where: d.path ? `${where} ${d.path}` : where, ...d.values });
        }
      }
    }
  }
  for (const extra of actual) {
    if (!used.has(extra) && !expected.some(e => e.id !== null && e.id === extra.id)) {
      differences.push({
        cell: extra.cell,
        id: extra.id,
        where: 'cell',
        expected: 'absent',
        actual: 'present'
      });
    }
  }
  return differences;
}

/** One line per difference: `cell 7 (id abc) output 1 text/plain: "old" → "new"`. */
export function formatDifference(d: Difference): string {
  return `cell ${d.cell}${d.id ? ` (id ${d.id})` : ''} ${d.where}: ${d.expected} → ${d.actual}`;
}

namespace Private {
  export function object(value: unknown): Record<string, unknown> {
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  }

  export function tolerance(value: unknown, where: string): Tolerance | undefined {
    if (value === undefined) {
      return undefined;
    }
    const { relative = 0, absolute = 0 } = object(value);
    for (const [name, v] of [
      ['relative', relative],
      ['absolute', absolute]
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new Error(`${where}.${name}: expected a number ≥ 0`);
      }
    }
    return { relative: relative as number, absolute: absolute as number };
  }

  export function mask(text: string, volatile: readonly VolatilePattern[]): string {
    let masked = text;
    for (const { name, pattern } of volatile) {
      masked = masked.replace(pattern, `<${name}>`);
    }
    return masked;
  }

  /** Element names and how many of each, e.g. "svg×1 path×34 text×2" (sorted by name). */
  export function structure(markup: string): string {
    const counts = new Map<string, number>();
    for (const m of markup.matchAll(/<([A-Za-z][\w:-]*)/g)) {
      const tag = m[1].toLowerCase();
      counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
    return [...counts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([tag, n]) => `${tag}×${n}`)
      .join(' ');
  }

  /** What a reader sees of some HTML: tags dropped, common entities decoded, spaces collapsed. */
  export function visibleText(html: string): string {
    return html
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/&nbsp;/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
      .trim();
  }

  const RASTER = /^image\/(png|jpeg|gif|webp)$/;

  export function comparable(
    mime: string,
    value: unknown,
    mask: (text: string) => string
  ): Comparable {
    if (RASTER.test(mime)) {
      return { skipped: 'raster image: its pixels are not compared, only that it is there' };
    }
    if (mime === 'image/svg+xml') {
      return { structure: structure(joinedText(value as string | string[])) };
    }
    if (mime === 'text/html') {
      const html = joinedText(value as string | string[]);
      return { text: mask(visibleText(html)), structure: structure(html) };
    }
    if (mime === 'application/json' || mime.endsWith('+json')) {
      return { json: maskJson(value, mask) };
    }
    return { text: mask(joinedText(value as string | string[])) };
  }

  /** Strings masked; a string holding SVG markup stands for its structure. */
  function maskJson(value: unknown, mask: (text: string) => string): unknown {
    if (typeof value === 'string') {
      return /^\s*(<\?xml[^>]*>\s*)?<svg\b/.test(value) ? `‹svg ${structure(value)}›` : mask(value);
    }
    if (Array.isArray(value)) {
      return value.map(v => maskJson(v, mask));
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskJson(v, mask)])
      );
    }
    return value;
  }

  export function summary(outputs: readonly ComparableOutput[]): string {
    return outputs.length === 0
      ? 'no output'
      : `${outputs.length} (${outputs.map(o => o.type).join(', ')})`;
  }

  interface Found {
    path: string;
    values: { expected: string; actual: string };
  }

  export function compare(
    a: Comparable,
    b: Comparable,
    tolerance: Tolerance,
    path: string
  ): Found[] {
    if ('skipped' in a || 'skipped' in b) {
      return [];
    }
    const found: Found[] = [];
    if ('structure' in a || 'structure' in b) {
      const sa = 'structure' in a ? a.structure : '';
      const sb = 'structure' in b ? b.structure : '';
      if (sa !== sb) {
        found.push({ path: `${path} structure`.trim(), values: { expected: sa, actual: sb } });
      }
    }
    if ('text' in a || 'text' in b) {
      const ta = 'text' in a ? a.text : '';
      const tb = 'text' in b ? b.text : '';
      const d = compareText(ta, tb, tolerance);
      if (d) {
        found.push({ path, values: d });
      }
    }
    if ('json' in a || 'json' in b) {
      compareJson(
        'json' in a ? a.json : undefined,
        'json' in b ? b.json : undefined,
        tolerance,
        '$',
        found
      );
    }
    return found;
  }

  const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g;

  export function close(x: number, y: number, tolerance: Tolerance): boolean {
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) {
      return true;
    }
    return (
      Math.abs(x - y) <=
      tolerance.absolute + tolerance.relative * Math.max(Math.abs(x), Math.abs(y))
    );
  }

  /** The first line that differs, quoted; null when the texts agree. */
  export function compareText(
    a: string,
    b: string,
    tolerance: Tolerance
  ): { expected: string; actual: string } | null {
    if (a === b) {
      return null;
    }
    const exact = tolerance.relative === 0 && tolerance.absolute === 0;
    if (!exact && sameWithin(a, b, tolerance)) {
      return null;
    }
    // A final newline ends the last line rather than starting another.
    const la = a.replace(/\n$/, '').split('\n');
    const lb = b.replace(/\n$/, '').split('\n');
    let line = 0;
    while (
      line < Math.max(la.length, lb.length) &&
      (la[line] === lb[line] || (!exact && sameWithin(la[line] ?? '', lb[line] ?? '', tolerance)))
    ) {
      line += 1;
    }
    const quote = (text: string | undefined) =>
      text === undefined
        ? '(no line)'
        : JSON.stringify(text.length > 160 ? `${text.slice(0, 157)}…` : text);
    const prefix = la.length > 1 || lb.length > 1 ? `line ${line + 1} ` : '';
    return { expected: `${prefix}${quote(la[line])}`, actual: quote(lb[line]) };
  }

  function sameWithin(a: string, b: string, tolerance: Tolerance): boolean {
    const na = [...a.matchAll(NUMBER)].map(m => Number(m[0]));
    const nb = [...b.matchAll(NUMBER)].map(m => Number(m[0]));
    return (
      a.replace(NUMBER, '#') === b.replace(NUMBER, '#') &&
      na.length === nb.length &&
      na.every((x, i) => close(x, nb[i], tolerance))
    );
  }

  function compareJson(
    a: unknown,
    b: unknown,
    tolerance: Tolerance,
    path: string,
    found: Found[]
  ): void {
    if (found.length >= 20) {
      return;
    }
    const show = (v: unknown) => {
      const text = JSON.stringify(v) ?? 'nothing';
      return text.length > 120 ? `${text.slice(0, 117)}…` : text;
    };
    if (typeof a === 'number' && typeof b === 'number') {
      if (!close(a, b, tolerance)) {
        found.push({ path, values: { expected: String(a), actual: String(b) } });
      }
      return;
    }
    if (typeof a === 'string' && typeof b === 'string') {
      const d = compareText(a, b, tolerance);
      if (d) {
        found.push({ path, values: d });
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) {
        found.push({
          path,
          values: { expected: `${a.length} items`, actual: `${b.length} items` }
        });
        return;
      }
      a.forEach((v, i) => compareJson(v, b[i], tolerance, `${path}[${i}]`, found));
      return;
    }
    if (
      a &&
      b &&
      typeof a === 'object' &&
      typeof b === 'object' &&
      !Array.isArray(a) &&
      !Array.isArray(b)
    ) {
      const ka = a as Record<string, unknown>;
      const kb = b as Record<string, unknown>;
      for (const key of new Set([...Object.keys(ka), ...Object.keys(kb)])) {
        const child = /^[A-Za-z_$][\w$]*$/.test(key)
          ? `${path}.${key}`
          : `${path}[${JSON.stringify(key)}]`;
        if (!(key in ka) || !(key in kb)) {
          found.push({
            path: child,
            values: {
              expected: key in ka ? show(ka[key]) : 'absent',
              actual: key in kb ? show(kb[key]) : 'absent'
            }
          });
          continue;
        }
        compareJson(ka[key], kb[key], tolerance, child, found);
      }
      return;
    }
    if (a !== b) {
      found.push({ path, values: { expected: show(a), actual: show(b) } });
    }
  }
}
