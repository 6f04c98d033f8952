import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import {
  parseCount,
  parseFormat,
  parseInteger,
  parseJson,
  parsePort,
  parseTables,
  parseUsername,
  parseWorkers
} from './options.js';

function refusal(parse: (value: string) => unknown, value: string): string {
  try {
    parse(value);
  } catch (error) {
    assert.ok(error instanceof InvalidArgumentError);
    return error.message;
  }
  assert.fail(`${value} was accepted`);
}

describe('command line option parsers', () => {
  it('accept good values as their type', () => {
    assert.equal(parsePort('8787'), 8787);
    assert.equal(parseInteger('-3'), -3);
    assert.equal(parseCount(0, 1000)('0'), 0);
    assert.equal(parseWorkers('64'), 64);
    assert.deepEqual(parseJson('{"alpha": 100}'), { alpha: 100 });
    assert.deepEqual(parseTables(' mixtures, mixture_components '), [
      'mixtures',
      'mixture_components'
    ]);
    assert.equal(parseFormat('json'), 'json');
    assert.equal(parseUsername('alice'), 'alice');
  });

  it('refuse bad values with the reason', () => {
    assert.equal(refusal(parsePort, '65536'), 'must be a whole number between 1 and 65535');
    assert.equal(refusal(parseInteger, '1.5'), 'must be a whole number');
    assert.equal(refusal(parseCount(0, 1000), '-1'), 'must be a whole number from 0 to 1000');
    assert.equal(refusal(parseCount(1, 1000), '0'), 'must be a whole number from 1 to 1000');
    assert.equal(refusal(parseWorkers, '65'), 'must be a whole number from 1 to 64');
    assert.equal(refusal(parseJson, '[1]'), 'must be a JSON object (not an object)');
    assert.match(refusal(parseJson, '{'), /^must be a JSON object \(.+\)$/);
    assert.equal(
      refusal(parseTables, 'A B'),
      'must be table names separated by commas, e.g. mixtures,mixture_components'
    );
    assert.equal(refusal(parseFormat, 'xml'), 'must be csv or json');
    assert.match(refusal(parseUsername, 'BAD!'), /lower-case letters/);
  });
});
