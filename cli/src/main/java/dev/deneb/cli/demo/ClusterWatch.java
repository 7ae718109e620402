package dev.deneb.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.sandbox.ControllerApi;
import dev.deneb.sandbox.HaEnvironment;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Polls the controller group for the demo: the cluster record ({@code GET /v1/clusters/orders}, every
 * {@value #POLL_MILLIS} ms, so each committed workflow step is seen) and the leader's decision
 * ({@code /explain}, whose evidence carries each node's read_only and replication lag). Keeps the
 * newest {@link Snapshot} for the view and turns every change into an event line.
 */
final class ClusterWatch implements AutoCloseable {
  /** The orchestrator commits one step per tick (100 ms): polling twice as often sees nearly all of them. */
  static final long POLL_MILLIS = 50;
  /** The leader's explain every 100 ms: a decision change is seen within one orchestrator tick. */
  private static final int EXPLAIN_EVERY = 2;
  /** Workflow steps in their only possible order (Workflows.outOfOrder refuses any other). */
  static final List<String> STEPS = List.of("begun", "fenced", "candidate_chosen", "promoted", "discovery_published", "repointed");
  private static final Pattern MYSQLD = Pattern.compile("mysqld (up|DOWN)");
  private static final Pattern READ_ONLY = Pattern.compile("read_only (\\w+)");
  private static final Pattern LAG = Pattern.compile(" io (\\w+) lag (-?\\d+)");

  record Node(String name, String role, String state, boolean needsCheck, String quarantinedGtids, String mysqld,
      String readOnly, String replication) {}

  /** What the view shows; {@code error} is non-null when no member answered the last poll. */
  record Snapshot(long epoch, String primary, JsonNode workflow, String leader, String reason, String detail,
      List<Node> nodes, String error) {
    static final Snapshot EMPTY = new Snapshot(0, "?", null, "?", "", "", List.of(), "not polled yet");

    Optional<Node> node(String name) {
      return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    boolean workflowInFlight() {
      return workflow != null && workflow.isObject();
    }
  }

  private final HaEnvironment env;
  private final ControllerApi api;
  private final Events events;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Snapshot latest = Snapshot.EMPTY;
  private String leader;
  private JsonNode explain;
  // What the last poll saw, to report changes only.
  private String lastWorkflowKey = "";
  private int lastStepIndex = -1;
  private long lastTargetEpoch = -1;
  private long lastEpoch = -1;
  private String lastReason = "";
  private final Map<String, String> lastNodeState = new HashMap<>();
  private final java.util.Set<String> stepReasons = new java.util.HashSet<>();

  ClusterWatch(HaEnvironment env, Events events) {
    this(env, new ControllerApi(env.controllers().endpoints(), Duration.ofSeconds(2)), events);
  }

  /** For tests of {@link #report}: a watch that is never started needs no environment. */
  static ClusterWatch unstarted(Events events) {
    return new ClusterWatch(null, null, events);
  }

  private ClusterWatch(HaEnvironment env, ControllerApi api, Events events) {
    this.env = env;
    this.api = api;
    this.events = events;
    this.thread = new Thread(this::run, "demo-watch");
    this.thread.setDaemon(true);
  }

  ClusterWatch start() {
    thread.start();
    return this;
  }

  Snapshot latest() {
    return latest;
  }

  private void run() {
    long tick = 0;
    while (running) {
      try {
        if (tick++ % EXPLAIN_EVERY == 0) explain = leaderExplain();
        JsonNode cluster = api.get("/v1/clusters/" + HaEnvironment.CLUSTER + "?stale=true").body();
        Snapshot s = snapshot(cluster, explain);
        report(s);
        latest = s;
      } catch (IOException | RuntimeException e) {
        latest = new Snapshot(latest.epoch(), latest.primary(), latest.workflow(), latest.leader(), latest.reason(),
            latest.detail(), latest.nodes(), "controllers unreachable: " + e.getMessage());
      }
      LockSupport.parkNanos(Duration.ofMillis(POLL_MILLIS).toNanos());
    }
  }

  /** The leader's newest decision; a follower's answer is not authoritative, so ask which member leads then. */
  private JsonNode leaderExplain() {
    for (int attempt = 0; attempt < 2; attempt++) {
      if (leader == null) leader = env.controllers().leaderId().orElse(null);
      if (leader == null) return null;
      try {
        URI uri = env.controllers().endpoint(leader).resolve("/v1/clusters/" + HaEnvironment.CLUSTER + "/explain");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(1)).build(),
            HttpResponse.BodyHandlers.ofString());
        JsonNode x = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        if (r.statusCode() == 200 && x.path("role").asText().equals("LEADER")) return x;
      } catch (IOException e) {
        // Dead or frozen member: find the leader again below.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
      leader = null;
    }
    return null;
  }

  private Snapshot snapshot(JsonNode c, JsonNode x) {
    String primary = c.path("primary").asText("?");
    JsonNode evidence = x == null ? null : x.path("evidence");
    List<Node> nodes = new ArrayList<>();
    for (JsonNode n : c.path("nodes")) {
      String name = n.path("node").asText();
      String line = evidence == null ? "" : evidence.path("node." + name).asText("");
      String mysqld = find(MYSQLD, line, 1).map(v -> v.equals("up") ? "up" : "down").orElse("?");
      String readOnly = find(READ_ONLY, line, 1).map(v -> v.equals("true") ? "ON" : "OFF").orElse("?");
      Matcher lag = LAG.matcher(line);
      String replication = lag.find() ? (lag.group(1).equals("true") ? "lag " + lag.group(2) + " s" : "io stopped")
          : name.equals(primary) ? "-" : "not replicating";
      String role = name.equals(primary) ? "primary" : "replica";
      nodes.add(new Node(name, role, n.path("state").asText("?"), n.path("needsCheck").asBoolean(false),
          n.path("quarantinedGtids").asText(""), mysqld, readOnly, replication));
    }
    return new Snapshot(c.path("epoch").asLong(), primary, c.path("workflow"), x == null ? "?" : x.path("member").asText("?"),
        x == null ? "" : x.path("reason").asText(""), x == null ? "" : x.path("detail").asText(""), nodes, null);
  }

  private static Optional<String> find(Pattern p, String text, int group) {
    Matcher m = p.matcher(text);
    return m.find() ? Optional.of(m.group(group)) : Optional.empty();
  }

  /** Events for what changed since the last poll: the decision, each workflow step, the epoch, node states. */
  void report(Snapshot s) {
    if (!s.reason().isEmpty() && !s.reason().equals(lastReason)) {
      // A reason a committed step already named (its detail starts with it) would only repeat that line.
      if (!lastReason.isEmpty() && !stepReasons.contains(s.reason())) events.add(System.currentTimeMillis(), "leader " + s.leader() + " decides " + s.reason() + ": " + s.detail());
      lastReason = s.reason();
    }
    if (s.workflowInFlight()) {
      JsonNode w = s.workflow();
      // begunAtMillis tells a new attempt at the same epoch (after an abort) from the one before.
      String key = w.path("kind").asText() + " to epoch " + w.path("targetEpoch").asLong() + "@" + w.path("begunAtMillis").asLong();
      if (!key.equals(lastWorkflowKey)) {
        lastWorkflowKey = key;
        lastStepIndex = -1;
        lastTargetEpoch = w.path("targetEpoch").asLong();
        stepReasons.clear();
      }
      int index = STEPS.indexOf(w.path("step").asText());
      for (int i = lastStepIndex + 1; i < index; i++) {
        // Two steps committed within one poll: the earlier one happened, only its exact time is unseen.
        events.add(w.path("stepAtMillis").asLong(), "step " + STEPS.get(i) + " (committed between two polls)");
      }
      if (index > lastStepIndex) {
        String target = w.path("target").isTextual() ? w.path("target").asText() : "?";
        String what = index == 0
            ? w.path("kind").asText() + " to epoch " + w.path("targetEpoch").asLong() + " begun, from " + w.path("from").asText()
                + (w.path("automatic").asBoolean() ? " (automatic)" : "") + ": " + w.path("reason").asText()
            : "step " + STEPS.get(index) + " (target " + target + ")" + detail(w);
        events.add(w.path("stepAtMillis").asLong(), what);
        String d = w.path("detail").asText("");
        if (d.indexOf(':') > 0) stepReasons.add(d.substring(0, d.indexOf(':')));
        lastStepIndex = index;
      }
    } else if (!lastWorkflowKey.isEmpty()) {
      String label = lastWorkflowKey.substring(0, lastWorkflowKey.indexOf('@'));
      boolean completed = s.epoch() >= lastTargetEpoch;
      if (completed) {
        // A workflow completes only from its last step (Workflows.complete refuses otherwise), so the
        // steps after the last one polled were committed, together with the completion, between two polls.
        for (int i = lastStepIndex + 1; i < STEPS.size(); i++) {
          events.add(System.currentTimeMillis(), "step " + STEPS.get(i) + " (committed between two polls)");
        }
      }
      events.add(System.currentTimeMillis(), completed
          ? label + " complete: primary " + s.primary()
          : label + " ended without completing (aborted); epoch " + s.epoch() + ", primary " + s.primary());
      lastWorkflowKey = "";
      lastStepIndex = -1;
    }
    if (s.epoch() != lastEpoch) {
      if (lastEpoch >= 0) events.add(System.currentTimeMillis(), "epoch " + s.epoch() + " committed: primary " + s.primary());
      lastEpoch = s.epoch();
    }
    for (Node n : s.nodes()) {
      String state = n.state() + (n.needsCheck() ? ", needs check" : "")
          + (n.quarantinedGtids().isEmpty() ? "" : ", quarantined GTIDs " + n.quarantinedGtids());
      String before = lastNodeState.put(n.name(), state);
      if (before != null && !before.equals(state)) events.add(System.currentTimeMillis(), n.name() + ": " + state);
    }
  }

  private static String detail(JsonNode w) {
    String d = w.path("detail").asText("");
    return d.isEmpty() ? "" : ": " + d;
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
