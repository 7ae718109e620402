package dev.deneb.cli.demo;

import dev.deneb.cli.CliException;
import dev.deneb.sandbox.ControllerApi;
import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.workload.Writer;
import java.io.IOException;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * What the demo does to the cluster: the scripted failover (kill the primary's mysqld, follow the
 * workflow, measure the write gap, restart the old primary and see it rejoin or be quarantined), and
 * the actions behind the keys (switchover, partition of the primary's agent, kill again). Progress
 * goes to {@link Events}; the workflow steps themselves are reported by {@link ClusterWatch}.
 */
final class DemoScript {
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(90);

  private final HaEnvironment env;
  private final ClusterWatch watch;
  private final Writer writer;
  private final Events events;
  /** The node whose agent is cut off from the controllers, or null. */
  private String partitioned;

  DemoScript(HaEnvironment env, ClusterWatch watch, Writer writer, Events events) {
    this.env = env;
    this.watch = watch;
    this.writer = writer;
    this.events = events;
  }

  /**
   * Waits until the writer is acknowledged and every agent reports its mysqld up, replicas
   * replicating: before that the primary has never held a lease, and killing it would show nothing
   * (the controllers do not fail over from a primary that was never writable).
   */
  void awaitReady() {
    await("the primary to take its lease and accept writes, and the replicas to replicate", () -> {
      ClusterWatch.Snapshot s = watch.latest();
      return !writer.acks().isEmpty() && !s.nodes().isEmpty() && s.nodes().stream().allMatch(n -> n.mysqld().equals("up")
          && (n.role().equals("primary") || n.replication().startsWith("lag")));
    });
    ClusterWatch.Snapshot s = watch.latest();
    events.now("ready: epoch " + s.epoch() + ", primary " + s.primary() + " writable, replicas replicating");
  }

  void steady(Duration d) {
    ClusterWatch.Snapshot s = watch.latest();
    events.now("steady: writing through primary " + s.primary() + " (epoch " + s.epoch() + ") for " + d.toSeconds() + " s");
    long end = System.nanoTime() + d.toNanos();
    await("the steady period", () -> System.nanoTime() - end > 0);
    events.now("steady period over: " + writer.acks().size() + " writes acknowledged");
  }

  /** SIGKILL of the primary's mysqld, the failover, the client's view of it, and the old primary's return. */
  void killPrimaryAndRejoin() throws IOException {
    ClusterWatch.Snapshot before = watch.latest();
    String old = before.primary();
    long pid = env.db(old).pid();
    long killNanos = System.nanoTime();
    long killMillis = System.currentTimeMillis();
    env.db(old).kill();
    events.mark(killMillis);
    events.add(killMillis, "SIGKILL mysqld of primary " + old + " (pid " + pid + ")");
    String now = awaitNewPrimary(before.epoch(), killNanos);
    events.now("restarting mysqld on " + old + " ...");
    env.db(old).start();
    events.now("mysqld on " + old + " is up again (pid " + env.db(old).pid() + "), read-only until the controllers decide");
    awaitRejoin(old, now);
  }

  /** Waits for the workflow to complete in a later epoch and for the writer to be acknowledged there. */
  private String awaitNewPrimary(long epoch, long faultNanos) {
    await("a completed failover to an epoch after " + epoch,
        () -> watch.latest().epoch() > epoch && !watch.latest().workflowInFlight());
    ClusterWatch.Snapshot after = watch.latest();
    await("writes acknowledged in epoch " + after.epoch(),
        () -> writer.acks().stream().filter(a -> a.atNanos() > faultNanos && a.epoch() >= after.epoch()).count() >= 20);
    long first = writer.acks().stream().filter(a -> a.atNanos() > faultNanos && a.epoch() >= after.epoch())
        .mapToLong(Writer.Ack::atNanos).min().orElse(faultNanos);
    events.now(String.format("epoch %d, primary %s: first write acknowledged %d ms after the fault; "
            + "client-observed write gap %d ms", after.epoch(), after.primary(), (first - faultNanos) / 1_000_000,
        writer.longestGapAfter(faultNanos).toMillis()));
    return after.primary();
  }

  /** The returning node is checked by the controllers: back as a replica of {@code primary}, or quarantined. */
  private void awaitRejoin(String node, String primary) {
    await(node + " to be checked by the controllers", () -> watch.latest().node(node)
        .filter(n -> !n.needsCheck() && (n.state().equals("online") || n.state().equals("quarantined"))).isPresent());
    ClusterWatch.Node n = watch.latest().node(node).orElseThrow();
    if (n.state().equals("quarantined")) {
      events.now(node + " quarantined: it holds transactions the new primary never got (GTIDs " + n.quarantinedGtids()
          + "); it stays out of the cluster until an operator deals with them");
      return;
    }
    int port = env.db(primary).port();
    await(node + " to replicate from " + primary, () -> {
      try (Connection c = env.rootEndpoint(node).open()) {
        var s = env.databases().dialect().replicationStatus(c);
        return s.isPresent() && s.get().replicating() && (s.get().sourcePort() == port || viaProxy(primary, s.get().sourcePort()));
      } catch (Exception e) {
        return false;
      }
    });
    events.now(node + " rejoined as a replica of " + primary + " (checked, replicating)");
  }

  /** With proxies, replicas reach a source through its replication link's port. */
  private boolean viaProxy(String source, int port) {
    return env.replicationLink(source) != null && env.replicationLink(source).listenPort() == port;
  }

  /** Key {@code s}: a planned switchover to the best replica. */
  void switchover() throws IOException {
    ClusterWatch.Snapshot before = watch.latest();
    long nanos = System.nanoTime();
    long millis = System.currentTimeMillis();
    ControllerApi.Response r = env.api().post("/v1/clusters/" + HaEnvironment.CLUSTER + "/switchover",
        "{\"reason\":\"demo: key s\"}");
    if (r.status() != 202) {
      events.now("switchover refused: HTTP " + r.status() + " " + r.body().path("error").asText(r.body().toString()));
      return;
    }
    events.mark(millis);
    events.add(millis, "switchover requested from " + before.primary());
    awaitNewPrimary(before.epoch(), nanos);
  }

  /**
   * Key {@code p}: cut every link between the primary's agent and the controllers, so its lease
   * cannot be renewed (it fences itself, the controllers fail over on the lapsed lease); pressed
   * again, restore them, and the old primary is checked and rejoins.
   */
  void togglePartition() throws IOException {
    if (env.replicationLink("db1") == null) {
      events.now("partition needs toxiproxy-server (not found when the demo started); install it as ./scripts/test does");
      return;
    }
    if (partitioned == null) {
      ClusterWatch.Snapshot before = watch.latest();
      String node = before.primary();
      long nanos = System.nanoTime();
      long millis = System.currentTimeMillis();
      for (String m : env.controllers().memberIds()) env.agentLink(node, m).cut();
      partitioned = node;
      events.mark(millis);
      events.add(millis, "partition: agent of primary " + node + " cut off from every controller (press p again to heal)");
      awaitNewPrimary(before.epoch(), nanos);
    } else {
      String node = partitioned;
      for (String m : env.controllers().memberIds()) env.agentLink(node, m).restore();
      partitioned = null;
      events.now("partition healed: agent of " + node + " reaches the controllers again");
      awaitRejoin(node, watch.latest().primary());
    }
  }

  /** Polls {@code done} (every 50 ms: the watch refreshes at that rate) until true, or fails after the step timeout. */
  private void await(String what, BooleanSupplier done) {
    long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new CliException("gave up after " + STEP_TIMEOUT.toSeconds() + " s waiting for " + what
            + "; the logs are under " + env.dir());
      }
      LockSupport.parkNanos(Duration.ofMillis(ClusterWatch.POLL_MILLIS).toNanos());
    }
  }
}
