/**
 * The methods this library computes with, each with the publication that describes it, as data: a
 * session notes the ones it used (see provenance), and `cryoprotect export` writes them as
 * CSL-JSON and BibTeX beside the data's citations, so a published analysis cites what it ran.
 */

export interface MethodCitation {
  /** Stable key (also the BibTeX key). */
  key: string;
  citation: string;
  doi?: string;
  url?: string;
  usedFor: string;
}

export const METHOD_CITATIONS = {
  rdkit: {
    key: 'rdkit',
    citation: 'RDKit: Open-source cheminformatics, https://www.rdkit.org (run as RDKit.js)',
    url: 'https://www.rdkit.org',
    usedFor: 'structures, standardization, InChI and descriptors'
  },
  morgan: {
    key: 'rogers2010',
    citation:
      'Rogers D, Hahn M, Extended-connectivity fingerprints, J. Chem. Inf. Model. 50 (2010) 742-754',
    doi: '10.1021/ci100050t',
    usedFor: 'Morgan (circular) fingerprint counts'
  },
  ridge: {
    key: 'hoerl1970',
    citation:
      'Hoerl AE, Kennard RW, Ridge regression: biased estimation for nonorthogonal problems, Technometrics 12 (1970) 55-67',
    doi: '10.1080/00401706.1970.10488634',
    usedFor: 'ridge regression'
  },
  'random-forest': {
    key: 'breiman2001',
    citation: 'Breiman L, Random forests, Machine Learning 45 (2001) 5-32',
    doi: '10.1023/A:1010933404324',
    usedFor: 'random forest; permutation importance'
  },
  'extra-trees': {
    key: 'geurts2006',
    citation:
      'Geurts P, Ernst D, Wehenkel L, Extremely randomized trees, Machine Learning 63 (2006) 3-42',
    doi: '10.1007/s10994-006-6226-1',
    usedFor: 'extremely randomized trees'
  },
  'gradient-boosting': {
    key: 'friedman2001',
    citation:
      'Friedman JH, Greedy function approximation: a gradient boosting machine, Ann. Statist. 29 (2001) 1189-1232',
    doi: '10.1214/aos/1013203451',
    usedFor: 'gradient-boosted regression trees'
  },
  lightgbm: {
    key: 'ke2017',
    citation:
      'Ke G, Meng Q, Finley T, Wang T, Chen W, Ma W, Ye Q, Liu T-Y, LightGBM: a highly efficient gradient boosting decision tree, Advances in Neural Information Processing Systems 30 (2017) 3146-3154',
    url: 'https://proceedings.neurips.cc/paper/2017/hash/6449f44a102fde848669bdd9eb6b76fa-Abstract.html',
    usedFor: 'histogram-based, leaf-wise growth of the boosted trees'
  },
  mlp: {
    key: 'lakshminarayanan2017',
    citation:
      'Lakshminarayanan B, Pritzel A, Blundell C, Simple and scalable predictive uncertainty estimation using deep ensembles, Advances in Neural Information Processing Systems 30 (2017)',
    url: 'https://arxiv.org/abs/1612.01474',
    usedFor: 'deep ensemble of multilayer perceptrons'
  },
  tensorflow: {
    key: 'smilkov2019',
    citation:
      'Smilkov D, Thorat N, Assogba Y, et al., TensorFlow.js: machine learning for the web and beyond, Proceedings of Machine Learning and Systems 1 (2019)',
    url: 'https://arxiv.org/abs/1901.05350',
    usedFor: 'neural network training (TensorFlow.js)'
  },
  conformal: {
    key: 'barber2021',
    citation:
      'Barber RF, Candès EJ, Ramdas A, Tibshirani RJ, Predictive inference with the jackknife+, Ann. Statist. 49 (2021) 486-507',
    doi: '10.1214/20-AOS1965',
    usedFor: 'CV+ conformal prediction intervals'
  },
  bootstrap: {
    key: 'efron1993',
    citation: 'Efron B, Tibshirani RJ, An Introduction to the Bootstrap, Chapman & Hall (1993)',
    doi: '10.1201/9780429246593',
    usedFor: 'percentile bootstrap intervals of the metrics'
  },
  'normalized-conformal': {
    key: 'papadopoulos2011',
    citation:
      'Papadopoulos H, Vovk V, Gammerman A, Regression conformal prediction with nearest neighbours, J. Artif. Intell. Res. 40 (2011) 815-840',
    doi: '10.1613/jair.3198',
    usedFor: 'prediction intervals that widen with the distance to the training data'
  }
} as const satisfies Record<string, MethodCitation>;

/** The citations of a learner by its registry name (none for the mean baseline). */
export function learnerCitations(learner: string): MethodCitation[] {
  switch (learner) {
    case 'ridge':
      return [METHOD_CITATIONS.ridge];
    case 'random-forest':
      return [METHOD_CITATIONS['random-forest']];
    case 'extra-trees':
      return [METHOD_CITATIONS['extra-trees']];
    case 'gradient-boosting':
      return [METHOD_CITATIONS['gradient-boosting'], METHOD_CITATIONS.lightgbm];
    case 'mlp-ensemble':
      return [METHOD_CITATIONS.mlp, METHOD_CITATIONS.tensorflow];
    default:
      return [];
  }
}
