/**
 * A port the lab cannot listen on (taken, needs root, an address this machine does not have):
 * what went wrong and what to do, in en (the message) and zh-CN, for the person starting it.
 */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly zh: string,
  ) {
    super(message);
  }
}

/**
 * Why `what` (a service's name: smtp, imap, http, DNS) could not listen on host:port.
 * `flags`: those that move it to other ports; `holder`: who may have the port already.
 */
export function listenError(what: string, host: string, port: number, err: NodeJS.ErrnoException, flags: string[], holder = { en: 'another lab', zh: '另一个实验室' }): ListenError {
  const where = `${host}:${port}`;
  const [otherPorts, otherPortsZh] = [flags.join(' or '), flags.join(' 或 ')];
  const [en, zh] =
    err.code === 'EADDRINUSE'
      ? [`port ${port} is already in use (is ${holder.en} running?). Stop it, or choose other ports with ${otherPorts}`, `端口 ${port} 已被占用（是不是${holder.zh}正在运行？）。请先停止它，或用 ${otherPortsZh} 换用其他端口`]
      : err.code === 'EACCES'
        ? [`no permission to listen on port ${port} (ports below 1024 need root). Use --port-offset 2000`, `没有权限监听端口 ${port}（1024 以下的端口需要 root 权限）。请使用 --port-offset 2000`]
        : err.code === 'EADDRNOTAVAIL'
          ? [`${host} is not an address of this machine. Use --host 127.0.0.1, or one of this machine's own addresses`, `${host} 不是本机的地址。请使用 --host 127.0.0.1，或本机自己的某个地址`]
          : [err.message, err.message];
  return new ListenError(`Cannot start ${what} on ${where}: ${en}`, `无法在 ${where} 上启动 ${what}：${zh}`);
}
