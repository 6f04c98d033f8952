import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const Private = {
  coreMessage:
    'The core of @cryoprotect/kernel runs in a browser too: what needs Node belongs in kernel-lib/src/node (@cryoprotect/kernel/node).'
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/lib/**',
      '.venv/**',
      '.cryoprotect/**',
      'extension/cryoprotect_jupyterlab/labextension/**'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: 'error',
      curly: 'error'
    }
  },
  {
    // One direction of dependency in the server: routes/ and http/ build on db/ and the retrain
    // worker, never the other way round. Tests may cross the layers (db/database.test.ts checks
    // how http/problem answers a lost connection), so they are left out.
    files: [
      'server/src/db/**/*.ts',
      'server/src/models/retrain.ts',
      'server/src/models/worker-cli.ts'
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/routes/**', '**/http/**', './routes/*', '../routes/*', '../http/*'],
              message:
                'db/ and the retrain worker sit below the HTTP layer: one direction of dependency, routes -> db. Move what both need into db/ or a neutral module (errors.ts for refusals, db/tokens.ts for tokens).'
            }
          ]
        }
      ]
    }
  },
  {
    files: ['extension/src/**/*.ts'],
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        { selector: 'interface', format: ['PascalCase'], custom: { regex: '^I[A-Z]', match: true } }
      ]
    }
  },
  {
    // The core of @cryoprotect/kernel runs unchanged in a browser (the JupyterLab extension bundles
    // it): no Node built-in, no process, no file system. What needs Node lives in src/node, the
    // @cryoprotect/kernel/node entry, which the core never imports. Tests run in Node only.
    files: ['kernel-lib/src/**/*.ts'],
    ignores: [
      'kernel-lib/src/node/**',
      'kernel-lib/src/**/*.test.ts',
      'kernel-lib/src/**/*.test-helpers.ts'
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map(name => ({ name, message: Private.coreMessage })),
          patterns: [
            { regex: '^node:', message: Private.coreMessage },
            {
              regex: '^(\\.{1,2}/)+(.*/)?node(/.*)?$|^@cryoprotect/kernel/node$',
              message:
                'The core never imports its Node edge (src/node); move the shared part into the core instead.'
            }
          ]
        }
      ],
      'no-restricted-globals': [
        'error',
        ...[
          'process',
          'Buffer',
          '__dirname',
          '__filename',
          'require',
          'module',
          'global',
          'setImmediate'
        ].map(name => ({ name, message: Private.coreMessage }))
      ],
      'no-restricted-properties': [
        'error',
        ...['process', 'Buffer', 'require'].map(property => ({
          object: 'globalThis',
          property,
          message: Private.coreMessage
        }))
      ]
    }
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node }
  },
  {
    // CommonJS files that JupyterLab's tooling loads with require(): the webpack, jest and babel
    // configurations of the extension and the jest stand-in for RDKit's WebAssembly.
    files: ['extension/*.config.js', 'extension/src/__tests__/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  prettier
);
