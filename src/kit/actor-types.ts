// Values every manager's actors and the kit's connectors exchange. Pure data: no I/O lives here.

/** Which client sent a command: the connector's id and the client's nanoid. */
export interface Origin {
  connector: string;
  client: string;
  /** The audit-trail entry of the command this origin came with, so its answer completes the entry. */
  audit?: number;
}

/** An answer or error reply for one client; the supervisor's provider routes it to `origin`. */
export interface Reply {
  origin: Origin;
  message: Record<string, unknown>;
}

/** What a child actor reports when it ends in its `error` state. */
export interface Fault {
  fault: string;
}

/** The message of whatever an actor rejected with. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
