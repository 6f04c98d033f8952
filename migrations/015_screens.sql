-- Virtual screens (SPEC F4): a library of molecules scored by one registered model version, in
-- chunks that any number of workers consume. The queue itself is pg-boss (its own schema, created
-- by the server and the workers when they start); a job carries a chunk's id and nothing else.
-- The library, the results and their ownership live here, under Row Level Security like every
-- other record: a screen is private to its submitter or shared with a project, and its chunks and
-- results are shared as the screen is (the three columns are copied, so a policy on a million
-- result rows is a comparison, not a join). Workers read and write as the submitter.

CREATE TABLE screens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  model_version_id uuid NOT NULL REFERENCES model_versions (id) ON DELETE RESTRICT,
  -- What the library was read from (a file name), for the people who read the screen later.
  source text NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
  molecule_count integer NOT NULL CHECK (molecule_count > 0),
  chunk_size integer NOT NULL CHECK (chunk_size BETWEEN 1 AND 10000),
  chunk_count integer NOT NULL CHECK (chunk_count > 0),
  cancelled_at timestamptz,
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((visibility = 'project') = (project_id IS NOT NULL)),
  CHECK (chunk_count = ceil(molecule_count::numeric / chunk_size))
);
CREATE INDEX screens_owner_id_idx ON screens (owner_id, created_at);
CREATE INDEX screens_project_id_idx ON screens (project_id);
CREATE INDEX screens_model_version_id_idx ON screens (model_version_id);

-- One chunk: its molecules as [{line, structure, id}] (line = the input file's line), its state,
-- how many attempts it took, the worker that holds or held it (host:pid) and the reason of its
-- last failure.
CREATE TABLE screen_chunks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  screen_id uuid NOT NULL REFERENCES screens (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 0),
  molecules jsonb NOT NULL,
  molecule_count integer NOT NULL CHECK (molecule_count > 0),
  -- The input lines it covers; a chunk's lines increase and chunks never overlap.
  first_line integer NOT NULL CHECK (first_line > 0),
  last_line integer NOT NULL CHECK (last_line >= first_line),
  state text NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  error text,
  worker text,
  started_at timestamptz,
  finished_at timestamptz,
  -- Molecules scored and structures refused, set when the chunk is done.
  scored integer CHECK (scored >= 0),
  invalid integer CHECK (invalid >= 0),
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project')),
  UNIQUE (screen_id, seq),
  CHECK ((state = 'done') = (scored IS NOT NULL AND invalid IS NOT NULL)),
  CHECK (state <> 'failed' OR error IS NOT NULL),
  CHECK ((visibility = 'project') = (project_id IS NOT NULL))
);
CREATE INDEX screen_chunks_state_idx ON screen_chunks (screen_id, state);
CREATE INDEX screen_chunks_owner_id_idx ON screen_chunks (owner_id);
CREATE INDEX screen_chunks_project_id_idx ON screen_chunks (project_id);

-- One row per input molecule: its prediction with the interval and the applicability domain, or
-- the reason its structure was refused (error). The primary key is what makes a chunk written
-- twice (a retry after a crash) land once.
CREATE TABLE screen_results (
  screen_id uuid NOT NULL REFERENCES screens (id) ON DELETE CASCADE,
  line integer NOT NULL CHECK (line > 0),
  chunk_id uuid NOT NULL REFERENCES screen_chunks (id) ON DELETE CASCADE,
  -- The input's own id or name column, if it had one.
  input_id text,
  input text NOT NULL,
  -- The standardized parent's canonical SMILES and InChIKey.
  smiles text,
  inchikey text,
  prediction double precision CHECK (app.is_finite(prediction)),
  lower double precision CHECK (app.is_finite(lower)),
  upper double precision CHECK (app.is_finite(upper)),
  novelty double precision CHECK (app.is_finite(novelty) AND novelty >= 0),
  in_domain boolean,
  error text,
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project')),
  PRIMARY KEY (screen_id, line),
  CHECK ((error IS NULL) = (prediction IS NOT NULL)),
  CHECK (error IS NOT NULL OR (smiles IS NOT NULL AND lower <= prediction AND prediction <= upper
                               AND in_domain IS NOT NULL)),
  CHECK ((visibility = 'project') = (project_id IS NOT NULL))
);
CREATE INDEX screen_results_chunk_id_idx ON screen_results (chunk_id);
CREATE INDEX screen_results_owner_id_idx ON screen_results (owner_id);
CREATE INDEX screen_results_project_id_idx ON screen_results (project_id);

ALTER TABLE screens ENABLE ROW LEVEL SECURITY;
ALTER TABLE screens FORCE ROW LEVEL SECURITY;
ALTER TABLE screen_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE screen_chunks FORCE ROW LEVEL SECURITY;
ALTER TABLE screen_results ENABLE ROW LEVEL SECURITY;
ALTER TABLE screen_results FORCE ROW LEVEL SECURITY;

-- Project members read; the submitter (and a worker acting for them) writes; a project editor may
-- cancel a shared screen; the submitter or a project admin deletes it.
CREATE POLICY screens_read ON screens FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY screens_insert ON screens FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id()
              AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY screens_update ON screens FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility));
CREATE POLICY screens_delete ON screens FOR DELETE TO cryoprotect_app
  USING (owner_id = app.current_user_id() OR app.has_project_role(project_id, 'admin'));

CREATE POLICY screen_chunks_read ON screen_chunks FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY screen_chunks_insert ON screen_chunks FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id());
CREATE POLICY screen_chunks_update ON screen_chunks FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility));

CREATE POLICY screen_results_read ON screen_results FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY screen_results_insert ON screen_results FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id());

-- Chunks and results belong to their screen: same owner, project and visibility, always.
CREATE FUNCTION app.screen_part_matches() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $$
DECLARE
  s screens%ROWTYPE;
BEGIN
  SELECT * INTO s FROM screens WHERE id = NEW.screen_id;
  IF NOT FOUND OR s.owner_id <> NEW.owner_id OR s.project_id IS DISTINCT FROM NEW.project_id
     OR s.visibility <> NEW.visibility THEN
    RAISE EXCEPTION 'a screen''s chunks and results are owned and shared as the screen is'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER screen_chunks_match BEFORE INSERT ON screen_chunks
  FOR EACH ROW EXECUTE FUNCTION app.screen_part_matches();
CREATE TRIGGER screen_results_match BEFORE INSERT ON screen_results
  FOR EACH ROW EXECUTE FUNCTION app.screen_part_matches();

-- What a chunk's state may become: a finished chunk stays finished, except that a cancelled
-- screen's queued or running chunks become cancelled.
CREATE FUNCTION app.screen_chunk_transition() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $$
BEGIN
  IF NEW.screen_id <> OLD.screen_id OR NEW.seq <> OLD.seq OR NEW.molecules <> OLD.molecules
     OR NEW.owner_id <> OLD.owner_id OR NEW.project_id IS DISTINCT FROM OLD.project_id
     OR NEW.visibility <> OLD.visibility THEN
    RAISE EXCEPTION 'a chunk''s molecules and owner never change' USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.state IN ('done', 'failed', 'cancelled') AND NEW.state <> OLD.state THEN
    RAISE EXCEPTION 'chunk % is % already', OLD.seq, OLD.state USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER screen_chunks_transition BEFORE UPDATE ON screen_chunks
  FOR EACH ROW EXECUTE FUNCTION app.screen_chunk_transition();

-- The model a screen was scored with, for everyone who may read the screen: a screen shared with
-- a project names its model even when the model itself is not shared (its name, version and
-- target; not its artifact).
CREATE FUNCTION app.screen_model(p_screen uuid)
  RETURNS TABLE (name text, version integer, target text, unit text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT m.name, m.version, t.key, t.canonical_unit
    FROM screens s
    JOIN model_versions m ON m.id = s.model_version_id
    JOIN property_types t ON t.id = m.target_property_type_id
    WHERE s.id = p_screen AND app.can_read(s.owner_id, s.project_id, s.visibility)
  $$;
REVOKE ALL ON FUNCTION app.screen_model(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.screen_model(uuid) TO cryoprotect_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON screens TO cryoprotect_app;
GRANT SELECT, INSERT, UPDATE ON screen_chunks TO cryoprotect_app;
GRANT SELECT, INSERT ON screen_results TO cryoprotect_app;
GRANT EXECUTE ON FUNCTION app.screen_part_matches() TO cryoprotect_app;
GRANT EXECUTE ON FUNCTION app.screen_chunk_transition() TO cryoprotect_app;
