import {
  MoleculePageSchema,
  MoleculeSchema,
  RegistrationResultSchema,
  type Molecule,
  type RegisterMolecule,
  type RegistrationResult
} from './schemas';
import { Transport, type ClientOptions } from './transport';
import {
  ExperimentsApi,
  MeasurementsApi,
  PropertyTypesApi,
  ReferencesApi
} from './clients/records';

export { ApiError, type ClientOptions } from './transport';

/**
 * Typed client of the CryoProtect REST server: requests and answers are checked against the same
 * zod schemas the server validates with, so notebooks never hand-write fetch. Each resource has
 * its own group (client.references, client.measurements, ...) defined in clients/.
 */
export class CryoProtectClient {
  protected readonly transport: Transport;
  readonly propertyTypes: PropertyTypesApi;
  readonly references: ReferencesApi;
  readonly experiments: ExperimentsApi;
  readonly measurements: MeasurementsApi;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
    this.propertyTypes = new PropertyTypesApi(this.transport);
    this.references = new ReferencesApi(this.transport);
    this.experiments = new ExperimentsApi(this.transport);
    this.measurements = new MeasurementsApi(this.transport);
  }

  /**
   * The server `cryoprotect start` launched with this JupyterLab: kernels inherit
   * CRYOPROTECT_SERVER_URL and, in the embedded single-user mode, CRYOPROTECT_TOKEN.
   */
  static fromEnvironment(env: Record<string, string | undefined> = process.env): CryoProtectClient {
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

  /** Every visible molecule matching `q` (name, synonym, InChIKey), page by page. */
  molecules(query: { q?: string; pageSize?: number } = {}): AsyncGenerator<Molecule> {
    return this.transport.paginate(
      '/api/molecules',
      { q: query.q, limit: query.pageSize ?? 100 },
      MoleculePageSchema
    );
  }
}
