import { z } from 'zod';
import {
  AccountSchema,
  ApiTokenListSchema,
  AuditPageSchema,
  CreatedTokenSchema,
  ProjectDetailSchema,
  ProjectMemberSchema,
  ProjectPageSchema,
  ProjectSchema,
  UserSummaryPageSchema,
  type Account,
  type ApiToken,
  type AuditEntry,
  type ChangePassword,
  type CreateProject,
  type CreateToken,
  type CreateUser,
  type CreatedToken,
  type Login,
  type Project,
  type ProjectDetail,
  type ProjectMember,
  type ProjectRole,
  type UpdateAccount,
  type UpdateProject,
  type UserSummary
} from '../accounts';
import { Transport } from '../transport';

const id = (value: string): string => encodeURIComponent(value);

/** Signing in with a password: each login creates a new API token. */
export class AuthApi {
  constructor(private readonly transport: Transport) {}

  login(credentials: Login): Promise<CreatedToken> {
    return this.transport.request('POST', '/api/auth/login', CreatedTokenSchema, credentials);
  }
}

export class UsersApi {
  constructor(private readonly transport: Transport) {}

  me(): Promise<Account> {
    return this.transport.request('GET', '/api/users/me', AccountSchema);
  }

  updateMe(changes: UpdateAccount): Promise<Account> {
    return this.transport.request('PATCH', '/api/users/me', AccountSchema, changes);
  }

  changePassword(change: ChangePassword): Promise<void> {
    return this.transport.requestEmpty('PUT', '/api/users/me/password', change);
  }

  /** The user directory (signed-in callers), page by page. */
  list(query: { q?: string; pageSize?: number } = {}): AsyncGenerator<UserSummary> {
    return this.transport.paginate(
      '/api/users',
      { q: query.q, limit: query.pageSize ?? 100 },
      UserSummaryPageSchema
    );
  }

  /** Site administrators only (a token with the admin scope). */
  create(user: CreateUser): Promise<Account> {
    return this.transport.request('POST', '/api/users', AccountSchema, user);
  }

  deactivate(userId: string): Promise<Account> {
    return this.transport.request('POST', `/api/users/${id(userId)}/deactivate`, AccountSchema);
  }

  reactivate(userId: string): Promise<Account> {
    return this.transport.request('POST', `/api/users/${id(userId)}/reactivate`, AccountSchema);
  }
}

export class TokensApi {
  constructor(private readonly transport: Transport) {}

  async list(): Promise<ApiToken[]> {
    return (await this.transport.request('GET', '/api/tokens', ApiTokenListSchema)).items;
  }

  create(token: CreateToken): Promise<CreatedToken> {
    return this.transport.request('POST', '/api/tokens', CreatedTokenSchema, token);
  }

  revoke(tokenId: string): Promise<void> {
    return this.transport.requestEmpty('DELETE', `/api/tokens/${id(tokenId)}`);
  }
}

export class ProjectsApi {
  constructor(private readonly transport: Transport) {}

  create(project: CreateProject): Promise<Project> {
    return this.transport.request('POST', '/api/projects', ProjectSchema, project);
  }

  /** Projects visible to you (yours and public ones), page by page. */
  list(query: { q?: string; pageSize?: number } = {}): AsyncGenerator<Project> {
    return this.transport.paginate(
      '/api/projects',
      { q: query.q, limit: query.pageSize ?? 100 },
      ProjectPageSchema
    );
  }

  get(projectId: string): Promise<ProjectDetail> {
    return this.transport.request('GET', `/api/projects/${id(projectId)}`, ProjectDetailSchema);
  }

  update(projectId: string, changes: UpdateProject): Promise<Project> {
    return this.transport.request(
      'PATCH',
      `/api/projects/${id(projectId)}`,
      ProjectSchema,
      changes
    );
  }

  delete(projectId: string): Promise<void> {
    return this.transport.requestEmpty('DELETE', `/api/projects/${id(projectId)}`);
  }

  /** Add a member or change their role (project admins). */
  setMember(projectId: string, userId: string, role: ProjectRole): Promise<ProjectMember> {
    return this.transport.request(
      'PUT',
      `/api/projects/${id(projectId)}/members/${id(userId)}`,
      ProjectMemberSchema,
      { role }
    );
  }

  removeMember(projectId: string, userId: string): Promise<void> {
    return this.transport.requestEmpty(
      'DELETE',
      `/api/projects/${id(projectId)}/members/${id(userId)}`
    );
  }
}

export class AuditApi {
  constructor(private readonly transport: Transport) {}

  /** Your audit entries (site administrators: everyone's), newest first. */
  entries(
    query: { action?: string; since?: string; pageSize?: number } = {}
  ): AsyncGenerator<AuditEntry> {
    return this.transport.paginate(
      '/api/audit',
      { action: query.action, since: query.since, limit: query.pageSize ?? 100 },
      AuditPageSchema
    );
  }
}

/** Used by CryoProtectClient.login: the answer of POST /api/auth/login without a client yet. */
export async function loginForToken(
  serverUrl: string,
  credentials: Login,
  fetchImpl?: typeof fetch
): Promise<z.infer<typeof CreatedTokenSchema>> {
  return new AuthApi(new Transport({ serverUrl, fetch: fetchImpl })).login(credentials);
}
