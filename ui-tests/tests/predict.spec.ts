import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import { CryoProtectClient, formatNumber, standardize } from '@cryoprotect/kernel';
import { acceptKernel, cryoprotectServer, expectNoPageErrors, watchErrors } from './kernel';
import { predictInNode, registerSmallTgModel } from './models';

// The prediction panel as a researcher meets it beside a notebook: a model registered on the
// embedded server (trained in this process with the kernel library, see models.ts), chosen in
// the panel; a SMILES typed, predicted in the browser; the prediction stored and its verification
// requested from a second account (ada, made by tests/ui.test.mjs) in one click; the request
// checked through the REST API as both accounts; the notebook cell inserted and run.

const NOTEBOOK = path.resolve(__dirname, '..', 'notebooks', 'predict.ipynb');
const SECOND_USER = process.env.CRYOPROTECT_UI_USERNAME ?? 'ada';
const SECOND_PASSWORD = process.env.CRYOPROTECT_UI_PASSWORD ?? '';
const GLYCEROL = 'OCC(O)CO';

// Galata answers JupyterLab's /api/me with a mock user, but its route (/.*\/api\/me.*/) also
// catches the CryoProtect server's /api/measurements behind the proxy; JupyterLab's real /api/me
// answers instead.
test.use({ mockUser: false });

test('predict with a registered model, request verification from a second account, insert the code', async ({
  page,
  tmpPath
}) => {
  watchErrors(page);
  const { url, token } = await cryoprotectServer(page);
  const researcher = new CryoProtectClient({ serverUrl: url, token });
  const name = `galata-tg-${Date.now()}`;
  const version = await registerSmallTgModel(researcher, name);
  const expected = await predictInNode(version, GLYCEROL);
  const second = (await researcher.users.me()).username === SECOND_USER ? null : SECOND_USER;
  expect(second, 'the embedded user is not the second account').not.toBeNull();

  // A notebook on the left, the panel split to its right: about 400 px wide.
  await page.setViewportSize({ width: 1000, height: 1900 });
  expect(await page.contents.uploadFile(NOTEBOOK, `${tmpPath}/predict.ipynb`)).toBe(true);
  expect(await page.notebook.openByPath(`${tmpPath}/predict.ipynb`)).toBe(true);
  await acceptKernel(page);
  await page.menu.clickMenuItem('CryoProtect>New Prediction Panel');
  const panel = page.locator('.jp-cryoprotect-Predict');
  await expect(panel).toBeVisible();

  // The model: its record, metrics with intervals, and no real coverage yet.
  const chooser = panel.locator('.jp-cryoprotect-Predict-version');
  await expect(chooser.locator('option', { hasText: `${name}@1` })).toHaveCount(1);
  await chooser.selectOption({ label: `${name}@1 · glass transition (K) · ridge` });
  const facts = panel.locator('.jp-cryoprotect-Predict-facts');
  await expect(facts).toContainText(`${name}@1`);
  await expect(facts).toContainText('glass transition in K');
  await expect(facts).toContainText(version.snapshotHash.slice(0, 12));
  await expect(panel.locator('.jp-cryoprotect-Predict-metrics tbody tr')).toHaveCount(3);
  await expect(panel.locator('.jp-cryoprotect-Predict-real')).toContainText(
    'No verified result yet'
  );

  // An unparsable SMILES: the reason under the field, nothing to store.
  const subject = panel.locator('.jp-cryoprotect-Predict-subject');
  await subject.fill('C1CC');
  await expect(panel.locator('[data-field="subject"]')).not.toHaveText('');
  await expect(panel.locator('.jp-cryoprotect-Predict-request')).toBeDisabled();

  // A molecule dragged from the database sidebar (it drags the code that loads the record): the
  // panel reads the id and uses the record's structure.
  const dmso = (await researcher.registerMolecule({ structure: 'CS(C)=O' })).molecule;
  const dragged = `const molecule = await client.getMolecule(${JSON.stringify(dmso.id)});`;
  await panel.locator('.jp-cryoprotect-Predict-subjectField').evaluate((node, text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    node.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true }));
  }, dragged);
  await expect(subject).toHaveValue(dmso.smiles);
  const value = panel.locator('.jp-cryoprotect-Predict-value');
  await expect(value).toHaveAttribute(
    'data-value',
    String((await predictInNode(version, dmso.smiles)).prediction)
  );

  // Glycerol: the browser's prediction is the kernel's in Node, with its interval.
  await subject.fill(GLYCEROL);
  await expect(value).toHaveAttribute('data-value', String(expected.prediction));
  await expect(value).toContainText(`${formatNumber(expected.prediction, 4)} K`);
  await expect(value).toContainText(`interval ${formatNumber(expected.lower, 4)} to`);
  await expect(panel.locator('[data-field="subject"]')).toHaveText('');
  // Beside it, the measured Tg of glycerol the database holds (found by InChIKey), as the API lists them.
  const registration = await researcher.moleculeRegistration(
    (await standardize(GLYCEROL)).inchikey
  );
  const measured: number[] = [];
  if (registration.molecule) {
    for await (const m of researcher.measurements.list({
      propertyType: 'glass_transition',
      moleculeId: registration.molecule.id
    })) {
      measured.push(m.value);
    }
  }
  const compare = panel.locator('.jp-cryoprotect-Predict-compare');
  if (measured.length === 0) {
    await expect(compare).toContainText('In the database:');
  } else {
    const rows = compare.locator('.jp-cryoprotect-Predict-measured tbody tr');
    await expect(rows).toHaveCount(Math.min(measured.length, 50));
    await expect(rows.first().locator('td').first()).toContainText(formatNumber(measured[0], 4));
  }

  // Ask the second account to measure it, public so that they may read it.
  await panel.locator('.jp-cryoprotect-Predict-visibility').selectOption('public');
  await panel.locator('.jp-cryoprotect-Predict-planned').fill('DSC, 10 K/min, 3 replicates');
  const assignee = panel.locator('.jp-cryoprotect-Predict-assignee');
  await expect(assignee.locator('option', { hasText: `(${second})` })).toHaveCount(1);
  const assigneeId = await assignee
    .locator('option', { hasText: `(${second})` })
    .getAttribute('value');
  await assignee.selectOption(assigneeId!);
  const due = panel.locator('.jp-cryoprotect-Predict-due');
  await due.fill('2027-01-15');

  // Narrow panel: the three buttons keep their labels on one line each.
  const box = await panel.boundingBox();
  expect(box!.width, 'the panel beside the notebook').toBeGreaterThan(300);
  expect(box!.width).toBeLessThan(520);
  // Nothing runs past the panel's right edge (a long citation wraps).
  expect(
    await compare.evaluate(node => node.scrollWidth - node.clientWidth),
    `pixels of the comparison past the edge of a panel ${box!.width} px wide`
  ).toBeLessThanOrEqual(1);
  for (const button of await panel.locator('.jp-cryoprotect-Predict-actions button').all()) {
    expect(await button.evaluate(b => b.scrollWidth <= b.clientWidth + 1)).toBe(true);
    expect((await button.boundingBox())!.height).toBeLessThan(36);
  }

  const request = panel.locator('.jp-cryoprotect-Predict-request');
  await expect(request).toBeEnabled();
  await request.click();
  const outcome = panel.locator('.jp-cryoprotect-Predict-outcome');
  await expect(outcome).toHaveAttribute('data-verification-state', 'requested');
  const verificationId = (await outcome.getAttribute('data-verification-id'))!;
  await expect(outcome).toContainText(`assigned to ${second}, due 2027-01-15`);

  // The request exists, as the researcher sees it and as the assignee does.
  const verification = await researcher.verifications.get(verificationId);
  expect(verification.state).toBe('requested');
  expect(verification.assigneeId).toBe(assigneeId);
  expect(verification.dueOn).toBe('2027-01-15');
  expect(verification.plannedExperiment).toBe('DSC, 10 K/min, 3 replicates');
  expect(verification.prediction?.modelName).toBe(name);
  expect(verification.prediction?.value).toBe(expected.prediction);
  expect(verification.prediction?.lower).toBe(expected.lower);
  expect(verification.prediction?.upper).toBe(expected.upper);
  expect(verification.prediction?.intervalLevel).toBe(
    (version.artifact as { conformal: { level: number } }).conformal.level
  );
  const assigned = await CryoProtectClient.login(url, second!, SECOND_PASSWORD, {
    tokenName: 'Galata prediction test'
  });
  const queue: string[] = [];
  for await (const v of assigned.verifications.list({ role: 'assigned', modelName: name })) {
    queue.push(v.id);
  }
  expect(queue).toEqual([verificationId]);
  expect((await assigned.verifications.get(verificationId)).allowedActions).toEqual(['start']);
  await assigned.tokens.revoke(assigned.tokenId);

  // Screenshots for docs/predict.md, light and dark.
  const form = panel.locator('.jp-cryoprotect-Predict-form');
  await panel.evaluate(node => node.scrollTo(0, 0));
  await form.screenshot({ path: test.info().outputPath('prediction-panel.png') });
  await page.theme.setDarkTheme();
  await form.screenshot({ path: test.info().outputPath('prediction-panel-dark.png') });
  await page.theme.setLightTheme();

  // Ethylene glycol drawn in the molecule editor ("Draw…"), handed back by "Use for prediction".
  await panel.locator('.jp-cryoprotect-Predict-draw').click();
  const editor = page.locator('.jp-cryoprotect-Editor');
  await editor.locator('.jp-cryoprotect-Editor-structure').fill('OCCO');
  const use = editor.locator('.jp-cryoprotect-Editor-use');
  await expect(use).toHaveText('Use for prediction');
  await expect(use).toBeEnabled();
  await use.click();
  await expect(editor).toHaveCount(0);
  await expect(subject).toHaveValue('OCCO');
  await expect(value).toHaveAttribute(
    'data-value',
    String((await predictInNode(version, 'OCCO')).prediction)
  );

  // The cell that does the same in the notebook: no token in it, and it runs.
  await panel.locator('.jp-cryoprotect-Predict-insert').click();
  await expect(outcome).toHaveText('Code inserted below the active cell.');
  await page.activity.activateTab('predict.ipynb');
  await expect.poll(() => page.notebook.getCellCount()).toBe(2);
  const code = await page.notebook.getCellTextInput(1);
  expect(code).toContain('clientFromEnvironment()');
  expect(code).toContain(`loadRegisteredModel(client, "${name}", 1`);
  expect(code).toContain('predictMolecules(model, [{ smiles: "OCCO" }])');
  expect(code).toContain('client.verifications.request(');
  expect(code).not.toContain(token);
  expect(await page.notebook.runCell(1)).toBe(true);
  const cell = (await page.notebook.getCellLocator(1))!;
  await expect(
    cell.locator('.jp-OutputArea-output.jp-cryoprotect-Output-prediction')
  ).toContainText(formatNumber((await predictInNode(version, 'OCCO')).prediction, 4));
  await expect(cell.locator('.jp-OutputArea-output').last()).toContainText(
    /verification .+: requested/
  );
  const requested: string[] = [];
  for await (const v of researcher.verifications.list({ role: 'requested', modelName: name })) {
    requested.push(v.id);
  }
  expect(requested).toHaveLength(2);
  expectNoPageErrors(page);
});
