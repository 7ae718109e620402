package dev.deneb.agent.failsafe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * What a node's promises must survive across an agent restart (docs/lease.md "Failsafe"), in the
 * agent's state directory, written atomically (temp file, fsync, rename):
 * <ul>
 *   <li>the epochs it sealed — once it reported itself released for an epoch, a restarted agent must
 *       not promise for that epoch again, or the controllers would act on a release that no longer
 *       holds;
 *   <li>until when (wall clock) it may have promised — so a restart binds the new run for a whole
 *       promise only when the previous run promised recently, not after every restart.
 * </ul>
 */
public final class FailsafeStore {
  /** A promise note older than this (wall clock) no longer binds a restart; generous for clock steps. */
  private static final long RECENT_MILLIS = 60_000;

  private final Path file;
  private long sealedThrough;
  private long promisedUntilWallMillis;
  private long promisedForNanos;

  public FailsafeStore(Path stateDir) throws IOException {
    Files.createDirectories(stateDir);
    this.file = stateDir.resolve("failsafe");
    if (Files.exists(file)) read();
  }

  public long sealedThrough() {
    return sealedThrough;
  }

  /**
   * How long a new run must stay read-only from its start, at wall time {@code wallMillis}: a whole
   * longest promise the previous run gave, when it promised within the last minute; else 0.
   */
  public long startBindingNanos(long wallMillis, double drift) {
    boolean recent = promisedUntilWallMillis > 0 && promisedUntilWallMillis > wallMillis - RECENT_MILLIS;
    return recent ? (long) Math.ceil(promisedForNanos * (1 + drift)) : 0;
  }

  /** Records the sealed epochs before anything is reported from them; no write when nothing changed. */
  public void sealed(long epoch) throws IOException {
    if (epoch <= sealedThrough) return;
    sealedThrough = epoch;
    write();
  }

  /**
   * Records, before a promise is answered, that this node promises until about {@code untilWallMillis};
   * written ahead (twice the span) so a run of promises costs one write per span, not one each.
   */
  public void promising(long nowWallMillis, long untilWallMillis, long durationNanos) throws IOException {
    if (untilWallMillis <= promisedUntilWallMillis && durationNanos <= promisedForNanos) return;
    promisedUntilWallMillis = Math.max(promisedUntilWallMillis, untilWallMillis + (untilWallMillis - nowWallMillis));
    promisedForNanos = Math.max(promisedForNanos, durationNanos);
    write();
  }

  private void read() throws IOException {
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] kv = line.strip().split("\\s+");
      if (kv.length != 2) continue;
      try {
        switch (kv[0]) {
          case "sealed" -> sealedThrough = Long.parseLong(kv[1]);
          case "promised-until-ms" -> promisedUntilWallMillis = Long.parseLong(kv[1]);
          case "promised-for-ns" -> promisedForNanos = Long.parseLong(kv[1]);
          default -> throw new IOException(file + ": unknown line '" + line + "'");
        }
      } catch (NumberFormatException e) {
        throw new IOException(file + ": '" + line + "' is not a number; remove the file only if this node gave no "
            + "failsafe promise in the last minute");
      }
    }
  }

  private void write() throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    String text = "sealed " + sealedThrough + "\npromised-until-ms " + promisedUntilWallMillis + "\npromised-for-ns "
        + promisedForNanos + "\n";
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
