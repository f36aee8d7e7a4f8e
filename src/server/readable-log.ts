/**
 * The log as lines for a person, for a terminal: `12:04:05.123 INFO  request GET /api/audience
 * status=200 ms=3.1`. Elsewhere (a file, a pipe, a log collector) the service writes pino's JSON,
 * one object a line, which is what machines read.
 */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
// Pino's own fields, shown in the line's head or not at all.
const HEAD = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId']);

export function readableLogStream(out: { write(text: string): unknown }): {
  write(line: string): void;
} {
  return {
    write(line: string): void {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const time = new Date(Number(entry.time)).toISOString().slice(11, 23);
      const level = LEVELS[Number(entry.level)] ?? String(entry.level);
      // An error's stack goes below the line, as a person reads it.
      const { err } = entry as { err?: { stack?: string } };
      const stack = typeof err?.stack === 'string' ? `\n${err.stack}` : '';
      const fields = Object.entries(entry)
        .filter(([key]) => !HEAD.has(key) && !(key === 'err' && stack))
        .map(
          ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
        );
      out.write(
        `${time} ${level} ${String(entry.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}\n`,
      );
    },
  };
}
