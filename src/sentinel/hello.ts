/**
 * The hello message sentinels publish every 2 s on `__sentinel__:hello` of
 * every master and replica they watch (and send to each other), with
 * redis-sentinel's eight comma-separated fields, in this order:
 *
 *   ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch
 *
 * ip/port are where the sender can be reached (announce-ip/announce-port, or
 * the local address of the connection it published on and its listening
 * port); the master fields are the sender's current view of that master.
 */
export interface Hello {
  ip: string;
  port: number;
  runid: string;
  currentEpoch: number;
  masterName: string;
  masterIp: string;
  masterPort: number;
  masterConfigEpoch: number;
}

export function formatHello(h: Hello): string {
  return [
    h.ip,
    h.port,
    h.runid,
    h.currentEpoch,
    h.masterName,
    h.masterIp,
    h.masterPort,
    h.masterConfigEpoch,
  ].join(',');
}

/** Parses a hello; null when it does not have exactly eight fields. */
export function parseHello(payload: string): Hello | null {
  const t = payload.split(',');
  if (t.length !== 8) return null;
  const port = Number(t[1]);
  const masterPort = Number(t[6]);
  const currentEpoch = Number(t[3]);
  const masterConfigEpoch = Number(t[7]);
  if (![port, masterPort, currentEpoch, masterConfigEpoch].every(Number.isFinite)) return null;
  return {
    ip: t[0]!,
    port,
    runid: t[2]!,
    currentEpoch,
    masterName: t[4]!,
    masterIp: t[5]!,
    masterPort,
    masterConfigEpoch,
  };
}
