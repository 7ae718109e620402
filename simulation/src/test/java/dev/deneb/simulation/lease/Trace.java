package dev.deneb.simulation.lease;

import dev.deneb.protocol.Command;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What happened in one run, for the person reading a counterexample: the newest {@code keep} notes
 * (every note when {@code keep} is 0), each stamped with the real time in milliseconds. Notes are
 * formatted only when printed, so a passing run pays little for them.
 */
final class Trace {
  private record Note(long at, String format, Object[] args) {}

  private final EventScheduler scheduler;
  private final int keep;
  private final Deque<Note> notes = new ArrayDeque<>();

  Trace(EventScheduler scheduler, int keep) {
    this.scheduler = scheduler;
    this.keep = keep;
  }

  void note(String format, Object... args) {
    notes.addLast(new Note(scheduler.now(), format, args));
    if (keep > 0 && notes.size() > keep) notes.removeFirst();
  }

  String render() {
    StringBuilder sb = new StringBuilder();
    for (Note n : notes) {
      Object[] args = n.args().clone();
      for (int i = 0; i < args.length; i++) if (args[i] instanceof Command c) args[i] = Describe.command(c);
      sb.append(String.format("%10.3f ms  ", n.at() / 1e6)).append(String.format(n.format(), args)).append('\n');
    }
    return sb.toString();
  }
}
