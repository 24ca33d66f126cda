/** Node-only entry point of @parley/core: the native crypto provider and native scrypt. */
export { nodeAttachmentPrimitives } from './attachmentPrimitives.js';
export { nativeCryptoProvider } from './nativeProvider.js';
export { nodeScrypt } from './scrypt.js';
export { nativeCiphersuite } from './suite.js';
