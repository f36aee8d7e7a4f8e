import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ASSEMBLY = [
  '**/server/**',
  '**/graphql/**',
  '**/features',
  '**/main',
  '**/cli/**',
  '**/demo/**',
];

// Which features each feature may import: those below it. (A feature is one folder of src/.)
const FEATURE_LAYERS = {
  organization: [],
  audience: ['organization'],
  contact: ['organization'],
  membership: ['organization', 'audience', 'contact'],
  node: ['organization', 'audience', 'contact'],
  federation: ['organization', 'audience', 'contact'],
  consent: ['organization', 'contact'],
  event: ['organization'],
  webhook: ['organization', 'event'],
  bulk: ['organization', 'audience', 'contact', 'membership'],
};

// Every feature folder, and the folder itself (an index import), for the toolkits' rule.
const FEATURES = Object.keys(FEATURE_LAYERS).flatMap((name) => [`**/${name}/**`, `**/${name}`]);

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      '.data/',
      '.data-bench/',
      'test/artifacts/',
      // Type-checked by test/clients.test.ts against the client it generates.
      'test/support/generated-client/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        module: 'writable',
        require: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Imports run one way: the app's assembly (src/server, src/graphql, src/features.ts, main, CLI,
  // demo) imports the features, the features import the shared toolkits, never the reverse. And
  // between features, in layers: organization below everything; audience and contact beside each
  // other above it; membership, node and federation on top, reading through the ones below.
  ...Object.entries(FEATURE_LAYERS).map(([feature, below]) => ({
    files: [`src/${feature}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ASSEMBLY,
              message:
                "A feature never imports the app's assembly; the assembly passes it what it needs.",
            },
            {
              group: Object.keys(FEATURE_LAYERS)
                .filter((other) => other !== feature && !below.includes(other))
                .flatMap((other) => [`**/${other}/**`, `**/${other}`]),
              message: `${feature}/ imports only the features below it (${below.join(', ') || 'none'}): the one it imports would otherwise depend on it, or sit beside it.`,
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['src/common/**', 'src/database/**', 'src/config/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...ASSEMBLY, ...FEATURES],
              message:
                'A shared toolkit sits below the features and the assembly: it imports neither.',
            },
          ],
        },
      ],
    },
  },
  // Tests read GraphQL responses, which are untyped JSON.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
