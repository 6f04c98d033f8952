/**
 * # Mixtures
 *
 * Aqueous cryoprotectant mixtures: composition in any unit, conversions, and mixture properties
 * that each come with their method, parameters, sources and limits.
 *
 * ## Mixtures and units
 *
 * A mixture lists its components (`{ molecule, amount, unit, role }`); **water is always the
 * balance** and is never listed. `moleculeFromReference('glycerol')` fills a molecule's molar mass
 * (RDKit) and, where the reference correlation is valid at the temperature (default 293.15 K), its
 * pure-liquid density. Units: `% w/w` (g/100 g solution), `% w/v` (g/100 mL solution), `% v/v`
 * (mL of the pure component before mixing per 100 mL of solution), `mol/L` (per L of solution),
 * `mol/kg` (per kg of WATER), `mole fraction` (water counted), `mg/mL` = `g/L`. Components may
 * use different units. Invalid input throws `MixtureError` whose `field` names the component
 * (`components[1].amount: must be positive (got -5)`). Listing order never changes a result:
 * components are solved and summed in a canonical order (by name, then SMILES).
 *
 * As one line of text (CSV cells, command lines): `parseMixtureText("DMSO: 10 % w/w; ethylene
 * glycol: 1.5 mol/kg")`, components by reference name or synonym or by SMILES (see text.ts).
 *
 * ## Solution density
 *
 * Per-volume units (`% w/v`, `% v/v`, `mol/L`, `mg/mL`, `g/L`) need the solution density:
 * - `given`: `options.solutionDensity` (g/cm3), e.g. measured;
 * - otherwise `ideal-mixing (additive volumes)`: 1/rho = sum_i w_i/rho_i + w_w/rho_w, with the
 *   pure densities of the molecules and water from Kell (1975) at `options.temperatureKelvin`
 *   (default 293.15 K). Real aqueous CPA solutions contract on mixing, so the true density is
 *   usually somewhat higher.
 * `% v/v` also needs the pure density of that component. When a quantity is missing, the error
 * says which component and which quantity. Mixed units are solved in closed form: every unit is a
 * linear equation in the mass fractions once 1/rho is written as above (see composition.ts).
 *
 * ## Properties
 *
 * - `totalSoluteMolality`, `totalSoluteMolarity`: sums over components.
 * - `osmolality`: ideal, sum_i nu_i m_i with osmotic coefficient 1 and nu = 1 for non-electrolytes.
 *   Ions count separately: components with a net charge, several SMILES fragments or role
 *   'buffer-salt' are refused unless the caller gives their particles per formula unit.
 * - `glassTransitionGordonTaylor`: Tg = (w_s Tg_s + k w_w Tg_w)/(w_s + k w_w) (Gordon M, Taylor JS,
 *   J. Appl. Chem. 2 (1952) 493-500). No measured k is in our data, so k is the caller's (with its
 *   source) or the Simha-Boyer estimate k = rho_s Tg_s/(rho_w Tg_w) (Simha R, Boyer RF, J. Chem.
 *   Phys. 37 (1962) 1003-1007), with pure-liquid densities at 293.15 K (the rule calls for the
 *   amorphous densities): `kMethod: 'Simha–Boyer estimate'`. Refused without a solute density.
 * - `glassTransitionFox`: 1/Tg = w_s/Tg_s + w_w/Tg_w (Fox TG, Bull. Am. Phys. Soc. 1 (1956) 123);
 *   needs no density (Gordon-Taylor with k = Tg_s/Tg_w).
 * Pure-solute Tg defaults to the mean of the reference molecule's published values (all listed in
 * the result); water Tg defaults to 135 K (Inaba & Andersson 2007), alternatives in the notes.
 * Limits: binary solute-water only; homogeneous glasses, not freeze-concentrated phases away from
 * Cg'; published pure Tg values scatter by 5-30 K. Against measured values (tests): glycerol at
 * w_s = 0.76 (Tg' 164 K) Gordon-Taylor/Simha-Boyer gives 168.5 K and Fox 171.2 K; fructose at
 * 0.78 (Tg' 216.15 K) Fox gives 227.2 K (+11 K); Gordon-Taylor refuses (no fructose density).
 */
export {
  CONCENTRATION_UNITS,
  ConcentrationUnitSchema,
  MixtureComponentSchema,
  MixtureError,
  MixtureMoleculeSchema,
  MixtureSchema,
  parseMixture
} from './types';
export type {
  CompositionOptions,
  ConcentrationUnit,
  Mixture,
  MixtureComponent,
  MixtureIssue,
  MixtureMolecule,
  PureDensity
} from './types';
export { mixtureText, parseMixtureText, parseMixtureTextWith } from './text';
export {
  moleculeFromReference,
  moleculeFromReferenceWith,
  ROOM_TEMPERATURE_KELVIN,
  WATER_MOLAR_MASS
} from './molecule';
export {
  composition,
  convert,
  massFraction,
  molality,
  molarity,
  moleFraction
} from './composition';
export type {
  ComponentComposition,
  Composition,
  MolarityQuantity,
  Quantity,
  SolutionDensity,
  SolutionDensityMethod,
  WaterComposition
} from './composition';
export { osmolality, totalSoluteMolality, totalSoluteMolarity } from './properties';
export type {
  Citation,
  ComponentContribution,
  MixtureProperty,
  OsmolalityContribution,
  OsmolalityOptions,
  OsmolalityParameters,
  TotalParameters
} from './properties';
export {
  glassTransitionFox,
  glassTransitionGordonTaylor,
  glassTransitionGordonTaylorWith
} from './glass-transition';
export type {
  BinarySolution,
  ChosenTg,
  GlassTransitionOptions,
  GlassTransitionParameters,
  GlassTransitionResult,
  GordonTaylorKMethod,
  GordonTaylorOptions,
  GordonTaylorParameters,
  PublishedTg,
  SourcedTemperature,
  SourcedValue
} from './glass-transition';
