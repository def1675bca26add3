/** A replica process that dies at start, saying why on stderr. */
process.on("message", () => {
  process.stderr.write("cannot reach the broker at amqp://nowhere\n");
  process.exit(3);
});
