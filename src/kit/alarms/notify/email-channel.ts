// E-mail through an SMTP server with nodemailer, one message per notification. The message is
// accepted when the server answers 250 to its data (sendMail resolves then). Its Message-ID is made
// from the notification's id, so a resend after a crash is the same message to a mail system that
// drops duplicates. nodemailer (about 40 modules, 5-10 MB of an idle server's memory) is loaded
// only where an e-mail channel is configured, as the channel is made at start: never in a server
// that sends no mail, and never in the middle of a notification.

import type { Transporter } from 'nodemailer';
import type { EmailConfig } from '../../config/kit-config.js';
import type { Logger } from '../../log/logger.js';
import type { Channel } from './channel.js';
import { mailSubject, mailText } from './notification-text.js';
import type { Notification } from './notification.js';
import { redactUrl } from './redact-url.js';

/** The domain of `from` ("HV rack <hv@lab.example>" gives lab.example), for the Message-ID. */
function domainOf(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return match?.[1] ?? 'hv-server.invalid';
}

export function emailChannel(name: string, email: EmailConfig, timeoutMs: number, log: Pick<Logger, 'warn'>): Channel {
  // Real-time limits on each step of the SMTP conversation: the server is another machine, which
  // answers as fast as it does whatever the clock's time scale (nodemailer's own timers).
  const loading = import('nodemailer').then(({ default: nodemailer }) =>
    nodemailer.createTransport({ url: email.server, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs }),
  );
  // Not sent yet: the first send reports it, not an unhandled rejection at start.
  loading.catch(() => {});
  let transport: Transporter | null = null;
  void loading.then((made) => (transport = made));
  const domain = domainOf(email.from);
  return {
    name,
    kind: 'email',
    target: `${redactUrl(email.server)} to ${email.to.join(', ')}`,
    async send(notification: Notification, signal: AbortSignal): Promise<void> {
      const info = await (transport ?? (await loading)).sendMail({
        from: email.from,
        to: email.to,
        subject: mailSubject(notification),
        text: mailText(notification),
        messageId: `<${notification.id}@${domain}>`,
        signal,
      });
      // Accepted for some recipients: sent, since sending again would reach the others twice.
      if (info.rejected && info.rejected.length > 0) {
        log.warn({ channel: name, rejected: info.rejected }, `notification ${notification.id} was refused for ${info.rejected.join(', ')} by ${redactUrl(email.server)}`);
      }
    },
    // A transport still loading is closed once it is made; it has no connection before a send.
    close: () => {
      if (transport) transport.close();
      else void loading.then((made) => made.close(), () => {});
    },
  };
}
