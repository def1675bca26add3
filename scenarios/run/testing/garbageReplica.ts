/** A replica process that answers its start with what is not a replica message, then waits to be killed. */
process.on("message", () => {
  process.send?.({ type: "ready", pid: "not a number" });
});
setInterval(() => {}, 60_000);
