// What to check first, one sentence per alarm code: the operator at 03:00 reads it beside the
// alarm's own sentence (which says what happened). The kit writes those of its own alarms; a
// manager writes its hardware's (AlarmSources.guidance); the lab's config overrides any of them
// (`alarms.guidance.<CODE>`), since the lab knows its own rack, cables and phone numbers best.

/** The kit's own alarms: supervision, storage, time keeping, the alarm store and the notifications. */
export const KIT_GUIDANCE: Readonly<Record<string, string>> = {
  DEVICE_FAULT:
    'The server restarts the actor by itself; if it keeps failing, check that the instrument is powered and on its cable, then read the log lines of this source for the instrument\'s last answer.',
  OUT_OF_SERVICE:
    'The instrument failed too often to be restarted automatically: fix the instrument or its cable first, then reset the actor from the state-chart page (/debug) or restart the server.',
  STORAGE_FAULT:
    'Free space on the data directory\'s disk (df -h) or make it writable again; nothing is lost while the backlog lasts, and the alarm clears by itself once writes work.',
  TIME_SCALE_TOO_HIGH:
    'This machine cannot keep up with the simulated time scale: lower it on the training page, or stop other work on the machine.',
  ALARM_STORE_CORRUPT:
    'The alarms listed before the restart could not be read; the damaged file was moved aside (see the message): look at the activity log for what was raised before, then acknowledge this alarm.',
  ALARM_STORE_MISSING:
    'The alarms listed before the restart are not known (the store file was removed, or the data directory changed): look at the activity log for what was raised before, then acknowledge this alarm.',
  NOTIFY_FAILING:
    'A notification receiver (webhook or mail server) does not accept messages: check its address in alarms.notify and that the service is up; undelivered notifications are kept and sent when it answers.',
  NOTIFY_OUTBOX_UNREADABLE:
    'The notifications waiting before the restart could not be read (the file was moved aside, see the message): look at the alarm list here for what was raised, and tell the shift by hand if needed.',
  NOTIFY_QUEUE_FULL:
    'Notifications were dropped because a receiver stayed down too long: look at the alarm list here, fix the receiver named in alarms.notify, then acknowledge this alarm.',
};

export interface GuidanceSources {
  /** The lab's sentences from the config, by code. */
  overrides: Readonly<Record<string, string>>;
  /** The manager's sentence for an alarm of its hardware, or undefined. */
  manager?: (code: string, source: string) => string | undefined;
}

/** The sentence for an alarm: the lab's, else the manager's, else the kit's, else a plain pointer to the message and log. */
export function guidanceFor(code: string, source: string, sources: GuidanceSources): string {
  return (
    (Object.hasOwn(sources.overrides, code) ? sources.overrides[code] : undefined) ??
    sources.manager?.(code, source) ??
    (Object.hasOwn(KIT_GUIDANCE, code) ? KIT_GUIDANCE[code] : undefined) ??
    `No guidance is written for ${code}: read the alarm's message and the log lines of ${source}, and add a sentence under alarms.guidance.${code} in the config.`
  );
}
