// Where the benchmark fleet (bench/fleet-server.ts) listens: host h (1-based) on its own loopback
// address, 127.0.H.x. All of 127.0.0.0/8 is loopback on Linux.
export function fleetHostAddress(h: number): string {
  return h === 1 ? '127.0.1.1' : `127.0.${Math.floor(h / 250) + 1}.${(h % 250) + 1}`;
}
