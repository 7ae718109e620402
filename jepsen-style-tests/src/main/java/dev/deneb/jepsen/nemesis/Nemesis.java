package dev.deneb.jepsen.nemesis;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The faults the suite injects, one at a time. Each is recorded in the history as a
 * {@code start-<name>} / {@code stop-<name>} pair (Jepsen's nemesis naming), e.g.
 * {@code start-kill-mysqld}. Controller↔controller traffic cannot go through Toxiproxy (Ratis
 * replicates the peer list from the leader's configuration entry): it is cut inside network
 * namespaces instead ({@link #NEED_NAMESPACES}), or a member is frozen by a process signal.
 */
public enum Nemesis {
  /** SIGKILL of a node's mysqld (the primary's, mostly); heal starts it again. */
  KILL_MYSQLD(true),
  /** SIGSTOP of a node's mysqld; heal sends SIGCONT (or starts it if its agent killed it meanwhile). */
  PAUSE_MYSQLD(true),
  /** SIGKILL of a node's agent; heal starts it again. */
  KILL_AGENT(true),
  /** SIGSTOP of a node's agent: no reports, no renewals, no acknowledgements. */
  PAUSE_AGENT(true),
  /** SIGKILL of a whole host: its agent first (nobody left to report), then its mysqld. */
  KILL_HOST(true),
  /** SIGSTOP of a whole host: its agent and its mysqld. */
  PAUSE_HOST(true),
  /** SIGKILL of the controller Raft leader; heal restarts it. */
  KILL_LEADER(false),
  /** SIGSTOP of the controller Raft leader. */
  PAUSE_LEADER(false),
  /** SIGKILL of one controller follower (a minority of 3). */
  KILL_MINORITY(false),
  /** SIGSTOP of one controller follower: a minority isolated, as far as process signals can. */
  PAUSE_MINORITY(false),
  /** Toxiproxy: every link from the primary's agent to every controller disabled (connections reset). */
  PARTITION_PRIMARY_CONTROLLERS(false),
  /**
   * Toxiproxy: the primary cut off from its replicas: the proxy they replicate through, and the
   * proxies the primary's agent asks their agents for failsafe promises through, disabled.
   */
  PARTITION_PRIMARY_REPLICAS(false),
  /** Toxiproxy {@code timeout} toxic on the primary's agent links: bytes dropped, no resets. */
  BLACKHOLE_PRIMARY_CONTROLLERS(false),
  /** Toxiproxy {@code latency} toxic with jitter on every agent→controller link. */
  LATENCY_AGENTS(false),
  /**
   * SIGSTOP of two of the three controllers (the leader and a follower): no majority anywhere. With
   * failsafe the primary holds on its replicas' promises and nothing fails over.
   */
  QUORUM_LOSS(false),
  /**
   * A quorum loss as above and, at once, the primary cut off from its replicas (as in
   * partition-primary-replicas): no promise can reach it, so it must fence within the lease TTL.
   */
  QUORUM_LOSS_PARTITION_PRIMARY_REPLICAS(false),
  /**
   * Network namespaces: the controller leader cut off from both followers (nftables, both ways) while
   * the agents still reach it; the followers elect another leader.
   */
  ISOLATE_LEADER(false),
  /** Network namespaces: the leader's packets to one follower dropped, that follower's to the leader still delivered. */
  PARTITION_CONTROLLERS_ASYMMETRIC(false);

  /** The nemeses that cut links between controller members: the run puts each member in its own network namespace. */
  public static final Set<Nemesis> NEED_NAMESPACES = EnumSet.of(ISOLATE_LEADER, PARTITION_CONTROLLERS_ASYMMETRIC);

  private final boolean nodeProcess;

  Nemesis(boolean nodeProcess) {
    this.nodeProcess = nodeProcess;
  }

  /** True when it signals a database node's processes, whose target may be the primary or a replica. */
  public boolean targetsNodeProcess() {
    return nodeProcess;
  }

  /**
   * The name used on the command line and in the history: {@code kill-mysqld}; a fault made of two
   * is named by both, joined with {@code +}.
   */
  public String label() {
    if (this == QUORUM_LOSS_PARTITION_PRIMARY_REPLICAS) return "quorum-loss+partition-primary-replicas";
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Parses {@code all} or a comma list of labels.
   *
   * @throws IllegalArgumentException naming the unknown label and listing the known ones
   */
  public static Set<Nemesis> parse(String text) {
    if (text.trim().equalsIgnoreCase("all")) return EnumSet.allOf(Nemesis.class);
    Set<Nemesis> set = EnumSet.noneOf(Nemesis.class);
    for (String part : text.split(",")) {
      String label = part.trim();
      if (label.isEmpty()) continue;
      Nemesis found = null;
      for (Nemesis n : values()) {
        if (n.label().equalsIgnoreCase(label)) found = n;
      }
      if (found == null) {
        throw new IllegalArgumentException("unknown nemesis '" + label + "'; use all or a comma list of " + labels());
      }
      set.add(found);
    }
    if (set.isEmpty()) throw new IllegalArgumentException("no nemesis named in '" + text + "'; use all or a comma list of " + labels());
    return set;
  }

  public static List<String> labels() {
    List<String> labels = new ArrayList<>();
    for (Nemesis n : values()) labels.add(n.label());
    return labels;
  }
}
