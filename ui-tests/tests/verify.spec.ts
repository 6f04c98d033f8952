import { expect, galata, test, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { APIRequestContext, Locator } from '@playwright/test';
import { cryoprotectServer, expectNoPageErrors, watchErrors } from './kernel';

// The lab loop with two people in two browsers: the requester (the embedded server's own user,
// the token of this JupyterLab) asks the lab to measure a prediction; the lab member (another
// account, signed in from a second browser context with its own token) starts the experiment and
// records the measurement in the verification queue, is not offered "Verify" on it and is refused
// when forcing it through the API; the requester verifies in the queue; the history names both,
// and the model version's real coverage counts the result.

const LAB_USER = process.env.CRYOPROTECT_UI_LAB_USERNAME ?? 'grace';
const LAB_PASSWORD = process.env.CRYOPROTECT_UI_LAB_PASSWORD ?? '';

/** What the requester set up through the API: the request the queue is about. */
interface ILoop {
  verificationId: string;
  modelName: string;
  requester: string;
}

test('two users close the loop in the verification queue: request, start, measure, no self-review, verify, coverage', async ({
  page,
  browser,
  baseURL,
  tmpPath,
  waitForApplication
}) => {
  expect(
    LAB_PASSWORD,
    'CRYOPROTECT_UI_LAB_PASSWORD (tests/ui.test.mjs makes the account)'
  ).not.toBe('');
  watchErrors(page);
  const server = await cryoprotectServer(page);
  const loop = await Private.requestVerification(page.request, server);
  await page.setViewportSize({ width: 1400, height: 1000 });

  // The requester sees the request among theirs, nothing to do yet: it is the lab's turn.
  await page.menu.clickMenuItem('CryoProtect>Open Verification Queue');
  const queue = page.locator('.jp-cryoprotect-Verify');
  await expect(queue).toBeVisible();
  await Private.widenRightPanel(page, 360);
  await queue.getByRole('tab', { name: 'Requested by me' }).click();
  const mine = Private.row(queue, loop.verificationId);
  await expect(mine).toContainText('glycerol');
  await expect(mine).toContainText(`${loop.modelName}@1 · 190 ± 5 K (95 %)`);
  await expect(mine).toContainText(`for ${LAB_USER}`);
  await expect(mine).toHaveAttribute('data-state', 'requested');
  await mine.locator('button').click();
  const detail = queue.locator('.jp-cryoprotect-Verify-detail');
  await expect(detail.locator('h3')).toHaveText('glycerol');
  await expect(detail.locator('.jp-cryoprotect-Verify-action')).toHaveCount(0);

  // The lab member, in a browser of their own, signs in with their password.
  // In the test's own folder: without one it opens /lab/tree/, which JupyterLab answers with a
  // "Path Not Found" dialog that keeps the Launcher from becoming current.
  const lab = (await galata.newPage({ baseURL: baseURL!, browser, tmpPath, waitForApplication }))
    .page;
  watchErrors(lab);
  await lab.setViewportSize({ width: 1400, height: 1000 });
  await lab.menu.clickMenuItem('CryoProtect>Sign In to Server…');
  const signIn = lab.locator('.jp-Dialog', { hasText: 'Sign in to CryoProtect' });
  await signIn.locator('input[name="username"]').fill(LAB_USER);
  await signIn.locator('input[name="password"]').fill(LAB_PASSWORD);
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  const signedIn = lab.locator('.jp-Dialog', { hasText: 'Signed in' });
  await expect(signedIn).toContainText(`as ${LAB_USER}`);
  await signedIn.getByRole('button', { name: /ok/i }).click();

  await lab.menu.clickMenuItem('CryoProtect>Open Verification Queue');
  const labQueue = lab.locator('.jp-cryoprotect-Verify');
  await Private.widenRightPanel(lab, 360);
  // "Assigned to me" is where the panel opens.
  await expect(labQueue.getByRole('tab', { name: 'Assigned to me' })).toHaveAttribute(
    'aria-selected',
    'true'
  );
  const assigned = Private.row(labQueue, loop.verificationId);
  await assigned.locator('button').click();
  const labDetail = labQueue.locator('.jp-cryoprotect-Verify-detail');
  await expect(labDetail.locator('.jp-cryoprotect-Verify-action')).toHaveText(['Start']);
  await labDetail.getByRole('button', { name: 'Start' }).click();
  await expect(labDetail.locator('.jp-cryoprotect-Verify-badge')).toHaveText('in progress');
  await expect(assigned).toHaveAttribute('data-state', 'in_progress');
  await expect(labDetail.locator('.jp-cryoprotect-Verify-action')).toHaveText([
    'Record measurement'
  ]);

  // The measurement, in °C (the server converts to the target's kelvin). A condition the server
  // refuses comes back under the conditions field; nothing is recorded until it is right.
  await labDetail.getByRole('button', { name: 'Record measurement' }).click();
  const form = labDetail.locator('.jp-cryoprotect-Verify-measurementForm');
  await expect(form.locator('select[name="unit"] option')).toContainText(['K', '°C']);
  await form.getByRole('button', { name: 'Record measurement' }).click();
  await expect(form.locator('[data-field="value"]')).toHaveText('give the measured value');
  await form.locator('input[name="value"]').fill('-83');
  await form.locator('select[name="unit"]').selectOption('°C');
  await form.locator('input[name="uncertainty"]').fill('0.5');
  await form.locator('input[name="replicates"]').fill('3');
  await form.locator('input[name="method"]').fill('DSC, midpoint Tg on heating at 10 K/min');
  await form.locator('input[name="equipment"]').fill('TA Instruments Q2000');
  await form.getByRole('button', { name: '+ condition' }).click();
  await form.locator('input[name="conditionKey"]').fill('temperatureKelvin');
  await form.locator('input[name="conditionValue"]').fill('-5');
  await form.getByRole('button', { name: 'Record measurement' }).click();
  await expect(form.locator('[data-field="conditions"]')).toContainText('temperatureKelvin');
  await expect(assigned).toHaveAttribute('data-state', 'in_progress');
  await form.locator('input[name="conditionKey"]').fill('heatingRateKelvinPerMinute');
  await form.locator('input[name="conditionValue"]').fill('10');
  await labQueue.screenshot({ path: test.info().outputPath('verification-measure-form.png') });
  await form.getByRole('button', { name: 'Record measurement' }).click();

  await expect(labDetail.locator('.jp-cryoprotect-Verify-badge')).toHaveText('measured');
  const measured = labDetail.locator('.jp-cryoprotect-Facts', { hasText: 'Measurement' });
  await expect(measured).toContainText('190.15 ± 0.5 K');
  await expect(measured).toContainText(`Measured by${LAB_USER}`);
  // Who measured is not offered to review their own measurement...
  await expect(labDetail.locator('.jp-cryoprotect-Verify-action')).toHaveCount(0);
  await expect(labDetail.locator('.jp-cryoprotect-Verify-actions')).toHaveText(
    'Nothing for you to do on this request now.'
  );
  // ...and is refused when forcing it through the API with their own token.
  const labToken = await lab.evaluate(async () => {
    const response = await fetch('/lab/api/settings/@cryoprotect/jupyterlab:connection');
    return ((await response.json()).settings as { token: string }).token;
  });
  expect(labToken).toMatch(/\S{20,}/);
  const forced = await lab.request.post(
    `${server.url}/api/verifications/${loop.verificationId}/verify`,
    { headers: { authorization: `Bearer ${labToken}` }, data: {} }
  );
  expect(forced.status(), await forced.text()).toBe(403);

  // The requester reads the queue again: now theirs to review.
  await queue.getByRole('button', { name: 'Refresh' }).click();
  await expect(mine).toHaveAttribute('data-state', 'measured');
  await expect(detail.locator('.jp-cryoprotect-Verify-action')).toHaveText(['Verify', 'Reject']);
  await detail.getByRole('button', { name: 'Verify' }).click();
  await expect(detail.locator('.jp-cryoprotect-Verify-badge')).toHaveText('verified');
  await expect(mine).toHaveAttribute('data-state', 'verified');
  await expect(detail.locator('.jp-cryoprotect-Verify-actions')).toHaveText(
    'This request is closed.'
  );

  // The whole history, with both names.
  const history = detail.locator('.jp-cryoprotect-Verify-history tbody tr');
  await expect(history).toHaveCount(4);
  const steps = await history.evaluateAll(rows =>
    rows.map(row =>
      Array.from(row.querySelectorAll('td'))
        .slice(0, 2)
        .map(td => td.textContent)
    )
  );
  expect(steps).toEqual([
    ['new → requested', loop.requester],
    ['requested → in progress', LAB_USER],
    ['in progress → measured', LAB_USER],
    ['measured → verified', loop.requester]
  ]);

  // The model version's real coverage now counts the result: in the panel and in the API.
  await expect(detail.locator('.jp-cryoprotect-Verify-coverage')).toContainText(
    '1 verified result, 1 of 1 inside the predicted intervals (100 %)'
  );
  const coverage = await page.request.get(
    `${server.url}/api/models/${loop.modelName}/versions/1/coverage`,
    { headers: { authorization: `Bearer ${server.token}` } }
  );
  expect(coverage.status(), await coverage.text()).toBe(200);
  const body = (await coverage.json()) as {
    overall: { count: number; covered: number };
    results: { verificationId: string; measured: number }[];
  };
  expect([body.overall.count, body.overall.covered]).toEqual([1, 1]);
  expect(body.results[0].verificationId).toBe(loop.verificationId);
  expect(body.results[0].measured).toBeCloseTo(190.15, 6);

  await queue.screenshot({ path: test.info().outputPath('verification-queue.png') });
  await page.theme.setDarkTheme();
  await expect(queue).toBeVisible();
  await queue.screenshot({ path: test.info().outputPath('verification-queue-dark.png') });
  await page.theme.setLightTheme();

  expectNoPageErrors(page);
  expectNoPageErrors(lab);
  await lab.context().close();
});

namespace Private {
  /** The queue's row of one request. */
  export function row(queue: Locator, id: string): Locator {
    return queue.locator(`.jp-cryoprotect-Verify-row[data-id="${id}"]`);
  }

  /** Drag the splitter left of the right panel until the panel is about `width` pixels wide. */
  export async function widenRightPanel(
    page: IJupyterLabPageFixture,
    width: number
  ): Promise<void> {
    const panel = await page.locator('#jp-right-stack').boundingBox();
    const handles = page.locator(
      '#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)'
    );
    const handle = await handles.nth((await handles.count()) - 1).boundingBox();
    if (!panel || !handle || panel.width >= width) {
      return;
    }
    const y = handle.y + handle.height / 2;
    await page.mouse.move(handle.x + handle.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.width / 2 - (width - panel.width), y, { steps: 5 });
    await page.mouse.up();
  }

  /**
   * The requester's side, through the REST API with the embedded server's token: a project with
   * the lab member as editor, a model of glass transition registered on a one-row snapshot, its
   * prediction for glycerol (190 ± 5 K at 95 %), and the verification request assigned to the lab
   * member, due in a week. (The prediction panel does the same from JupyterLab.)
   */
  export async function requestVerification(
    request: APIRequestContext,
    server: { url: string; token: string }
  ): Promise<ILoop> {
    const call = async (
      method: 'GET' | 'POST' | 'PUT',
      path: string,
      data?: object,
      token = server.token
    ) => {
      const response = await request.fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
        ...(data ? { data } : {})
      });
      expect(response.ok(), `${method} ${path}: ${await response.text()}`).toBe(true);
      return response.json();
    };
    const me = await call('GET', '/api/users/me');
    const lab = await request.post(`${server.url}/api/auth/login`, {
      data: { username: LAB_USER, password: LAB_PASSWORD, tokenName: 'Galata setup' }
    });
    expect(lab.status(), await lab.text()).toBe(201);
    const labUserId = ((await lab.json()) as { userId: string }).userId;
    const stamp = Date.now().toString(36);
    const project = await call('POST', '/api/projects', { name: `Lab loop ${stamp}` });
    await call('PUT', `/api/projects/${project.id}/members/${labUserId}`, { role: 'editor' });
    const shared = { visibility: 'project', projectId: project.id };
    const found = await call('GET', '/api/molecules?q=glycerol&limit=50');
    const glycerol = (found.items as { id: string; name: string | null }[]).find(
      m => m.name === 'glycerol'
    );
    expect(glycerol, 'glycerol among the reference molecules').toBeTruthy();
    const dataset = await call('POST', '/api/datasets', { name: `lab loop ${stamp}`, ...shared });
    const snapshot = await call('POST', `/api/datasets/${dataset.id}/snapshots`, {
      columns: [{ name: 'x', type: 'number' }],
      rows: [[1]]
    });
    const modelName = `tg-loop-${stamp}`;
    const model = await call('POST', '/api/models', {
      name: modelName,
      snapshotId: snapshot.id,
      targetPropertyType: 'glass_transition',
      learner: 'gaussian-process',
      featurizerVersion: 'galata',
      kernelVersion: '0.1.0',
      rdkitVersion: 'galata',
      seed: 1,
      ...shared
    });
    const prediction = (
      await call('POST', '/api/predictions', {
        modelVersionId: model.id,
        items: [
          { moleculeId: glycerol!.id, value: 190, lower: 185, upper: 195, intervalLevel: 0.95 }
        ],
        ...shared
      })
    ).items[0];
    const due = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const verification = await call('POST', '/api/verifications', {
      predictionId: prediction.id,
      plannedExperiment: 'DSC on heating at 10 K/min after quench cooling; midpoint Tg',
      conditions: { heatingRateKelvinPerMinute: 10 },
      assigneeId: labUserId,
      dueOn: due,
      ...shared
    });
    return { verificationId: verification.id, modelName, requester: me.username };
  }
}
