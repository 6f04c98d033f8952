import {
  MoleculePageSchema,
  MoleculeRegistrationSchema,
  MoleculeSchema,
  RegistrationResultSchema,
  type Molecule,
  type MoleculeRegistration,
  type RegisterMolecule,
  type RegistrationResult,
  type UpdateMolecule
} from './schemas';
import { Transport, type ClientOptions, type Page, type PageQuery } from './transport';
import { MixturesApi, MoleculeSearchApi } from './clients/structures';
import {
  DatasetsApi,
  ModelsApi,
  PredictionsApi,
  SnapshotsApi,
  VerificationsApi
} from './clients/models';
import {
  AuditApi,
  AuthApi,
  ProjectsApi,
  TokensApi,
  UsersApi,
  loginForToken
} from './clients/accounts';
import type { Login } from './accounts';
import { ScreensApi } from './clients/screens';
import {
  ExperimentsApi,
  MeasurementsApi,
  PropertyTypesApi,
  ReferencesApi
} from './clients/records';

export { ApiError, type ClientOptions, type Page, type PageQuery } from './transport';

/**
 * Typed client of the CryoProtect REST server: requests and answers are checked against the same
 * zod schemas the server validates with, so notebooks never hand-write fetch. Each resource has
 * its own group (client.references, client.measurements, ...) defined in clients/.
 */
export class CryoProtectClient {
  protected readonly transport: Transport;
  readonly moleculeSearch: MoleculeSearchApi;
  readonly mixtures: MixturesApi;
  readonly datasets: DatasetsApi;
  readonly snapshots: SnapshotsApi;
  readonly models: ModelsApi;
  readonly predictions: PredictionsApi;
  readonly verifications: VerificationsApi;
  readonly auth: AuthApi;
  readonly users: UsersApi;
  readonly tokens: TokensApi;
  readonly projects: ProjectsApi;
  readonly audit: AuditApi;
  readonly propertyTypes: PropertyTypesApi;
  readonly references: ReferencesApi;
  readonly experiments: ExperimentsApi;
  readonly measurements: MeasurementsApi;
  readonly screens: ScreensApi;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
    this.moleculeSearch = new MoleculeSearchApi(this.transport);
    this.mixtures = new MixturesApi(this.transport);
    this.datasets = new DatasetsApi(this.transport);
    this.snapshots = new SnapshotsApi(this.transport);
    this.models = new ModelsApi(this.transport);
    this.predictions = new PredictionsApi(this.transport);
    this.verifications = new VerificationsApi(this.transport);
    this.auth = new AuthApi(this.transport);
    this.users = new UsersApi(this.transport);
    this.tokens = new TokensApi(this.transport);
    this.projects = new ProjectsApi(this.transport);
    this.audit = new AuditApi(this.transport);
    this.propertyTypes = new PropertyTypesApi(this.transport);
    this.references = new ReferencesApi(this.transport);
    this.experiments = new ExperimentsApi(this.transport);
    this.measurements = new MeasurementsApi(this.transport);
    this.screens = new ScreensApi(this.transport);
  }

  /**
   * Sign in with a password: the server creates a new API token (30 days unless `options` say
   * otherwise) and the returned client uses it. Keep `client.token` to reconnect later without the password.
   */
  static async login(
    serverUrl: string,
    username: string,
    password: string,
    options: Omit<Login, 'username' | 'password'> & { fetch?: typeof fetch } = {}
  ): Promise<CryoProtectClient & { token: string; tokenId: string }> {
    const { fetch: fetchImpl, ...rest } = options;
    const created = await loginForToken(serverUrl, { username, password, ...rest }, fetchImpl);
    const client = new CryoProtectClient({ serverUrl, token: created.token, fetch: fetchImpl });
    return Object.assign(client, { token: created.token, tokenId: created.id });
  }

  /**
   * The server named by environment variables: CRYOPROTECT_SERVER_URL and, in the embedded
   * single-user mode, CRYOPROTECT_TOKEN (kernels that `cryoprotect start` launches inherit both).
   * The variables are passed in, so the same code runs where there is no process environment (a
   * browser); in Node, `clientFromEnvironment()` of `@cryoprotect/kernel/node` reads the process's.
   */
  static fromEnvironment(env: Record<string, string | undefined>): CryoProtectClient {
    const serverUrl = env.CRYOPROTECT_SERVER_URL;
    if (!serverUrl) {
      throw new Error(
        'CRYOPROTECT_SERVER_URL is not set: start JupyterLab with "npm start", or create the client with new CryoProtectClient({ serverUrl, token })'
      );
    }
    return new CryoProtectClient({ serverUrl, token: env.CRYOPROTECT_TOKEN });
  }

  /** Register a structure (standardized by the server); an identical existing one is returned with duplicate: true. */
  registerMolecule(molecule: RegisterMolecule): Promise<RegistrationResult> {
    return this.transport.request('POST', '/api/molecules', RegistrationResultSchema, molecule);
  }

  getMolecule(id: string): Promise<Molecule> {
    return this.transport.request(
      'GET',
      `/api/molecules/${encodeURIComponent(id)}`,
      MoleculeSchema
    );
  }

  /** Whether a structure is registered (by its InChIKey), and the record when you may see it. */
  moleculeRegistration(inchikey: string): Promise<MoleculeRegistration> {
    return this.transport.request(
      'GET',
      Transport.path('/api/molecules/registered', { inchikey }),
      MoleculeRegistrationSchema
    );
  }

  /** Rename, edit synonyms or share; the structure itself never changes. */
  updateMolecule(id: string, changes: UpdateMolecule): Promise<Molecule> {
    return this.transport.request(
      'PATCH',
      `/api/molecules/${encodeURIComponent(id)}`,
      MoleculeSchema,
      changes
    );
  }

  /** Delete a molecule nothing refers to (owner or project admin). */
  deleteMolecule(id: string): Promise<void> {
    return this.transport.requestEmpty('DELETE', `/api/molecules/${encodeURIComponent(id)}`);
  }

  /** Every visible molecule matching `q` (name, synonym, InChIKey), page by page. */
  molecules(query: { q?: string; pageSize?: number } = {}): AsyncGenerator<Molecule> {
    return this.transport.paginate(
      '/api/molecules',
      { q: query.q, limit: query.pageSize ?? 100 },
      MoleculePageSchema
    );
  }

  /** One page of the visible molecules matching `q` (pass nextCursor as cursor for the next). */
  moleculesPage(query: { q?: string } & PageQuery = {}): Promise<Page<Molecule>> {
    return this.transport.page(
      '/api/molecules',
      { q: query.q, limit: query.limit, cursor: query.cursor },
      MoleculePageSchema
    );
  }
}
