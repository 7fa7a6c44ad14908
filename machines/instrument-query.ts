// A long-lived actor for one kind of question to an instrument (a voltmeter's reading, an output's
// state), in place of a promise actor started per question: ASK starts one, abandoning any still in
// progress; DROP abandons the one in progress. The answer comes back to the parent as the event
// `answered(output)`, a failure as `failed(error)`; an abandoned question is aborted (its signal)
// and never answered, as a stopped promise actor's was. Started once with its parent, it saves an
// actor, its abort controller and two of XState's events per question.

import { fromCallback, type EventObject } from 'xstate';

export type QueryRequest = { type: 'ASK' } | { type: 'DROP' };

export function instrumentQuery<TInput, TOutput, TAnswer extends EventObject, TFailure extends EventObject>(
  ask: (input: TInput, signal: AbortSignal) => Promise<TOutput>,
  answered: (output: TOutput) => TAnswer,
  failed: (error: unknown) => TFailure,
) {
  return fromCallback<QueryRequest, TInput, TAnswer | TFailure>(({ input, sendBack, receive }) => {
    // One controller serves question after question until one is abandoned (a question's waits remove their listeners).
    let controller = new AbortController();
    /** The question in progress: only its outcome is passed on. */
    let inProgress: Promise<TOutput> | null = null;
    const abandon = () => {
      if (!inProgress) return;
      inProgress = null;
      controller.abort(new Error('question abandoned'));
      controller = new AbortController();
    };
    receive((event) => {
      abandon();
      if (event.type !== 'ASK') return;
      let question: Promise<TOutput>;
      try {
        question = ask(input, controller.signal);
      } catch (error) {
        question = Promise.reject(error);
      }
      inProgress = question;
      question.then(
        (output) => {
          if (inProgress !== question) return;
          inProgress = null;
          sendBack(answered(output));
        },
        (error: unknown) => {
          if (inProgress !== question) return;
          inProgress = null;
          sendBack(failed(error));
        },
      );
    });
    return abandon;
  });
}
