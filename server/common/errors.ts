/**
 * The one error family of the servers: a stable code (the same string clients
 * see, e.g. `auth/expired`, `room/lost`) and a message written for a person.
 * Each edge (the API's error handler, the control endpoint) maps codes to statuses.
 */
export class CodedError<C extends string = string> extends Error {
  constructor(readonly code: C, message: string) {
    super(message);
    this.name = new.target.name;
  }
}
