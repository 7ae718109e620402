package dev.deneb.simulation.lease;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.state.Applied;
import dev.deneb.state.ClusterStateMachine;
import dev.deneb.state.DenebState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The Raft group as the lease rule sees it: ONE committed log that every member applies as a prefix,
 * at its own pace, and one leader at a time with a term.
 *
 * <ul>
 *   <li>A proposal is appended in the leader's term and commits once the leader and one more member
 *       (a majority of three) are running and connected — after 1-20 ms, or later if not.
 *   <li>When leadership ends, a prefix of the proposals not yet committed survives (the new leader
 *       had them) and commits with their old term; the rest are gone. The group has no leader for
 *       150-2000 ms, then a running member that reaches another running member wins a new term.
 *   <li>A new leader orchestrates only once it has applied every entry committed before its term
 *       (Ratis' {@code leaderReady}).
 *   <li>A ReadIndex request is answered by the leader while a majority is behind it
 *       ({@link #readIndex}); members use it to catch up after a restart ({@link ModelMember}).
 * </ul>
 *
 * <p>Not modelled: a deposed leader that still believes it leads — its proposals would carry its
 * old term and never commit, and it would not get the confirmation a ReadIndex answer needs (Ratis'
 * leader lease, under the same drift bound, ends before another leader can be elected), so it is
 * simply silent here; log divergence; snapshots (a restarted member's applied state falls back to an
 * earlier prefix instead, see {@link ModelMember#restart}).
 */
final class ModelRaft {
  record Entry(Command command, long term) {}

  private final EventScheduler scheduler;
  private final SplittableRandom random;
  private final ModelNetwork network;
  private final Trace trace;
  private final List<Entry> log = new ArrayList<>();
  private final List<Entry> pending = new ArrayList<>();
  private final Map<Long, String> epochPrimary = new HashMap<>();
  private List<ModelMember> members = List.of();
  private DenebState committedState;
  private ModelMember leader;
  private long term;
  private int readyIndex;
  private Consumer<ModelMember> onElected = m -> {};
  private final BiConsumer<Entry, CommandResult> onCommit;
  long leaderChanges;

  ModelRaft(EventScheduler scheduler, SplittableRandom random, ModelNetwork network, Trace trace, List<Command> bootstrap,
      BiConsumer<Entry, CommandResult> onCommit) {
    this.onCommit = onCommit;
    this.scheduler = scheduler;
    this.random = random;
    this.network = network;
    this.trace = trace;
    this.committedState = DenebState.EMPTY;
    for (Command c : bootstrap) append(new Entry(c, 1));
  }

  void join(List<ModelMember> all, Consumer<ModelMember> electedHook) {
    this.members = List.copyOf(all);
    this.onElected = electedHook;
  }

  int size() {
    return log.size();
  }

  Entry entry(int index) {
    return log.get(index);
  }

  DenebState committedState() {
    return committedState;
  }

  /** Which node the committed log named primary of {@code epoch} (null if none). */
  String primaryOf(long epoch) {
    return epochPrimary.get(epoch);
  }

  ModelMember leader() {
    return leader;
  }

  long term() {
    return term;
  }

  /** The leader may orchestrate: it leads in {@code inTerm} and has applied everything from before its term. */
  boolean ready(ModelMember m, long inTerm) {
    return leader == m && term == inTerm && m.appliedIndex() >= readyIndex;
  }

  /**
   * {@code m} leads and a majority is behind it now: it is running and connected to another running
   * member. What a commit needs, and what a leader needs to answer a ReadIndex request.
   */
  boolean leadsWithMajority(ModelMember m) {
    return leader == m && !m.paused() && members.stream().anyMatch(o -> o != m && !o.paused() && network.connected(o.id(), m.id()));
  }

  /**
   * The leader's answer to a ReadIndex request (Raft §6.4, Ratis' {@code readIndexAsync}): its commit
   * index, once it has confirmed with a majority that it still leads; -1 if {@code m} does not lead
   * with a live majority now (a follower refers the asker to the leader; a leader cut off from every
   * other member gets no confirmation and never answers). The model's one log is the committed log, so
   * its size is the commit index of every leader that could confirm itself.
   */
  int readIndex(ModelMember m) {
    return leadsWithMajority(m) ? log.size() : -1;
  }

  /** Whether {@code m}'s proposals are all settled and applied by it (a proposal's reply comes after its apply). */
  boolean idle(ModelMember m) {
    return pending.isEmpty() && m.appliedIndex() >= log.size();
  }

  void propose(ModelMember from, long decidedTerm, Command command, String why) {
    if (leader != from || term != decidedTerm) return; // a deposed leader's append never commits
    pending.add(new Entry(command, term));
    trace.note("%s proposes in term %d: %s", from.id(), term, why);
    long t = term;
    scheduler.after(random.nextLong(1, 21) * 1_000_000, "commit attempt term " + t, () -> tryCommit(t));
  }

  private void tryCommit(long inTerm) {
    if (term != inTerm || leader == null || pending.isEmpty()) return;
    if (!leadsWithMajority(leader)) {
      scheduler.after(random.nextLong(20, 101) * 1_000_000, "commit retry term " + inTerm, () -> tryCommit(inTerm));
      return;
    }
    for (Entry e : pending) append(e);
    pending.clear();
  }

  private void append(Entry e) {
    log.add(e);
    Applied applied = ClusterStateMachine.apply(committedState, e.command(), e.term());
    committedState = applied.state();
    for (ClusterRecord c : committedState.clusters().values()) epochPrimary.putIfAbsent(c.getEpoch(), c.getPrimary());
    trace.note("commit #%d [term %d] %s -> %s", log.size() - 1, e.term(), e.command(),
        applied.result().getAccepted() ? "accepted" : "REFUSED " + applied.result().getRefusal());
    onCommit.accept(e, applied.result());
    for (ModelMember m : members) m.committed();
  }

  /** Leadership ends (the leader stepped down, was cut off or paused past the election timeout). */
  void stepDown(String why) {
    if (leader == null) return;
    trace.note("leader %s (term %d) gone: %s", leader.id(), term, why);
    leader = null;
    int survive = random.nextInt(pending.size() + 1);
    List<Entry> kept = List.copyOf(pending.subList(0, survive));
    pending.clear();
    scheduler.after(random.nextLong(150, 2001) * 1_000_000, "election", () -> elect(kept));
  }

  private void elect(List<Entry> survivors) {
    List<ModelMember> able = members.stream().filter(m -> !m.paused() && members.stream()
        .anyMatch(o -> o != m && !o.paused() && network.connected(o.id(), m.id()))).toList();
    if (able.isEmpty()) {
      scheduler.after(random.nextLong(150, 501) * 1_000_000, "election retry", () -> elect(survivors));
      return;
    }
    for (Entry e : survivors) append(e);
    leader = able.get(random.nextInt(able.size()));
    term++;
    leaderChanges++;
    readyIndex = log.size();
    trace.note("%s elected leader in term %d (%d entries survived)", leader.id(), term, survivors.size());
    onElected.accept(leader);
  }

  /** The first leader, at time 0. */
  void start(ModelMember first) {
    leader = first;
    term = 1;
    readyIndex = log.size();
    onElected.accept(first);
  }
}
