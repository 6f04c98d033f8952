import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ApiError, CryoProtectClient } from '@cryoprotect/kernel';
import { toProblem } from '../http/problem.js';
import { createTestApp, countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { assertVisibilityMatrix, createProjectCast, type ProjectCast } from '../testing/records.js';

for (const target of databaseTargets()) {
  describe(`measurements API on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let cast: ProjectCast;
    let referenceId: string;
    let privateReferenceOfOutsider: string;
    let outsiderMolecule: string;
    const molecules: Record<string, { id: string; inchikey: string }> = {};
    const as = (user: { token: string }) => ({ authorization: `Bearer ${user.token}` });
    const measurementCount = () => countRows(t.db, 'measurements');

    before(async () => {
      ({ t, app } = await createTestApp(target));
      cast = await createProjectCast(t.db, 'meas');
      for (const name of ['glycerol', 'dimethyl sulfoxide', 'ethylene glycol']) {
        const page = (
          await app.inject({ method: 'GET', url: `/api/molecules?q=${encodeURIComponent(name)}` })
        ).json();
        molecules[name] = page.items.find((m: { name: string }) => m.name === name);
      }
      referenceId = (
        await app.inject({
          method: 'POST',
          url: '/api/references',
          headers: as(cast.owner),
          payload: { citation: 'Own lab notebook 12', visibility: 'public' }
        })
      ).json().id;
      privateReferenceOfOutsider = (
        await app.inject({
          method: 'POST',
          url: '/api/references',
          headers: as(cast.outsider),
          payload: { citation: 'secret' }
        })
      ).json().id;
      const registered = await app.inject({
        method: 'POST',
        url: '/api/molecules',
        headers: as(cast.outsider),
        payload: { structure: 'OCC(O)CCO', name: 'butane-1,2,4-triol' }
      });
      assert.equal(registered.statusCode, 201, registered.body);
      outsiderMolecule = registered.json().molecule.id;
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    const create = (user: { token: string } | null, payload: object) =>
      app.inject({
        method: 'POST',
        url: '/api/measurements',
        headers: user ? as(user) : {},
        payload
      });
    const tg = (extra: object = {}) => ({
      propertyType: 'glass_transition',
      moleculeId: molecules.glycerol.id,
      value: 190,
      unit: 'K',
      referenceId,
      ...extra
    });

    it('lists property types with canonical and accepted units, to anyone', async () => {
      const all = await app.inject({ method: 'GET', url: '/api/property-types' });
      assert.equal(all.statusCode, 200);
      const { rows } = await t.db.serviceTransaction(tx =>
        tx.query<{ key: string; canonical_unit: string }>(
          'SELECT key, canonical_unit FROM property_types ORDER BY key'
        )
      );
      assert.deepEqual(
        all
          .json()
          .items.map((p: { key: string; canonicalUnit: string }) => [p.key, p.canonicalUnit]),
        rows.map(r => [r.key, r.canonical_unit])
      );
      const glass = (
        await app.inject({ method: 'GET', url: '/api/property-types/glass_transition' })
      ).json();
      assert.equal(glass.canonicalUnit, 'K');
      assert.ok(glass.acceptedUnits.includes('°C') && glass.acceptedUnits[0] === 'K');
      assert.equal(glass.maxValue, 1000);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/api/property-types/boiling_point' })).statusCode,
        404
      );
    });

    it('records a measurement in the canonical unit and reads it back', async () => {
      const response = await create(cast.owner, {
        ...tg(),
        uncertainty: 2,
        conditions: { concentration: '60 % w/w' },
        method: 'DSC midpoint',
        note: 'second heating'
      });
      assert.equal(response.statusCode, 201, response.body);
      const saved = response.json();
      assert.equal(saved.conversion, null);
      assert.equal(saved.value, 190);
      assert.equal(saved.unit, 'K');
      assert.equal(saved.verified, false);
      const read = await app.inject({
        method: 'GET',
        url: `/api/measurements/${saved.id}`,
        headers: as(cast.owner)
      });
      assert.deepEqual({ ...(read.json() as object), conversion: null }, saved);
    });

    it('converts exactly convertible units to the canonical unit and says so', async () => {
      const celsius = (
        await create(cast.owner, tg({ value: -100, unit: '°C', uncertainty: 0.5 }))
      ).json();
      assert.equal(celsius.value, 173.15);
      assert.equal(celsius.unit, 'K');
      // An offset does not apply to an uncertainty.
      assert.equal(celsius.uncertainty, 0.5);
      assert.deepEqual(celsius.conversion, {
        fromValue: -100,
        fromUnit: '°C',
        fromUncertainty: 0.5,
        toUnit: 'K',
        rule: 'K = °C + 273.15'
      });
      const degC = (await create(cast.owner, tg({ value: -93.7, unit: 'degC' }))).json();
      assert.equal(degC.value, 179.45);
      const density = (
        await create(cast.owner, {
          propertyType: 'density',
          moleculeId: molecules.glycerol.id,
          value: 1261.3,
          uncertainty: 0.4,
          unit: 'kg/m3',
          conditions: { temperatureKelvin: 293.15 },
          referenceId
        })
      ).json();
      assert.equal(density.value, 1.2613);
      assert.equal(density.uncertainty, 0.0004);
      assert.equal(density.unit, 'g/cm3');
      assert.equal(density.conversion.rule, 'g/cm3 = kg/m3 / 1000');
      const rate = (
        await create(cast.owner, {
          propertyType: 'toxicity_rate',
          moleculeId: molecules.glycerol.id,
          value: 0.001,
          unit: '1/s',
          referenceId
        })
      ).json();
      assert.equal(rate.value, 0.06);
      assert.equal(rate.unit, '1/min');
    });

    it('refuses every bad measurement by field, writing nothing', async () => {
      const before = await measurementCount();
      const paths = async (payload: object | string, status = 422, user = cast.owner) => {
        const response =
          typeof payload === 'string'
            ? await app.inject({
                method: 'POST',
                url: '/api/measurements',
                headers: { ...as(user), 'content-type': 'application/json' },
                payload
              })
            : await create(user, payload);
        assert.equal(response.statusCode, status, response.body);
        return {
          paths: response.json().errors?.map((e: { path: string }) => e.path),
          detail: response.json().detail as string
        };
      };
      const unknownType = await paths(tg({ propertyType: 'boiling_point' }));
      assert.deepEqual(unknownType.paths, ['body.propertyType']);
      assert.match(unknownType.detail, /glass_transition/);
      const wrongUnit = await paths(tg({ unit: '°F' }));
      assert.deepEqual(wrongUnit.paths, ['body.unit']);
      assert.match(wrongUnit.detail, /accepted units: K, °C, degC/);
      assert.deepEqual(
        (await paths({ ...tg(), propertyType: 'density', unit: 'g/L', value: 1200 })).paths,
        ['body.unit']
      );
      assert.deepEqual(
        (await paths(tg({ mixtureId: '00000000-0000-4000-8000-000000000000' }))).paths,
        ['body.moleculeId', 'body.mixtureId']
      );
      assert.deepEqual((await paths(tg({ moleculeId: undefined }))).paths, [
        'body.moleculeId',
        'body.mixtureId'
      ]);
      assert.deepEqual((await paths(tg({ referenceId: undefined }))).paths, [
        'body.referenceId',
        'body.experimentId'
      ]);
      const outOfRange = await paths(tg({ value: 1500 }));
      assert.deepEqual(outOfRange.paths, ['body.value']);
      assert.match(outOfRange.detail, /0 to 1000 K/);
      const belowZeroKelvin = await paths(tg({ value: -300, unit: '°C' }));
      assert.deepEqual(belowZeroKelvin.paths, ['body.value']);
      assert.match(belowZeroKelvin.detail, /-300 °C \(-26\.85 K\)/);
      assert.deepEqual(
        (
          await paths(
            `{"propertyType":"glass_transition","moleculeId":"${molecules.glycerol.id}","value":1e999,"unit":"K","referenceId":"${referenceId}"}`,
            400
          )
        ).paths,
        ['body.value']
      );
      assert.deepEqual((await paths(tg({ value: '190' }), 400)).paths, ['body.value']);
      assert.deepEqual((await paths(tg({ uncertainty: -1 }), 400)).paths, ['body.uncertainty']);
      assert.deepEqual((await paths(tg({ moleculeId: outsiderMolecule }))).paths, [
        'body.moleculeId'
      ]);
      assert.deepEqual((await paths(tg({ referenceId: privateReferenceOfOutsider }))).paths, [
        'body.referenceId'
      ]);
      assert.deepEqual(
        (await paths(tg({ experimentId: '00000000-0000-4000-8000-000000000000' }))).paths,
        ['body.experimentId']
      );
      assert.deepEqual((await paths(tg({ visibility: 'project' }))).paths, ['body.projectId']);
      // Several problems at once are all named.
      assert.deepEqual((await paths(tg({ unit: 'mK', referenceId: undefined, value: 5 }))).paths, [
        'body.unit',
        'body.referenceId',
        'body.experimentId'
      ]);
      assert.equal((await create(null, tg())).statusCode, 401);
      const notEditor = await create(
        cast.viewer,
        tg({ visibility: 'project', projectId: cast.projectId })
      );
      assert.equal(notEditor.statusCode, 403);
      assert.equal(await measurementCount(), before);
    });

    it('maps the database range trigger to 422 naming body.value with the range', async () => {
      const error = await t.db
        .serviceTransaction(tx =>
          tx.query(
            `INSERT INTO measurements (property_type_id, unit, molecule_id, value, reference_id, owner_id)
             SELECT t.id, 'fraction', $1, 1.5, $2, $3 FROM property_types t WHERE t.key = 'cell_viability'`,
            [molecules.glycerol.id, referenceId, cast.owner.id]
          )
        )
        .then(
          () => assert.fail('the trigger accepted 1.5 as a cell viability fraction'),
          (e: unknown) => e
        );
      const problem = toProblem(error, true);
      assert.equal(problem.status, 422);
      assert.equal(problem.errors?.[0].path, 'body.value');
      assert.match(problem.detail, /0 to 1 fraction/);
    });

    it('filters measurements by property, subject, provenance, verification and value, with cursors', async () => {
      const experiment = (
        await app.inject({
          method: 'POST',
          url: '/api/experiments',
          headers: as(cast.owner),
          payload: { title: 'Tg of DMSO' }
        })
      ).json();
      const dmso = (
        await create(cast.owner, {
          propertyType: 'glass_transition',
          moleculeId: molecules['dimethyl sulfoxide'].id,
          value: 137,
          unit: 'K',
          experimentId: experiment.id
        })
      ).json();
      const list = async (query: string, user = cast.owner) => {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const url: string = `/api/measurements?limit=3&${query}${cursor ? `&cursor=${cursor}` : ''}`;
          const response = await app.inject({ method: 'GET', url, headers: as(user) });
          assert.equal(response.statusCode, 200, response.body);
          ids.push(...response.json().items.map((m: { id: string }) => m.id));
          cursor = response.json().nextCursor;
        } while (cursor);
        return ids;
      };
      const expected = async (where: string, params: unknown[]) =>
        (
          await t.db.userTransaction(cast.owner.id, tx =>
            tx.query<{ id: string }>(
              `SELECT x.id FROM measurements x JOIN property_types t ON t.id = x.property_type_id WHERE ${where} ORDER BY x.created_at, x.id`,
              params
            )
          )
        ).rows.map(r => r.id);
      assert.deepEqual(await list(`experimentId=${experiment.id}`), [dmso.id]);
      assert.deepEqual(
        await list('propertyType=glass_transition&minValue=150&maxValue=200'),
        await expected(`t.key = 'glass_transition' AND x.value BETWEEN 150 AND 200`, [])
      );
      const all = await list('');
      assert.equal(new Set(all).size, all.length, 'a measurement appeared twice across pages');
      assert.deepEqual(all, await expected('true', []));
      assert.deepEqual(
        await list(`moleculeId=${molecules.glycerol.id}&verified=true`),
        await expected('x.molecule_id = $1 AND x.verified', [molecules.glycerol.id])
      );
      assert.deepEqual(
        await list(`referenceId=${referenceId}&propertyType=density`),
        await expected(`x.reference_id = $1 AND t.key = 'density'`, [referenceId])
      );
      const byMolecule = (
        await app.inject({
          method: 'GET',
          url: `/api/molecules/${molecules['dimethyl sulfoxide'].id}/measurements?propertyType=glass_transition`,
          headers: as(cast.owner)
        })
      ).json();
      assert.deepEqual(
        byMolecule.items.map((m: { id: string }) => m.id),
        await expected(`x.molecule_id = $1 AND t.key = 'glass_transition'`, [
          molecules['dimethyl sulfoxide'].id
        ])
      );
      assert.ok(byMolecule.items.some((m: { id: string }) => m.id === dmso.id));
      assert.equal(
        (
          await app.inject({
            method: 'GET',
            url: `/api/molecules/${outsiderMolecule}/measurements`,
            headers: as(cast.owner)
          })
        ).statusCode,
        404
      );
      const noType = await app.inject({ method: 'GET', url: '/api/measurements?minValue=1' });
      assert.equal(noType.statusCode, 422);
      assert.equal(noType.json().errors[0].path, 'querystring.minValue');
      const unknownType = await app.inject({
        method: 'GET',
        url: '/api/measurements?propertyType=boiling_point'
      });
      assert.equal(unknownType.json().errors[0].path, 'querystring.propertyType');
      const badVerified = await app.inject({
        method: 'GET',
        url: '/api/measurements?verified=yes'
      });
      assert.equal(badVerified.statusCode, 400);
      assert.equal(badVerified.json().errors[0].path, 'querystring.verified');
    });

    it('changes a measurement with unit conversion and refuses an out-of-range change', async () => {
      const saved = (await create(cast.owner, tg())).json();
      const patched = await app.inject({
        method: 'PATCH',
        url: `/api/measurements/${saved.id}`,
        headers: as(cast.owner),
        payload: { value: -80, unit: '°C', uncertainty: 1, note: 'recalibrated' }
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().value, 193.15);
      assert.equal(patched.json().uncertainty, 1);
      assert.equal(patched.json().note, 'recalibrated');
      assert.equal(patched.json().conversion.rule, 'K = °C + 273.15');
      const refused = await app.inject({
        method: 'PATCH',
        url: `/api/measurements/${saved.id}`,
        headers: as(cast.owner),
        payload: { value: 2000 }
      });
      assert.equal(refused.statusCode, 422);
      assert.equal(refused.json().errors[0].path, 'body.value');
      const wrongUnit = await app.inject({
        method: 'PATCH',
        url: `/api/measurements/${saved.id}`,
        headers: as(cast.owner),
        payload: { value: 2, unit: 'g/cm3' }
      });
      assert.equal(wrongUnit.json().errors[0].path, 'body.unit');
      const read = await app.inject({
        method: 'GET',
        url: `/api/measurements/${saved.id}`,
        headers: as(cast.owner)
      });
      assert.equal(read.json().value, 193.15);
    });

    it('refuses to delete a measurement a verification refers to (409), and audits a deletion', async () => {
      const saved = (await create(cast.owner, tg())).json();
      // A verification chain (dataset -> snapshot -> model -> prediction -> verification) is
      // written on the service path: those endpoints belong to another part of the API.
      await t.db.serviceTransaction(async tx => {
        const dataset = await tx.query<{ id: string }>(
          `INSERT INTO datasets (name, owner_id) VALUES ('d', $1) RETURNING id`,
          [cast.owner.id]
        );
        const snapshot = await tx.query<{ id: string }>(
          `INSERT INTO dataset_snapshots (dataset_id, content_hash, row_count, columns, rows, created_by)
           VALUES ($1, repeat('a', 64), 0, '[]', '[]', $2) RETURNING id`,
          [dataset.rows[0].id, cast.owner.id]
        );
        const model = await tx.query<{ id: string }>(
          `INSERT INTO model_versions (name, version, snapshot_id, target_property_type_id, learner, featurizer_version,
             kernel_version, rdkit_version, seed, owner_id)
           SELECT 'm', 1, $1, t.id, 'test', '1', '1', '1', 1, $2 FROM property_types t WHERE t.key = 'glass_transition'
           RETURNING id`,
          [snapshot.rows[0].id, cast.owner.id]
        );
        const prediction = await tx.query<{ id: string }>(
          `INSERT INTO predictions (model_version_id, molecule_id, value, owner_id) VALUES ($1, $2, 190, $3) RETURNING id`,
          [model.rows[0].id, molecules.glycerol.id, cast.owner.id]
        );
        await tx.query(
          `INSERT INTO verifications (prediction_id, measurement_id, owner_id) VALUES ($1, $2, $3)`,
          [prediction.rows[0].id, saved.id, cast.owner.id]
        );
      });
      const before = await measurementCount();
      const refused = await app.inject({
        method: 'DELETE',
        url: `/api/measurements/${saved.id}`,
        headers: as(cast.owner)
      });
      assert.equal(refused.statusCode, 409, refused.body);
      assert.match(refused.json().detail, /a verification refers to this measurement/);
      assert.equal(await measurementCount(), before);

      const other = (await create(cast.owner, tg())).json();
      const deleted = await app.inject({
        method: 'DELETE',
        url: `/api/measurements/${other.id}`,
        headers: as(cast.owner)
      });
      assert.equal(deleted.statusCode, 204);
      const audit = await t.db.userTransaction(cast.owner.id, tx =>
        tx.query<{ action: string }>('SELECT action FROM audit_log WHERE entity_id = $1', [
          other.id
        ])
      );
      assert.deepEqual(
        audit.rows.map(r => r.action),
        ['measurement.delete']
      );
    });

    describe('batch import', () => {
      const batch = (payload: object, key?: string) =>
        app.inject({
          method: 'POST',
          url: '/api/measurements/batch',
          headers: { ...as(cast.owner), ...(key ? { 'idempotency-key': key } : {}) },
          payload
        });
      const rows = () => [
        {
          propertyType: 'glass_transition',
          inchikey: molecules['ethylene glycol'].inchikey,
          value: -120,
          unit: '°C',
          referenceId
        },
        {
          propertyType: 'density',
          moleculeId: molecules.glycerol.id,
          value: 1.26,
          unit: 'g/cm3',
          conditions: { temperatureKelvin: 293.15 },
          referenceId
        }
      ];

      it('reports row by row in a dry run and writes nothing', async () => {
        const before = await measurementCount();
        const response = await batch({
          dryRun: true,
          rows: [
            ...rows(),
            { ...rows()[0], inchikey: 'AAAAAAAAAAAAAA-BBBBBBBBBB-N' },
            { ...rows()[1], value: 40 }
          ]
        });
        assert.equal(response.statusCode, 200, response.body);
        const report = response.json();
        assert.deepEqual(report.counts, { valid: 2, invalid: 2 });
        assert.equal(report.written, false);
        assert.equal(report.rows[0].moleculeId, molecules['ethylene glycol'].id);
        assert.equal(report.rows[0].value, 153.15);
        assert.equal(report.rows[0].conversion.fromUnit, '°C');
        assert.deepEqual(
          report.rows.map((r: { errors: { path: string }[] }) => r.errors.map(e => e.path)),
          [[], [], ['body.rows[2].inchikey'], ['body.rows[3].value']]
        );
        assert.equal(await measurementCount(), before);
      });

      it('writes nothing when any row is invalid, everything when all are valid, once per key', async () => {
        const before = await measurementCount();
        const refused = await batch(
          { rows: [...rows(), { ...rows()[1], unit: 'lb/ft3' }] },
          'batch-key-0001'
        );
        assert.equal(refused.statusCode, 422);
        assert.deepEqual(
          refused.json().errors.map((e: { path: string }) => e.path),
          ['body.rows[2].unit']
        );
        assert.equal(await measurementCount(), before);

        const payload = { rows: rows(), visibility: 'project', projectId: cast.projectId };
        const written = await batch(payload, 'batch-key-0002');
        assert.equal(written.statusCode, 201, written.body);
        const report = written.json();
        assert.equal(report.written, true);
        assert.equal(await measurementCount(), before + 2);
        const first = await app.inject({
          method: 'GET',
          url: `/api/measurements/${report.rows[0].measurementId}`,
          headers: as(cast.viewer)
        });
        assert.equal(first.json().value, 153.15);
        assert.equal(first.json().visibility, 'project');

        const replay = await batch(payload, 'batch-key-0002');
        assert.equal(replay.statusCode, 201);
        assert.equal(replay.headers['idempotent-replayed'], 'true');
        assert.deepEqual(replay.json(), report);
        assert.equal(await measurementCount(), before + 2);

        const reused = await batch({ ...payload, rows: rows().slice(0, 1) }, 'batch-key-0002');
        assert.equal(reused.statusCode, 422);
        assert.match(reused.json().type, /idempotency-key-reused$/);
        const shortKey = await batch(payload, 'short');
        assert.equal(shortKey.json().errors[0].path, 'headers.idempotency-key');
        assert.equal(await measurementCount(), before + 2);
      });
    });

    it('finds molecules by a measured property range, among visible measurements only', async () => {
      const search = async (query: string, user?: { token: string }) => {
        const names: string[] = [];
        let cursor: string | null = null;
        do {
          const url: string = `/api/molecules?limit=5&${query}${cursor ? `&cursor=${cursor}` : ''}`;
          const response = await app.inject({ method: 'GET', url, headers: user ? as(user) : {} });
          assert.equal(response.statusCode, 200, response.body);
          names.push(...response.json().items.map((m: { id: string }) => m.id));
          cursor = response.json().nextCursor;
        } while (cursor);
        return names.sort();
      };
      const expected = async (userId: string | null) =>
        (
          await t.db.userTransaction(userId, tx =>
            tx.query<{ id: string }>(
              `SELECT DISTINCT me.molecule_id AS id FROM measurements me JOIN property_types t ON t.id = me.property_type_id
               WHERE t.key = 'glass_transition' AND me.value BETWEEN 150 AND 200 AND me.molecule_id IS NOT NULL`
            )
          )
        ).rows
          .map(r => r.id)
          .sort();
      const anonymous = await search('property=glass_transition&min=150&max=200');
      assert.ok(anonymous.length > 0, 'the reference data has Tg values between 150 and 200 K');
      assert.deepEqual(anonymous, await expected(null));
      // The outsider's private Tg puts their molecule in range for them alone.
      const own = await create(cast.outsider, {
        propertyType: 'glass_transition',
        moleculeId: outsiderMolecule,
        value: 175,
        unit: 'K',
        referenceId: privateReferenceOfOutsider
      });
      assert.equal(own.statusCode, 201, own.body);
      const outsiders = await search('property=glass_transition&min=150&max=200', cast.outsider);
      assert.ok(outsiders.includes(outsiderMolecule));
      assert.deepEqual(outsiders, await expected(cast.outsider.id));
      assert.ok(
        !(await search('property=glass_transition&min=150&max=200')).includes(outsiderMolecule)
      );
      const unknown = await app.inject({
        method: 'GET',
        url: '/api/molecules?property=boiling_point'
      });
      assert.equal(unknown.statusCode, 422);
      assert.equal(unknown.json().errors[0].path, 'querystring.property');
      const noProperty = await app.inject({ method: 'GET', url: '/api/molecules?min=3' });
      assert.equal(noProperty.json().errors[0].path, 'querystring.min');
    });

    it('follows the visibility matrix for read, list, update and delete', async () => {
      await assertVisibilityMatrix(app, cast, {
        path: '/api/measurements',
        listQuery: `&moleculeId=${molecules['ethylene glycol'].id}&propertyType=cell_viability`,
        create: async (visibility, projectId) => {
          const response = await create(cast.owner, {
            propertyType: 'cell_viability',
            moleculeId: molecules['ethylene glycol'].id,
            value: 0.5,
            unit: 'fraction',
            referenceId,
            visibility,
            projectId
          });
          assert.equal(response.statusCode, 201, response.body);
          return response.json().id;
        },
        patch: { note: 'checked' }
      });
    });

    it('is usable from the typed client against a listening server', async () => {
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      const client = new CryoProtectClient({ serverUrl: address, token: cast.owner.token });
      const anonymous = new CryoProtectClient({ serverUrl: address });
      const types = await anonymous.propertyTypes.list();
      assert.ok(types.some(p => p.key === 'density'));
      assert.equal((await client.propertyTypes.get('density')).canonicalUnit, 'g/cm3');

      const reference = await client.references.create({
        citation: 'Client test source',
        doi: '10.5555/client-test'
      });
      assert.equal((await client.references.get(reference.id)).doi, '10.5555/client-test');
      assert.equal(
        (await client.references.update(reference.id, { licence: 'CC0' })).licence,
        'CC0'
      );
      const found = [];
      for await (const r of client.references.list({ q: '10.5555/client', pageSize: 1 })) {
        found.push(r.id);
      }
      assert.deepEqual(found, [reference.id]);

      const experiment = await client.experiments.create({ title: 'client experiment' });
      assert.equal(
        (await client.experiments.update(experiment.id, { protocol: 'p' })).protocol,
        'p'
      );
      assert.equal((await client.experiments.get(experiment.id)).title, 'client experiment');
      const experiments = [];
      for await (const e of client.experiments.list({ q: 'client experiment' })) {
        experiments.push(e.id);
      }
      assert.deepEqual(experiments, [experiment.id]);

      const saved = await client.measurements.create({
        propertyType: 'glass_transition',
        moleculeId: molecules.glycerol.id,
        value: -90,
        unit: 'degC',
        referenceId: reference.id,
        experimentId: experiment.id
      });
      assert.equal(saved.value, 183.15);
      assert.equal(saved.conversion?.fromUnit, 'degC');
      assert.equal((await client.measurements.get(saved.id)).value, 183.15);
      assert.equal((await client.measurements.update(saved.id, { note: 'n' })).note, 'n');
      const listed = [];
      for await (const m of client.measurements.list({ referenceId: reference.id, pageSize: 1 })) {
        listed.push(m.id);
      }
      assert.deepEqual(listed, [saved.id]);
      const ofGlycerol = [];
      for await (const m of client.measurements.ofMolecule(molecules.glycerol.id)) {
        ofGlycerol.push(m.id);
      }
      assert.ok(ofGlycerol.includes(saved.id));
      const dry = await client.measurements.batch({
        dryRun: true,
        rows: [
          {
            propertyType: 'glass_transition',
            inchikey: molecules.glycerol.inchikey,
            value: 190,
            unit: 'K',
            referenceId: reference.id
          }
        ]
      });
      assert.deepEqual(dry.counts, { valid: 1, invalid: 0 });
      const real = await client.measurements.batch(
        {
          rows: [
            {
              propertyType: 'glass_transition',
              moleculeId: molecules.glycerol.id,
              value: 191,
              unit: 'K',
              experimentId: experiment.id
            }
          ]
        },
        { idempotencyKey: 'client-batch-1' }
      );
      assert.equal(real.written, true);

      await assert.rejects(
        client.measurements.create({
          propertyType: 'glass_transition',
          moleculeId: molecules.glycerol.id,
          value: 190,
          unit: 'F',
          referenceId: reference.id
        }),
        (error: unknown) =>
          error instanceof ApiError &&
          error.status === 422 &&
          error.errors.map(e => e.path).join() === 'body.unit'
      );
      await assert.rejects(client.references.delete(reference.id), { status: 409 });
      await client.measurements.delete(saved.id);
      await assert.rejects(client.measurements.get(saved.id), { status: 404 });
      await assert.rejects(anonymous.references.get(reference.id), { status: 404 });
      await assert.rejects(client.experiments.delete(experiment.id), { status: 409 });
    });
  });
}
