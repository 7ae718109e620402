package dev.deneb.simulation.lease;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The nemesis of one run, drawn from its seed: one fault every 0.3-3 s (a calm run: every 2-8 s), each
 * healed after its duration.
 * <ul>
 *   <li>an agent (mostly the current primary's) cut off from all members, two, the leader only, or one
 *       — for 0.3-7 s, so a lease may lapse (lapse bound 3.53 s) and the cut may heal around the
 *       moment the leader acts on it;
 *   <li>an agent paused (its keeper stops; its database stays writable until its lease ends);
 *   <li>a member paused (if it leads, the others elect a new leader after their election timeout);
 *   <li>the leader stepping down; the leader cut off from one follower;
 *   <li>a member's applier stalled (it keeps granting from an old applied state);
 *   <li>an operator asking for a failover (begun while the primary may hold a fresh lease), often with
 *       the primary's agent paused or cut off around it, so no fence acknowledgement comes;
 *   <li>after a third of these faults, also a member crashing and restarting with its applied state
 *       fallen back, often cut off from the leader meanwhile ({@link #restartMember}; unless
 *       {@link LeaseModel.Config#restarts} is off);
 *   <li>and, all along, every clock's rate changing within {@code [1-ρ, 1+ρ]} every 1-10 s, often to
 *       the extremes.
 * </ul>
 */
final class Faults {
  static final long MS = 1_000_000;

  private final LeaseModel model;
  private final SplittableRandom random;
  private final long minGap;
  private final long maxGap;

  Faults(LeaseModel model) {
    this.model = model;
    this.random = model.random;
    boolean calm = random.nextInt(5) == 0;
    // With failsafe, half the runs are calm, so quorum losses often meet a primary that holds a
    // confirmed lease rather than one a failover is already replacing.
    if (model.config.failsafe().on()) calm = model.failsafeDraws.nextBoolean();
    this.minGap = (calm ? 2_000 : 300) * MS;
    this.maxGap = (calm ? 8_000 : 3_000) * MS;
  }

  void start(List<DriftingClock> clocks) {
    model.scheduler.after(random.nextLong(minGap, maxGap), "fault", this::next);
    for (DriftingClock c : clocks) retune(c);
  }

  private void retune(DriftingClock clock) {
    model.scheduler.after(random.nextLong(1_000, 10_000) * MS, "clock rate change", () -> {
      clock.retune(model.scheduler.now(), rate(random, LeaseModel.RHO));
      retune(clock);
    });
  }

  /** A rate within [1-ρ, 1+ρ]: a third of the time each extreme, else anywhere between. */
  static double rate(SplittableRandom random, double rho) {
    return switch (random.nextInt(3)) {
      case 0 -> 1 - rho;
      case 1 -> 1 + rho;
      default -> 1 - rho + 2 * rho * random.nextDouble();
    };
  }

  private long millis(long min, long max) {
    return random.nextLong(min, max + 1) * MS;
  }

  private void next() {
    int r = random.nextInt(100);
    if (r < 28) cutAgent(pickAgent());
    else if (r < 42) pauseAgent(pickAgent());
    else if (r < 52) pauseMember();
    else if (r < 58) model.raft.stepDown("stepped down (nemesis)");
    else if (r < 70) stallMember();
    else if (r < 78) cutLeaderLink();
    else operatorFailover();
    if (model.config.restarts() && random.nextInt(3) == 0) restartMember();
    if (model.config.failsafe().on() && model.failsafeDraws.nextInt(2) == 0) failsafeFault();
    model.scheduler.after(random.nextLong(minGap, maxGap), "fault", this::next);
  }

  // ---- failsafe faults (drawn from their own stream) --------------------------------------------

  /**
   * With failsafe, half the faults also bring one of: a quorum loss (two members frozen 1-10 s), often
   * with the primary isolated around it; or the primary isolated alone — cut from every member, from
   * some of the other agents, while some of those are cut from the members too (so a replica may
   * relay, promise, or not be reached).
   */
  private void failsafeFault() {
    SplittableRandom d = model.failsafeDraws;
    if (d.nextInt(5) < 2) {
      quorumLoss(d);
      if (d.nextBoolean()) {
        long offset = d.nextLong(0, 4_000) * MS;
        model.scheduler.after(offset, "nemesis: isolate the primary", () -> isolatePrimary(d));
      }
    } else {
      isolatePrimary(d);
    }
  }

  private void quorumLoss(SplittableRandom d) {
    List<ModelMember> running = model.members.stream().filter(m -> !m.paused()).toList();
    if (running.size() < model.members.size()) return;
    List<ModelMember> frozen = new ArrayList<>(running);
    frozen.remove(d.nextInt(frozen.size()));
    long duration = d.nextLong(1_000, 10_001) * MS;
    model.stats.quorumLosses++;
    model.trace.note("nemesis: quorum loss: %s frozen for %d ms", frozen.stream().map(ModelMember::id).toList(), duration / MS);
    ModelMember leader = model.raft.leader();
    for (ModelMember m : frozen) m.pause();
    if (leader != null && frozen.contains(leader)) {
      long term = model.raft.term();
      model.scheduler.after(d.nextLong(300, 1_501) * MS, "election timeout", () -> {
        if (model.raft.leader() == leader && model.raft.term() == term && leader.paused()) model.raft.stepDown("frozen past the election timeout");
      });
    }
    model.scheduler.after(duration, "nemesis: quorum back", () -> {
      for (ModelMember m : frozen) m.resume();
    });
  }

  private void isolatePrimary(SplittableRandom d) {
    ModelAgent primary = primaryAgent();
    long duration = d.nextLong(500, 10_001) * MS;
    List<String> cutFrom = new ArrayList<>(model.members.stream().map(ModelMember::id).toList());
    List<ModelAgent> fromMembers = new ArrayList<>();
    for (ModelAgent a : model.agents) {
      if (a == primary) continue;
      if (d.nextBoolean()) cutFrom.add(a.node());
      if (d.nextInt(3) == 0) fromMembers.add(a);
    }
    model.stats.replicaCuts++;
    model.trace.note("nemesis: isolate %s from %s for %d ms; %s cut from the members", primary.node(), cutFrom, duration / MS,
        fromMembers.stream().map(ModelAgent::node).toList());
    for (String id : cutFrom) model.network.cut(primary.node(), id);
    for (ModelAgent a : fromMembers) for (ModelMember m : model.members) model.network.cut(a.node(), m.id());
    model.scheduler.after(duration, "heal", () -> {
      model.trace.note("nemesis: heal the isolation of %s", primary.node());
      for (String id : cutFrom) model.network.heal(primary.node(), id);
      for (ModelAgent a : fromMembers) for (ModelMember m : model.members) model.network.heal(a.node(), m.id());
    });
  }

  private ModelAgent pickAgent() {
    String primary = model.raft.committedState().cluster(LeaseModel.CLUSTER).map(c -> c.getPrimary()).orElse("db1");
    boolean thePrimary = random.nextInt(4) != 0;
    for (ModelAgent a : model.agents) if (a.node().equals(primary) == thePrimary) return a;
    return model.agents.get(0);
  }

  private ModelAgent primaryAgent() {
    String primary = model.raft.committedState().cluster(LeaseModel.CLUSTER).map(c -> c.getPrimary()).orElse("db1");
    return model.agents.stream().filter(a -> a.node().equals(primary)).findFirst().orElseThrow();
  }

  /**
   * An operator asks the leader for a failover (the API's POST .../failover): a workflow begun while
   * the primary may hold a fresh lease, so only the fence acknowledgement or the lapse proof may end
   * it. Often the primary's agent is paused or cut off around that moment, so no acknowledgement comes.
   */
  private void operatorFailover() {
    model.stats.operatorFailovers++;
    model.trace.note("nemesis: an operator asks %s for a failover", model.raft.leader() == null ? "no leader"
        : model.raft.leader().id());
    Orchestrator o = model.orchestrator;
    if (o != null) o.member().receive("operator failover", o::operatorAsked);
    int r = random.nextInt(10);
    if (r >= 6) return;
    ModelAgent primary = primaryAgent();
    long offset = random.nextLong(-500, 1_500) * MS;
    model.scheduler.after(Math.max(0, offset), "nemesis: silence the primary", () -> {
      if (r < 3) pauseAgent(primary); else cutAgentFromAll(primary);
    });
  }

  private void cutAgentFromAll(ModelAgent agent) {
    List<String> ids = model.members.stream().map(ModelMember::id).toList();
    cut(agent, ids, millis(300, 7_000));
  }

  private void cut(ModelAgent agent, List<String> ids, long duration) {
    model.stats.agentCuts++;
    model.trace.note("nemesis: cut %s from %s for %d ms", agent.node(), ids, duration / MS);
    for (String m : ids) model.network.cut(agent.node(), m);
    model.scheduler.after(duration, "heal", () -> {
      model.trace.note("nemesis: heal %s from %s", agent.node(), ids);
      for (String m : ids) model.network.heal(agent.node(), m);
    });
  }

  private void cutAgent(ModelAgent agent) {
    List<ModelMember> from = new ArrayList<>();
    int r = random.nextInt(100);
    ModelMember leader = model.raft.leader();
    if (r < 45) {
      from.addAll(model.members);
    } else if (r < 65) {
      from.addAll(model.members);
      from.remove(random.nextInt(from.size()));
    } else if (r < 80 && leader != null) {
      from.add(leader);
    } else {
      from.add(model.members.get(random.nextInt(model.members.size())));
    }
    cut(agent, from.stream().map(ModelMember::id).toList(), millis(300, 7_000));
  }

  private void pauseAgent(ModelAgent agent) {
    if (agent.paused()) return;
    long duration = millis(200, 7_000);
    model.stats.agentPauses++;
    model.trace.note("nemesis: pause agent %s for %d ms", agent.node(), duration / MS);
    agent.pause();
    model.scheduler.after(duration, "resume agent", agent::resume);
  }

  private void pauseMember() {
    ModelMember m = model.members.get(random.nextInt(model.members.size()));
    if (m.paused()) return;
    long duration = millis(100, 4_000);
    model.stats.memberPauses++;
    model.trace.note("nemesis: pause member %s for %d ms", m.id(), duration / MS);
    m.pause();
    model.scheduler.after(duration, "resume member", m::resume);
    if (model.raft.leader() == m && random.nextInt(10) < 6) {
      long term = model.raft.term();
      model.scheduler.after(millis(300, 1_500), "election timeout", () -> {
        if (model.raft.leader() == m && model.raft.term() == term && m.paused()) model.raft.stepDown("paused past the election timeout");
      });
    }
  }

  /**
   * A member crashes, is down for 0.1-2 s, and starts again from an earlier applied prefix (0-6 entries
   * back). Half the time it is cut off from the leader meanwhile, for 1-6 s: the leader's request in
   * flight to it hangs (its last word stays the newest), and the restarted member cannot learn a newer
   * commit index, so it applies nothing past its prefix until the link heals (Ratis replays only to
   * the commit index it had persisted).
   */
  private void restartMember() {
    ModelMember m = model.members.get(random.nextInt(model.members.size()));
    if (m.paused()) return;
    long down = millis(100, 2_000);
    int back = random.nextInt(7);
    model.stats.memberRestarts++;
    model.trace.note("nemesis: %s crashes for %d ms", m.id(), down / MS);
    m.pause();
    ModelMember leader = model.raft.leader();
    if (leader == m) model.raft.stepDown("crashed");
    long cut = leader != null && leader != m && random.nextBoolean() ? millis(1_000, 6_000) : 0;
    if (cut > 0) {
      model.trace.note("nemesis: cut leader %s from %s for %d ms", leader.id(), m.id(), cut / MS);
      model.network.cut(leader.id(), m.id());
      model.scheduler.after(cut, "heal member link", () -> model.network.heal(leader.id(), m.id()));
    }
    model.scheduler.after(down, "restart " + m.id(), () -> {
      m.restart(back);
      if (cut > down) m.stallApplies(model.scheduler.now() + cut - down);
    });
  }

  private void stallMember() {
    ModelMember m = model.members.get(random.nextInt(model.members.size()));
    long duration = millis(200, 4_000);
    model.stats.applyStalls++;
    model.trace.note("nemesis: %s applies nothing for %d ms", m.id(), duration / MS);
    m.stallApplies(model.scheduler.now() + duration);
  }

  private void cutLeaderLink() {
    ModelMember leader = model.raft.leader();
    if (leader == null) return;
    List<ModelMember> others = model.members.stream().filter(m -> m != leader).toList();
    ModelMember peer = others.get(random.nextInt(others.size()));
    long duration = millis(200, 4_000);
    model.stats.memberLinkCuts++;
    model.trace.note("nemesis: cut leader %s from %s for %d ms", leader.id(), peer.id(), duration / MS);
    model.network.cut(leader.id(), peer.id());
    model.scheduler.after(duration, "heal member link", () -> model.network.heal(leader.id(), peer.id()));
  }
}
