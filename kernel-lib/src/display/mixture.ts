import {
  CONCENTRATION_UNITS,
  composition,
  convert,
  glassTransitionFox,
  glassTransitionGordonTaylor,
  MixtureError,
  mixtureText,
  osmolality,
  type Citation,
  type CompositionOptions,
  type GlassTransitionOptions,
  type GordonTaylorOptions,
  type Mixture,
  type MixtureProperty,
  type OsmolalityOptions
} from '../mixtures';
import { ChemistryError, getSvgWith, withRDKit } from '../chemistry';
import { Displayable } from './bundle';
import { escapeHtml, formatNumber, formatQuantity } from './format';
import { htmlBlock, htmlNotes, htmlTable, inlineSvg } from './html';
import type { MixturePayload } from './payloads';

export interface MixtureDisplayOptions extends CompositionOptions {
  /** Particles per formula unit of electrolytes, for osmolality (see osmolality()). */
  particlesPerFormulaUnit?: OsmolalityOptions['particlesPerFormulaUnit'];
  /** Pure-component Tg choices and Gordon-Taylor k, for binary mixtures. */
  glassTransition?: GordonTaylorOptions & GlassTransitionOptions;
}

/** Figures of composition values: the inputs rarely have more. */
const DIGITS = 4;

/**
 * A mixture with its composition in every unit and the properties the mixtures module can compute
 * for it: ideal osmolality, and for a solute-water pair the Gordon-Taylor and Fox estimates of Tg.
 * A property that cannot be computed is left out and a note says why; nothing is estimated here
 * beyond what those functions do (they carry the method, the sources and the limits).
 */
export async function mixtureDisplay(
  mixture: Mixture,
  options: MixtureDisplayOptions = {}
): Promise<Displayable<'mixture'>> {
  const { particlesPerFormulaUnit, glassTransition, ...compositionOptions } = options;
  // An invalid mixture is the caller's error: MixtureError names the component and field.
  const result = composition(mixture, compositionOptions);
  const notes = [...result.notes];
  const components: MixturePayload['components'] = result.components.map(c => {
    const given = mixture.components[c.index];
    const amounts = CONCENTRATION_UNITS.flatMap(unit => {
      try {
        return [
          { value: convert(mixture, c.index, unit, compositionOptions).value, unit, digits: DIGITS }
        ];
      } catch (error) {
        if (error instanceof MixtureError) {
          notes.push(`${c.name} in ${unit} not computed: ${error.message}`);
          return [];
        }
        throw error;
      }
    });
    return {
      name: c.name,
      smiles: c.smiles,
      role: c.role,
      given: { value: given.amount, unit: given.unit },
      molarMass: { value: c.molarMass, unit: 'g/mol', digits: 5 },
      massFraction: c.massFraction,
      moleFraction: c.moleFraction,
      molality: { value: c.molality, unit: 'mol/kg', digits: DIGITS },
      molarity: c.molarity === null ? null : { value: c.molarity, unit: 'mol/L', digits: DIGITS },
      amounts
    };
  });
  const properties: MixturePayload['properties'] = [];
  const attempt = async (what: string, compute: () => Promise<MixtureProperty<unknown>>) => {
    try {
      properties.push(Private.property(await compute()));
    } catch (error) {
      if (error instanceof MixtureError) {
        notes.push(`${what} not computed: ${error.message}`);
        return;
      }
      throw error;
    }
  };
  await attempt('osmolality', async () =>
    osmolality(mixture, { ...compositionOptions, particlesPerFormulaUnit })
  );
  if (mixture.components.length === 1) {
    const solution = { mixture, compositionOptions };
    await attempt('Tg (Gordon-Taylor)', () =>
      glassTransitionGordonTaylor(solution, glassTransition)
    );
    await attempt('Tg (Fox)', async () => glassTransitionFox(solution, glassTransition));
  } else {
    notes.push(
      `Tg not estimated: the Gordon-Taylor and Fox equations here are for one solute in water, and this mixture has ${mixture.components.length} solutes.`
    );
  }
  const payload: MixturePayload = {
    name: mixture.name ?? null,
    text: mixtureText(mixture),
    temperature: { value: result.temperatureKelvin, unit: 'K' },
    components,
    water: { massFraction: result.water.massFraction, moleFraction: result.water.moleFraction },
    solutionDensity:
      result.solutionDensity === null
        ? null
        : {
            value: result.solutionDensity.value,
            unit: result.solutionDensity.unit,
            method: result.solutionDensity.method,
            sources: result.solutionDensity.sources
          },
    properties,
    notes
  };
  const pictures = await Private.pictures(payload);
  return new Displayable('mixture', payload, {
    text: Private.text(payload),
    html: Private.html(payload, pictures)
  });
}

namespace Private {
  export function property(p: MixtureProperty<unknown>): MixturePayload['properties'][number] {
    return {
      name: p.property,
      value: p.value,
      unit: p.unit,
      digits: DIGITS,
      method: p.method,
      equation: p.equation,
      sources: p.sources.map(source),
      limits: p.limits,
      notes: p.notes
    };
  }

  function source(c: Citation): MixturePayload['properties'][number]['sources'][number] {
    return {
      citation: c.citation,
      ...(c.doi === undefined ? {} : { doi: c.doi }),
      ...(c.url === undefined ? {} : { url: c.url }),
      usedFor: c.usedFor
    };
  }

  export function text(payload: MixturePayload): string {
    const lines = [
      `${payload.name === null ? '' : `${payload.name}: `}${payload.text}, water the balance; volumes and densities at ${formatQuantity(payload.temperature.value, 'K', 5)}`
    ];
    for (const c of payload.components) {
      lines.push(
        `  ${c.name}: ${formatNumber(c.massFraction * 100, DIGITS)} % w/w, mole fraction ${formatNumber(c.moleFraction, DIGITS)}, ${formatQuantity(c.molality.value, 'mol/kg', DIGITS)}`
      );
    }
    for (const p of payload.properties) {
      lines.push(`${p.name}: ${formatQuantity(p.value, p.unit, p.digits)} (${p.method})`);
    }
    return lines.join('\n');
  }

  /**
   * A small depiction of each component and of water, at one scale; a structure RDKit cannot draw
   * (it was read to compute the molar mass, so this is rare) shows its SMILES instead.
   */
  export async function pictures(payload: MixturePayload): Promise<(string | null)[]> {
    const smiles = [...payload.components.map(c => c.smiles), 'O'];
    return withRDKit(rdkit =>
      smiles.map(text => {
        try {
          return inlineSvg(getSvgWith(rdkit, text, COMPONENT_DEPICTION));
        } catch (error) {
          if (error instanceof ChemistryError) {
            return null;
          }
          throw error;
        }
      })
    );
  }

  const COMPONENT_DEPICTION = { width: 120, height: 80, bondLength: 18 };

  export function html(payload: MixturePayload, pictures: readonly (string | null)[]): string {
    const columns = [
      {
        key: 'structure',
        title: 'structure',
        kind: 'html' as const,
        minWidth: COMPONENT_DEPICTION.width
      },
      { key: 'name', title: 'component', kind: 'text' as const },
      { key: 'given', title: 'given', kind: 'text' as const },
      { key: 'w', title: 'mass fraction', kind: 'number' as const, digits: DIGITS },
      { key: 'x', title: 'mole fraction', kind: 'number' as const, digits: DIGITS },
      { key: 'm', title: 'molality', unit: 'mol/kg', kind: 'number' as const, digits: DIGITS },
      { key: 'c', title: 'molarity', unit: 'mol/L', kind: 'number' as const, digits: DIGITS },
      { key: 'M', title: 'molar mass', unit: 'g/mol', kind: 'number' as const, digits: 5 },
      { key: 'smiles', title: 'SMILES', kind: 'text' as const }
    ];
    const rows = [
      ...payload.components.map((c, i) => ({
        structure: pictures[i] ?? escapeHtml(c.smiles),
        name: c.name,
        given:
          c.given === null ? null : formatQuantity(c.given.value, c.given.unit, c.given.digits),
        w: c.massFraction,
        x: c.moleFraction,
        m: c.molality.value,
        c: c.molarity?.value ?? null,
        M: c.molarMass.value,
        smiles: c.smiles
      })),
      {
        structure: pictures[payload.components.length] ?? 'O',
        name: 'water (balance)',
        given: null,
        w: payload.water.massFraction,
        x: payload.water.moleFraction,
        m: null,
        c: null,
        M: null,
        smiles: 'O'
      }
    ];
    const props = htmlTable(
      [
        { key: 'name', title: 'property', kind: 'text' },
        { key: 'value', title: 'value', kind: 'text' },
        { key: 'method', title: 'method', kind: 'text' },
        { key: 'sources', title: 'sources', kind: 'text' }
      ],
      payload.properties.map(p => ({
        name: p.name,
        value: formatQuantity(p.value, p.unit, p.digits),
        method: p.method,
        sources: p.sources
          .map(s => s.citation + (s.doi === undefined ? '' : `, doi:${s.doi}`))
          .join('; ')
      }))
    );
    const density =
      payload.solutionDensity === null
        ? ''
        : `<p>Solution density ${escapeHtml(formatQuantity(payload.solutionDensity.value, payload.solutionDensity.unit, DIGITS))}; method: ${escapeHtml(payload.solutionDensity.method)}.</p>`;
    // Gordon-Taylor and Fox share most limits: each is listed once.
    const limits = [
      ...new Set(payload.properties.flatMap(p => p.limits.map(l => `${p.name}: ${l}`)))
    ];
    const units = [...new Set(payload.components.flatMap(c => (c.amounts ?? []).map(a => a.unit)))];
    const amounts =
      units.length === 0
        ? ''
        : htmlTable(
            [
              { key: 'unit', title: 'unit', kind: 'text' },
              ...payload.components.map((c, i) => ({
                key: `c${i}`,
                title: c.name,
                kind: 'number' as const,
                digits: DIGITS
              }))
            ],
            units.map(unit => ({
              unit,
              ...Object.fromEntries(
                payload.components.map((c, i) => [
                  `c${i}`,
                  c.amounts?.find(a => a.unit === unit)?.value ?? null
                ])
              )
            })),
            { caption: 'Each component in every unit' }
          );
    return htmlBlock(
      `<p><b>${escapeHtml(payload.name ?? payload.text)}</b><br>${escapeHtml(payload.text)}, water the balance; volumes and densities at ${escapeHtml(formatQuantity(payload.temperature.value, 'K', 5))}</p>` +
        htmlTable(columns, rows) +
        amounts +
        density +
        props +
        htmlNotes('Limits', limits) +
        htmlNotes('Notes', payload.notes)
    );
  }
}
