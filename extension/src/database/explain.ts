import type { ICryoProtectConnection } from '../connection';

/**
 * The connection's sentence for a failure, with the fields the server named: a 422 about a bad
 * SMARTS says which query parameter it was and why, which the problem's title alone does not.
 */
export function explainFailure(connection: ICryoProtectConnection, error: unknown): string {
  const sentence = connection.explain(error);
  const problem = error as { name?: string; errors?: { path: string; message: string }[] };
  if (problem?.name !== 'ApiError' || !problem.errors?.length) {
    return sentence;
  }
  const fields = problem.errors
    .filter(e => !sentence.includes(e.message))
    .map(e => `${e.path.replace(/^querystring\./, '')}: ${e.message}`);
  return fields.length > 0 ? `${sentence} (${fields.join('; ')})` : sentence;
}
