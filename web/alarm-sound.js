// The alarm's sound: a short two-tone beep (Web Audio oscillators, no sound file) every few seconds
// while an unacknowledged MAJOR or INVALID alarm is listed and not shelved, until someone
// acknowledges it. Browsers keep a page silent until it has been clicked, so the AudioContext is
// made on the first click (or key) and the page says so until then. The mute is remembered on this
// machine. Its state is on the toggle for the tests: data-muted, data-audio (none until the first
// click, then the context's state), data-alerting (an alarm wants the sound) and data-beeps (beeps
// started so far).

const KEY = 'hv-alarm-sound';
/** Real seconds, whatever the simulated clock's scale: the beep is for a person in the room. */
const REPEAT_MS = 4000;

export function createAlarmSound({ toggle, note }) {
  let muted = localStorage.getItem(KEY) === 'muted';
  /** Made on the first click or key: before one, a browser would keep it suspended anyway. */
  let context = null;
  let alerting = false;
  let beeps = 0;
  let timer = 0;

  const show = () => {
    const set = (name, value) => {
      if (toggle.dataset[name] !== value) toggle.dataset[name] = value;
    };
    set('muted', String(muted));
    set('audio', context ? context.state : 'none');
    set('alerting', String(alerting));
    set('beeps', String(beeps));
    const label = muted ? 'Alarm sound: off' : 'Alarm sound: on';
    if (toggle.textContent !== label) toggle.textContent = label;
    const aria = `${label}; ${muted ? 'turn it on' : 'mute it'}`;
    if (toggle.getAttribute('aria-label') !== aria) toggle.setAttribute('aria-label', aria);
    // Nothing to enable while muted: unmuting is a click, and that click enables it. Hidden, the
    // note keeps its place: the click that enables the sound must not move what is under the pointer.
    const needed = String(!muted && context?.state !== 'running');
    if (note.dataset.needed === needed) return;
    note.dataset.needed = needed;
    note.setAttribute('aria-hidden', String(needed === 'false'));
  };

  const beep = () => {
    if (!context || context.state !== 'running') return;
    const t = context.currentTime;
    const tone = context.createOscillator();
    const level = context.createGain();
    tone.type = 'triangle';
    tone.frequency.setValueAtTime(880, t);
    tone.frequency.setValueAtTime(660, t + 0.2);
    // A quick rise and fall: a bare start and stop click.
    level.gain.setValueAtTime(0.0001, t);
    level.gain.exponentialRampToValueAtTime(0.35, t + 0.02);
    level.gain.setValueAtTime(0.35, t + 0.36);
    level.gain.exponentialRampToValueAtTime(0.0001, t + 0.42);
    tone.connect(level).connect(context.destination);
    tone.start(t);
    tone.stop(t + 0.45);
    beeps++;
    show();
  };

  /** Beeping while an alarm wants it, the sound is on and the browser lets it play; silent otherwise. */
  const schedule = () => {
    const on = alerting && !muted && context?.state === 'running';
    if (on && !timer) {
      beep();
      timer = setInterval(beep, REPEAT_MS);
    } else if (!on && timer) {
      clearInterval(timer);
      timer = 0;
    }
  };

  const enable = () => {
    if (!context) {
      const Context = window.AudioContext ?? window.webkitAudioContext;
      if (!Context) return;
      context = new Context();
      context.addEventListener('statechange', () => {
        show();
        schedule();
      });
    }
    // Suspended again (the system's audio went away and came back): a click resumes it.
    if (context.state === 'suspended') context.resume().catch(() => {});
    show();
    schedule();
  };
  // Capture: a click anywhere counts, even on a control that stops the event.
  document.addEventListener('pointerdown', enable, { capture: true });
  document.addEventListener('keydown', enable, { capture: true });

  toggle.addEventListener('click', () => {
    muted = !muted;
    if (muted) localStorage.setItem(KEY, 'muted');
    else localStorage.removeItem(KEY);
    show();
    schedule();
  });
  show();

  return {
    /** Whether an alarm wants the sound now (book.wantsSound()). */
    setAlerting(wanted) {
      alerting = Boolean(wanted);
      show();
      schedule();
    },
  };
}
