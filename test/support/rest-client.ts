export interface RestResult {
  status: number;
  body: any;
}

/** A REST call as a client makes it: JSON in and out, the key in x-api-key. */
export async function rest(
  baseUrl: string,
  method: string,
  path: string,
  options: { apiKey?: string; json?: unknown; rawBody?: string; contentType?: string } = {},
): Promise<RestResult> {
  const headers: Record<string, string> = {};
  if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
  let body: string | undefined = options.rawBody;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
