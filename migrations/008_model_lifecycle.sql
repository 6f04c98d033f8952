-- Model side of the shared database: snapshot provenance and the consequences of verification.

-- How a snapshot's rows were chosen ({"fromMeasurements": filters} or {"upload": true}), so a
-- model trained on it can say which measurements fed it. Part of the immutable row.
ALTER TABLE dataset_snapshots
  ADD COLUMN source jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(source) = 'object');

-- A review is by someone other than who measured: neither who recorded the measurement for the
-- verification (checked in 002) nor the measurement's owner. When a verification becomes
-- verified, its measurement is marked verified in the same transaction, whoever wrote the
-- measurement: the reviewer usually may not write it, and verified measurements feed new
-- snapshots (verifiedOnly). SECURITY DEFINER for that one update; search_path pinned.
CREATE FUNCTION app.review_verification() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF NEW.state IN ('verified', 'rejected') AND OLD.state IS DISTINCT FROM NEW.state THEN
    IF EXISTS (SELECT 1 FROM measurements m WHERE m.id = NEW.measurement_id AND m.owner_id = NEW.reviewed_by) THEN
      RAISE EXCEPTION 'verifications.reviewed_by: nobody reviews their own measurement'
        USING ERRCODE = 'check_violation', COLUMN = 'reviewed_by', TABLE = 'verifications';
    END IF;
    IF NEW.state = 'verified' THEN
      UPDATE measurements SET verified = true WHERE id = NEW.measurement_id;
    END IF;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER verifications_review AFTER UPDATE OF state ON verifications
  FOR EACH ROW EXECUTE FUNCTION app.review_verification();

GRANT EXECUTE ON FUNCTION app.review_verification() TO cryoprotect_app;

-- The content hash and dataset of a readable model's training snapshot, even when the snapshot's
-- dataset is not readable: a shared model always names the data it was trained on (not its rows).
CREATE FUNCTION app.snapshot_identity(p_model uuid) RETURNS TABLE (content_hash text, dataset_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT s.content_hash, s.dataset_id
    FROM model_versions x JOIN dataset_snapshots s ON s.id = x.snapshot_id
    WHERE x.id = p_model AND app.can_read(x.owner_id, x.project_id, x.visibility)
  $$;
GRANT EXECUTE ON FUNCTION app.snapshot_identity(uuid) TO cryoprotect_app;
