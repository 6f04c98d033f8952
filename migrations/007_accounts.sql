-- Accounts and sharing: site administrators, what a user may change of their own account,
-- members leaving a project, the last admin of a project, and the audit trail for site admins.

-- A site administrator creates and deactivates accounts and reads the whole audit log. It is a
-- flag on the user (not a project role): projects are teams, the site is the deployment. The
-- first one is made with "cryoprotect user create <name> --admin" on the service path.
ALTER TABLE users ADD COLUMN is_admin boolean NOT NULL DEFAULT false;

-- users_update (003) lets a user update their own row; without column privileges that would
-- include is_admin, deactivated_at and username. Users edit only their name and e-mail address.
REVOKE UPDATE ON users FROM cryoprotect_app;
GRANT UPDATE (display_name, email) ON users TO cryoprotect_app;

-- SECURITY DEFINER so that policies can ask it whatever the users policy lets the caller see;
-- a deactivated administrator is no administrator.
CREATE FUNCTION app.is_site_admin() RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT EXISTS (
      SELECT 1 FROM users u
      WHERE u.id = app.current_user_id() AND u.is_admin AND u.deactivated_at IS NULL)
  $$;
REVOKE ALL ON FUNCTION app.is_site_admin() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.is_site_admin() TO cryoprotect_app;

-- Site administrators read every audit entry (policies are permissive: this adds to "own entries").
CREATE POLICY audit_log_read_site_admin ON audit_log FOR SELECT TO cryoprotect_app
  USING (app.is_site_admin());

-- Any member may leave a project (admins manage everyone else's membership, 003).
CREATE POLICY project_members_leave ON project_members FOR DELETE TO cryoprotect_app
  USING (user_id = app.current_user_id());

-- A project keeps at least one admin, whoever writes: removing or demoting the last one is
-- refused. Deleting the project itself removes its memberships by cascade; that is allowed.
-- The project row is locked so that two admins demoting each other at once cannot both succeed.
-- SECURITY DEFINER: the check must count every membership, not the ones RLS shows the caller.
CREATE FUNCTION app.keep_a_project_admin() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  IF OLD.role <> 'admin' OR (TG_OP = 'UPDATE' AND NEW.role = 'admin' AND NEW.project_id = OLD.project_id) THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM projects WHERE id = OLD.project_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM project_members WHERE project_id = OLD.project_id AND role = 'admin') THEN
    RAISE EXCEPTION 'project_members.role: project % must keep at least one admin', OLD.project_id
      USING ERRCODE = 'integrity_constraint_violation', COLUMN = 'role', TABLE = 'project_members';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER project_members_keep_admin AFTER UPDATE OR DELETE ON project_members
  FOR EACH ROW EXECUTE FUNCTION app.keep_a_project_admin();

-- Whether an account can sign in with a password, without exposing user_credentials (which has
-- no policy at all): answered for yourself, and for anyone to a site administrator.
CREATE FUNCTION app.has_password(p_user uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT (p_user = app.current_user_id() OR app.is_site_admin())
       AND EXISTS (SELECT 1 FROM user_credentials c WHERE c.user_id = p_user)
  $$;
REVOKE ALL ON FUNCTION app.has_password(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.has_password(uuid) TO cryoprotect_app;
