// The GitHub Actions workflows cannot run here; these checks hold them to what a run needs: they parse,
// every shell step is valid bash, actions are pinned, secrets reach steps only through `secrets.*`,
// and the release workflow refuses a tag that is not the files' version before building anything.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = join(ROOT, '.github', 'workflows');
const FILES = readdirSync(DIR).filter(f => /\.ya?ml$/.test(f));

function load(file) {
  const doc = parseDocument(readFileSync(join(DIR, file), 'utf8'));
  assert.deepEqual(
    doc.errors.map(e => e.message),
    [],
    `${file} does not parse`
  );
  return doc.toJS();
}

const steps = workflow =>
  Object.entries(workflow.jobs).flatMap(([job, body]) =>
    (body.steps ?? []).map(step => ({ job, step }))
  );
const label = ({ job, step }) => `${job}: ${step.name ?? step.uses ?? step.run?.split('\n')[0]}`;
const onTagsOnly = condition => /startsWith\(github\.ref, 'refs\/tags\/v'\)/.test(condition ?? '');

describe('workflows', () => {
  it('are ci.yml and release.yml', () => {
    assert.ok(FILES.includes('ci.yml'));
    assert.ok(FILES.includes('release.yml'));
  });

  for (const file of FILES) {
    describe(file, () => {
      const workflow = load(file);

      it('has jobs with a runner and steps', () => {
        assert.ok(Object.keys(workflow.jobs).length > 0);
        for (const [name, job] of Object.entries(workflow.jobs)) {
          assert.ok(job['runs-on'], `${name} has no runs-on`);
          assert.ok(job.steps?.length > 0, `${name} has no steps`);
        }
      });

      it('pins every action to a major version or a commit', () => {
        for (const entry of steps(workflow)) {
          if (entry.step.uses) {
            assert.match(
              entry.step.uses,
              /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$/,
              label(entry)
            );
          }
        }
      });

      it('passes secrets only as secrets.* in env or with, never inside a script', () => {
        for (const entry of steps(workflow)) {
          const { step } = entry;
          assert.doesNotMatch(step.run ?? '', /secrets\./, label(entry));
          const inputs = { ...workflow.env, ...step.env, ...step.with };
          for (const [key, value] of Object.entries(inputs)) {
            if (/token|password|secret/i.test(key) && key !== 'TWINE_USERNAME') {
              assert.match(String(value), /^\$\{\{ secrets\.\w+ \}\}$/, `${label(entry)}: ${key}`);
            }
          }
        }
      });

      it('has shell steps that bash can parse', () => {
        for (const entry of steps(workflow)) {
          if (!entry.step.run) {
            continue;
          }
          // Expressions are replaced by GitHub before the shell sees the script.
          const script = entry.step.run.replace(/\$\{\{[^}]*\}\}/g, 'EXPRESSION');
          const result = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
          assert.equal(result.status, 0, `${label(entry)}: ${result.stderr}`);
        }
      });
    });
  }
});

describe('release.yml', () => {
  const workflow = load('release.yml');
  const jobs = workflow.jobs;

  it('runs on a tag v* and by hand', () => {
    assert.deepEqual(workflow.on.push.tags, ['v*']);
    assert.ok('workflow_dispatch' in workflow.on);
    assert.equal(workflow.on.push.branches, undefined);
  });

  it('checks that the files agree and the tag names their version, before anything else', () => {
    const check = jobs.version.steps.find(s =>
      /node scripts\/version\.mjs check/.test(s.run ?? '')
    );
    assert.ok(check, 'no step runs node scripts/version.mjs check');
    assert.match(check.run, /GITHUB_REF_NAME.*!=\s*"v\$version"/);
    assert.match(check.run, /exit 1/);
    for (const [name, job] of Object.entries(jobs)) {
      if (name !== 'version') {
        assert.ok(
          [job.needs].flat().includes('version'),
          `${name} does not wait for the version check`
        );
      }
    }
  });

  it('builds the wheel, checks it with twine and lists the extension from a fresh environment', () => {
    const runs = jobs.wheel.steps.map(s => s.run ?? '').join('\n');
    assert.match(runs, /npm run build:prod --workspace extension/);
    assert.match(runs, /pip wheel .*\.\/extension/);
    assert.match(runs, /twine" check --strict/);
    assert.match(runs, /jupyter" labextension list/);
  });

  it('packs only workspaces not marked private, and checks their tarballs', () => {
    const runs = jobs.npm.steps.map(s => s.run ?? '').join('\n');
    assert.match(runs, /\.private/);
    assert.match(runs, /npm pack --workspace/);
    assert.match(runs, /carries test files/);
  });

  it('pushes the image and publishes only for a tag', () => {
    const pushes = jobs.image.steps.filter(
      s => s.uses?.startsWith('docker/build-push-action') && s.with?.push === true
    );
    assert.equal(pushes.length, 1);
    assert.ok(onTagsOnly(pushes[0].if), 'the push step runs without a tag');
    assert.ok(onTagsOnly(jobs.image.steps.find(s => s.uses?.startsWith('docker/login-action')).if));
    for (const step of jobs.image.steps.filter(s =>
      s.uses?.startsWith('docker/build-push-action')
    )) {
      assert.match(
        step.with.labels,
        /org\.opencontainers\.image\.version=\$\{\{ env\.VERSION \}\}/
      );
    }
    assert.ok(onTagsOnly(jobs.release.if));
    assert.ok(onTagsOnly(jobs.publish.if));
    assert.match(jobs.publish.if, /vars\.PUBLISH_TO_REGISTRIES == 'true'/);
  });

  it('gives write permissions only to the jobs that need them', () => {
    assert.deepEqual(workflow.permissions, { contents: 'read' });
    assert.equal(jobs.image.permissions.packages, 'write');
    assert.equal(jobs.release.permissions.contents, 'write');
    for (const name of ['version', 'wheel', 'npm']) {
      assert.equal(jobs[name].permissions, undefined, name);
    }
  });

  it('releases with the CHANGELOG section as notes', () => {
    const notes = jobs.version.steps.find(s => /version\.mjs changelog/.test(s.run ?? ''));
    assert.ok(notes);
    assert.match(
      jobs.release.steps.map(s => s.run ?? '').join('\n'),
      /--notes-file dist\/release-notes\/release-notes\.md/
    );
  });
});
