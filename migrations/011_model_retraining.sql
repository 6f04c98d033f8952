-- Retraining queue (SPEC F4): when a measurement becomes verified, every model whose latest
-- version was trained on a snapshot of measurements that the new one would join (same property,
-- same filters) and whose owner may read it gets one queued retrain job. A burst of
-- verifications adds to the one queued job of a model; workers run a job once no new request has
-- come for the configured delay (CRYOPROTECT_RETRAIN_DELAY), claiming it with FOR UPDATE SKIP
-- LOCKED so any number of workers share the queue, and retrain as the model's owner.
--
-- A table of our own rather than pg-boss: the request is written by the trigger in the very
-- transaction that verifies the measurement (for every owner, whoever verifies), under RLS, on
-- PostgreSQL and the embedded PGlite alike; pg-boss keeps its jobs in tables outside our
-- migrations and policies, which that trigger would have to write into.

CREATE TABLE model_retrain_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  model_name text NOT NULL,
  property_type_id uuid NOT NULL REFERENCES property_types (id) ON DELETE RESTRICT,
  state text NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'running', 'trained', 'kept', 'failed')),
  -- Verified measurements that asked for this job (a burst counts once per measurement).
  new_measurements integer NOT NULL DEFAULT 1 CHECK (new_measurements > 0),
  requested_at timestamptz NOT NULL DEFAULT now(),
  last_request_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  -- The version retrained from, and the version registered when the retrained one validated better.
  base_version_id uuid REFERENCES model_versions (id) ON DELETE SET NULL,
  new_version_id uuid REFERENCES model_versions (id) ON DELETE SET NULL,
  -- {outcome, currentMae, retrainedMae, ...} or {outcome: "failed", reason}: what an operator reads.
  result jsonb CHECK (result IS NULL OR jsonb_typeof(result) = 'object'),
  CHECK ((state IN ('trained', 'kept', 'failed')) = (finished_at IS NOT NULL AND result IS NOT NULL)),
  CHECK (state <> 'trained' OR new_version_id IS NOT NULL)
);
-- At most one queued job per model: further requests join it.
CREATE UNIQUE INDEX model_retrain_jobs_one_queued ON model_retrain_jobs (owner_id, model_name)
  WHERE state = 'queued';
CREATE INDEX model_retrain_jobs_owner_idx ON model_retrain_jobs (owner_id, model_name, requested_at);
CREATE INDEX model_retrain_jobs_due_idx ON model_retrain_jobs (last_request_at) WHERE state = 'queued';
CREATE INDEX model_retrain_jobs_property_type_idx ON model_retrain_jobs (property_type_id);
CREATE INDEX model_retrain_jobs_base_version_idx ON model_retrain_jobs (base_version_id);
CREATE INDEX model_retrain_jobs_new_version_idx ON model_retrain_jobs (new_version_id);

-- Owners read their jobs and record results as themselves (the worker acts as the owner);
-- requests come only from the trigger below, claims only from the worker's service path.
ALTER TABLE model_retrain_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE model_retrain_jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY model_retrain_jobs_read ON model_retrain_jobs FOR SELECT TO cryoprotect_app
  USING (owner_id = app.current_user_id());
CREATE POLICY model_retrain_jobs_record ON model_retrain_jobs FOR UPDATE TO cryoprotect_app
  USING (owner_id = app.current_user_id()) WITH CHECK (owner_id = app.current_user_id());
GRANT SELECT ON model_retrain_jobs TO cryoprotect_app;
GRANT UPDATE (state, finished_at, base_version_id, new_version_id, result) ON model_retrain_jobs
  TO cryoprotect_app;

-- SECURITY DEFINER: the verifier usually cannot see the models it affects (other owners'
-- private models); it learns nothing of them, the job rows are readable by their owners only.
CREATE FUNCTION app.request_retrains() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF NOT NEW.verified OR (TG_OP = 'UPDATE' AND OLD.verified) THEN
    RETURN NULL;
  END IF;
  INSERT INTO model_retrain_jobs (owner_id, model_name, property_type_id)
  SELECT latest.owner_id, latest.name, NEW.property_type_id
  FROM (SELECT DISTINCT ON (x.owner_id, x.name) x.owner_id, x.name, x.snapshot_id
        FROM model_versions x ORDER BY x.owner_id, x.name, x.version DESC) latest
  JOIN dataset_snapshots s ON s.id = latest.snapshot_id
  CROSS JOIN LATERAL (SELECT s.source -> 'fromMeasurements' AS f) src
  WHERE src.f ->> 'propertyType' = (SELECT t.key FROM property_types t WHERE t.id = NEW.property_type_id)
    -- The new measurement would join the snapshot: the filters of datasets' fromMeasurements.
    AND coalesce(src.f ->> 'subject', 'any')
        IN ('any', CASE WHEN NEW.molecule_id IS NULL THEN 'mixture' ELSE 'molecule' END)
    AND (src.f ->> 'projectId' IS NULL OR (src.f ->> 'projectId')::uuid = NEW.project_id)
    AND (src.f ->> 'referenceId' IS NULL OR (src.f ->> 'referenceId')::uuid = NEW.reference_id)
    AND (src.f ->> 'experimentId' IS NULL OR (src.f ->> 'experimentId')::uuid = NEW.experiment_id)
    AND (NOT src.f ? 'moleculeIds' OR src.f -> 'moleculeIds' ? NEW.molecule_id::text)
    AND (NOT src.f ? 'mixtureIds' OR src.f -> 'mixtureIds' ? NEW.mixture_id::text)
    -- The retrain runs as the owner: only measurements they may read concern their models.
    AND (NEW.visibility = 'public' OR NEW.owner_id = latest.owner_id
         OR (NEW.visibility = 'project' AND EXISTS (
               SELECT 1 FROM project_members pm
               WHERE pm.project_id = NEW.project_id AND pm.user_id = latest.owner_id)))
  ON CONFLICT (owner_id, model_name) WHERE state = 'queued'
  DO UPDATE SET new_measurements = model_retrain_jobs.new_measurements + 1,
                last_request_at = now();
  RETURN NULL;
END
$$;
CREATE TRIGGER measurements_request_retrains AFTER INSERT OR UPDATE OF verified ON measurements
  FOR EACH ROW EXECUTE FUNCTION app.request_retrains();
GRANT EXECUTE ON FUNCTION app.request_retrains() TO cryoprotect_app;
