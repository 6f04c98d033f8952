import type {
  CoveragePayload,
  MixturePayload,
  ModelReportPayload,
  MoleculePayload,
  MoleculesPayload,
  PredictionPayload,
  TablePayload
} from '@cryoprotect/kernel';

/** Payloads as the kernel side sends them (shapes of kernel-lib/src/display/payloads.ts). */
export const glycerol: MoleculePayload = {
  smiles: 'OCC(O)CO',
  name: 'glycerol',
  id: 'mol_0001',
  inchikey: 'PEDCQBHIVMGVHV-UHFFFAOYSA-N',
  properties: [
    { name: 'Molar mass', value: 92.0938, unit: 'g/mol', digits: 5 },
    { name: 'log P', value: -1.76, digits: 3, source: 'Crippen (RDKit)' },
    { name: 'Permeating', value: true }
  ]
};

export const screen: MoleculesPayload = {
  title: 'Screen hits',
  columns: [
    { key: 'mw', title: 'Molar mass', kind: 'number', unit: 'g/mol', digits: 4 },
    { key: 'class', title: 'Class', kind: 'text' }
  ],
  rows: [
    { smiles: 'OCC(O)CO', id: 'mol_1', name: 'glycerol', values: { mw: 92.0938, class: 'polyol' } },
    { smiles: 'CS(C)=O', id: 'mol_2', name: 'DMSO', values: { mw: 78.133, class: 'sulfoxide' } },
    { smiles: 'OCCO', id: null, name: 'ethylene glycol', values: { mw: 62.068, class: 'polyol' } },
    {
      smiles: 'CC(O)CO',
      id: 'mol_10',
      name: 'propylene glycol',
      values: { mw: 76.095, class: null }
    },
    {
      smiles: 'C[N+](C)(C)CC(=O)[O-]',
      id: 'mol_3',
      name: 'betaine',
      values: { mw: 117.146, class: 'zwitterion' }
    }
  ],
  totalRows: 7
};

export const mixture: MixturePayload = {
  name: 'VS55-like',
  text: '10 % w/w glycerol in water',
  temperature: { value: 293.15, unit: 'K', digits: 5 },
  components: [
    {
      name: 'glycerol',
      smiles: 'OCC(O)CO',
      role: 'permeating',
      given: { value: 10, unit: '% w/w' },
      molarMass: { value: 92.0938, unit: 'g/mol', digits: 6 },
      massFraction: 0.1,
      moleFraction: 0.021276,
      molality: { value: 1.20648, unit: 'mol/kg', digits: 4 },
      molarity: null
    }
  ],
  water: { massFraction: 0.9, moleFraction: 0.978724 },
  solutionDensity: {
    value: 1.0221,
    unit: 'g/mL',
    method: 'ideal mixing of pure densities',
    sources: ['DIPPR 105']
  },
  properties: [
    {
      name: 'Osmolality',
      value: 1.2312345,
      unit: 'osmol/kg',
      digits: 3,
      method: 'ideal van ’t Hoff, osmotic coefficient 1',
      equation: 'Σ νᵢ mᵢ',
      sources: [
        { citation: 'Weng et al. 2011', doi: '10.1016/j.cryobiol.2011.01.001', usedFor: 'glycerol' }
      ],
      limits: ['dilute solutions'],
      notes: ['non-ideality ignored']
    }
  ],
  notes: ['computed, not measured']
};

export const prediction: PredictionPayload = {
  property: { name: 'Tg', unit: 'K' },
  model: {
    name: 'tg-rf',
    version: 3,
    learner: 'random forest',
    snapshot: 'ab12cd34ef56ab12cd34ef56'
  },
  intervalLevel: 0.9,
  digits: 3,
  items: [
    {
      name: 'glycerol',
      smiles: 'OCC(O)CO',
      value: 190.456,
      lower: 180.1,
      upper: 200.9,
      warning: null
    },
    {
      name: null,
      smiles: 'CCCCCCCCCCCCO',
      value: 150.04,
      lower: null,
      upper: null,
      warning: 'outside the training domain'
    }
  ]
};

/** Predictions of a model with adaptive intervals: the second lies outside its domain. */
export const predictionWithDomain: PredictionPayload = {
  property: { name: 'Tg', unit: 'K' },
  model: { name: 'tg-ridge', version: 4, learner: 'ridge', snapshot: 'ab12cd34ef56ab12cd34ef56' },
  intervalLevel: 0.9,
  digits: 4,
  domainThreshold: 2.05,
  items: [
    {
      name: 'glycerol',
      smiles: 'OCC(O)CO',
      value: 190.456,
      lower: 180.1,
      upper: 200.9,
      warning: null,
      novelty: 0.4123,
      inDomain: true
    },
    {
      name: 'perfluorodecalin',
      smiles: 'FC1(F)C(F)(F)C(F)(F)C2(F)C(F)(F)C(F)(F)C(F)(F)C(F)(F)C2(F)C1(F)F',
      value: 251.2,
      lower: 201.7,
      upper: 300.7,
      warning: null,
      novelty: 3.4167,
      inDomain: false
    },
    {
      name: 'DMSO',
      smiles: 'CS(C)=O',
      value: 137.9,
      lower: 128.2,
      upper: 147.6,
      warning: null,
      novelty: 0.873,
      inDomain: true
    }
  ]
};

export const report: ModelReportPayload = {
  model: { name: 'tg-rf', version: 3, learner: 'random forest', snapshot: 'ab12cd34' },
  property: { name: 'Tg', unit: 'K' },
  validation: { scheme: '5-fold cross-validation grouped by scaffold', folds: 5, rows: 412 },
  metrics: [
    {
      name: 'RMSE',
      value: 7.891,
      unit: 'K',
      lower: 6.5,
      upper: 9.2,
      digits: 3,
      intervalLevel: 0.95,
      intervalMethod: 'bootstrap percentile, 1000 resamples'
    },
    { name: 'R²', value: 0.8123, lower: null, upper: null, digits: 2 }
  ],
  coverage: { nominal: 0.9, observed: 0.874 },
  importance: [
    { feature: 'TPSA', mean: 0.12, std: 0.02 },
    { feature: 'MolWt', mean: 0.31, std: 0.04 }
  ],
  importanceMethod: 'permutation importance: increase of RMSE when a family is shuffled',
  plots: [
    {
      title: 'Predicted vs measured',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        mark: 'point',
        data: {
          values: [
            { measured: 180, predicted: 182.5 },
            { measured: 200, predicted: 195.25 }
          ]
        },
        encoding: { x: { field: 'measured' }, y: { field: 'predicted' } }
      }
    }
  ],
  notes: ['trained on public data only']
};

export const table: TablePayload = {
  title: 'Osmolalities',
  columns: [
    { key: 'name', title: 'Name', kind: 'text' },
    { key: 'osm', title: 'Osmolality', kind: 'number', unit: 'osmol/kg', digits: 3 }
  ],
  rows: [
    { name: 'glycerol', osm: 1.23456 },
    { name: 'DMSO', osm: null }
  ],
  totalRows: 10
};

/** Real coverage of a version: 9 of 10 inside their 90 % intervals over two months (made up). */
export const coverage: CoveragePayload = {
  model: { name: 'tg-rf', version: 3 },
  property: { name: 'Tg', unit: 'K' },
  confidence: 0.95,
  overall: {
    count: 10,
    mae: 6.54321,
    rmse: 8.1234,
    withInterval: 10,
    covered: 9,
    coverage: 0.9,
    coverageInterval: {
      lower: 0.555,
      upper: 0.9975,
      confidence: 0.95,
      method: 'Clopper-Pearson exact'
    },
    promisedLevel: 0.9,
    belowPromise: false
  },
  byMonth: [
    {
      month: '2026-11',
      count: 4,
      mae: 5.5,
      rmse: 6.25,
      withInterval: 4,
      covered: 4,
      coverage: 1,
      coverageInterval: {
        lower: 0.3976,
        upper: 1,
        confidence: 0.95,
        method: 'Clopper-Pearson exact'
      },
      promisedLevel: 0.9,
      belowPromise: false
    },
    {
      month: '2026-12',
      count: 10,
      mae: 6.54321,
      rmse: 8.1234,
      withInterval: 10,
      covered: 9,
      coverage: 0.9,
      coverageInterval: {
        lower: 0.555,
        upper: 0.9975,
        confidence: 0.95,
        method: 'Clopper-Pearson exact'
      },
      promisedLevel: 0.9,
      belowPromise: false
    }
  ],
  results: [
    {
      subject: 'glycerol',
      predicted: 190.456,
      lower: 180.1,
      upper: 200.9,
      level: 0.9,
      measured: 184,
      inside: true,
      verifiedAt: '2026-11-20T10:00:00.000Z',
      verificationId: 'v-1'
    },
    {
      subject: 'DMSO',
      predicted: 170.2,
      lower: 160,
      upper: 180,
      level: 0.9,
      measured: 137,
      inside: false,
      verifiedAt: '2026-12-02T09:30:00.000Z',
      verificationId: 'v-2'
    }
  ],
  totalResults: 10,
  plot: {
    title: 'Real coverage of tg-rf@3 by month (cumulative)',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: 'Real coverage of tg-rf@3 by month (cumulative)',
      data: {
        values: [
          { month: '2026-11', coverage: 1, lower: 0.3976, upper: 1 },
          { month: '2026-12', coverage: 0.9, lower: 0.555, upper: 0.9975 }
        ]
      },
      mark: 'line',
      encoding: { x: { field: 'month' }, y: { field: 'coverage' } }
    }
  },
  notes: [
    'Flag rule: a version is flagged below its promise when even the upper bound of that interval is below the promised level.'
  ]
};

/** The same version once its intervals proved too narrow: 12 of 30 inside. */
export const coverageBelow: CoveragePayload = {
  ...coverage,
  overall: {
    ...coverage.overall,
    count: 30,
    withInterval: 30,
    covered: 12,
    coverage: 0.4,
    coverageInterval: {
      lower: 0.2266,
      upper: 0.594,
      confidence: 0.95,
      method: 'Clopper-Pearson exact'
    },
    belowPromise: true
  },
  byMonth: [
    {
      ...coverage.byMonth[1],
      count: 30,
      withInterval: 30,
      covered: 12,
      coverage: 0.4,
      coverageInterval: {
        lower: 0.2266,
        upper: 0.594,
        confidence: 0.95,
        method: 'Clopper-Pearson exact'
      },
      belowPromise: true
    }
  ],
  totalResults: 30
};
