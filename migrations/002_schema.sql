-- Every entity of the shared database (SPEC F3).
--
-- ON DELETE rules, chosen deliberately:
--   CASCADE  for rows that only exist as part of their parent (tokens, memberships, components,
--            computed properties, verification history);
--   RESTRICT for scientific records and for owners of shared content: deleting a user, a molecule
--            or a model that others' data refer to must be an explicit, audited decision;
--   SET NULL where the reference is informative only (an assignee, the actor of an audit entry).
-- Rows carry owner_id, project_id and visibility ('private' | 'project' | 'public'); the policies
-- in 003_security.sql decide who sees and writes them.

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9_.-]{1,63}$'),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  email text UNIQUE CHECK (email IS NULL OR email ~ '^[^@\s]+@[^@\s]+$'),
  is_system boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  deactivated_at timestamptz
);

CREATE TABLE user_credentials (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  password_hash text NOT NULL CHECK (password_hash LIKE '$argon2%'),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  scopes text[] NOT NULL DEFAULT '{read}' CHECK (scopes <@ ARRAY['read', 'write', 'admin']::text[]),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- A project is the unit of sharing (a team's shared space); members hold one role each.
CREATE TABLE projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '',
  is_public boolean NOT NULL DEFAULT false,
  created_by uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_created_by_idx ON projects (created_by);

CREATE TABLE project_members (
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_id_idx ON project_members (user_id);

CREATE TABLE literature_references (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Stable key for references loaded from files (e.g. the reference data's source ids).
  key text UNIQUE CHECK (key ~ '^[a-z0-9][a-z0-9.-]*$'),
  citation text NOT NULL CHECK (length(citation) > 0),
  doi text CHECK (doi ~ '^10\.[0-9]{4,9}/\S+$'),
  url text CHECK (url ~ '^https?://'),
  licence text,
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project', 'public')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (visibility <> 'project' OR project_id IS NOT NULL)
);
CREATE INDEX literature_references_owner_id_idx ON literature_references (owner_id);
CREATE INDEX literature_references_project_id_idx ON literature_references (project_id);

-- One row per distinct structure: the standard InChIKey is stereo-aware, so stereoisomers differ.
CREATE TABLE molecules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  inchikey text NOT NULL UNIQUE CHECK (inchikey ~ '^[A-Z]{14}-[A-Z]{10}-[A-Z]$'),
  inchi text NOT NULL CHECK (inchi LIKE 'InChI=1S/%'),
  smiles text NOT NULL CHECK (length(smiles) > 0),
  -- The structure as the user gave it, before standardization.
  input_structure text NOT NULL CHECK (length(input_structure) > 0),
  stripped_fragments text[] NOT NULL DEFAULT '{}',
  name text CHECK (name IS NULL OR length(name) BETWEEN 1 AND 500),
  synonyms text[] NOT NULL DEFAULT '{}',
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project', 'public')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (visibility <> 'project' OR project_id IS NOT NULL)
);
CREATE INDEX molecules_owner_id_idx ON molecules (owner_id);
CREATE INDEX molecules_project_id_idx ON molecules (project_id);
CREATE INDEX molecules_name_idx ON molecules (lower(name));

CREATE TABLE molecule_properties (
  molecule_id uuid NOT NULL REFERENCES molecules (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]*$'),
  value double precision NOT NULL CHECK (app.is_finite(value)),
  unit text NOT NULL CHECK (unit IN ('1', 'g/mol', 'Da', 'A^2', 'count')),
  rdkit_version text NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (molecule_id, name, rdkit_version)
);

-- Measured quantities, each with one canonical unit; measurements store values in that unit.
CREATE TABLE property_types (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  key text NOT NULL UNIQUE CHECK (key ~ '^[a-z][a-z0-9_]*$'),
  name text NOT NULL,
  canonical_unit text NOT NULL CHECK (canonical_unit IN ('K', 'g/cm3', '%MGS', 'fraction', 'mol/kg', 'mol/L', 'min', '1/min', '1')),
  min_value double precision,
  max_value double precision,
  description text NOT NULL DEFAULT '',
  UNIQUE (id, canonical_unit),
  CHECK (min_value IS NULL OR max_value IS NULL OR min_value < max_value)
);

CREATE TABLE mixtures (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
  description text NOT NULL DEFAULT '',
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project', 'public')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (visibility <> 'project' OR project_id IS NOT NULL)
);
CREATE INDEX mixtures_owner_id_idx ON mixtures (owner_id);
CREATE INDEX mixtures_project_id_idx ON mixtures (project_id);

-- Water is implicit (the balance); a component is any other molecule. The primary key makes
-- component order irrelevant and forbids listing a molecule twice.
CREATE TABLE mixture_components (
  mixture_id uuid NOT NULL REFERENCES mixtures (id) ON DELETE CASCADE,
  molecule_id uuid NOT NULL REFERENCES molecules (id) ON DELETE RESTRICT,
  amount double precision NOT NULL CHECK (amount > 0 AND app.is_finite(amount)),
  unit text NOT NULL CHECK (unit IN ('% w/w', '% w/v', '% v/v', 'mol/L', 'mol/kg', 'mole fraction', 'mg/mL', 'g/L')),
  role text NOT NULL CHECK (role IN ('solvent', 'penetrating', 'non-penetrating', 'buffer-salt', 'other')),
  PRIMARY KEY (mixture_id, molecule_id),
  CHECK (unit NOT IN ('% w/w', '% v/v') OR amount <= 100),
  CHECK (unit <> 'mole fraction' OR amount < 1)
);
CREATE INDEX mixture_components_molecule_id_idx ON mixture_components (molecule_id);

CREATE TABLE experiments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  protocol text NOT NULL DEFAULT '',
  conditions jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(conditions) = 'object'),
  performed_at timestamptz,
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project', 'public')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (visibility <> 'project' OR project_id IS NOT NULL)
);
CREATE INDEX experiments_owner_id_idx ON experiments (owner_id);
CREATE INDEX experiments_project_id_idx ON experiments (project_id);

-- A measured value of one molecule or one mixture, in the property type's canonical unit, with
-- its provenance: a literature reference or an experiment (at least one).
CREATE TABLE measurements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  property_type_id uuid NOT NULL,
  unit text NOT NULL,
  molecule_id uuid REFERENCES molecules (id) ON DELETE RESTRICT,
  mixture_id uuid REFERENCES mixtures (id) ON DELETE RESTRICT,
  value double precision NOT NULL CHECK (app.is_finite(value)),
  uncertainty double precision CHECK (uncertainty >= 0 AND app.is_finite(uncertainty)),
  conditions jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(conditions) = 'object'),
  method text NOT NULL DEFAULT '',
  note text NOT NULL DEFAULT '',
  reference_id uuid REFERENCES literature_references (id) ON DELETE RESTRICT,
  experiment_id uuid REFERENCES experiments (id) ON DELETE RESTRICT,
  verified boolean NOT NULL DEFAULT false,
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project', 'public')),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The unit must be the property type's canonical unit.
  FOREIGN KEY (property_type_id, unit) REFERENCES property_types (id, canonical_unit) ON DELETE RESTRICT,
  CHECK (num_nonnulls(molecule_id, mixture_id) = 1),
  CHECK (num_nonnulls(reference_id, experiment_id) >= 1),
  CHECK (visibility <> 'project' OR project_id IS NOT NULL)
);
CREATE INDEX measurements_property_type_idx ON measurements (property_type_id, unit);
CREATE INDEX measurements_molecule_id_idx ON measurements (molecule_id);
CREATE INDEX measurements_mixture_id_idx ON measurements (mixture_id);
CREATE INDEX measurements_reference_id_idx ON measurements (reference_id);
CREATE INDEX measurements_experiment_id_idx ON measurements (experiment_id);
CREATE INDEX measurements_owner_id_idx ON measurements (owner_id);
CREATE INDEX measurements_project_id_idx ON measurements (project_id);

-- Values outside the property type's physical range are refused with the field named.
CREATE FUNCTION app.check_measurement_range() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  t property_types%ROWTYPE;
BEGIN
  SELECT * INTO t FROM property_types WHERE id = NEW.property_type_id;
  IF (t.min_value IS NOT NULL AND NEW.value < t.min_value) OR (t.max_value IS NOT NULL AND NEW.value > t.max_value) THEN
    RAISE EXCEPTION 'measurements.value: % % is outside the range of % (% to % %)',
      NEW.value, NEW.unit, t.name, coalesce(t.min_value::text, '-inf'), coalesce(t.max_value::text, 'inf'), t.canonical_unit
      USING ERRCODE = 'check_violation', COLUMN = 'value', TABLE = 'measurements';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER measurements_range BEFORE INSERT OR UPDATE OF value, property_type_id ON measurements
  FOR EACH ROW EXECUTE FUNCTION app.check_measurement_range();

CREATE TABLE datasets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
  description text NOT NULL DEFAULT '',
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project', 'public')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (visibility <> 'project' OR project_id IS NOT NULL)
);
CREATE INDEX datasets_owner_id_idx ON datasets (owner_id);
CREATE INDEX datasets_project_id_idx ON datasets (project_id);

-- Immutable: identified by the SHA-256 of a canonical serialization of its rows.
CREATE TABLE dataset_snapshots (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id uuid NOT NULL REFERENCES datasets (id) ON DELETE RESTRICT,
  content_hash text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
  row_count integer NOT NULL CHECK (row_count >= 0),
  columns jsonb NOT NULL CHECK (jsonb_typeof(columns) = 'array'),
  rows jsonb NOT NULL CHECK (jsonb_typeof(rows) = 'array'),
  created_by uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dataset_id, content_hash)
);
CREATE INDEX dataset_snapshots_created_by_idx ON dataset_snapshots (created_by);

CREATE FUNCTION app.refuse_update() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION '%: rows are immutable; create a new one instead', TG_TABLE_NAME
    USING ERRCODE = 'object_not_in_prerequisite_state', TABLE = TG_TABLE_NAME;
END
$$;
CREATE TRIGGER dataset_snapshots_immutable BEFORE UPDATE ON dataset_snapshots
  FOR EACH ROW EXECUTE FUNCTION app.refuse_update();

CREATE TABLE model_versions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$'),
  version integer NOT NULL CHECK (version > 0),
  snapshot_id uuid NOT NULL REFERENCES dataset_snapshots (id) ON DELETE RESTRICT,
  target_property_type_id uuid NOT NULL REFERENCES property_types (id) ON DELETE RESTRICT,
  learner text NOT NULL,
  featurizer_version text NOT NULL,
  kernel_version text NOT NULL,
  rdkit_version text NOT NULL,
  tfjs_version text,
  backend text,
  params jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(params) = 'object'),
  seed bigint NOT NULL,
  metrics jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metrics) = 'object'),
  code_commit text CHECK (code_commit ~ '^[0-9a-f]{7,40}$'),
  artifact jsonb,
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project', 'public')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (owner_id, name, version),
  CHECK (visibility <> 'project' OR project_id IS NOT NULL)
);
CREATE INDEX model_versions_snapshot_id_idx ON model_versions (snapshot_id);
CREATE INDEX model_versions_target_idx ON model_versions (target_property_type_id);
CREATE INDEX model_versions_project_id_idx ON model_versions (project_id);

CREATE TRIGGER model_versions_immutable BEFORE UPDATE ON model_versions
  FOR EACH ROW EXECUTE FUNCTION app.refuse_update();

CREATE TABLE predictions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  model_version_id uuid NOT NULL REFERENCES model_versions (id) ON DELETE RESTRICT,
  molecule_id uuid REFERENCES molecules (id) ON DELETE RESTRICT,
  mixture_id uuid REFERENCES mixtures (id) ON DELETE RESTRICT,
  conditions jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(conditions) = 'object'),
  value double precision NOT NULL CHECK (app.is_finite(value)),
  lower double precision CHECK (app.is_finite(lower)),
  upper double precision CHECK (app.is_finite(upper)),
  interval_level double precision CHECK (interval_level > 0 AND interval_level < 1),
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project', 'public')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(molecule_id, mixture_id) = 1),
  CHECK ((lower IS NULL) = (upper IS NULL) AND (lower IS NULL) = (interval_level IS NULL)),
  CHECK (lower IS NULL OR (lower <= value AND value <= upper)),
  CHECK (visibility <> 'project' OR project_id IS NOT NULL)
);
CREATE INDEX predictions_model_version_id_idx ON predictions (model_version_id);
CREATE INDEX predictions_molecule_id_idx ON predictions (molecule_id);
CREATE INDEX predictions_mixture_id_idx ON predictions (mixture_id);
CREATE INDEX predictions_owner_id_idx ON predictions (owner_id);
CREATE INDEX predictions_project_id_idx ON predictions (project_id);

-- Lab verification of a prediction: requested -> in_progress -> measured -> verified | rejected.
CREATE TABLE verifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  prediction_id uuid NOT NULL REFERENCES predictions (id) ON DELETE RESTRICT,
  state text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'in_progress', 'measured', 'verified', 'rejected')),
  planned_experiment text NOT NULL DEFAULT '',
  conditions jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(conditions) = 'object'),
  assignee_id uuid REFERENCES users (id) ON DELETE SET NULL,
  measurement_id uuid REFERENCES measurements (id) ON DELETE RESTRICT,
  measured_by uuid REFERENCES users (id) ON DELETE RESTRICT,
  reviewed_by uuid REFERENCES users (id) ON DELETE RESTRICT,
  review_reason text,
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
  visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'project', 'public')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (state IN ('requested', 'in_progress') OR (measurement_id IS NOT NULL AND measured_by IS NOT NULL)),
  CHECK (state NOT IN ('verified', 'rejected') OR reviewed_by IS NOT NULL),
  CHECK (state <> 'rejected' OR length(review_reason) > 0),
  -- Nobody reviews their own measurement.
  CHECK (reviewed_by IS NULL OR reviewed_by <> measured_by),
  CHECK (visibility <> 'project' OR project_id IS NOT NULL)
);
CREATE INDEX verifications_prediction_id_idx ON verifications (prediction_id);
CREATE INDEX verifications_assignee_id_idx ON verifications (assignee_id);
CREATE INDEX verifications_measurement_id_idx ON verifications (measurement_id);
CREATE INDEX verifications_measured_by_idx ON verifications (measured_by);
CREATE INDEX verifications_reviewed_by_idx ON verifications (reviewed_by);
CREATE INDEX verifications_owner_id_idx ON verifications (owner_id);
CREATE INDEX verifications_project_id_idx ON verifications (project_id);

CREATE TABLE verification_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  verification_id uuid NOT NULL REFERENCES verifications (id) ON DELETE CASCADE,
  from_state text,
  to_state text NOT NULL,
  actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
  reason text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX verification_events_verification_id_idx ON verification_events (verification_id);
CREATE INDEX verification_events_actor_id_idx ON verification_events (actor_id);

-- Enforce the state machine and keep the full history, whoever writes.
CREATE FUNCTION app.track_verification() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.state <> 'requested' THEN
      RAISE EXCEPTION 'verifications.state: a verification starts as requested, not %', NEW.state
        USING ERRCODE = 'check_violation', COLUMN = 'state', TABLE = 'verifications';
    END IF;
    INSERT INTO verification_events (verification_id, from_state, to_state, actor_id)
      VALUES (NEW.id, NULL, NEW.state, app.current_user_id());
    RETURN NEW;
  END IF;
  IF NEW.state IS DISTINCT FROM OLD.state THEN
    IF NOT ((OLD.state, NEW.state) IN (('requested', 'in_progress'), ('in_progress', 'measured'),
                                       ('measured', 'verified'), ('measured', 'rejected'))) THEN
      RAISE EXCEPTION 'verifications.state: cannot go from % to %', OLD.state, NEW.state
        USING ERRCODE = 'check_violation', COLUMN = 'state', TABLE = 'verifications';
    END IF;
    INSERT INTO verification_events (verification_id, from_state, to_state, actor_id, reason)
      VALUES (NEW.id, OLD.state, NEW.state, app.current_user_id(), NEW.review_reason);
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER verifications_track BEFORE UPDATE ON verifications
  FOR EACH ROW EXECUTE FUNCTION app.track_verification();
CREATE TRIGGER verifications_track_insert AFTER INSERT ON verifications
  FOR EACH ROW EXECUTE FUNCTION app.track_verification();

-- Security audit trail: append-only for the application role.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
  action text NOT NULL CHECK (action ~ '^[a-z][a-z_.]*$'),
  entity text,
  entity_id text,
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object')
);
CREATE INDEX audit_log_actor_id_idx ON audit_log (actor_id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Which reference data file (by checksum) the database holds; the loader skips a file already loaded.
CREATE TABLE reference_data_loads (
  checksum text PRIMARY KEY CHECK (checksum ~ '^[0-9a-f]{64}$'),
  molecule_count integer NOT NULL,
  measurement_count integer NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now()
);
