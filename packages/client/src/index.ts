/** @parley/client — the SDK the terminal client and the web app share. Isomorphic. */
export * from './api.js';
export * from './client.js';
export * from './devices.js';
export * from './errorText.js';
export * from './store.js';
export * from './transport.js';
