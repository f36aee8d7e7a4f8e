import { randomUUID } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, open, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { type ImportFormat, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from '../contact/contact-import';

/** An upload past what one job takes: 413, and the job fails. */
export class UploadTooLargeError extends Error {
  readonly statusCode = 413;
  readonly code = 'IMPORT_TOO_LARGE';

  constructor(what: string) {
    super(`an import takes at most ${what}; nothing was imported`);
    this.name = 'UploadTooLargeError';
  }
}

/** An upload kept whole until its job runs: read it (once), then close it. */
export interface Upload {
  read(): Readable;
  close(): Promise<void>;
}

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * Receives an upload whole into a file that no one else can reach and that goes with the process
 * (it is unlinked at once), so that memory stays flat whatever its size, the client's upload is
 * never slowed by the import behind it, and a job that waits its turn holds no request open. It
 * counts the rows as they arrive (non-empty lines; CSV's quoted line breaks inside a field are
 * not rows) and refuses an upload past MAX_IMPORT_BYTES or MAX_IMPORT_ROWS as soon as it is.
 */
export async function receiveUpload(body: Readable, format: ImportFormat): Promise<Upload> {
  const file = path.join(os.tmpdir(), `audience-gateway-import-${randomUUID()}`);
  const handle = await open(file, 'w+', 0o600);
  await unlink(file);
  let bytes = 0;
  let rows = 0;
  let quoted = false;
  let blank = true;
  // A CSV file's header is a line, not a row.
  const most = MAX_IMPORT_ROWS + (format === 'csv' ? 1 : 0);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > MAX_IMPORT_BYTES) throw new UploadTooLargeError('1 GB');
      for (let index = 0; index < chunk.length; index += 1) {
        const byte = chunk[index]!;
        if (byte === QUOTE && format === 'csv') quoted = !quoted;
        if (byte === NEWLINE && !quoted) {
          if (!blank) rows += 1;
          blank = true;
        } else if (byte !== CARRIAGE_RETURN && byte !== SPACE && byte !== TAB) {
          blank = false;
        }
      }
      if (rows > most)
        throw new UploadTooLargeError(`${MAX_IMPORT_ROWS.toLocaleString('en')} rows`);
      let written = 0;
      while (written < chunk.length) {
        written += (await handle.write(chunk, written, chunk.length - written)).bytesWritten;
      }
    }
    if (!blank && rows + 1 > most) {
      throw new UploadTooLargeError(`${MAX_IMPORT_ROWS.toLocaleString('en')} rows`);
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  let closed = false;
  return {
    read: () => handle.createReadStream({ start: 0, autoClose: false, highWaterMark: 256 * 1024 }),
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** A file the CLI was given that cannot be read: the job fails, saying so. */
export class FileUnreadableError extends Error {
  constructor(file: string, cause: Error) {
    super(`cannot read ${file}: ${cause.message}`);
    this.name = 'FileUnreadableError';
  }
}

/** A file on this machine as an upload, read where it is (the CLI's import). */
export async function fileUpload(file: string): Promise<Upload> {
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    throw new FileUnreadableError(file, error as Error);
  }
  return { read: () => createReadStream(file), close: async () => undefined };
}
