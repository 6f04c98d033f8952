// bench/pipeline: `cryoprotect model train` end to end (featurize, grouped CV, the automatic choice
// with its nested CV, importance, learning curve, final fit, the model directory) against the same
// pipeline in scikit-learn + native RDKit (bench/native_pipeline.py), one process each, one core,
// in the same run. Target: ours <= 2x the anchor's wall time. The nested RMSE and MAE of both are
// printed beside the times, so a speed-up cannot hide a worse model.
//
//   node bench/pipeline.mjs [--rounds 3] [--sets tg,amino,glyco] [--learner auto[,extra-trees,...]]
//   node bench/pipeline.mjs --profile tg [--learner auto] [--top 25]
//
// Each round runs, per set and learner, ours and the anchor one after the other (the anchor first in
// odd rounds), each timed from process start to exit (wall clock, and CPU time = user + system from
// /usr/bin/time). Ours: node server/bin/cryoprotect.js model train --data ... --target ... --seed 1
// [--conditions ...] [--learner NAME] --out <tmpdir>, so Node's start and the CLI's imports count.
// The anchor: .venv/bin/python bench/native_pipeline.py with AUTO_CANDIDATES (or the named learner)
// as kernel-lib fills in their parameters, mapped by bench/native_train.py; it also reports its time
// after its imports (Python, numpy, scikit-learn, RDKit) and each step's seconds. Our steps are timed
// from the lines the CLI prints when its stage changes (stderr is not a terminal here).
// Sets: tg = tg_pure_compounds.csv, "Tg (K)"; amino = iri_amino.csv, "Exp. % MGS"; glyco =
// iri_glyco.csv, "Exp. % MGS" with the condition "Concentration (mM)" (rows without one dropped).
//
// --profile SET runs ours once under `node --cpu-prof` and prints where the time goes: the
// functions with the most self time, self time by file or package, and the inclusive time of the
// pipeline's own functions (async continuations start new stacks, so inclusive times are a floor).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { AUTO_CANDIDATES, AUTO_LEARNER, makeLearner } from '@cryoprotect/kernel';
import { ROOT } from './molecules.mjs';

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};

const SETS = {
  tg: { file: 'tg_pure_compounds.csv', target: 'Tg (K)', conditions: [] },
  amino: { file: 'iri_amino.csv', target: 'Exp. % MGS', conditions: [] },
  glyco: { file: 'iri_glyco.csv', target: 'Exp. % MGS', conditions: ['Concentration (mM)'] }
};
const SEED = 1;
const CLI = join(ROOT, 'server', 'bin', 'cryoprotect.js');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const ANCHOR = join(ROOT, 'bench', 'native_pipeline.py');
const TIME = '/usr/bin/time';
// One core for the anchor: BLAS and OpenMP (HistGradientBoostingRegressor) start a thread per core
// otherwise. kernel-lib is single-threaded.
const ONE_CORE = {
  OMP_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1'
};

const rounds = Number(option('rounds', 3));
const profileSet = option('profile', null);
const wantedSets = profileSet ? [profileSet] : option('sets', 'tg,amino,glyco').split(',');
const learners = option('learner', AUTO_LEARNER).split(',');
for (const name of wantedSets) {
  if (!SETS[name]) {
    throw new Error(`--sets: unknown "${name}" (known: ${Object.keys(SETS).join(', ')})`);
  }
}
for (const name of learners) {
  if (name !== AUTO_LEARNER) {
    makeLearner(name, {});
  }
}

/** The anchor's learner list: kernel-lib's names and full parameters, with their families. */
function anchorLearners(learner) {
  const list =
    learner === AUTO_LEARNER ? AUTO_CANDIDATES : [{ name: learner, params: {}, families: null }];
  return list.map(c => ({
    name: c.name,
    params: makeLearner(c.name, c.params).params,
    families: c.families ?? null
  }));
}

/**
 * Run a command to its end: wall seconds, CPU seconds (user + system of the process and its
 * children, from /usr/bin/time) and every output line with the second it arrived.
 */
function run(command, args, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-bench-pipeline-time-'));
  const timeFile = join(dir, 'time');
  const timed = existsSync(TIME);
  const [file, argv] = timed
    ? [TIME, ['-f', '%e %U %S', '-o', timeFile, command, ...args]]
    : [command, args];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, argv, { cwd: ROOT, env: { ...process.env, ...env } });
    const lines = [];
    const output = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr']) {
      let partial = '';
      child[stream].on('data', chunk => {
        const at = (performance.now() - start) / 1000;
        const text = partial + chunk.toString();
        const parts = text.split('\n');
        partial = parts.pop();
        for (const line of parts) {
          lines.push({ at, stream, line });
          output[stream] += `${line}\n`;
        }
      });
    }
    child.on('error', reject);
    child.on('close', code => {
      const wall = (performance.now() - start) / 1000;
      let cpu = null;
      if (timed && existsSync(timeFile)) {
        const [, user, system] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
        cpu = user + system;
      }
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.stderr}`));
        return;
      }
      resolve({ wall, cpu, lines, ...output });
    });
  });
}

function oursArgs(set, learner, out) {
  const { file, target, conditions } = SETS[set];
  return [
    'model',
    'train',
    '--data',
    join('data', 'science-data', file),
    '--target',
    target,
    '--seed',
    String(SEED),
    ...(conditions.length > 0 ? ['--conditions', conditions.join(',')] : []),
    ...(learner === AUTO_LEARNER ? [] : ['--learner', learner]),
    '--out',
    out
  ];
}

/** The stage boundaries of our run, from the lines the CLI prints (seconds from the start). */
const STAGES = [
  ['start, read, featurize', null],
  ['choosing', /^cryoprotect: choosing \(step/],
  ['nested or CV, summary, adaptive', /^cryoprotect: (nested|validation) \(step/],
  ['importance', /^cryoprotect: importance \(step/],
  ['learning curve', /^cryoprotect: learning curve \(step/],
  ['final fit, save', /^cryoprotect: final fit \(step/],
  ['exit', /model written to/]
];

function oursStages(lines, wall) {
  const starts = STAGES.map(([, pattern]) =>
    pattern ? (lines.find(l => pattern.test(l.line))?.at ?? null) : 0
  );
  return Object.fromEntries(
    STAGES.map(([name], s) => {
      if (starts[s] === null) {
        return [name, null];
      }
      const next = starts.slice(s + 1).find(t => t !== null) ?? wall;
      return [name, next - starts[s]];
    })
  );
}

/** The anchor's steps in our stages (its interpreter start and imports with the featurizing). */
function anchorStages(result, wall) {
  const s = result.steps;
  const get = name => s[name] ?? 0;
  return {
    'start, read, featurize': wall - result.workSeconds + get('read') + get('featurize'),
    choosing: s.choosing ?? null,
    'nested or CV, summary, adaptive':
      get('nested') + get('cross-validation') + get('summary') + get('adaptive'),
    importance: get('importance'),
    'learning curve': get('learning curve'),
    'final fit, save': get('final fit') + get('save'),
    exit: null
  };
}

async function ours(set, learner) {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-bench-pipeline-'));
  try {
    const timing = await run(process.execPath, [CLI, ...oursArgs(set, learner, join(dir, 'm'))]);
    const model = JSON.parse(readFileSync(join(dir, 'm', 'model.json'), 'utf8'));
    const chosen = model.search?.chosenLearner ?? { ...model.learner, families: null };
    return {
      ...timing,
      rows: model.trainingRows,
      chosen: chosen.name + (chosen.families ? ` (${chosen.families.join('+')})` : ''),
      rmse: model.metrics.rmse.value,
      mae: model.metrics.mae.value,
      stages: oursStages(timing.lines, timing.wall)
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function anchor(set, learner) {
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-bench-pipeline-anchor-'));
  const { file, target, conditions } = SETS[set];
  try {
    const timing = await run(
      PYTHON,
      [
        ANCHOR,
        '--data',
        join('data', 'science-data', file),
        '--target',
        target,
        '--seed',
        String(SEED),
        '--conditions',
        conditions.join(','),
        '--learners',
        JSON.stringify(anchorLearners(learner)),
        ...(learner === AUTO_LEARNER ? ['--search'] : []),
        '--out',
        join(dir, 'm')
      ],
      ONE_CORE
    );
    const result = JSON.parse(timing.stdout.trim().split('\n').pop());
    const name = result.chosen.split(' ')[0];
    const on = / on (.+)$/.exec(result.chosen);
    return {
      ...timing,
      rows: result.rows,
      chosen: name + (on ? ` (${on[1].replaceAll(' ', '')})` : ''),
      rmse: result.rmse,
      mae: result.mae,
      afterImports: result.workSeconds,
      stages: anchorStages(result, timing.wall)
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = values => {
  const s = values.filter(v => v !== null && v !== undefined).sort((a, b) => a - b);
  if (s.length === 0) {
    return null;
  }
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sec = v => (v === null ? '-' : v.toFixed(v < 10 ? 2 : 1));
const load = () =>
  loadavg()
    .map(v => v.toFixed(2))
    .join(' ');

function versions() {
  const python = execFileSync(
    PYTHON,
    [
      '-c',
      'import sklearn, numpy, rdkit, sys; print(sklearn.__version__, numpy.__version__, rdkit.__version__, sys.version.split()[0])'
    ],
    { encoding: 'utf8' }
  )
    .trim()
    .split(' ');
  return (
    `Node ${process.version} (kernel-lib, RDKit.js) vs scikit-learn ${python[0]} (numpy ${python[1]},` +
    ` RDKit ${python[2]}, Python ${python[3]}); ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`
  );
}

async function bench() {
  console.log(`bench/pipeline: ${rounds} rounds; ${versions()}`);
  console.log(`load average at the start: ${load()}`);
  const results = [];
  for (let round = 1; round <= rounds; round++) {
    for (const set of wantedSets) {
      for (const learner of learners) {
        // Alternate which side goes first, so a burst of load from elsewhere favours neither.
        const order = round % 2 === 1 ? ['anchor', 'ours'] : ['ours', 'anchor'];
        const pair = {};
        for (const side of order) {
          pair[side] = side === 'ours' ? await ours(set, learner) : await anchor(set, learner);
        }
        const { ours: a, anchor: b } = pair;
        if (a.rows !== b.rows) {
          console.warn(`${set}: ours trained on ${a.rows} rows, the anchor on ${b.rows}`);
        }
        results.push({ round, set, learner, ours: a, anchor: b });
        console.log(
          `round ${round} ${set.padEnd(5)} ${learner}: ours ${sec(a.wall)} s (CPU ${sec(a.cpu)}),` +
            ` anchor ${sec(b.wall)} s (CPU ${sec(b.cpu)}, after imports ${sec(b.afterImports)}),` +
            ` ratio ${(a.wall / b.wall).toFixed(2)} (CPU ${a.cpu && b.cpu ? (a.cpu / b.cpu).toFixed(2) : '-'});` +
            ` chose ${a.chosen} / ${b.chosen}; RMSE ${a.rmse.toFixed(2)} / ${b.rmse.toFixed(2)};` +
            ` load ${load()}`
        );
      }
    }
  }
  console.log(`\nload average at the end: ${load()}\n`);
  console.log(
    '| set | rows | learner (chosen: ours / anchor) | ours (s) | anchor (s) | ratio, rounds (target <= 2) |' +
      ' anchor after imports (s) | CPU ours / anchor (s), ratio | nested RMSE ours / anchor | nested MAE ours / anchor |'
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const set of wantedSets) {
    for (const learner of learners) {
      const rs = results.filter(r => r.set === set && r.learner === learner);
      const m = (side, key) => median(rs.map(r => r[side][key]));
      const ratios = rs.map(r => r.ours.wall / r.anchor.wall);
      const cpuRatio = median(
        rs.map(r => (r.ours.cpu && r.anchor.cpu ? r.ours.cpu / r.anchor.cpu : null))
      );
      const chosen = [...new Set(rs.map(r => `${r.ours.chosen} / ${r.anchor.chosen}`))].join('; ');
      console.log(
        `| ${set} | ${rs[0].ours.rows} | ${learner} (${chosen}) | ${sec(m('ours', 'wall'))} |` +
          ` ${sec(m('anchor', 'wall'))} | ${median(ratios).toFixed(2)} (${ratios.map(v => v.toFixed(2)).join(', ')}) |` +
          ` ${sec(m('anchor', 'afterImports'))} | ${sec(m('ours', 'cpu'))} / ${sec(m('anchor', 'cpu'))}, ${cpuRatio === null ? '-' : cpuRatio.toFixed(2)} |` +
          ` ${m('ours', 'rmse').toFixed(2)} / ${m('anchor', 'rmse').toFixed(2)} |` +
          ` ${m('ours', 'mae').toFixed(2)} / ${m('anchor', 'mae').toFixed(2)} |`
      );
    }
  }
  console.log('\nSeconds per stage, median over the rounds (ours / anchor):\n');
  const names = STAGES.map(([name]) => name);
  console.log(`| set | learner | ${names.join(' | ')} |`);
  console.log(`| --- | --- | ${names.map(() => '---').join(' | ')} |`);
  for (const set of wantedSets) {
    for (const learner of learners) {
      const rs = results.filter(r => r.set === set && r.learner === learner);
      const cells = names.map(
        name =>
          `${sec(median(rs.map(r => r.ours.stages[name])))} / ${sec(median(rs.map(r => r.anchor.stages[name])))}`
      );
      console.log(`| ${set} | ${learner} | ${cells.join(' | ')} |`);
    }
  }
}

/** Where our time goes: one run of ours under the V8 sampling profiler. */
async function profile(set, learner) {
  const top = Number(option('top', 25));
  const dir = mkdtempSync(join(tmpdir(), 'cryoprotect-bench-pipeline-profile-'));
  try {
    console.log(`bench/pipeline --profile ${set} (${learner}); load average ${load()}`);
    const timing = await run(process.execPath, [
      '--cpu-prof',
      '--cpu-prof-dir',
      join(dir, 'profile'),
      CLI,
      ...oursArgs(set, learner, join(dir, 'm'))
    ]);
    const file = readdirSync(join(dir, 'profile')).find(f => f.endsWith('.cpuprofile'));
    const prof = JSON.parse(readFileSync(join(dir, 'profile', file), 'utf8'));
    console.log(
      `wall ${sec(timing.wall)} s, CPU ${sec(timing.cpu)} s; stages: ${Object.entries(
        oursStages(timing.lines, timing.wall)
      )
        .map(([name, s]) => `${name} ${sec(s)}`)
        .join(', ')}`
    );
    summarize(prof, top);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Self time per function and per file, inclusive time of the pipeline's functions. */
function summarize(prof, top) {
  const byId = new Map(prof.nodes.map(n => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) {
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  const self = new Map();
  prof.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const where = frame => {
    const url = frame.url.replace(/^file:\/\//, '');
    if (!url) {
      return '';
    }
    const packageMatch = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
    if (packageMatch) {
      return packageMatch[1];
    }
    return url.startsWith(ROOT) ? relative(ROOT, url) : url;
  };
  const fn = new Map();
  const files = new Map();
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  for (const [id, ms] of self) {
    const { callFrame } = byId.get(id);
    const file = where(callFrame);
    add(
      fn,
      `${callFrame.functionName || '(anonymous)'} ${file}${file ? `:${callFrame.lineNumber + 1}` : ''}`,
      ms
    );
    add(files, file || callFrame.functionName, ms);
  }
  const pct = ms => `${((100 * ms) / total).toFixed(1)} %`;
  const print = (title, map, n) => {
    console.log(`\n${title}:`);
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .forEach(([key, ms]) =>
        console.log(`  ${(ms / 1000).toFixed(2).padStart(6)} s ${pct(ms).padStart(7)}  ${key}`)
      );
  };
  console.log(`profile: ${(total / 1000).toFixed(1)} s sampled`);
  print(`top ${top} functions by self time`, fn, top);
  print('self time by file or package', files, top);
  // Inclusive: each sample counts once for every distinct function name on its stack.
  const inclusive = new Map();
  prof.samples.forEach((id, i) => {
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      seen.add(byId.get(n).callFrame.functionName);
    }
    for (const name of seen) {
      add(inclusive, name, (prof.timeDeltas[i] ?? 0) / 1000);
    }
  });
  const OWN = [
    'featurizeSmiles',
    'descriptorVector',
    'getMorganFingerprintOf',
    'groupKeys',
    'standardizeWith',
    'crossValidate',
    'nestedCrossValidate',
    'summarizeOutOfFold',
    'bootstrapInterval',
    'calibrateAdaptive',
    'outOfFoldNovelty',
    'distanceSpace',
    'heldOutImportance',
    'permutationImportance',
    'learningCurve',
    'pick',
    'fit',
    'predict',
    'saveTrainedModel',
    'describeTrainedModel',
    'modelDirectoryFiles',
    'vegaLiteToSvg',
    'modelReportHtml',
    'toJSON',
    'stringify'
  ];
  print(
    "inclusive time of the pipeline's functions (a floor: an await starts a new stack)",
    new Map(OWN.filter(name => inclusive.has(name)).map(name => [name, inclusive.get(name)])),
    OWN.length
  );
}

if (profileSet) {
  await profile(profileSet, learners[0]);
} else {
  await bench();
}
