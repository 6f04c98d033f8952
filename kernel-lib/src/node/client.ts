import { CryoProtectClient } from '../api/client';

/**
 * The server named by this process's environment: CRYOPROTECT_SERVER_URL and CRYOPROTECT_TOKEN
 * (kernels that `cryoprotect start` launches inherit both).
 */
export function clientFromEnvironment(
  env: Record<string, string | undefined> = process.env
): CryoProtectClient {
  return CryoProtectClient.fromEnvironment(env);
}
