/** passive-client-welcome.json: a passive client joins by Welcome and follows the group (see passiveClient.ts). */
import { describePassiveClientVectors } from './passiveClient.js';

describePassiveClientVectors('passive-client-welcome');
