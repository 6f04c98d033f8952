import type { CryoProtectClient } from '@cryoprotect/kernel';
import { clientFromEnvironment } from '@cryoprotect/kernel/node';

/**
 * The REST server of this shell's environment, for the commands that act as a researcher. Without
 * CRYOPROTECT_SERVER_URL the message says where a person finds the address and the token, not how
 * a notebook builds a client.
 */
export function commandLineClient(env: NodeJS.ProcessEnv = process.env): CryoProtectClient {
  if (!env.CRYOPROTECT_SERVER_URL) {
    throw new Error(
      'CRYOPROTECT_SERVER_URL is not set: export the server\'s address (npm start prints it: "REST server: http://127.0.0.1:8787") and CRYOPROTECT_TOKEN, an API token (the embedded server keeps its own in .cryoprotect/token)'
    );
  }
  return clientFromEnvironment(env);
}
