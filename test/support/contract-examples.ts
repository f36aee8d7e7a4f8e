import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One example of the REST contract document: the curl request and the response shown for it. */
export interface ContractExample {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** The body exactly as the document writes it, white space and all. */
  rawBody: string | undefined;
  body: unknown;
  response: unknown;
  /** The document elides part of the response (`...`): only the fields shown can be compared. */
  partial: boolean;
}

export const CONTRACT_FILE = path.join(__dirname, '..', '..', 'docs', 'rest-contract.txt');

/** Reads every curl example of docs/rest-contract.txt, in document order. */
export function readContractExamples(): ContractExample[] {
  const text = readFileSync(CONTRACT_FILE, 'utf8');
  return text
    .split('curl -X ')
    .slice(1)
    .map((chunk) => {
      const [, method, url] = /^(\w+) (\S+)/.exec(chunk)!;
      const headers = Object.fromEntries(
        [...chunk.matchAll(/-H "([^:]+): ([^"]+)"/g)].map(([, name, value]) => [
          name!.toLowerCase(),
          value!,
        ]),
      );
      const bodyMatch = /-d '([\s\S]*?)'/.exec(chunk);
      const requestEnd = bodyMatch
        ? bodyMatch.index + bodyMatch[0].length
        : Math.max(...[...chunk.matchAll(/-H "[^"]+"/g)].map((m) => m.index + m[0].length));
      const responseText = balancedJson(chunk, requestEnd);
      const partial = /\.\.\./.test(responseText);
      return {
        method: method!,
        url: new URL(url!),
        headers,
        rawBody: bodyMatch?.[1],
        body: bodyMatch ? JSON.parse(bodyMatch[1]!) : undefined,
        response: JSON.parse(partial ? responseText.replace(/,\s*\.\.\.\s*/, '') : responseText),
        partial,
      };
    });
}

/** The first JSON object or array after `from`, up to its matching bracket. */
function balancedJson(text: string, from: number): string {
  const start = text.slice(from).search(/[[{]/) + from;
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0) return text.slice(start, index + 1);
    }
  }
  throw new Error(`unbalanced JSON in the contract after offset ${from}`);
}
