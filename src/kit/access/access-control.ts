// Where the access rules meet the connectors and the HTTP routes: a client's grant kept from
// connect to close, every command passed to the supervisor only with control (and recorded in the
// audit trail), every refusal answered, logged once and recorded.

import type { IncomingMessage } from 'node:http';
import type { Origin } from '../actor-types.js';
import type { AcceptedCommand } from '../manager-command.js';
import { errorReply } from '../protocol/error-reply.js';
import type { ClientHub } from '../connectors/client-hub.js';
import type { AccessPolicy, Grant, Refusal, WebVerdict } from './access-policy.js';
import type { AuditTrail } from './audit-trail.js';

/** What the access rules need of a connected client. */
export interface AccessClient {
  readonly id: string;
  readonly connector: string;
  /** Null when its address may not connect at all. */
  readonly grant: Grant | null;
  /** The address it connected from (for a client refused before it had a grant). */
  readonly remote: string;
}

/**
 * The error code of a command refused for lack of control: 9, INCORRECT_MESSAGE_PARAMS. Online
 * stops its scenario on it and does not send the command again, which is right: sending it again
 * from the same address cannot succeed. Not 8 (Online would re-send it every 5 s forever), not 6
 * (Online resumes a paused run by itself after a 6, as if an instrument had recovered), and not 1
 * (this server's "the server failed on this message", which reads as a bug to report).
 */
export const NO_CONTROL_CODE = 'INCORRECT_MESSAGE_PARAMS';

export class AccessControl {
  private readonly grants = new Map<string, Grant>();

  constructor(
    readonly policy: AccessPolicy,
    readonly audit: AuditTrail,
    private readonly hub: ClientHub,
  ) {}

  /** A client its connector accepted: true if it may stay; if not, the refusal is recorded (once per address). */
  join(client: AccessClient): boolean {
    if (client.grant) {
      this.grants.set(client.id, client.grant);
      return true;
    }
    const address = client.remote.replace(/:\d+$/, '');
    this.audit.refused(`${client.connector}|connect|${address}`, { connector: client.connector, client: client.id, address, label: null, action: 'connection', command: null }, `address ${address} may not connect to this server: it is not in access.monitor`);
    return false;
  }

  leave(client: AccessClient): void {
    this.grants.delete(client.id);
    this.audit.closeFold(commandFold(client.id));
  }

  /** A websocket upgrade: the Origin (a browser page must be this server's) and the address rules. */
  upgrade(req: IncomingMessage, connector: string): WebVerdict {
    const verdict = this.policy.forRequest(req, true);
    if (!verdict.ok) this.refusedRequest(connector, verdict, 'websocket connection');
    return verdict;
  }

  /** Records a refused HTTP request or upgrade: one entry and one log line per address, page origin and reason. */
  refusedRequest(connector: string, refusal: Refusal, action: string): void {
    const key = `${connector}|${refusal.kind}|${refusal.address}|${refusal.origin ?? ''}|${action}`;
    const label = refusal.origin ? `page ${refusal.origin.slice(0, 100)}` : null;
    this.audit.refused(key, { connector, client: null, address: refusal.address, label, action, command: null }, refusal.reason);
  }

  /**
   * A valid command from a client: passed on with its audit entry when the client has control;
   * otherwise answered with error 9 and never executed (the client keeps receiving readings).
   */
  command(accepted: AcceptedCommand, origin: Origin, forward: (command: unknown, origin: Origin) => void): void {
    const grant = this.grants.get(origin.client);
    const record = {
      connector: origin.connector,
      client: origin.client,
      address: grant?.address ?? 'unknown',
      label: grant?.label ?? null,
      action: accepted.description,
      command: accepted.fields,
    };
    if (!grant?.control) {
      const reason = this.noControlReason(origin.connector, record.address);
      this.audit.refused(commandFold(origin.client), record, reason, 9);
      this.hub.deliver(origin, errorReply(NO_CONTROL_CODE, reason));
      return;
    }
    const entry = this.audit.accepted(record);
    forward(accepted.command, { ...origin, audit: entry.id });
  }

  private noControlReason(connector: string, address: string): string {
    const token = connector !== 'tcp' && this.policy.tokensConfigured ? ' and it presented no valid control token' : '';
    return `client ${address} may not change outputs: its address is not in access.control${token} (hv-server --allow-control); the command was not executed, and readings still come`;
  }
}

function commandFold(client: string): string {
  return `command|${client}`;
}
