/**
 * Bytes that come back from a worker thread (or go to one) arrive as a plain Uint8Array: the
 * Buffer methods the parsers and signers use need a Buffer view of the same memory, not a copy.
 */
export const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
