import { z } from 'zod';
import { ProblemSchema } from '@cryoprotect/kernel';

/** The `:id` of a record's route. */
export const IdParams = z.object({ id: z.string().uuid() });

/** The refusals every record route may answer with, each a problem+json document. */
export const problems = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema
};
