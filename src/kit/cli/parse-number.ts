// Number arguments for the command-line tools, refused with the flag's name and what was expected.

import { InvalidArgumentError } from 'commander';
import { numberFromText } from './number-text.js';

export function numberArgument(name: string, integer = false): (value: string) => number {
  return (value: string): number => {
    const n = numberFromText(value, integer);
    if (n === null) throw new InvalidArgumentError(`${name} is "${value}"; expected ${integer ? 'an integer' : 'a number'}`);
    return n;
  };
}
