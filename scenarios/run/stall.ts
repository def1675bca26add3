/**
 * Fails the process when the run stalls. On the memory broker the clock is virtual, so nothing but
 * the run's own work keeps Node's event loop alive: a hub that leaves a delivery unsettled for good,
 * or awaits a promise that never resolves, empties the loop before the run ends, and Node would exit 0
 * with no verdict. That hub never finishes its work: exit 1, saying so. `beforeExit` comes only from
 * an emptied loop, never from a process.exit.
 */
export function failOnStall(running: () => string): void {
  process.once("beforeExit", () => {
    console.log(`${running()} FAIL stalled: the run had nothing left to wait for and never ended (work the hub never settled)`);
    process.exit(1);
  });
}
