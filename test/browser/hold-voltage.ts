// A block set to a voltage with a check, as Online sets it, and holding it before a test trips its
// supply. The check's answer is not yet that point: the first reading the block counts as settled
// after a new setpoint also fixes where it expects the readings to be (their offset from the
// output), and until then it takes a reading up to the model tolerance (2 V) away as plausible and
// holds on it. A trip that begins at the very end of that reading's integration makes it about 1 V
// low; holding would then move the demand 1 V, stops at its limit and raises HOLD_LIMIT, which only a
// command clears (2 runs in about 320 of alarm-console's first test did). Waiting for three readings
// after the answer passes that reading: the transient of the check's last correction keeps the first
// one unsettled, the second is the settled one.
import { checkCommand, HvConnection } from '../../src/hv/client/hv-connection.js';

/** Readings of the block published after the check's answer before the block counts as holding. */
const READINGS_TO_HOLD = 3;

/** Sets `block` to `volts` (± `maxError`) with a check over Online's TCP port and returns once the block holds it. */
export async function holdVoltage(tcpPort: number, block: number, volts: number, maxError: number, timeoutS: number): Promise<void> {
  const online = await HvConnection.open('127.0.0.1', tcpPort);
  try {
    const answer = online.answer(60_000);
    online.send(checkCommand(block, volts, maxError, timeoutS));
    const reply = await answer;
    if (reply.status !== 'ok') throw new Error(`the check to ${volts} V on block ${block} answered ${JSON.stringify(reply)}; expected status ok`);
    for (let i = 0; i < READINGS_TO_HOLD; i++) await online.next((m) => m.answer_type === 'get_voltage' && m.block === block, 60_000);
  } finally {
    await online.close();
  }
}
