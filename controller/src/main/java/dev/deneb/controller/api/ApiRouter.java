package dev.deneb.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.deneb.controller.config.ControllerConfig;
import dev.deneb.controller.lease.GrantTable;
import dev.deneb.protocol.config.Units;
import dev.deneb.controller.metrics.ControllerMetrics;
import dev.deneb.controller.raft.CommandGateway;
import dev.deneb.controller.raft.RaftMember;
import dev.deneb.protocol.AbortWorkflow;
import dev.deneb.protocol.BeginWorkflow;
import dev.deneb.protocol.BootstrapEpoch;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.CreateCluster;
import dev.deneb.protocol.DeleteCluster;
import dev.deneb.protocol.Durability;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.Query;
import dev.deneb.protocol.QueryResult;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.RegisterNode;
import dev.deneb.protocol.RemoveNode;
import dev.deneb.protocol.SetPaused;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.state.Nodes;
import dev.deneb.state.Rules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The HTTP API of docs/api.md, independent of Netty: {@code (method, path, query, body) -> response}.
 * Writes become commands proposed through Raft; reads are linearizable unless {@code stale=true}.
 */
public final class ApiRouter {
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private final ControllerConfig config;
  private final RaftMember member;
  private final CommandGateway gateway;
  private final ControllerMetrics metrics;
  private final EpochWatch watch;

  private final dev.deneb.controller.failover.Orchestrator orchestrator;

  private final GrantTable grants;

  public ApiRouter(ControllerConfig config, RaftMember member, CommandGateway gateway, ControllerMetrics metrics,
      dev.deneb.controller.failover.Orchestrator orchestrator, GrantTable grants) {
    this.orchestrator = orchestrator;
    this.grants = grants;
    this.config = config;
    this.member = member;
    this.gateway = gateway;
    this.metrics = metrics;
    this.watch = new EpochWatch(() -> member.stateMachine().image());
    member.stateMachine().addListener(watch);
  }

  /** Never throws: every failure becomes a completed future holding an error response. */
  public CompletableFuture<ApiResponse> handle(String method, String path, Map<String, List<String>> query, byte[] body) {
    CompletableFuture<ApiResponse> answer;
    try {
      answer = route(method, path, new Params(query), body);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return answer.exceptionally(ApiRouter::errorResponse);
  }

  private CompletableFuture<ApiResponse> route(String method, String path, Params q, byte[] body) {
    List<String> parts = segments(path);
    if (parts.equals(List.of("healthz"))) return only(method, "GET", () -> done(ok(Map.of("status", "ok"))));
    if (parts.equals(List.of("readyz"))) return only(method, "GET", this::ready);
    if (parts.equals(List.of("metrics"))) {
      return only(method, "GET", () -> done(ApiResponse.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape())));
    }
    if (parts.size() < 2 || !parts.get(0).equals("v1")) throw notFound(path);
    if (parts.equals(List.of("v1", "controller"))) return only(method, "GET", () -> done(ok(controller())));
    if (parts.equals(List.of("v1", "internal", "leases"))) return only(method, "POST", () -> done(ok(leaseViews(body))));
    if (!parts.get(1).equals("clusters")) throw notFound(path);

    if (parts.size() == 2) {
      return switch (method) {
        case "GET" -> readAll(q.stale()).thenApply(r -> ok(new Views.Clusters(
            r.getClustersList().stream().map(Views::cluster).toList(), r.getAppliedIndex())));
        case "POST" -> createCluster(parse(body, Requests.CreateCluster.class));
        default -> throw methodNotAllowed(method, path);
      };
    }
    String cluster = parts.get(2);
    if (parts.size() == 3) {
      return switch (method) {
        case "GET" -> readCluster(cluster, q.stale()).thenApply(c -> ok(Views.cluster(c)));
        case "DELETE" -> commit(Command.newBuilder().setDeleteCluster(DeleteCluster.newBuilder().setCluster(cluster)))
            .thenApply(r -> ok(new Views.Message(r.getMessage())));
        default -> throw methodNotAllowed(method, path);
      };
    }
    String action = parts.get(3);
    if (parts.size() == 4) {
      return switch (action) {
        case "primary" -> only(method, "GET", () -> primary(cluster, q));
        case "history" -> only(method, "GET", () -> readCluster(cluster, q.stale()).thenApply(c -> ok(Views.history(c))));
        case "nodes" -> only(method, "POST", () -> addNode(cluster, parse(body, Requests.AddNode.class)));
        case "bootstrap" -> only(method, "POST", () -> bootstrap(cluster, parse(body, Requests.Bootstrap.class)));
        case "pause", "resume" -> only(method, "POST", () -> setPaused(cluster, action.equals("pause"),
            body.length == 0 ? null : parse(body, Requests.Reason.class)));
        case "failover" -> only(method, "POST", () -> failover(cluster,
            body.length == 0 ? new Requests.Failover(null, null) : parse(body, Requests.Failover.class)));
        case "switchover" -> only(method, "POST", () -> switchover(cluster,
            body.length == 0 ? new Requests.Failover(null, null) : parse(body, Requests.Failover.class)));
        case "explain" -> only(method, "GET", () -> explain(cluster));
        case "abort" -> only(method, "POST", () -> abort(cluster,
            body.length == 0 ? null : parse(body, Requests.Reason.class)));
        default -> throw notFound(path);
      };
    }
    if (parts.size() == 5 && action.equals("nodes")) {
      return only(method, "DELETE", () -> commit(Command.newBuilder().setRemoveNode(
              RemoveNode.newBuilder().setCluster(cluster).setNode(parts.get(4))))
          .thenCompose(r -> readCluster(cluster, false)).thenApply(c -> ok(Views.cluster(c))));
    }
    throw notFound(path);
  }

  // ---- lease views, for the leader (docs/lease.md) ----

  /** Most leases one request may ask about. */
  static final int MAX_LEASES_PER_REQUEST = 100_000;

  /**
   * {@code POST /v1/internal/leases} with {@code {"leases":[{"cluster","node","epoch"}]}}: this
   * member's view of each lease, in order. Soft state only; the leader asks about leases it doubts.
   */
  private Map<String, Object> leaseViews(byte[] body) {
    com.fasterxml.jackson.databind.JsonNode leases;
    try {
      leases = JSON.readTree(body).path("leases");
    } catch (java.io.IOException e) {
      throw new ApiException(400, "INVALID_ARGUMENT", "body is not JSON: " + e.getMessage());
    }
    if (!leases.isArray()) throw new ApiException(400, "INVALID_ARGUMENT", "field 'leases' must be an array");
    if (leases.size() > MAX_LEASES_PER_REQUEST) {
      throw new ApiException(400, "INVALID_ARGUMENT", "at most " + MAX_LEASES_PER_REQUEST + " leases per request");
    }
    long now = System.nanoTime();
    List<Map<String, Object>> views = new ArrayList<>();
    for (int i = 0; i < leases.size(); i++) {
      com.fasterxml.jackson.databind.JsonNode l = leases.get(i);
      if (!l.path("cluster").isTextual() || !l.path("node").isTextual() || !l.path("epoch").canConvertToLong()
          || l.path("epoch").asLong() < 0) {
        throw new ApiException(400, "INVALID_ARGUMENT", "leases[" + i + "] needs a string 'cluster', a string 'node' and an"
            + " epoch >= 0");
      }
      var v = grants.view(new dev.deneb.controller.lease.LeaseKey(l.get("cluster").asText(), l.get("node").asText(),
          l.get("epoch").asLong()), now);
      views.add(Map.of("closed", v.closed(), "granted", v.granted(), "silenceMillis", v.silenceMillis()));
    }
    return Map.of("member", member.selfId().toString(), "views", views);
  }

  // ---- controller ----

  private Map<String, Object> controller() {
    RaftMember.Status s = member.status();
    List<Map<String, Object>> members = new ArrayList<>();
    for (ControllerConfig.Peer p : config.peers()) {
      members.add(Map.of("id", p.id(), "raftAddress", p.raft().toString(), "httpAddress", p.http().toString(),
          "leader", s.leader().map(p.id()::equals).orElse(false)));
    }
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("id", config.id());
    out.put("role", s.roleName());
    out.put("term", s.term());
    out.put("leader", s.leader().orElse(null));
    out.put("appliedIndex", s.appliedIndex());
    out.put("members", members);
    return out;
  }

  private CompletableFuture<ApiResponse> ready() {
    RaftMember.Status s = member.status();
    if (s.leader().isEmpty()) {
      return done(ApiResponse.json(503, bytes(Map.of("status", "not ready",
          "reason", "no leader known to " + config.id() + " (role " + s.roleName() + ", term " + s.term() + ")"))));
    }
    return done(ok(Map.of("status", "ready", "leader", s.leader().get())));
  }

  // ---- clusters ----

  private CompletableFuture<ApiResponse> createCluster(Requests.CreateCluster req) {
    require(req.name(), "name");
    ClusterSettings.Builder s = ClusterSettings.newBuilder();
    if (req.durability() != null) s.setDurability(durability(req.durability()));
    if (req.leaseTtlMs() != null) s.setLeaseTtlMillis(positive(req.leaseTtlMs(), "leaseTtlMs"));
    if (req.autoFailover() != null) s.setAutoFailover(req.autoFailover());
    if (req.cooldownMs() != null) s.setCooldownMillis(req.cooldownMs());
    if (req.dnsNames() != null) s.addAllDnsNames(req.dnsNames());
    if (req.historyLimit() != null) s.setHistoryLimit(req.historyLimit());
    if (req.semiSyncTimeoutMs() != null) s.setSemiSyncTimeoutMillis(positive(req.semiSyncTimeoutMs(), "semiSyncTimeoutMs"));
    // Failsafe is on unless the request says false (docs/lease.md "Failsafe"); stored explicitly either way.
    s.setFailsafe(req.failsafe() == null || req.failsafe());
    // Checked here too so a bad request is answered without a log entry.
    Rules.checkClusterName(req.name()).or(() -> Rules.checkSettings(s.build())).ifPresent(m -> {
      throw new ApiException(400, "INVALID_ARGUMENT", m);
    });
    return commit(Command.newBuilder().setCreateCluster(CreateCluster.newBuilder().setCluster(req.name()).setSettings(s)))
        .thenCompose(r -> readCluster(req.name(), false))
        .thenApply(c -> ApiResponse.json(201, bytes(Views.cluster(c))));
  }

  private CompletableFuture<ApiResponse> addNode(String cluster, Requests.AddNode req) {
    require(req.node(), "node");
    require(req.host(), "host");
    if (req.port() == null) throw new ApiException(400, "INVALID_ARGUMENT", "field 'port' is required");
    RegisterNode.Builder b = RegisterNode.newBuilder().setCluster(cluster).setNode(req.node()).setHost(req.host())
        .setPort(req.port());
    if (req.promotionRule() != null) b.setPromotionRule(promotionRule(req.promotionRule()));
    if (req.replicationAddress() != null) {
      try {
        var hp = dev.deneb.protocol.config.HostPort.parse(req.replicationAddress());
        b.setReplicationHost(hp.host()).setReplicationPort(hp.port());
      } catch (IllegalArgumentException e) {
        throw new ApiException(400, "INVALID_ARGUMENT", "field 'replicationAddress': " + e.getMessage());
      }
    }
    Rules.checkNodeName(req.node()).or(() -> Rules.checkAddress(req.host(), req.port())).ifPresent(m -> {
      throw new ApiException(400, "INVALID_ARGUMENT", m);
    });
    return commit(Command.newBuilder().setRegisterNode(b))
        .thenCompose(r -> readCluster(cluster, false))
        .thenApply(c -> ApiResponse.json(201, bytes(Views.cluster(c))));
  }

  private CompletableFuture<ApiResponse> bootstrap(String cluster, Requests.Bootstrap req) {
    require(req.primary(), "primary");
    BootstrapEpoch.Builder b = BootstrapEpoch.newBuilder().setCluster(cluster).setPrimary(req.primary());
    if (req.reason() != null) b.setReason(req.reason());
    return commit(Command.newBuilder().setBootstrapEpoch(b))
        .thenCompose(r -> readCluster(cluster, false))
        .thenApply(c -> ok(primaryView(c)));
  }

  private CompletableFuture<ApiResponse> setPaused(String cluster, boolean paused, Requests.Reason req) {
    SetPaused.Builder b = SetPaused.newBuilder().setCluster(cluster).setPaused(paused);
    if (req != null && req.reason() != null) b.setReason(req.reason());
    return commit(Command.newBuilder().setSetPaused(b))
        .thenCompose(r -> readCluster(cluster, false))
        .thenApply(c -> ok(Views.cluster(c)));
  }

  /**
   * An operator's failover: begins the workflow (DESIGN §3.4). The command carries this member's
   * current Raft term and the epoch just read, so it is refused if leadership or the epoch moved
   * in between (the operator then retries). Until the orchestrator exists, the workflow stays at
   * BEGUN: the old primary is ordered to fence and refused lease renewals.
   */
  private CompletableFuture<ApiResponse> failover(String cluster, Requests.Failover req) {
    return readCluster(cluster, false).thenCompose(c -> {
      BeginWorkflow.Builder b = BeginWorkflow.newBuilder().setCluster(cluster).setKind(WorkflowKind.FAILOVER)
          .setExpectedEpoch(c.getEpoch()).setAutomatic(false).setTerm(member.status().term())
          .setReason(req.reason() == null ? "operator request" : req.reason());
      if (req.to() != null) b.setTarget(req.to());
      return commit(Command.newBuilder().setBeginWorkflow(b));
    }).thenCompose(r -> readCluster(cluster, false)).thenApply(c -> ApiResponse.json(202, bytes(Views.cluster(c))));
  }

  /**
   * A planned switchover (DESIGN §3.5) to {@code to}, or, when none is named, to the replica the
   * orchestrator's candidate choice prefers from this member's agent reports.
   */
  private CompletableFuture<ApiResponse> switchover(String cluster, Requests.Failover req) {
    return readCluster(cluster, false).thenCompose(c -> {
      String target = req.to() != null ? req.to() : orchestrator.suggestSwitchoverTarget(c).orElseThrow(() ->
          new ApiException(409, "NOT_ELIGIBLE", "no replica of '" + cluster + "' is eligible for a switchover now "
              + "(see GET /v1/clusters/" + cluster + "/explain); name one with {\"to\": ...}"));
      return commit(Command.newBuilder().setBeginWorkflow(BeginWorkflow.newBuilder().setCluster(cluster)
          .setKind(WorkflowKind.SWITCHOVER).setExpectedEpoch(c.getEpoch()).setTarget(target).setAutomatic(false)
          .setTerm(member.status().term()).setReason(req.reason() == null ? "operator switchover to " + target : req.reason())));
    }).thenCompose(r -> readCluster(cluster, false)).thenApply(c -> ApiResponse.json(202, bytes(Views.cluster(c))));
  }

  private CompletableFuture<ApiResponse> explain(String cluster) {
    return readCluster(cluster, true).thenApply(c -> ok(Views.explain(orchestrator.explain(cluster).orElseGet(() ->
        new dev.deneb.controller.failover.Orchestrator.Explanation(cluster, member.selfId().toString(),
            member.status().roleName(), member.status().term(), dev.deneb.controller.failover.Decision.none(
                dev.deneb.controller.failover.Decision.Reason.NOT_BOOTSTRAPPED, "no decision yet (the orchestrator ticks every 100 ms)"),
            System.currentTimeMillis(), java.util.Map::of)), c)));
  }

  private CompletableFuture<ApiResponse> abort(String cluster, Requests.Reason req) {
    return readCluster(cluster, false).thenCompose(c -> {
      if (!c.hasWorkflow()) {
        throw new ApiException(409, "NO_WORKFLOW", "cluster '" + cluster + "' has no workflow in flight");
      }
      return commit(Command.newBuilder().setAbortWorkflow(AbortWorkflow.newBuilder().setCluster(cluster)
          .setTargetEpoch(c.getWorkflow().getTargetEpoch()).setTerm(member.status().term())
          .setReason(req == null || req.reason() == null ? "operator request" : req.reason())));
    }).thenCompose(r -> readCluster(cluster, false)).thenApply(c -> ok(Views.cluster(c)));
  }

  private CompletableFuture<ApiResponse> primary(String cluster, Params q) {
    Optional<Duration> wait = q.duration("wait");
    if (wait.isEmpty()) return readCluster(cluster, q.stale()).thenApply(c -> ok(primaryView(c)));
    if (wait.get().compareTo(config.api().maxWait()) > 0) {
      throw new ApiException(400, "INVALID_ARGUMENT", "wait " + Units.format(wait.get()) + " exceeds the maximum "
          + Units.format(config.api().maxWait()));
    }
    long after = q.longValue("after").orElseThrow(() ->
        new ApiException(400, "INVALID_ARGUMENT", "a long-poll needs 'after=<epoch>' with 'wait'"));
    return readCluster(cluster, q.stale()).thenCompose(c -> {
      if (c.getEpoch() > after) return done(ok(primaryView(c)));
      // Woken by this member's apply; read again (linearizably unless stale) before answering.
      return watch.awaitEpochAbove(cluster, after, wait.get())
          .thenCompose(v -> readCluster(cluster, q.stale()))
          .thenApply(c2 -> ok(primaryView(c2)));
    });
  }

  private static Views.Primary primaryView(ClusterRecord c) {
    if (c.getEpoch() == 0) {
      throw ApiException.notFound("NO_PRIMARY", "cluster '" + c.getName() + "' has no primary yet: bootstrap it first");
    }
    NodeRecord n = Nodes.find(c, c.getPrimary()).orElseThrow(() ->
        new IllegalStateException("primary '" + c.getPrimary() + "' of '" + c.getName() + "' is not a member"));
    return new Views.Primary(c.getName(), c.getEpoch(), n.getNode(), n.getHost(), n.getPort());
  }

  // ---- Raft ----

  private CompletableFuture<CommandResult> commit(Command.Builder command) {
    long start = System.nanoTime();
    return gateway.submit(command.build()).thenApply(result -> {
      metrics.recordCommit(command.getKindCase().name(), result.getAccepted(), System.nanoTime() - start);
      if (!result.getAccepted()) throw refusal(result);
      return result;
    });
  }

  private CompletableFuture<QueryResult> readAll(boolean stale) {
    if (stale) {
      var image = member.stateMachine().image();
      return done(QueryResult.newBuilder().addAllClusters(image.state().clusters().values()).setAppliedIndex(image.index()).build());
    }
    return gateway.read(Query.newBuilder().setAllClusters(true).build());
  }

  private CompletableFuture<ClusterRecord> readCluster(String cluster, boolean stale) {
    CompletableFuture<Optional<ClusterRecord>> found = stale
        ? done(member.stateMachine().image().state().cluster(cluster))
        : gateway.read(Query.newBuilder().setCluster(cluster).build())
            .thenApply(r -> r.getClustersList().stream().findFirst());
    return found.thenApply(c -> c.orElseThrow(() ->
        ApiException.notFound("UNKNOWN_CLUSTER", "no cluster named '" + cluster + "'")));
  }

  static ApiException refusal(CommandResult r) {
    Refusal code = r.getRefusal();
    int status = switch (code) {
      case INVALID_ARGUMENT -> 400;
      case UNKNOWN_CLUSTER, UNKNOWN_NODE -> 404;
      default -> 409;
    };
    return new ApiException(status, code.name(), r.getMessage());
  }

  // ---- request parsing ----

  static <T> T parse(byte[] body, Class<T> type) {
    if (body.length == 0) throw ApiException.badRequest("the request needs a JSON body");
    try {
      T value = JSON.readValue(body, type);
      if (value == null) throw ApiException.badRequest("the request body must be a JSON object");
      return value;
    } catch (UnrecognizedPropertyException e) {
      throw ApiException.badRequest("unknown field '" + e.getPropertyName() + "' (known: "
          + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")");
    } catch (JsonMappingException e) {
      String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
          .collect(Collectors.joining("."));
      throw ApiException.badRequest((field.isEmpty() ? "the body" : "field '" + field + "'") + " has the wrong type: "
          + firstLine(e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("the body is not valid JSON: " + firstLine(e.getOriginalMessage()));
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("the body could not be read: " + e.getMessage());
    }
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static void require(String value, String field) {
    if (value == null || value.isBlank()) throw new ApiException(400, "INVALID_ARGUMENT", "field '" + field + "' is required");
  }

  private static long positive(long v, String field) {
    if (v <= 0) throw new ApiException(400, "INVALID_ARGUMENT", "field '" + field + "' must be positive");
    return v;
  }

  private static Durability durability(String s) {
    return switch (s) {
      case "async" -> Durability.ASYNC;
      case "semi-sync" -> Durability.SEMI_SYNC;
      default -> throw new ApiException(400, "INVALID_ARGUMENT", "durability '" + s + "' must be async or semi-sync");
    };
  }

  private static PromotionRule promotionRule(String s) {
    return switch (s) {
      case "prefer" -> PromotionRule.PREFER;
      case "neutral" -> PromotionRule.NEUTRAL;
      case "must_not" -> PromotionRule.MUST_NOT;
      default -> throw new ApiException(400, "INVALID_ARGUMENT", "promotionRule '" + s + "' must be prefer, neutral or must_not");
    };
  }

  // ---- responses ----

  static ApiResponse errorResponse(Throwable t) {
    Throwable e = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    if (e instanceof ApiException a) return ApiResponse.json(a.status(), bytes(new Views.Error(a.getMessage(), a.code())));
    if (e instanceof CommandGateway.NoQuorumException n) {
      return ApiResponse.json(503, bytes(new Views.Error(n.getMessage(), "NO_QUORUM")));
    }
    if (e instanceof CommandGateway.RejectedCommandException r) {
      return ApiResponse.json(400, bytes(new Views.Error(r.getMessage(), "INVALID_ARGUMENT")));
    }
    org.slf4j.LoggerFactory.getLogger(ApiRouter.class).error("request failed unexpectedly", e);
    return ApiResponse.json(500, bytes(new Views.Error("internal error: " + e, "INTERNAL")));
  }

  static ApiResponse ok(Object view) {
    return ApiResponse.json(200, bytes(view));
  }

  static byte[] bytes(Object view) {
    try {
      return JSON.writeValueAsBytes(view);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + view.getClass().getSimpleName(), e);
    }
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  private static CompletableFuture<ApiResponse> only(String method, String allowed,
      java.util.function.Supplier<CompletableFuture<ApiResponse>> handler) {
    if (!method.equals(allowed)) throw new ApiException(405, "METHOD_NOT_ALLOWED", method + " is not allowed here; use " + allowed);
    return handler.get();
  }

  private static ApiException methodNotAllowed(String method, String path) {
    return new ApiException(405, "METHOD_NOT_ALLOWED", method + " is not allowed on " + path);
  }

  private static ApiException notFound(String path) {
    return ApiException.notFound("NOT_FOUND", "no such path: " + path + " (see docs/api.md)");
  }

  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) out.add(s);
    }
    return out;
  }

  /** Query-string parameters with typed access and clear errors. */
  private record Params(Map<String, List<String>> values) {
    Optional<String> get(String name) {
      List<String> v = values.get(name);
      return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    boolean stale() {
      return get("stale").map(v -> switch (v) {
        case "true", "1", "" -> true;
        case "false", "0" -> false;
        default -> throw new ApiException(400, "INVALID_ARGUMENT", "stale must be true or false, got '" + v + "'");
      }).orElse(false);
    }

    Optional<Duration> duration(String name) {
      return get(name).map(v -> {
        try {
          return Units.duration(v);
        } catch (IllegalArgumentException e) {
          throw new ApiException(400, "INVALID_ARGUMENT", name + ": " + e.getMessage());
        }
      });
    }

    Optional<Long> longValue(String name) {
      return get(name).map(v -> {
        try {
          return Long.parseLong(v);
        } catch (NumberFormatException e) {
          throw new ApiException(400, "INVALID_ARGUMENT", name + " must be a whole number, got '" + v + "'");
        }
      });
    }
  }
}
