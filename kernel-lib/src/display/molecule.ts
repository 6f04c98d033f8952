import {
  ChemistryError,
  DESCRIPTORS,
  depictMol,
  getDescriptorsOf,
  parseSmarts,
  substructMatches,
  toRDKitInput,
  withMol,
  withRDKit,
  type DepictionOptions,
  type RDKitMol,
  type RDKitModule
} from '../chemistry';
import type { Molecule, SimilarityHits, SubstructureHits } from '../api/schemas';
import { Displayable } from './bundle';
import { DisplayError } from './errors';
import { escapeHtml, formatValue } from './format';
import { HTML_ROW_LIMIT, htmlBlock, htmlTable, inlineSvg, type HtmlColumn } from './html';
import type { MoleculePayload, MoleculesPayload } from './payloads';
import type { ArqueroLike } from './table';
import { textTable } from './text';

/**
 * Molecules as displays: one structure with a few properties, or many as a grid. Every value is
 * computed here by RDKit.js from the structure (the database's values are the same RDKit's, but
 * a display must not depend on a stale copy); nothing is looked up.
 */

/** A structure to show: SMILES, MOL block or InChI, a registered record, or any named SMILES. */
export type MoleculeInput =
  | string
  | Molecule
  | { smiles: string; name?: string | null; id?: string | null; inchikey?: string | null };

/** The properties shown with a molecule: the descriptor's name in DESCRIPTORS, a title, figures. */
export const MOLECULE_PROPERTIES: readonly {
  descriptor: string;
  title: string;
  digits?: number;
}[] = [
  { descriptor: 'molarMass', title: 'molar mass', digits: 5 },
  { descriptor: 'crippenLogP', title: 'logP (Wildman-Crippen)', digits: 3 },
  { descriptor: 'polarSurfaceArea', title: 'TPSA', digits: 3 },
  { descriptor: 'hBondDonors', title: 'H-bond donors' },
  { descriptor: 'hBondAcceptors', title: 'H-bond acceptors' }
];

// One bond length per kind of output, so methanol is drawn at the scale of sucrose (the
// extension's renderers draw at the same scales).
const DEPICTION = { width: 300, height: 200, bondLength: 36 };
const GRID_DEPICTION = { width: 160, height: 110, bondLength: 23 };

interface Computed {
  smiles: string;
  inchikey: string;
  values: Record<string, number>;
  svg: string;
  /** Atoms matched by the highlight SMARTS (0 without one). */
  highlighted: number;
  rdkitVersion: string;
}

export interface MoleculeOptions {
  /** The name shown (default: the record's). */
  name?: string;
  /** A SMARTS whose matches are highlighted in the depiction, e.g. "[OX2H]" for hydroxyls. */
  highlight?: string;
}

/** One molecule: canonical SMILES, InChIKey, the properties of MOLECULE_PROPERTIES, a depiction. */
export async function moleculeDisplay(
  input: MoleculeInput,
  options: MoleculeOptions = {}
): Promise<Displayable<'molecule'>> {
  const record = Private.record(input, 'molecule');
  const text = await toRDKitInput(record.structure);
  const computed = await withRDKit(rdkit =>
    Private.compute(rdkit, text, { ...DEPICTION, highlight: options.highlight }, 'molecule')
  );
  const payload: MoleculePayload = {
    smiles: computed.smiles,
    name: options.name ?? record.name,
    id: record.id,
    inchikey: record.inchikey ?? computed.inchikey,
    ...(options.highlight ? { highlight: options.highlight } : {}),
    properties: MOLECULE_PROPERTIES.map(p => {
      const definition = Private.definition(p.descriptor);
      return {
        name: p.title,
        value: computed.values[p.descriptor],
        unit: definition.unit,
        ...(p.digits === undefined ? {} : { digits: p.digits }),
        source: `RDKit ${computed.rdkitVersion} (${definition.description})`
      };
    })
  };
  const title = payload.name ?? payload.smiles;
  const lines = payload.properties.map(p => `${p.name}: ${formatValue(p.value, p.unit, p.digits)}`);
  const plain = [
    `${title}${payload.name === null ? '' : ` (${payload.smiles})`}`,
    ...(payload.inchikey === null ? [] : [`InChIKey ${payload.inchikey}`]),
    ...(payload.highlight === undefined
      ? []
      : [`highlighted: ${computed.highlighted} atoms matching ${payload.highlight}`]),
    ...lines
  ].join('\n');
  const rows = payload.properties.map(p => ({ property: p.name, value: p.value }));
  const html = htmlBlock(
    `<p><b>${escapeHtml(title)}</b><br><code>${escapeHtml(payload.smiles)}</code>` +
      (payload.inchikey === null ? '' : `<br>InChIKey ${escapeHtml(payload.inchikey)}`) +
      (payload.highlight === undefined
        ? ''
        : `<br>${escapeHtml(`highlighted: ${computed.highlighted} atoms matching ${payload.highlight}`)}`) +
      `</p>${inlineSvg(computed.svg)}` +
      htmlTable(
        [
          { key: 'property', title: 'property', kind: 'text' },
          { key: 'value', title: 'value', kind: 'text' }
        ],
        rows.map((r, i) => ({
          property: r.property,
          value: formatValue(r.value, payload.properties[i].unit, payload.properties[i].digits)
        }))
      ) +
      `<p style="font-size:0.8em">Computed by RDKit ${escapeHtml(computed.rdkitVersion)}.</p>`
  );
  return new Displayable('molecule', payload, { text: plain, html });
}

/** An extra column of a molecule grid (a score), with its unit and figures. */
export interface ScoreColumn {
  key: string;
  title: string;
  unit?: string;
  digits?: number;
  description?: string;
  /** The score of each input, in input order. */
  values: readonly (number | string | boolean | null)[];
}

export interface MoleculesOptions {
  title?: string;
  /** Rows kept in the payload and the HTML (default 200); the rest is counted in totalRows. */
  limit?: number;
  /** Extra columns (scores) beside the computed properties. */
  columns?: readonly ScoreColumn[];
  /**
   * The model that scored the molecules (a virtual screen's hits; version null when unregistered):
   * the payload carries it, so the extension's grid offers to open a row in the prediction panel.
   */
  model?: { name: string; version: number | null };
}

/**
 * Many molecules as a grid. Rows whose structure RDKit cannot read stay in the grid (a search hit
 * is still a hit) with the input as SMILES, no properties, and the reason in place of a depiction.
 */
export async function moleculesDisplay(
  inputs: readonly MoleculeInput[],
  options: MoleculesOptions = {}
): Promise<Displayable<'molecules'>> {
  const limit = options.limit ?? HTML_ROW_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new DisplayError('invalid_input', `must be a whole number >= 1 (got ${limit})`, 'limit');
  }
  const model = Private.model(options.model);
  const extra = options.columns ?? [];
  extra.forEach((c, i) => {
    if (c.values.length !== inputs.length) {
      throw new DisplayError(
        'invalid_input',
        `has ${c.values.length} values for ${inputs.length} molecules`,
        `columns[${i}].values`
      );
    }
  });
  const kept = inputs.slice(0, limit);
  const records = kept.map((input, i) => Private.record(input, `molecules[${i}]`));
  const texts = await Promise.all(
    records.map(r => toRDKitInput(r.structure).catch(() => r.structure))
  );
  const computed = await withRDKit(rdkit =>
    texts.map((text, i) => {
      try {
        return Private.compute(rdkit, text, GRID_DEPICTION, `molecules[${i}]`);
      } catch (error) {
        if (error instanceof DisplayError) {
          return error;
        }
        throw error;
      }
    })
  );
  const version = computed.find((c): c is Computed => !(c instanceof DisplayError))?.rdkitVersion;
  const columns: MoleculesPayload['columns'] = [
    ...extra.map(c => ({
      key: c.key,
      title: c.title,
      kind: c.values.some(v => typeof v === 'number') ? ('number' as const) : ('text' as const),
      ...(c.unit === undefined ? {} : { unit: c.unit }),
      ...(c.digits === undefined ? {} : { digits: c.digits }),
      ...(c.description === undefined ? {} : { description: c.description })
    })),
    ...MOLECULE_PROPERTIES.map(p => {
      const definition = Private.definition(p.descriptor);
      return {
        key: p.descriptor,
        title: p.title,
        kind: 'number' as const,
        unit: definition.unit,
        ...(p.digits === undefined ? {} : { digits: p.digits }),
        description: `${definition.description}; RDKit${version === undefined ? '' : ` ${version}`}`
      };
    })
  ];
  const rows: MoleculesPayload['rows'] = records.map((record, i) => {
    const c = computed[i];
    const values: Record<string, string | number | boolean | null> = {};
    for (const column of extra) {
      values[column.key] = column.values[i];
    }
    for (const p of MOLECULE_PROPERTIES) {
      values[p.descriptor] = c instanceof DisplayError ? null : c.values[p.descriptor];
    }
    return {
      smiles: c instanceof DisplayError ? record.structure : c.smiles,
      id: record.id,
      name: record.name,
      values
    };
  });
  const payload: MoleculesPayload = {
    title: options.title ?? null,
    ...(model === undefined ? {} : { model }),
    columns,
    rows,
    totalRows: inputs.length
  };
  // The title line names the scoring model, as predictions name theirs: "Top hits, scored by tg@3".
  const scorer =
    model === undefined
      ? null
      : `${model.name}${model.version === null ? ' (unregistered)' : `@${model.version}`}`;
  const heading =
    scorer === null
      ? payload.title
      : payload.title === null
        ? `Scored by ${scorer}`
        : `${payload.title}, scored by ${scorer}`;
  const htmlColumns: HtmlColumn[] = [
    { key: 'structure', title: 'structure', kind: 'html', minWidth: GRID_DEPICTION.width },
    { key: 'name', title: 'name', kind: 'text' },
    { key: 'smiles', title: 'SMILES', kind: 'text' },
    ...columns.map(c => ({ ...c, kind: c.kind }))
  ];
  const htmlRows = rows.map((row, i) => {
    const c = computed[i];
    return {
      structure:
        c instanceof DisplayError
          ? `<span>${escapeHtml(`unreadable structure: ${c.message}`)}</span>`
          : inlineSvg(c.svg),
      name: row.name,
      smiles: row.smiles,
      ...row.values
    };
  });
  const html = htmlBlock(
    htmlTable(htmlColumns, htmlRows, { totalRows: inputs.length, caption: heading })
  );
  const text = [
    ...(heading === null ? [] : [heading]),
    textTable(
      [
        { key: 'name', title: 'name' },
        { key: 'smiles', title: 'SMILES' },
        ...columns.slice(0, extra.length + 1)
      ],
      rows.map(r => ({ name: r.name, smiles: r.smiles, ...r.values })),
      inputs.length
    )
  ].join('\n');
  return new Displayable('molecules', payload, { text, html });
}

/** Options of a molecule grid from a table: which column holds the structures, and the others' metadata. */
export interface MoleculeTableOptions extends Omit<MoleculesOptions, 'columns'> {
  /** Default: "smiles", else "SMILES". */
  smilesColumn?: string;
  /** Unit, title, figures and description of the other columns, by name. */
  columns?: Record<string, Partial<Omit<ScoreColumn, 'key' | 'values'>>>;
}

/** The column of structures of a table: the one named, else "smiles", else "SMILES". */
export function smilesColumnOf(table: ArqueroLike, wanted?: string): string | undefined {
  const names = table.columnNames();
  return [wanted, 'smiles', 'SMILES'].find(
    (n): n is string => n !== undefined && names.includes(n)
  );
}

/**
 * An arquero table with a column of structures as a molecule grid: "name" and "id" columns fill
 * the rows' name and id, every other column becomes a value column (numbers stay numbers).
 */
export async function moleculesFromTable(
  table: ArqueroLike,
  options: MoleculeTableOptions = {}
): Promise<Displayable<'molecules'>> {
  const column = smilesColumnOf(table, options.smilesColumn);
  if (column === undefined) {
    throw new DisplayError(
      'invalid_input',
      `the table has no column of structures ${options.smilesColumn === undefined ? '("smiles" or "SMILES")' : `named "${options.smilesColumn}"`}`,
      'smilesColumn'
    );
  }
  const rows = table.objects() as Record<string, unknown>[];
  const others = table.columnNames().filter(c => c !== column && c !== 'name' && c !== 'id');
  const { columns: meta = {}, smilesColumn: _smiles, ...rest } = options;
  void _smiles;
  return moleculesDisplay(
    rows.map(r => ({
      smiles: String(r[column] ?? ''),
      name: typeof r.name === 'string' ? r.name : null,
      id: typeof r.id === 'string' ? r.id : null
    })),
    {
      ...rest,
      columns: others.map(key => ({
        title: key,
        ...meta[key],
        key,
        values: rows.map(r => Private.cell(r[key]))
      }))
    }
  );
}

/**
 * Similarity search hits (the REST client's `similar()`) as a grid, best first, with the
 * Tanimoto similarity and how it was computed.
 */
export async function similarityHitsDisplay(
  hits: SimilarityHits | readonly { molecule: Molecule; similarity: number }[],
  options: Omit<MoleculesOptions, 'columns'> = {}
): Promise<Displayable<'molecules'>> {
  const items = Array.isArray(hits) ? hits : (hits as SimilarityHits).items;
  const fingerprint = Array.isArray(hits) ? undefined : (hits as SimilarityHits).fingerprint;
  return moleculesDisplay(
    items.map(h => h.molecule),
    {
      ...options,
      title: options.title ?? 'Similarity search',
      columns: [
        {
          key: 'similarity',
          title: 'similarity',
          digits: 3,
          description: `Tanimoto similarity${fingerprint === undefined ? '' : ` (${fingerprint})`}`,
          values: items.map(h => h.similarity)
        }
      ]
    }
  );
}

/**
 * Substructure search hits (the REST client's substructure search), one page of them. A page
 * does not know how many match in all: when the server says more match, the title says so.
 */
export async function substructureHitsDisplay(
  hits: SubstructureHits,
  options: Omit<MoleculesOptions, 'columns'> = {}
): Promise<Displayable<'molecules'>> {
  const more = hits.truncated || hits.nextCursor !== null;
  const title = options.title ?? 'Substructure search';
  return moleculesDisplay(hits.items, {
    ...options,
    title: more ? `${title} (first ${hits.items.length} matches; more match)` : title
  });
}

namespace Private {
  /** A table value as a grid cell; JSON has no NaN, so a missing number is null. */
  export function cell(value: unknown): string | number | boolean | null {
    if (typeof value === 'number') {
      return Number.isFinite(value) ? value : null;
    }
    return typeof value === 'string' || typeof value === 'boolean' ? value : null;
  }

  export interface Input {
    structure: string;
    name: string | null;
    id: string | null;
    inchikey: string | null;
  }

  /** The scoring model as the payload keeps it (name and version only), or a DisplayError. */
  export function model(
    given: MoleculesOptions['model']
  ): { name: string; version: number | null } | undefined {
    if (given === undefined) {
      return undefined;
    }
    if (typeof given !== 'object' || given === null) {
      throw new DisplayError('invalid_input', 'must be { name, version }', 'model');
    }
    if (typeof given.name !== 'string' || given.name.trim() === '') {
      throw new DisplayError('invalid_input', 'must be a non-empty string', 'model.name');
    }
    if (given.version !== null && !Number.isInteger(given.version)) {
      throw new DisplayError(
        'invalid_input',
        `must be a whole number or null (got ${String(given.version)})`,
        'model.version'
      );
    }
    return { name: given.name, version: given.version };
  }

  export function record(input: MoleculeInput, field: string): Input {
    if (typeof input === 'string') {
      return { structure: input, name: null, id: null, inchikey: null };
    }
    if (typeof input !== 'object' || input === null || typeof input.smiles !== 'string') {
      throw new DisplayError(
        'invalid_input',
        'must be a SMILES, MOL block or InChI, or an object with a smiles string',
        field
      );
    }
    return {
      structure: input.smiles,
      name: input.name ?? null,
      id: input.id ?? null,
      inchikey: input.inchikey ?? null
    };
  }

  export function definition(name: string): (typeof DESCRIPTORS)[number] {
    const found = DESCRIPTORS.find(d => d.name === name);
    if (found === undefined) {
      throw new Error(`descriptor ${name} is not in DESCRIPTORS`);
    }
    return found;
  }

  export function compute(
    rdkit: RDKitModule,
    text: string,
    depiction: DepictionOptions,
    field: string
  ): Computed {
    const query = highlightQuery(rdkit, depiction.highlight);
    try {
      return withMol(rdkit, text, mol => ({
        smiles: mol.get_smiles(),
        inchikey: rdkit.get_inchikey_for_inchi(mol.get_inchi()),
        values: getDescriptorsOf(rdkit, mol),
        svg: depictMol(rdkit, mol, depiction),
        highlighted: query === null ? 0 : new Set(substructMatches(mol, query).flat()).size,
        rdkitVersion: rdkit.version()
      }));
    } catch (error) {
      if (error instanceof ChemistryError) {
        throw new DisplayError('invalid_input', error.message, field);
      }
      throw error;
    } finally {
      query?.delete();
    }
  }

  /** The highlight SMARTS parsed, or a DisplayError naming the option when RDKit cannot read it. */
  function highlightQuery(rdkit: RDKitModule, smarts: string | undefined): RDKitMol | null {
    if (!smarts) {
      return null;
    }
    try {
      return parseSmarts(rdkit, smarts);
    } catch (error) {
      if (error instanceof ChemistryError) {
        throw new DisplayError('invalid_input', error.message, 'highlight');
      }
      throw error;
    }
  }
}
