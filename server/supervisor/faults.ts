import { CodedError } from '../../shared/errors';

/** A fault that cannot be injected as asked (the control endpoint answers 409 with its code). */
export class FaultError extends CodedError<'control/invalid' | 'control/unknown-target'> {}

export class UnknownTargetError extends FaultError {
  constructor(id: string, known: string[]) {
    super('control/unknown-target', `No process called "${id}". Known: ${known.join(', ')}.`);
  }
}
