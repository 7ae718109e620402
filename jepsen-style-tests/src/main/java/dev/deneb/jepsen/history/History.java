package dev.deneb.jepsen.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * An ordered list of operations, stored as JSON lines: one {@link Op} object per line, the format
 * elle-cli reads. Construction checks Jepsen's process rules, so a checker never sees a history a
 * worker recorded wrongly:
 *
 * <ul>
 *   <li>a process runs one op at a time: an invocation is followed by its completion before the
 *       same process invokes again, and the completion has the invocation's {@code f};
 *   <li>a client process whose op ended {@code info} is retired: it may still be executing, so its
 *       worker goes on under a new process number.
 * </ul>
 */
public final class History {

  /** The JSON mapping of ops; unknown fields (other Jepsen keys) are ignored. */
  static final ObjectMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private final List<Op> ops;
  private final List<OpPair> pairs;

  /**
   * @throws IllegalArgumentException naming the op when the ops break a process rule or their
   *     indices are not 0, 1, 2, ... in order
   */
  public History(List<Op> ops) {
    this.ops = List.copyOf(ops);
    this.pairs = pair(this.ops);
  }

  /** The ops, in order. */
  public List<Op> ops() {
    return ops;
  }

  /** Every invocation with its completion (or none when the history ended first), by invocation order. */
  public List<OpPair> pairs() {
    return pairs;
  }

  /** The client pairs whose {@code f} is {@code f}, e.g. {@code write}. */
  public List<OpPair> clientPairs(String f) {
    return pairs.stream().filter(p -> p.invoke().isClient() && p.invoke().f().equals(f)).toList();
  }

  /** Time of the first op, or 0 for an empty history. */
  public long startNanos() {
    return ops.isEmpty() ? 0 : ops.get(0).time();
  }

  /** Time of the last op, or 0 for an empty history. */
  public long endNanos() {
    return ops.stream().mapToLong(Op::time).max().orElse(0);
  }

  /** Fault spans from the nemesis' {@code start-x} / {@code stop-x} ops, by start time. */
  public List<FaultInterval> faults() {
    List<FaultInterval> faults = new ArrayList<>();
    Map<String, OpPair> open = new HashMap<>();
    for (OpPair p : pairs) {
      if (p.invoke().isClient()) continue;
      String f = p.invoke().f();
      if (f.startsWith("start-")) {
        open.putIfAbsent(f.substring(6), p);
      } else if (f.startsWith("stop-")) {
        OpPair start = open.remove(f.substring(5));
        if (start != null) {
          faults.add(new FaultInterval(f.substring(5), start.invoke().value(), start.invoke().time(), p.last().time()));
        }
      }
    }
    open.forEach((fault, start) -> faults.add(new FaultInterval(fault, start.invoke().value(), start.invoke().time(), null)));
    faults.sort(Comparator.comparingLong(FaultInterval::startNanos));
    return faults;
  }

  /** When the last heal completed, or empty when no fault was ever healed. */
  public OptionalLong lastHealNanos() {
    return faults().stream().filter(f -> f.endNanos() != null).mapToLong(FaultInterval::endNanos).max();
  }

  /** Writes one JSON object per line. */
  public void write(Path file) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      writeTo(w);
    }
  }

  /** Writes one JSON object per line to {@code out}, without closing it. */
  public void writeTo(Writer out) throws IOException {
    for (Op op : ops) {
      out.write(JSON.writeValueAsString(op));
      out.write('\n');
    }
    out.flush();
  }

  /** Reads a history written by {@link #write} (blank lines are skipped). */
  public static History read(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return readFrom(r, file.toString());
    }
  }

  /**
   * Reads JSON lines.
   *
   * @param source named in errors, e.g. the file name
   * @throws IOException naming the line when a line is not an op
   */
  public static History readFrom(Reader in, String source) throws IOException {
    BufferedReader lines = new BufferedReader(in);
    List<Op> ops = new ArrayList<>();
    int number = 0;
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      number++;
      if (line.isBlank()) continue;
      try {
        ops.add(JSON.readValue(line, Op.class));
      } catch (JsonProcessingException | IllegalArgumentException e) {
        throw new IOException(source + " line " + number + " is not a history op ("
            + e.getMessage().lines().findFirst().orElse("") + "); each line must be one JSON object "
            + "with type, f, process, time and index", e);
      }
    }
    try {
      return new History(ops);
    } catch (IllegalArgumentException e) {
      throw new IOException(source + ": " + e.getMessage(), e);
    }
  }

  /** The history as JSON lines. */
  public String toJsonLines() {
    try (java.io.StringWriter w = new java.io.StringWriter()) {
      writeTo(w);
      return w.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<OpPair> pair(List<Op> ops) {
    List<OpPair> pairs = new ArrayList<>();
    Map<ProcessId, Op> open = new HashMap<>();
    Set<ProcessId> retired = new HashSet<>();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (op.index() != i) {
        throw new IllegalArgumentException("op at position " + i + " has index " + op.index()
            + ": indices must be 0, 1, 2, ... in history order");
      }
      if (op.type() == OpType.INVOKE) {
        Op pending = open.putIfAbsent(op.process(), op);
        if (pending != null) {
          throw new IllegalArgumentException("process " + op.process() + " invoked op " + op.index()
              + " while its op " + pending.index() + " was still open: a process runs one op at a time");
        }
        if (retired.contains(op.process())) {
          throw new IllegalArgumentException("process " + op.process() + " invoked op " + op.index()
              + " after an info completion retired it: an indeterminate op may still be running, "
              + "so the worker must continue under a new process number");
        }
        continue;
      }
      Op invoke = open.remove(op.process());
      if (invoke == null || !invoke.f().equals(op.f())) {
        throw new IllegalArgumentException("op " + op.index() + " completes " + op.f() + " for process "
            + op.process() + (invoke == null ? ", which has no open invocation"
                : ", whose open invocation (op " + invoke.index() + ") is " + invoke.f()));
      }
      if (op.type() == OpType.INFO && op.isClient()) retired.add(op.process());
      pairs.add(new OpPair(invoke, op));
    }
    open.values().forEach(invoke -> pairs.add(new OpPair(invoke, null)));
    pairs.sort(Comparator.comparingLong(p -> p.invoke().index()));
    return List.copyOf(pairs);
  }
}
