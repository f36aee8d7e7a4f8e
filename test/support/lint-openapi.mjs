// Lints an OpenAPI document (a JSON file, the first argument) with Redocly's `recommended`
// ruleset and Spectral's `spectral:oas`, as a user's pipeline would, and prints every problem as
// JSON: [{ tool, rule, severity, message, path }]. A separate process because both are ES
// modules, which jest cannot load on Node 20.
import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';
import { readFile } from 'node:fs/promises';

const source = await readFile(process.argv[2], 'utf8');

const redocly = await lintFromString({
  source,
  absoluteRef: 'openapi.json',
  config: await createConfig({ extends: ['recommended'] }),
});

const spectral = new spectralCore.Spectral();
spectral.setRuleset({ extends: [[spectralRulesets.oas, 'all']] });
const spectralProblems = await spectral.run(
  new spectralCore.Document(source, spectralParsers.Json, 'openapi.json'),
);

const SPECTRAL_SEVERITY = ['error', 'warn', 'info', 'hint'];
console.log(
  JSON.stringify([
    ...redocly.map((problem) => ({
      tool: 'redocly',
      rule: problem.ruleId,
      severity: problem.severity,
      message: problem.message,
      path: problem.location[0]?.pointer,
    })),
    ...spectralProblems.map((problem) => ({
      tool: 'spectral',
      rule: String(problem.code),
      severity: SPECTRAL_SEVERITY[problem.severity],
      message: problem.message,
      path: problem.path.join('.'),
    })),
  ]),
);
