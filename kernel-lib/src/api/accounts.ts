import { z } from 'zod';
import { UuidSchema, pageSchema } from './schemas';
import { DateTimeSchema, queryLimit, CursorSchema } from './limits';

/**
 * Accounts and sharing: users, API tokens, projects (teams) with their members, and the audit
 * log. Password hashes never appear in any of these shapes.
 */

export const ScopeSchema = z
  .enum(['read', 'write', 'admin'])
  .describe(
    'read: read data; write: create and change data; admin: everything, incl. site administration'
  );
export type Scope = z.infer<typeof ScopeSchema>;

export const UsernameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{1,63}$/,
    '2 to 64 characters: lower-case letters, digits, "_", "." and "-", starting with a letter or digit'
  );

/** At least 12 characters (NIST SP 800-63B allows long passphrases; the bound keeps hashing cheap). */
export const PasswordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(1024, 'must be at most 1024 characters');

const ExpiresInDaysSchema = z
  .number()
  .int()
  .min(1)
  .max(3650)
  .describe('the token stops working after this many days');

export const LoginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  tokenName: z.string().min(1).max(200).default('password login'),
  scopes: z
    .array(ScopeSchema)
    .min(1)
    .max(3)
    .default(['read', 'write'])
    .describe('scopes of the new token'),
  expiresInDays: ExpiresInDaysSchema.default(30)
});
export type Login = z.input<typeof LoginSchema>;

/** A new API token: the secret appears in this answer only; the server keeps its SHA-256. */
export const CreatedTokenSchema = z.object({
  id: UuidSchema,
  name: z.string(),
  scopes: z.array(ScopeSchema),
  token: z.string().describe('send as "Authorization: Bearer <token>"; shown once'),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  userId: UuidSchema
});
export type CreatedToken = z.infer<typeof CreatedTokenSchema>;

export const ApiTokenSchema = z.object({
  id: UuidSchema,
  name: z.string(),
  scopes: z.array(ScopeSchema),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable()
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;
/** All your tokens in one page (nextCursor is always null). */
export const ApiTokenListSchema = pageSchema(ApiTokenSchema);

export const CreateTokenSchema = z.strictObject({
  name: z.string().min(1).max(200),
  scopes: z
    .array(ScopeSchema)
    .min(1)
    .max(3)
    .describe('at most the scopes of the token making the request, unless that one has admin'),
  expiresInDays: ExpiresInDaysSchema.optional()
});
export type CreateToken = z.input<typeof CreateTokenSchema>;

/** A user as colleagues see them in the directory (no e-mail address). */
export const UserSummarySchema = z.object({
  id: UuidSchema,
  username: z.string(),
  displayName: z.string(),
  isAdmin: z.boolean().describe('site administrator'),
  active: z.boolean().describe('false once deactivated')
});
export type UserSummary = z.infer<typeof UserSummarySchema>;
export const UserSummaryPageSchema = pageSchema(UserSummarySchema);

/** Your own account, or an account a site administrator manages. */
export const AccountSchema = UserSummarySchema.extend({
  email: z.string().nullable(),
  createdAt: z.string(),
  deactivatedAt: z.string().nullable(),
  hasPassword: z.boolean().describe('false for accounts that sign in with API tokens only')
});
export type Account = z.infer<typeof AccountSchema>;

const EmailSchema = z
  .string()
  .max(320)
  .regex(/^[^@\s]+@[^@\s]+$/, 'must be an e-mail address');

export const UpdateAccountSchema = z
  .strictObject({
    displayName: z.string().min(1).max(200).optional(),
    email: EmailSchema.nullable().optional().describe('null removes it')
  })
  .refine(v => v.displayName !== undefined || v.email !== undefined, {
    message: 'give displayName and/or email'
  });
export type UpdateAccount = z.input<typeof UpdateAccountSchema>;

export const ChangePasswordSchema = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: PasswordSchema
});
export type ChangePassword = z.input<typeof ChangePasswordSchema>;

export const CreateUserSchema = z.strictObject({
  username: UsernameSchema,
  displayName: z.string().min(1).max(200),
  email: EmailSchema.optional(),
  password: PasswordSchema.describe('initial password; the user should change it'),
  isAdmin: z.boolean().default(false)
});
export type CreateUser = z.input<typeof CreateUserSchema>;

export const UserQuerySchema = z.object({
  q: z.string().max(200).optional().describe('text in the username or display name'),
  limit: queryLimit(200, 50),
  cursor: CursorSchema.optional()
});

export const ProjectRoleSchema = z
  .enum(['viewer', 'editor', 'admin'])
  .describe('viewer reads, editor also writes, admin also manages the project and its members');
export type ProjectRole = z.infer<typeof ProjectRoleSchema>;

export const ProjectSchema = z.object({
  id: UuidSchema,
  name: z.string(),
  description: z.string(),
  isPublic: z.boolean(),
  createdBy: UuidSchema,
  createdAt: z.string(),
  myRole: ProjectRoleSchema.nullable().describe('your role; null when you are not a member')
});
export type Project = z.infer<typeof ProjectSchema>;
export const ProjectPageSchema = pageSchema(ProjectSchema);

export const ProjectMemberSchema = z.object({
  userId: UuidSchema,
  username: z.string(),
  displayName: z.string(),
  role: ProjectRoleSchema,
  addedAt: z.string()
});
export type ProjectMember = z.infer<typeof ProjectMemberSchema>;

export const ProjectDetailSchema = ProjectSchema.extend({
  members: z
    .array(ProjectMemberSchema)
    .describe('listed for signed-in callers; the user directory is not public')
});
export type ProjectDetail = z.infer<typeof ProjectDetailSchema>;

export const CreateProjectSchema = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).default(''),
  isPublic: z.boolean().default(false)
});
export type CreateProject = z.input<typeof CreateProjectSchema>;

export const UpdateProjectSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(10_000).optional(),
    isPublic: z.boolean().optional()
  })
  .refine(v => v.name !== undefined || v.description !== undefined || v.isPublic !== undefined, {
    message: 'give name, description and/or isPublic'
  });
export type UpdateProject = z.input<typeof UpdateProjectSchema>;

export const SetMemberRoleSchema = z.strictObject({ role: ProjectRoleSchema });

export const ProjectQuerySchema = z.object({
  q: z.string().max(200).optional().describe('text in the project name'),
  limit: queryLimit(200, 50),
  cursor: CursorSchema.optional()
});

export const AuditEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actorId: UuidSchema.nullable().describe('null for failed logins of unknown usernames'),
  action: z.string().describe('e.g. auth.login, token.create, project.member_role'),
  entity: z.string().nullable(),
  entityId: z.string().nullable(),
  details: z.record(z.string(), z.unknown())
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export const AuditPageSchema = pageSchema(AuditEntrySchema);

export const AuditQuerySchema = z.object({
  action: z
    .string()
    .regex(/^[a-z][a-z_.]*$/, 'an action like auth.login')
    .max(100)
    .optional(),
  since: DateTimeSchema.optional().describe('entries at or after this instant'),
  limit: queryLimit(500, 100),
  cursor: CursorSchema.optional()
});
