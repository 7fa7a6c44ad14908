// What the kit's training page and `/api/training` need of a simulator, whatever it simulates:
// one JSON command in (a fault, a time scale, a reset, `{"cmd": "status"}`), one result out. The
// simulator itself lives above the kit (sim/); the composition root hands it over, and on real
// hardware there is none, so those routes do not exist.

export type ControlResult = { ok: true; [key: string]: unknown } | { ok: false; error: string };

export interface SimulatorBackDoor {
  /** Validates and applies one command; never throws on bad input (the result says why). */
  apply(input: unknown): ControlResult;
}

/** What each simulated instrument is, by its simulator name: "block 1 output (fluke-5502e)". */
export type InstrumentRoles = Record<string, string>;
