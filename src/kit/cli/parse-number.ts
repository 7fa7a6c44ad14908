// Number arguments for the command-line tools, refused with the flag's name and what was expected.

import { InvalidArgumentError } from 'commander';

export function numberArgument(name: string, integer = false): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} is "${value}"; expected ${integer ? 'an integer' : 'a number'}`);
    }
    return n;
  };
}
