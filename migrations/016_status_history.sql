-- The status page's history (server/src/status/): each server samples each component every
-- CRYOPROTECT_STATUS_INTERVAL seconds; samples older than CRYOPROTECT_STATUS_RETENTION_DAYS are
-- deleted by the server that writes. Written and read on the service path only: the app role
-- has neither grant nor policy, so no request reads or writes it.
CREATE TABLE status_samples (
  -- The server that took the sample (host:port), so a deployment of several shows each.
  instance text NOT NULL CHECK (length(instance) BETWEEN 1 AND 200),
  component text NOT NULL CHECK (component IN ('api', 'database', 'chemistry', 'workers')),
  at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('up', 'degraded', 'down', 'unknown')),
  detail text NOT NULL CHECK (length(detail) <= 500),
  PRIMARY KEY (instance, component, at)
);
-- The page reads the last day, and retention deletes by age.
CREATE INDEX status_samples_at_idx ON status_samples (at);
ALTER TABLE status_samples ENABLE ROW LEVEL SECURITY;
ALTER TABLE status_samples FORCE ROW LEVEL SECURITY;
