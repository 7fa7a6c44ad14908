// What to check first for the counting modules' alarms: the detector's own words for the kit's
// alarm list and notifications.

const GUIDANCE: Readonly<Record<string, string>> = {
  RATE_HIGH:
    'The module counts faster than it can handle: check the detector\'s bias and the discriminator threshold, and whether the source shutter is open; counts above the limit are not trustworthy.',
  DEVICE_FAULT:
    'The counting module stopped answering: check its crate power and its readout cable; the server restarts it by itself.',
};

export function detectorGuidance(code: string): string | undefined {
  return Object.hasOwn(GUIDANCE, code) ? GUIDANCE[code] : undefined;
}
