const k = require('./dist');
(async () => {
  const [learner, params, feat] = [process.argv[2], JSON.parse(process.argv[3]), process.argv[4]];
  const featurizer = { descriptors: feat.includes('d'), morgan: feat.includes('m') ? { radius: 2, nBits: 2048 } : null };
  const t0 = Date.now();
  const r = await k.trainFromCsv({ data: '../data/science-data/tg_pure_compounds.csv', target: 'Tg (K)', groupBy: 'inchikey', seed: 1, learner, learnerParams: params, featurizer });
  const m = r.model.validation.metrics;
  console.log(learner, JSON.stringify(params), feat, 'MAE', m.mae.value.toFixed(1), `[${m.mae.lower.toFixed(1)}, ${m.mae.upper.toFixed(1)}]`, 'RMSE', m.rmse.value.toFixed(1), 'R2', m.r2.value.toFixed(3), 'cov', r.model.validation.intervals?.coverage.coverage.toFixed(3), ((Date.now() - t0) / 1000).toFixed(0), 's');
})();
