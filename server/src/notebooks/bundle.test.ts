import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../lab.js';
import { toBibtex } from './bundle.js';

const SCIENCE_DATA = join(PROJECT_ROOT, 'data', 'science-data');

describe('bundles', () => {
  it('every shipped data file has its licence, licence text and resolvable citations in sources.json', () => {
    const catalogue = JSON.parse(readFileSync(join(SCIENCE_DATA, 'sources.json'), 'utf8')) as {
      files: Record<
        string,
        {
          licence: string;
          licenceFile?: string;
          citations?: string[];
          citationsFromColumns?: { source: string; identifier?: string };
        }
      >;
      references: { id: string }[];
    };
    const csv = readdirSync(SCIENCE_DATA).filter(f => f.endsWith('.csv'));
    assert.deepEqual(Object.keys(catalogue.files).sort(), csv.sort());
    const ids = new Set(catalogue.references.map(r => r.id));
    for (const [file, entry] of Object.entries(catalogue.files)) {
      assert.ok(entry.licence, `${file}: no licence`);
      assert.ok(
        entry.licenceFile && existsSync(resolve(SCIENCE_DATA, entry.licenceFile)),
        `${file}: licence text ${entry.licenceFile} missing`
      );
      assert.ok(entry.citations || entry.citationsFromColumns, `${file}: nothing to cite`);
      for (const id of entry.citations ?? []) {
        assert.ok(ids.has(id), `${file} cites ${id}, not in references`);
      }
      if (entry.citationsFromColumns) {
        const header = readFileSync(join(SCIENCE_DATA, file), 'utf8').split(/\r?\n/)[0].split(',');
        assert.ok(header.includes(entry.citationsFromColumns.source), `${file}: no source column`);
      }
      if (entry.licence.startsWith('GPL')) {
        assert.match(
          readFileSync(resolve(SCIENCE_DATA, entry.licenceFile!), 'utf8'),
          /GNU GENERAL PUBLIC LICENSE/
        );
      }
    }
  });

  it('writes CSL-JSON as BibTeX: an article with its fields, TeX specials escaped, DOIs kept as they are', () => {
    const bib = toBibtex([
      {
        id: 'tam2008',
        type: 'article-journal',
        author: [
          { family: 'Tam', given: 'R. Y.' },
          { family: 'Ben', given: 'R. N.' }
        ],
        title: 'Ice & 50 % of_it',
        'container-title': 'J. Am. Chem. Soc.',
        volume: '130',
        page: '17494-17501',
        issued: { 'date-parts': [[2008]] },
        DOI: '10.1021/ja806284x_x'
      },
      { id: 'rdkit', type: 'document', title: 'RDKit', URL: 'https://www.rdkit.org' }
    ]);
    assert.equal(
      bib,
      [
        '@article{tam2008,',
        '  author = {Tam, R. Y. and Ben, R. N.},',
        '  title = {Ice \\& 50 \\% of\\_it},',
        '  journal = {J. Am. Chem. Soc.},',
        '  volume = {130},',
        '  pages = {17494--17501},',
        '  year = {2008},',
        '  doi = {10.1021/ja806284x_x}',
        '}',
        '',
        '@misc{rdkit,',
        '  title = {RDKit},',
        '  url = {https://www.rdkit.org}',
        '}',
        ''
      ].join('\n')
    );
    // A backslash, tilde and caret as text, in one pass (no escaped braces of \textbackslash{}).
    assert.match(
      toBibtex([{ id: 'x', type: 'document', title: 'C:\\data ~ 2^3' }]),
      /title = \{C:\\textbackslash\{\}data \\textasciitilde\{\} 2\\textasciicircum\{\}3\}/
    );
  });
});
