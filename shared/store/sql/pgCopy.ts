import type pg from "pg";

/** What pg hands a submitted query: the connection's COPY messages. */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * One COPY ... FROM STDIN with all its data at once, as a query pg's client runs in its queue:
 * the server parses plain text rows, with no JSON record set to unpack and no rows to send back.
 */
class CopyIn {
  constructor(
    private readonly text: string,
    private readonly data: Buffer,
    private readonly done: (err?: Error) => void,
  ) {}

  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    this.done();
  }

  // After an error pg clears its active query, so ready-for-query never reaches this one.
  handleError(err: Error): void {
    this.done(err);
  }

  // A COPY FROM answers with none of these; pg's client may still call them on a malformed reply.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** Runs `COPY <table> (<columns>) FROM STDIN` on one connection with `rows`, in COPY's text format. */
export function copyIn(client: pg.ClientBase, statement: string, rows: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.query(new CopyIn(statement, Buffer.from(rows, "utf8"), (err) => (err ? reject(err) : resolve())) as unknown as pg.Submittable);
  });
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** A value as a field of COPY's text format: null as \N, and backslash, tab and line ends escaped. */
export function copyField(value: string | number | null): string {
  if (value === null) return "\\N";
  const s = String(value);
  return SPECIAL.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string) : s;
}
