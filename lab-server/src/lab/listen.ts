/**
 * Opening a listening port, with an error that says what to do when the port is taken or
 * needs root.
 */
import type { Server } from 'node:net';
import { listenError } from '../net/listenError.js';

export { ListenError } from '../net/listenError.js';

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(listenError(what, host, port, err, ['--port-offset', '--http-port']));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
