import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node }
  },
  prettier
);
