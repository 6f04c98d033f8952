-- The lab loop enforced in the database (SPEC F4): who may take each step of a verification, that
-- the people recorded on it are whoever acted, and that a verification only ever points at rows
-- its actor can see. The API checks the same rules first to answer with a field and a reason;
-- these checks hold for any client that reaches the database as the application role.
--
-- Steps and who takes them:
--   requested -> in_progress (start) and in_progress -> measured (record the measurement):
--     the assignee; when nobody is assigned, any writer (owner or project editor);
--   measured -> verified | rejected (review): a writer who neither measured nor owns the measurement.
-- measured_by and reviewed_by are set from the transaction's user (app.user_id), whatever the
-- row written says; they, measurement_id, owner_id and prediction_id never change otherwise.

ALTER TABLE verifications ADD COLUMN due_on date;

-- What a verification's experiment used: recorded with the measurement (POST .../measured).
ALTER TABLE experiments
  ADD COLUMN equipment text NOT NULL DEFAULT '' CHECK (length(equipment) <= 2000),
  ADD COLUMN replicates integer CHECK (replicates > 0);

-- Could user p_user read the prediction p_prediction and its molecule or mixture? Answered only
-- for predictions the caller can read (it reveals nothing about rows hidden from the caller):
-- used to refuse assigning an experiment to someone who could not see what to measure.
CREATE FUNCTION app.user_can_read_prediction(p_user uuid, p_prediction uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    WITH readable AS (
      SELECT o.owner_id, o.project_id, o.visibility
      FROM predictions p
      LEFT JOIN molecules m ON m.id = p.molecule_id
      LEFT JOIN mixtures x ON x.id = p.mixture_id
      CROSS JOIN LATERAL (VALUES (p.owner_id, p.project_id, p.visibility),
                                 (coalesce(m.owner_id, x.owner_id), coalesce(m.project_id, x.project_id),
                                  coalesce(m.visibility, x.visibility))) AS o (owner_id, project_id, visibility)
      WHERE p.id = p_prediction AND app.can_read(p.owner_id, p.project_id, p.visibility)
    )
    SELECT EXISTS (SELECT 1 FROM readable)
       AND NOT EXISTS (
         SELECT 1 FROM readable r
         WHERE NOT (r.visibility = 'public' OR r.owner_id = p_user
                    OR (r.visibility = 'project' AND EXISTS (
                          SELECT 1 FROM project_members pm
                          WHERE pm.project_id = r.project_id AND pm.user_id = p_user))))
  $$;
GRANT EXECUTE ON FUNCTION app.user_can_read_prediction(uuid, uuid) TO cryoprotect_app;

-- What a prediction predicts (its model's target property and its subject), for a prediction the
-- caller can read even when its model version is not shared with them: a lab colleague assigned
-- to measure a prediction must be able to record a measurement that matches it.
CREATE FUNCTION app.prediction_target(p_prediction uuid)
  RETURNS TABLE (property_type_id uuid, molecule_id uuid, mixture_id uuid, model_name text,
                 model_version integer, unit text, property_type text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT mv.target_property_type_id, p.molecule_id, p.mixture_id, mv.name, mv.version,
           t.canonical_unit, t.key
    FROM predictions p
    JOIN model_versions mv ON mv.id = p.model_version_id
    JOIN property_types t ON t.id = mv.target_property_type_id
    WHERE p.id = p_prediction AND app.can_read(p.owner_id, p.project_id, p.visibility)
  $$;
GRANT EXECUTE ON FUNCTION app.prediction_target(uuid) TO cryoprotect_app;

-- Does user p_user hold at least p_role in project p_project? Answered only to members of that
-- project (who can see its member list anyway).
CREATE FUNCTION app.user_has_project_role(p_user uuid, p_project uuid, p_role text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT app.has_project_role(p_project, 'viewer') AND EXISTS (
      SELECT 1 FROM project_members m
      WHERE m.project_id = p_project AND m.user_id = p_user
        AND app.role_rank(m.role) >= app.role_rank(p_role))
  $$;
GRANT EXECUTE ON FUNCTION app.user_has_project_role(uuid, uuid, text) TO cryoprotect_app;

-- The assignee reads the verification and takes its lab steps; the guard below limits what an
-- assignee who is not a writer may change to exactly those steps.
DROP POLICY verifications_read ON verifications;
CREATE POLICY verifications_read ON verifications FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility) OR assignee_id = app.current_user_id());
DROP POLICY verifications_update ON verifications;
CREATE POLICY verifications_update ON verifications FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility) OR assignee_id = app.current_user_id())
  WITH CHECK (
    (app.can_write(owner_id, project_id, visibility)
       AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')))
    OR assignee_id = app.current_user_id());

-- Runs with the acting user's rights (SECURITY INVOKER): every row it looks at is one the actor
-- can see, so "visible to the actor" is checked by reading under their policies.
CREATE FUNCTION app.guard_verification() RETURNS trigger
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp
  AS $$
DECLARE
  actor uuid := app.current_user_id();
  writer boolean;
  target record;
  measurement record;
BEGIN
  -- The service path (restore, maintenance) acts as no user and is trusted; the application
  -- role always acts as one.
  IF actor IS NULL THEN
    RETURN NEW;
  END IF;

  IF TG_OP = 'INSERT' THEN
    IF NEW.measurement_id IS NOT NULL OR NEW.measured_by IS NOT NULL OR NEW.reviewed_by IS NOT NULL
       OR NEW.review_reason IS NOT NULL THEN
      RAISE EXCEPTION 'verifications.state: a new verification has no measurement and no review yet'
        USING ERRCODE = 'check_violation', COLUMN = 'state', TABLE = 'verifications';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM predictions p WHERE p.id = NEW.prediction_id) THEN
      RAISE EXCEPTION 'verifications.prediction_id: prediction % does not exist or is not visible to you', NEW.prediction_id
        USING ERRCODE = 'insufficient_privilege', COLUMN = 'prediction_id', TABLE = 'verifications';
    END IF;
    PERFORM app.check_assignee(NEW);
    RETURN NEW;
  END IF;

  IF NEW.owner_id IS DISTINCT FROM OLD.owner_id OR NEW.prediction_id IS DISTINCT FROM OLD.prediction_id
     OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'verifications.owner_id: the owner, prediction and creation time of a verification never change'
      USING ERRCODE = 'insufficient_privilege', COLUMN = 'owner_id', TABLE = 'verifications';
  END IF;
  writer := app.can_write(OLD.owner_id, OLD.project_id, OLD.visibility);

  IF NEW.state IS NOT DISTINCT FROM OLD.state THEN
    IF NEW.measurement_id IS DISTINCT FROM OLD.measurement_id OR NEW.measured_by IS DISTINCT FROM OLD.measured_by
       OR NEW.reviewed_by IS DISTINCT FROM OLD.reviewed_by OR NEW.review_reason IS DISTINCT FROM OLD.review_reason THEN
      RAISE EXCEPTION 'verifications.measured_by: the measurement and the review are recorded only by the step that makes them (measured, verified, rejected)'
        USING ERRCODE = 'insufficient_privilege', COLUMN = 'measured_by', TABLE = 'verifications';
    END IF;
    IF NOT writer THEN
      RAISE EXCEPTION 'verifications.state: as the assignee you may take the lab steps (start, measured), not edit the request'
        USING ERRCODE = 'insufficient_privilege', COLUMN = 'state', TABLE = 'verifications';
    END IF;
    -- Making the request private or moving it to another project can break what the assignee
    -- needs as surely as a new assignee can.
    IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id OR NEW.visibility IS DISTINCT FROM OLD.visibility
       OR NEW.project_id IS DISTINCT FROM OLD.project_id THEN
      PERFORM app.check_assignee(NEW);
    END IF;
    RETURN NEW;
  END IF;

  -- The same transitions as the history trigger (002), named before any other refusal.
  IF NOT ((OLD.state, NEW.state) IN (('requested', 'in_progress'), ('in_progress', 'measured'),
                                     ('measured', 'verified'), ('measured', 'rejected'))) THEN
    RAISE EXCEPTION 'verifications.state: cannot go from % to %', OLD.state, NEW.state
      USING ERRCODE = 'check_violation', COLUMN = 'state', TABLE = 'verifications';
  END IF;

  -- A step: only the state and what the step records may change.
  IF NEW.planned_experiment IS DISTINCT FROM OLD.planned_experiment OR NEW.conditions IS DISTINCT FROM OLD.conditions
     OR NEW.assignee_id IS DISTINCT FROM OLD.assignee_id OR NEW.due_on IS DISTINCT FROM OLD.due_on
     OR NEW.visibility IS DISTINCT FROM OLD.visibility OR NEW.project_id IS DISTINCT FROM OLD.project_id THEN
    RAISE EXCEPTION 'verifications.state: a step changes the state and what the step records, nothing else'
      USING ERRCODE = 'check_violation', COLUMN = 'state', TABLE = 'verifications';
  END IF;

  IF NEW.state IN ('in_progress', 'measured') THEN
    IF NOT (CASE WHEN OLD.assignee_id IS NULL THEN writer ELSE OLD.assignee_id = actor END) THEN
      RAISE EXCEPTION 'verifications.state: only %', CASE WHEN OLD.assignee_id IS NULL
          THEN 'a writer of this verification (owner or project editor) takes the lab steps'
          ELSE 'the assignee takes the lab steps (start, record the measurement)' END
        USING ERRCODE = 'insufficient_privilege', COLUMN = 'state', TABLE = 'verifications';
    END IF;
    IF NEW.reviewed_by IS NOT NULL OR NEW.review_reason IS NOT NULL THEN
      RAISE EXCEPTION 'verifications.reviewed_by: a lab step records no review'
        USING ERRCODE = 'check_violation', COLUMN = 'reviewed_by', TABLE = 'verifications';
    END IF;
  END IF;

  IF NEW.state = 'in_progress' AND (NEW.measurement_id IS NOT NULL OR NEW.measured_by IS NOT NULL) THEN
    RAISE EXCEPTION 'verifications.measurement_id: starting records no measurement'
      USING ERRCODE = 'check_violation', COLUMN = 'measurement_id', TABLE = 'verifications';
  END IF;

  IF NEW.state = 'measured' THEN
    NEW.measured_by := actor;
    SELECT m.property_type_id, m.molecule_id, m.mixture_id, m.owner_id, m.visibility, m.project_id INTO measurement
      FROM measurements m WHERE m.id = NEW.measurement_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'verifications.measurement_id: measurement % does not exist or is not visible to you', NEW.measurement_id
        USING ERRCODE = 'insufficient_privilege', COLUMN = 'measurement_id', TABLE = 'verifications';
    END IF;
    -- The measurement is the one who measures' own record: anyone else's (a public value, the
    -- requester's) would let review mark another person's row verified.
    IF measurement.owner_id <> actor THEN
      RAISE EXCEPTION 'verifications.measurement_id: the measurement must be one you recorded yourself'
        USING ERRCODE = 'insufficient_privilege', COLUMN = 'measurement_id', TABLE = 'verifications';
    END IF;
    -- Shared as the verification is (or public), so that whoever may review it can read it.
    IF NOT (measurement.visibility = 'public'
            OR (measurement.visibility = NEW.visibility AND measurement.project_id IS NOT DISTINCT FROM NEW.project_id)) THEN
      RAISE EXCEPTION 'verifications.measurement_id: the measurement must be shared as the verification is (%), or public, so that its reviewers can read it', NEW.visibility
        USING ERRCODE = 'check_violation', COLUMN = 'measurement_id', TABLE = 'verifications';
    END IF;
    IF EXISTS (SELECT 1 FROM verifications v WHERE v.measurement_id = NEW.measurement_id AND v.id <> NEW.id) THEN
      RAISE EXCEPTION 'verifications.measurement_id: measurement % already closes another verification; one measurement answers one request', NEW.measurement_id
        USING ERRCODE = 'integrity_constraint_violation', COLUMN = 'measurement_id', TABLE = 'verifications';
    END IF;
    SELECT * INTO target FROM app.prediction_target(NEW.prediction_id);
    IF NOT FOUND THEN
      RAISE EXCEPTION 'verifications.prediction_id: the prediction is no longer visible to you'
        USING ERRCODE = 'insufficient_privilege', COLUMN = 'prediction_id', TABLE = 'verifications';
    END IF;
    IF measurement.property_type_id <> target.property_type_id
       OR measurement.molecule_id IS DISTINCT FROM target.molecule_id
       OR measurement.mixture_id IS DISTINCT FROM target.mixture_id THEN
      RAISE EXCEPTION 'verifications.measurement_id: the measurement is not of what was predicted (the model''s target property, the same molecule or mixture)'
        USING ERRCODE = 'check_violation', COLUMN = 'measurement_id', TABLE = 'verifications';
    END IF;
  END IF;

  IF NEW.state IN ('verified', 'rejected') THEN
    IF NEW.measurement_id IS DISTINCT FROM OLD.measurement_id OR NEW.measured_by IS DISTINCT FROM OLD.measured_by THEN
      RAISE EXCEPTION 'verifications.measurement_id: a review does not change the measurement'
        USING ERRCODE = 'check_violation', COLUMN = 'measurement_id', TABLE = 'verifications';
    END IF;
    IF NOT writer THEN
      RAISE EXCEPTION 'verifications.reviewed_by: only a writer of this verification (owner or project editor) reviews it'
        USING ERRCODE = 'insufficient_privilege', COLUMN = 'reviewed_by', TABLE = 'verifications';
    END IF;
    IF actor = OLD.measured_by OR EXISTS (SELECT 1 FROM measurements m WHERE m.id = OLD.measurement_id AND m.owner_id = actor) THEN
      RAISE EXCEPTION 'verifications.reviewed_by: nobody reviews their own measurement'
        USING ERRCODE = 'insufficient_privilege', COLUMN = 'reviewed_by', TABLE = 'verifications';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM measurements m WHERE m.id = OLD.measurement_id) THEN
      RAISE EXCEPTION 'verifications.measurement_id: measurement % is not visible to you, so you cannot review it', OLD.measurement_id
        USING ERRCODE = 'insufficient_privilege', COLUMN = 'measurement_id', TABLE = 'verifications';
    END IF;
    NEW.reviewed_by := actor;
  END IF;
  RETURN NEW;
END
$$;

-- The assignee must be an active user who can read the prediction and what it is about, and a
-- verification assigned to someone else must be shared: the requester reviews the measurement
-- the assignee records, which is shared as the verification is (so in a project, the assignee
-- must be an editor of it: viewers do not add rows to a project).
CREATE FUNCTION app.check_assignee(v verifications) RETURNS void
  LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF v.assignee_id IS NULL THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM users u WHERE u.id = v.assignee_id AND u.deactivated_at IS NULL) THEN
    RAISE EXCEPTION 'verifications.assignee_id: user % does not exist or is deactivated', v.assignee_id
      USING ERRCODE = 'check_violation', COLUMN = 'assignee_id', TABLE = 'verifications';
  END IF;
  IF v.assignee_id <> v.owner_id AND v.visibility = 'private' THEN
    RAISE EXCEPTION 'verifications.visibility: a verification assigned to someone else is shared (project or public), so that its requester can review what the assignee measures'
      USING ERRCODE = 'check_violation', COLUMN = 'visibility', TABLE = 'verifications';
  END IF;
  IF v.assignee_id <> v.owner_id AND v.visibility = 'project'
     AND NOT app.user_has_project_role(v.assignee_id, v.project_id, 'editor') THEN
    RAISE EXCEPTION 'verifications.assignee_id: the assignee records the measurement in the verification''s project, so must be an editor of it'
      USING ERRCODE = 'check_violation', COLUMN = 'assignee_id', TABLE = 'verifications';
  END IF;
  IF NOT app.user_can_read_prediction(v.assignee_id, v.prediction_id) THEN
    RAISE EXCEPTION 'verifications.assignee_id: the assignee cannot see the prediction or its molecule or mixture; share them with a project the assignee is a member of'
      USING ERRCODE = 'check_violation', COLUMN = 'assignee_id', TABLE = 'verifications';
  END IF;
END
$$;
GRANT EXECUTE ON FUNCTION app.check_assignee(verifications) TO cryoprotect_app;
GRANT EXECUTE ON FUNCTION app.guard_verification() TO cryoprotect_app;

-- Before the history trigger (names fire in alphabetical order): a refused step leaves no event.
CREATE TRIGGER verifications_guard BEFORE INSERT OR UPDATE ON verifications
  FOR EACH ROW EXECUTE FUNCTION app.guard_verification();

-- One measurement answers one request, also across rows the guard cannot see: counted twice, it
-- would weigh twice in a model's real coverage and in retraining.
CREATE UNIQUE INDEX verifications_measurement_once ON verifications (measurement_id)
  WHERE measurement_id IS NOT NULL;

-- Verifying marks the measurement verified (SECURITY DEFINER: the reviewer usually may not write
-- it). It changes only a measurement the reviewer can read and the verification points at.
CREATE OR REPLACE FUNCTION app.review_verification() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF NEW.state IN ('verified', 'rejected') AND OLD.state IS DISTINCT FROM NEW.state THEN
    IF EXISTS (SELECT 1 FROM measurements m WHERE m.id = NEW.measurement_id AND m.owner_id = NEW.reviewed_by) THEN
      RAISE EXCEPTION 'verifications.reviewed_by: nobody reviews their own measurement'
        USING ERRCODE = 'check_violation', COLUMN = 'reviewed_by', TABLE = 'verifications';
    END IF;
    IF NEW.state = 'verified' THEN
      UPDATE measurements m SET verified = true
        WHERE m.id = NEW.measurement_id
          AND (app.current_user_id() IS NULL OR app.can_read(m.owner_id, m.project_id, m.visibility));
      IF NOT FOUND THEN
        RAISE EXCEPTION 'verifications.measurement_id: measurement % is not visible to you, so you cannot verify it', NEW.measurement_id
          USING ERRCODE = 'insufficient_privilege', COLUMN = 'measurement_id', TABLE = 'verifications';
      END IF;
    END IF;
  END IF;
  RETURN NEW;
END
$$;
