/**
 * Opening a listening port, with an error that says what to do when the port is taken or
 * needs root.
 */
import type { Server } from 'node:net';

export class ListenError extends Error {}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const hint =
        err.code === 'EADDRINUSE'
          ? `port ${port} is already in use (is another lab running?). Stop it, or choose other ports with --port-offset or --http-port`
          : err.code === 'EACCES'
            ? `no permission to listen on port ${port} (ports below 1024 need root). Use --port-offset 2000`
            : err.message;
      reject(new ListenError(`Cannot start ${what} on ${host}:${port}: ${hint}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
