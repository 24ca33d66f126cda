/** The Delivery Service: group logs, ordered delivery and fan-out, served over the Hub (handlers.ts). */
export { groups } from './handlers.js';
