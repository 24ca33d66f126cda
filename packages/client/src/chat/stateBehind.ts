import { GroupError } from '@parley/core';

/**
 * The signal that processing found this device's group state behind the log (a commit it never
 * saw): code `wrong_epoch`, caught by inbound processing, which rejoins the group.
 */
export class StateBehind extends GroupError {
  constructor(readonly missed: number) {
    super('wrong_epoch', 'group state is behind the log');
  }
}
