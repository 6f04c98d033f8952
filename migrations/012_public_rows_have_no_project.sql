-- A public row belongs to no project. Visibility says who reads a row and the project says whose
-- editors may change it; "public, in project P" mixed the two, so the same request meant different
-- things on different resources and an API client could not tell who would be able to change a row
-- it published. Now: private rows may keep a project (they return to it when shared again), project
-- rows need one, public rows have none; to let a group maintain a row, share it with the project.
--
-- Rows published inside a project before this migration leave their project: they stay public and
-- their owner (and site admins) keep writing them; that project's editors no longer can — the
-- narrower of the two readings, chosen so no one gains write access by this change.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['literature_references', 'molecules', 'mixtures', 'experiments',
                           'measurements', 'datasets', 'model_versions', 'predictions',
                           'verifications'] LOOP
    -- Model versions are immutable for everyone else (refuse_update); this one change of sharing
    -- metadata is the migration's, made with the guard lifted for the statement only.
    IF t = 'model_versions' THEN
      EXECUTE 'ALTER TABLE model_versions DISABLE TRIGGER model_versions_immutable';
    END IF;
    EXECUTE format(
      'UPDATE %I SET project_id = NULL WHERE visibility = ''public'' AND project_id IS NOT NULL', t);
    IF t = 'model_versions' THEN
      EXECUTE 'ALTER TABLE model_versions ENABLE TRIGGER model_versions_immutable';
    END IF;
    EXECUTE format(
      'ALTER TABLE %I ADD CONSTRAINT %I CHECK (visibility <> ''public'' OR project_id IS NULL)',
      t, t || '_public_has_no_project');
  END LOOP;
END
$$;
