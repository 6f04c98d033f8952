import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConflictError,
  ForbiddenError,
  InvalidFieldsError,
  NotFoundError,
  TooLargeError
} from '../errors.js';
import { ProblemError, notFound, toProblem } from './problem.js';

describe('refusals of the layers below HTTP', () => {
  it('are answered with the same problem documents as the equivalent ProblemError', () => {
    const pairs: [Error, ProblemError][] = [
      [new NotFoundError('experiment 42'), notFound('experiment 42')],
      [
        new NotFoundError('experiment 42'),
        new ProblemError(
          404,
          'not-found',
          'Not found',
          'experiment 42 does not exist or is not visible to you'
        )
      ],
      [
        new ForbiddenError('only the owner may'),
        new ProblemError(403, 'forbidden', 'Forbidden', 'only the owner may')
      ],
      [
        new ConflictError('in-use', 'The reference is in use', 'measurements cite it'),
        new ProblemError(409, 'in-use', 'The reference is in use', 'measurements cite it')
      ],
      [
        new InvalidFieldsError('validation', 'Invalid request', [
          { path: 'body.projectId', message: 'required when visibility is project' },
          { path: 'body.name', message: 'too long' }
        ]),
        new ProblemError(
          422,
          'validation',
          'Invalid request',
          'body.projectId: required when visibility is project; body.name: too long',
          [
            { path: 'body.projectId', message: 'required when visibility is project' },
            { path: 'body.name', message: 'too long' }
          ]
        )
      ],
      [
        new TooLargeError('Snapshot too large', 'body.rows: 9 rows', [
          { path: 'body.rows', message: 'at most 8 rows' }
        ]),
        new ProblemError(413, 'too-large', 'Snapshot too large', 'body.rows: 9 rows', [
          { path: 'body.rows', message: 'at most 8 rows' }
        ])
      ]
    ];
    for (const [refusal, problem] of pairs) {
      assert.equal(
        JSON.stringify(toProblem(refusal, true)),
        JSON.stringify(toProblem(problem, true)),
        refusal.name
      );
    }
  });
});
