-- Row Level Security on every table (SPEC F3).
--
--   private rows: only their owner;  project rows: members by role (viewer reads, editor writes,
--   admin manages);  public rows: everyone reads, only the owner and project editors write.
-- Policies apply to cryoprotect_app, the role every request runs as. FORCE makes them apply to the
-- tables' owner too; only superusers and BYPASSRLS roles (migrations, the reference-data loader:
-- the explicit service path) are exempt.

-- SECURITY DEFINER so that policies can read memberships without recursing into the
-- project_members policy; search_path is pinned so the functions cannot be hijacked.
CREATE FUNCTION app.has_project_role(p_project uuid, p_min_role text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT p_project IS NOT NULL AND EXISTS (
      SELECT 1 FROM project_members m
      WHERE m.project_id = p_project
        AND m.user_id = app.current_user_id()
        AND app.role_rank(m.role) >= app.role_rank(p_min_role))
  $$;

CREATE FUNCTION app.can_read(p_owner uuid, p_project uuid, p_visibility text) RETURNS boolean
  LANGUAGE sql STABLE
  AS $$
    SELECT p_visibility = 'public'
        OR p_owner = app.current_user_id()
        OR (p_visibility = 'project' AND app.has_project_role(p_project, 'viewer'))
  $$;

CREATE FUNCTION app.can_write(p_owner uuid, p_project uuid, p_visibility text) RETURNS boolean
  LANGUAGE sql STABLE
  AS $$
    SELECT p_owner = app.current_user_id()
        OR (p_visibility IN ('project', 'public') AND app.has_project_role(p_project, 'editor'))
  $$;

CREATE FUNCTION app.is_project_visible(p_project uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT EXISTS (SELECT 1 FROM projects p WHERE p.id = p_project AND p.is_public)
        OR app.has_project_role(p_project, 'viewer')
  $$;

-- The creator of a project becomes its first admin (the membership policy would refuse it).
CREATE FUNCTION app.add_project_creator() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  INSERT INTO project_members (project_id, user_id, role) VALUES (NEW.id, NEW.created_by, 'admin');
  RETURN NEW;
END
$$;
CREATE TRIGGER projects_add_creator AFTER INSERT ON projects
  FOR EACH ROW EXECUTE FUNCTION app.add_project_creator();

-- Enable and force RLS everywhere.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE user_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_credentials FORCE ROW LEVEL SECURITY;
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
ALTER TABLE project_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE project_members FORCE ROW LEVEL SECURITY;
ALTER TABLE literature_references ENABLE ROW LEVEL SECURITY;
ALTER TABLE literature_references FORCE ROW LEVEL SECURITY;
ALTER TABLE molecules ENABLE ROW LEVEL SECURITY;
ALTER TABLE molecules FORCE ROW LEVEL SECURITY;
ALTER TABLE mixtures ENABLE ROW LEVEL SECURITY;
ALTER TABLE mixtures FORCE ROW LEVEL SECURITY;
ALTER TABLE experiments ENABLE ROW LEVEL SECURITY;
ALTER TABLE experiments FORCE ROW LEVEL SECURITY;
ALTER TABLE measurements ENABLE ROW LEVEL SECURITY;
ALTER TABLE measurements FORCE ROW LEVEL SECURITY;
ALTER TABLE datasets ENABLE ROW LEVEL SECURITY;
ALTER TABLE datasets FORCE ROW LEVEL SECURITY;
ALTER TABLE model_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE model_versions FORCE ROW LEVEL SECURITY;
ALTER TABLE predictions ENABLE ROW LEVEL SECURITY;
ALTER TABLE predictions FORCE ROW LEVEL SECURITY;
ALTER TABLE verifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE verifications FORCE ROW LEVEL SECURITY;
ALTER TABLE molecule_properties ENABLE ROW LEVEL SECURITY;
ALTER TABLE molecule_properties FORCE ROW LEVEL SECURITY;
ALTER TABLE property_types ENABLE ROW LEVEL SECURITY;
ALTER TABLE property_types FORCE ROW LEVEL SECURITY;
ALTER TABLE mixture_components ENABLE ROW LEVEL SECURITY;
ALTER TABLE mixture_components FORCE ROW LEVEL SECURITY;
ALTER TABLE dataset_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE dataset_snapshots FORCE ROW LEVEL SECURITY;
ALTER TABLE verification_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE verification_events FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE reference_data_loads ENABLE ROW LEVEL SECURITY;
ALTER TABLE reference_data_loads FORCE ROW LEVEL SECURITY;
-- Created by the migration runner before the first migration.
ALTER TABLE cryoprotect_migrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE cryoprotect_migrations FORCE ROW LEVEL SECURITY;

-- Owned content: the same four rules on every table that carries owner_id, project_id, visibility.
CREATE POLICY literature_references_read ON literature_references FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY literature_references_insert ON literature_references FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id() AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY literature_references_update ON literature_references FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility) AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY literature_references_delete ON literature_references FOR DELETE TO cryoprotect_app
  USING (owner_id = app.current_user_id() OR app.has_project_role(project_id, 'admin'));

CREATE POLICY molecules_read ON molecules FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY molecules_insert ON molecules FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id() AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY molecules_update ON molecules FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility) AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY molecules_delete ON molecules FOR DELETE TO cryoprotect_app
  USING (owner_id = app.current_user_id() OR app.has_project_role(project_id, 'admin'));

CREATE POLICY mixtures_read ON mixtures FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY mixtures_insert ON mixtures FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id() AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY mixtures_update ON mixtures FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility) AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY mixtures_delete ON mixtures FOR DELETE TO cryoprotect_app
  USING (owner_id = app.current_user_id() OR app.has_project_role(project_id, 'admin'));

CREATE POLICY experiments_read ON experiments FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY experiments_insert ON experiments FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id() AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY experiments_update ON experiments FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility) AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY experiments_delete ON experiments FOR DELETE TO cryoprotect_app
  USING (owner_id = app.current_user_id() OR app.has_project_role(project_id, 'admin'));

CREATE POLICY measurements_read ON measurements FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY measurements_insert ON measurements FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id() AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY measurements_update ON measurements FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility) AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY measurements_delete ON measurements FOR DELETE TO cryoprotect_app
  USING (owner_id = app.current_user_id() OR app.has_project_role(project_id, 'admin'));

CREATE POLICY datasets_read ON datasets FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY datasets_insert ON datasets FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id() AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY datasets_update ON datasets FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility) AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY datasets_delete ON datasets FOR DELETE TO cryoprotect_app
  USING (owner_id = app.current_user_id() OR app.has_project_role(project_id, 'admin'));

CREATE POLICY model_versions_read ON model_versions FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY model_versions_insert ON model_versions FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id() AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY model_versions_update ON model_versions FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility) AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY model_versions_delete ON model_versions FOR DELETE TO cryoprotect_app
  USING (owner_id = app.current_user_id() OR app.has_project_role(project_id, 'admin'));

CREATE POLICY predictions_read ON predictions FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY predictions_insert ON predictions FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id() AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY predictions_update ON predictions FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility) AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY predictions_delete ON predictions FOR DELETE TO cryoprotect_app
  USING (owner_id = app.current_user_id() OR app.has_project_role(project_id, 'admin'));

CREATE POLICY verifications_read ON verifications FOR SELECT TO cryoprotect_app
  USING (app.can_read(owner_id, project_id, visibility));
CREATE POLICY verifications_insert ON verifications FOR INSERT TO cryoprotect_app
  WITH CHECK (owner_id = app.current_user_id() AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY verifications_update ON verifications FOR UPDATE TO cryoprotect_app
  USING (app.can_write(owner_id, project_id, visibility))
  WITH CHECK (app.can_write(owner_id, project_id, visibility) AND (project_id IS NULL OR app.has_project_role(project_id, 'editor')));
CREATE POLICY verifications_delete ON verifications FOR DELETE TO cryoprotect_app
  USING (owner_id = app.current_user_id() OR app.has_project_role(project_id, 'admin'));

-- Parts of a parent row: visible and writable exactly when the parent is.
CREATE POLICY molecule_properties_read ON molecule_properties FOR SELECT TO cryoprotect_app
  USING (EXISTS (SELECT 1 FROM molecules p WHERE p.id = molecule_properties.molecule_id));
CREATE POLICY molecule_properties_write ON molecule_properties FOR ALL TO cryoprotect_app
  USING (EXISTS (SELECT 1 FROM molecules p WHERE p.id = molecule_properties.molecule_id AND app.can_write(p.owner_id, p.project_id, p.visibility)))
  WITH CHECK (EXISTS (SELECT 1 FROM molecules p WHERE p.id = molecule_properties.molecule_id AND app.can_write(p.owner_id, p.project_id, p.visibility)));

CREATE POLICY mixture_components_read ON mixture_components FOR SELECT TO cryoprotect_app
  USING (EXISTS (SELECT 1 FROM mixtures p WHERE p.id = mixture_components.mixture_id));
CREATE POLICY mixture_components_write ON mixture_components FOR ALL TO cryoprotect_app
  USING (EXISTS (SELECT 1 FROM mixtures p WHERE p.id = mixture_components.mixture_id AND app.can_write(p.owner_id, p.project_id, p.visibility)))
  WITH CHECK (EXISTS (SELECT 1 FROM mixtures p WHERE p.id = mixture_components.mixture_id AND app.can_write(p.owner_id, p.project_id, p.visibility)));

-- Snapshots are immutable (trigger in 002): read and create with the dataset, never update.
CREATE POLICY dataset_snapshots_read ON dataset_snapshots FOR SELECT TO cryoprotect_app
  USING (EXISTS (SELECT 1 FROM datasets p WHERE p.id = dataset_snapshots.dataset_id));
CREATE POLICY dataset_snapshots_insert ON dataset_snapshots FOR INSERT TO cryoprotect_app
  WITH CHECK (created_by = app.current_user_id() AND EXISTS (
    SELECT 1 FROM datasets p WHERE p.id = dataset_snapshots.dataset_id AND app.can_write(p.owner_id, p.project_id, p.visibility)));
CREATE POLICY dataset_snapshots_delete ON dataset_snapshots FOR DELETE TO cryoprotect_app
  USING (EXISTS (SELECT 1 FROM datasets p WHERE p.id = dataset_snapshots.dataset_id AND p.owner_id = app.current_user_id()));

-- History is written by the trigger (SECURITY DEFINER) and read with its verification.
CREATE POLICY verification_events_read ON verification_events FOR SELECT TO cryoprotect_app
  USING (EXISTS (SELECT 1 FROM verifications p WHERE p.id = verification_events.verification_id));

-- Users: signed-in users see the directory (to share with colleagues) and edit only themselves.
-- Accounts are created by the server's service path, never by the application role.
CREATE POLICY users_read ON users FOR SELECT TO cryoprotect_app
  USING (app.current_user_id() IS NOT NULL);
CREATE POLICY users_update ON users FOR UPDATE TO cryoprotect_app
  USING (id = app.current_user_id()) WITH CHECK (id = app.current_user_id());
-- user_credentials: no policy at all, so the application role can never read password hashes.

CREATE POLICY api_tokens_own ON api_tokens FOR ALL TO cryoprotect_app
  USING (user_id = app.current_user_id()) WITH CHECK (user_id = app.current_user_id());

CREATE POLICY projects_read ON projects FOR SELECT TO cryoprotect_app
  USING (is_public OR app.has_project_role(id, 'viewer') OR created_by = app.current_user_id());
CREATE POLICY projects_insert ON projects FOR INSERT TO cryoprotect_app
  WITH CHECK (created_by = app.current_user_id());
CREATE POLICY projects_update ON projects FOR UPDATE TO cryoprotect_app
  USING (app.has_project_role(id, 'admin')) WITH CHECK (app.has_project_role(id, 'admin'));
CREATE POLICY projects_delete ON projects FOR DELETE TO cryoprotect_app
  USING (app.has_project_role(id, 'admin'));

CREATE POLICY project_members_read ON project_members FOR SELECT TO cryoprotect_app
  USING (user_id = app.current_user_id() OR app.is_project_visible(project_id));
CREATE POLICY project_members_manage ON project_members FOR ALL TO cryoprotect_app
  USING (app.has_project_role(project_id, 'admin')) WITH CHECK (app.has_project_role(project_id, 'admin'));

-- Reference tables: readable by everyone, written only through migrations and the service path.
CREATE POLICY property_types_read ON property_types FOR SELECT TO cryoprotect_app USING (true);
CREATE POLICY reference_data_loads_read ON reference_data_loads FOR SELECT TO cryoprotect_app USING (true);
CREATE POLICY cryoprotect_migrations_read ON cryoprotect_migrations FOR SELECT TO cryoprotect_app USING (true);

-- Audit log: append your own entries, read your own entries; never update or delete.
CREATE POLICY audit_log_insert ON audit_log FOR INSERT TO cryoprotect_app
  WITH CHECK (actor_id = app.current_user_id());
CREATE POLICY audit_log_read ON audit_log FOR SELECT TO cryoprotect_app
  USING (actor_id = app.current_user_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cryoprotect_app;
REVOKE UPDATE, DELETE ON audit_log, verification_events FROM cryoprotect_app;
REVOKE INSERT, UPDATE, DELETE ON property_types, reference_data_loads, cryoprotect_migrations FROM cryoprotect_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO cryoprotect_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA app TO cryoprotect_app;
