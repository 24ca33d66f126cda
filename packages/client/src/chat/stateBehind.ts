/** The signal that processing found this device's group state behind the log (it must rejoin). */
export class StateBehind extends Error {
  constructor(readonly missed: number) {
    super('group state is behind the log');
  }
}
