package dev.deneb.jepsen;

import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Op;
import dev.deneb.jepsen.history.ProcessId;
import dev.deneb.jepsen.history.Recorder;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;

/**
 * Writes a hand-made history in time order: set the clock with {@link #at}, then record what
 * happened at that moment. Errors go through the same {@link Recorder} rule as real workers.
 */
public final class Script {
  private long now;
  private final Recorder recorder = new Recorder(() -> now);

  public Script at(double seconds) {
    now = Math.round(seconds * 1e9);
    return this;
  }

  public static long nanos(double seconds) {
    return Math.round(seconds * 1e9);
  }

  public Op invoke(int process, String value, String node, long epoch) {
    return recorder.invoke(ProcessId.client(process), "write", value, node, epoch);
  }

  public Op ok(Op invoke, String gtid) {
    return recorder.ok(invoke, gtid);
  }

  /** The server refused it: MariaDB's read-only error 1290. */
  public Op fail(Op invoke) {
    return recorder.error(invoke, new SQLException("The MariaDB server is running with the --read-only option",
        "HY000", 1290), true);
  }

  /** The connection broke after the request was sent. */
  public Op info(Op invoke) {
    return recorder.error(invoke, new SQLNonTransientConnectionException("Connection reset", "08000"), true);
  }

  /** An acknowledged write at {@code seconds}, 10 ms long; leaves the clock at its completion. */
  public Op write(double seconds, int process, String value, String node, long epoch, String gtid) {
    Op invoke = at(seconds).invoke(process, value, node, epoch);
    return at(seconds + 0.010).ok(invoke, gtid);
  }

  /** A nemesis start-x op at {@code seconds}, done 1 ms later. */
  public Script startFault(double seconds, String fault, String target) {
    Op invoke = at(seconds).recorder.invoke(ProcessId.NEMESIS, "start-" + fault, target, null, null);
    at(seconds + 0.001).recorder.nemesisDone(invoke, "started");
    return this;
  }

  /** A nemesis stop-x op at {@code seconds}, done 1 ms later. */
  public Script stopFault(double seconds, String fault, String target) {
    Op invoke = at(seconds).recorder.invoke(ProcessId.NEMESIS, "stop-" + fault, target, null, null);
    at(seconds + 0.001).recorder.nemesisDone(invoke, "healed");
    return this;
  }

  public History history() {
    return recorder.history();
  }
}
