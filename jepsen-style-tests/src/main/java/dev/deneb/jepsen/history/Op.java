package dev.deneb.jepsen.history;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One operation of a history, in the JSON shape of Jepsen and elle-cli ({@code type}, {@code f},
 * {@code process}, {@code value}, {@code time}, {@code index}) plus Deneb's fields.
 *
 * <p>All times in one run are nanoseconds of the same monotonic clock: {@link System#nanoTime} on
 * Linux reads {@code CLOCK_MONOTONIC}, which every process on the host shares, so the client
 * workers', the nemesis' and the controllers' stamps compare.
 *
 * @param type invoke, ok, fail or info
 * @param f what was done: {@code write}, {@code read}, or a nemesis action such as
 *     {@code start-partition} / {@code stop-partition} (see {@link FaultInterval})
 * @param process the client number, or the nemesis
 * @param value the written value (unique per write in Deneb's workloads) or the nemesis' target
 * @param time monotonic nanoseconds when the op was invoked or completed
 * @param index position in the history, from 0
 * @param node the database node the client sent the request to, or {@code null}
 * @param epoch the epoch the client believed current (best read in the write's own transaction, so
 *     it is the epoch the write landed in), or {@code null}
 * @param gtid the GTID of an acknowledged write in MariaDB form {@code domain-server-seq}
 *     ({@code 0-1-42}), or {@code null}
 * @param error why the op failed or is indeterminate, or {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"index", "time", "type", "process", "f", "value", "node", "epoch", "gtid", "error"})
public record Op(OpType type, String f, ProcessId process, String value, long time, long index,
    String node, Long epoch, String gtid, String error) {

  private static final Pattern MARIADB_GTID = Pattern.compile("\\d+-\\d+-\\d+");

  public Op {
    Objects.requireNonNull(type, () -> "op " + index + " has no type: expected invoke, ok, fail or info");
    Objects.requireNonNull(f, () -> "op " + index + " has no f: name what it does, e.g. \"write\"");
    Objects.requireNonNull(process, () -> "op " + index + " has no process: a client number or \"nemesis\"");
    if (time < 0) throw new IllegalArgumentException("op " + index + " has negative time " + time + " ns");
    if (index < 0) throw new IllegalArgumentException("op index must be >= 0, got " + index);
    if (gtid != null && !MARIADB_GTID.matcher(gtid).matches()) {
      throw new IllegalArgumentException("op " + index + " has gtid '" + gtid
          + "': expected MariaDB form domain-server-seq such as 0-1-42");
    }
  }

  /** An invocation with no Deneb fields. */
  public static Op invoke(long index, long time, ProcessId process, String f, String value) {
    return new Op(OpType.INVOKE, f, process, value, time, index, null, null, null, null);
  }

  /** A completion of {@code this} invocation: same process, f, value, node and epoch. */
  public Op completion(OpType completion, long index, long time, String gtid, String error) {
    if (!completion.isCompletion()) throw new IllegalArgumentException("a completion is ok, fail or info, not invoke");
    return new Op(completion, f, process, value, time, index, node, epoch, gtid, error);
  }

  /** A copy naming the node written to and the epoch the client believed. */
  public Op at(String node, Long epoch) {
    return new Op(type, f, process, value, time, index, node, epoch, gtid, error);
  }

  /** True for an op of a client, false for the nemesis'. */
  @JsonIgnore
  public boolean isClient() {
    return process instanceof ProcessId.Client;
  }

  /** A short description for violation messages: {@code ok write "v7" by 3 on db2 in epoch 2 at 1.250s}. */
  public String describe() {
    StringBuilder s = new StringBuilder().append(type.json()).append(' ').append(f);
    if (value != null) s.append(" \"").append(value).append('"');
    s.append(" by ").append(process);
    if (node != null) s.append(" on ").append(node);
    if (epoch != null) s.append(" in epoch ").append(epoch);
    if (gtid != null) s.append(" gtid ").append(gtid);
    return s.append(" (op ").append(index).append(", t=").append(seconds(time)).append(')').toString();
  }

  /** Nanoseconds as seconds with millisecond precision, for messages. */
  public static String seconds(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.3fs", nanos / 1e9);
  }
}
