package dev.deneb.jepsen.nemesis;

import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.ToxiproxySandbox;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Applies a {@link Schedule.Step} to the real processes and links of an {@link HaEnvironment}, and
 * heals everything afterwards. The heal is a full restore, not an undo of one fault: every link is
 * restored with its toxics removed, every frozen process continued and every dead one started,
 * because a fault can have side effects (an agent's fencing ladder may SIGKILL the mysqld it could
 * not fence while it was frozen).
 */
public final class FaultInjector {
  private final HaEnvironment env;

  public FaultInjector(HaEnvironment env) {
    this.env = env;
  }

  /**
   * Resolves what {@code step} acts on now, before it is recorded and injected.
   *
   * @param primary the current primary
   * @param usable the nodes that may be faulted (a quarantined node is left alone), sorted
   * @return the node ({@code db2}) or controller member ({@code c1}), or for latency the amount
   */
  public String target(Schedule.Step step, String primary, List<String> usable) {
    return switch (step.nemesis()) {
      case KILL_LEADER, PAUSE_LEADER -> leader();
      case KILL_MINORITY, PAUSE_MINORITY -> follower(step.pick());
      // Two members, then (for the combined fault) the primary whose replicas are cut off.
      case QUORUM_LOSS -> leader() + "+" + follower(step.pick());
      case ISOLATE_LEADER -> leader();
      // From the leader to one follower only.
      case PARTITION_CONTROLLERS_ASYMMETRIC -> leader() + ">" + follower(step.pick());
      case QUORUM_LOSS_PARTITION_PRIMARY_REPLICAS -> leader() + "+" + follower(step.pick()) + "@" + primary;
      case LATENCY_AGENTS -> step.latencyMillis() + "ms+-" + step.latencyMillis() / 2;
      default -> nodeTarget(step, primary, usable);
    };
  }

  /**
   * Injects {@code step} on {@code target} (from {@link #target}).
   *
   * @throws RuntimeException when a process or proxy cannot be signalled or changed
   */
  public void inject(Schedule.Step step, String target) throws IOException {
    String node = target;
    String primary = target;
    switch (step.nemesis()) {
      case KILL_MYSQLD -> env.db(node).kill();
      case PAUSE_MYSQLD -> env.db(node).pause();
      case KILL_AGENT -> env.agent(node).kill();
      case PAUSE_AGENT -> env.agent(node).pause();
      case KILL_HOST -> {
        // The agent first: a host loss leaves no one to report mysqld down.
        env.agent(node).kill();
        env.db(node).kill();
      }
      case PAUSE_HOST -> {
        env.agent(node).pause();
        env.db(node).pause();
      }
      case KILL_LEADER, KILL_MINORITY -> env.controllers().kill(target);
      case PAUSE_LEADER, PAUSE_MINORITY -> env.controllers().pause(target);
      case PARTITION_PRIMARY_CONTROLLERS -> {
        for (String m : env.controllers().memberIds()) env.agentLink(primary, m).cut();
      }
      case PARTITION_PRIMARY_REPLICAS -> cutFromReplicas(primary);
      case QUORUM_LOSS -> {
        for (String m : target.split("\\+")) env.controllers().pause(m);
      }
      case QUORUM_LOSS_PARTITION_PRIMARY_REPLICAS -> {
        String[] membersAndPrimary = target.split("@");
        for (String m : membersAndPrimary[0].split("\\+")) env.controllers().pause(m);
        cutFromReplicas(membersAndPrimary[1]);
      }
      case ISOLATE_LEADER -> lab().isolateFromPeers(env.controllers().index(target));
      case PARTITION_CONTROLLERS_ASYMMETRIC -> {
        String[] fromTo = target.split(">");
        lab().cut(env.controllers().index(fromTo[0]), env.controllers().index(fromTo[1]));
      }
      case BLACKHOLE_PRIMARY_CONTROLLERS -> {
        for (String m : env.controllers().memberIds()) env.agentLink(primary, m).blackhole();
      }
      case LATENCY_AGENTS -> {
        for (String n : env.databases().nodes().stream().map(d -> d.id()).toList()) {
          for (String m : env.controllers().memberIds()) env.agentLink(n, m).latency(step.latencyMillis(), step.latencyMillis() / 2);
        }
      }
    }
  }

  /**
   * Restores everything: links first (so restarted processes reach their peers), then controllers,
   * databases and agents — each continued if frozen, started if dead.
   *
   * @return what had to be done, for the progress line
   */
  public List<String> healAll() throws IOException {
    List<String> done = new ArrayList<>();
    if (env.controllers().lab() != null) env.controllers().lab().heal();
    for (ToxiproxySandbox.Link link : allLinks()) {
      link.restore();
      link.clearToxics();
    }
    for (String id : env.controllers().memberIds()) {
      if (env.controllers().isRunning(id)) {
        env.controllers().resume(id);
      } else {
        env.controllers().start(id);
        done.add("started controller " + id);
      }
    }
    for (String node : env.databases().nodes().stream().map(d -> d.id()).toList()) {
      if (env.db(node).isRunning()) {
        env.db(node).resume();
      } else {
        env.db(node).start();
        done.add("started mysqld " + node);
      }
      if (env.agent(node).isRunning()) {
        env.agent(node).resume();
      } else {
        env.startAgent(node);
        done.add("started agent " + node);
      }
    }
    return done;
  }

  /**
   * The primary and its replicas can no longer talk: the replicas lose the replication stream, and
   * the primary's agent can no longer reach theirs (failsafe promises and relays).
   */
  private void cutFromReplicas(String primary) {
    env.replicationLink(primary).cut();
    for (String node : env.databases().nodes().stream().map(d -> d.id()).toList()) {
      if (!node.equals(primary) && env.peerLink(node) != null) env.peerLink(node).cut();
    }
  }

  private List<ToxiproxySandbox.Link> allLinks() {
    List<ToxiproxySandbox.Link> links = new ArrayList<>();
    for (String node : env.databases().nodes().stream().map(d -> d.id()).toList()) {
      for (String m : env.controllers().memberIds()) links.add(env.agentLink(node, m));
      if (env.replicationLink(node) != null) links.add(env.replicationLink(node));
      if (env.peerLink(node) != null) links.add(env.peerLink(node));
    }
    return links;
  }

  private static String nodeTarget(Schedule.Step step, String primary, List<String> usable) {
    if (!step.nemesis().targetsNodeProcess()) return primary;
    List<String> replicas = usable.stream().filter(n -> !n.equals(primary)).toList();
    if (step.onPrimary() || replicas.isEmpty()) return primary;
    return replicas.get(step.pick() % replicas.size());
  }

  private dev.deneb.sandbox.netns.NetworkLab lab() {
    dev.deneb.sandbox.netns.NetworkLab lab = env.controllers().lab();
    if (lab == null) throw new IllegalStateException("this nemesis needs the controllers in network namespaces (JepsenRun creates them)");
    return lab;
  }

  private String leader() {
    return env.controllers().leaderId().orElseGet(() -> env.controllers().awaitLeader());
  }

  private String follower(int pick) {
    String leader = leader();
    List<String> followers = env.controllers().memberIds().stream().filter(id -> !id.equals(leader)).toList();
    return followers.get(pick % followers.size());
  }

  /** The nemeses that need at least one node besides the primary to stay meaningful. */
  public static final Set<Nemesis> NEED_A_REPLICA = Set.of(Nemesis.KILL_MYSQLD, Nemesis.PAUSE_MYSQLD, Nemesis.KILL_HOST,
      Nemesis.PAUSE_HOST, Nemesis.PARTITION_PRIMARY_CONTROLLERS, Nemesis.BLACKHOLE_PRIMARY_CONTROLLERS,
      Nemesis.KILL_AGENT, Nemesis.PAUSE_AGENT, Nemesis.QUORUM_LOSS_PARTITION_PRIMARY_REPLICAS);
}
