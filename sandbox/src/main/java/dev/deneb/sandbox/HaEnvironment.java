package dev.deneb.sandbox;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.ReadOnlyLevel;
import dev.deneb.sandbox.workload.Writer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole of DESIGN §6 on one machine: a 3-member controller group (with built-in DNS), N MariaDB
 * nodes with GTID replication, an agent beside each, and — with {@link Options#proxies()} — Toxiproxy
 * on every agent→controller link and in front of every database for its replicas. One managed
 * cluster, {@code orders}, bootstrapped on db1, with {@code app.writes} ready for a {@link Writer}.
 * Tests, {@code deneb bench failover}, the Jepsen-style suite and the demo all start this.
 */
public final class HaEnvironment implements AutoCloseable {
  public static final String CLUSTER = "orders";

  /**
   * @param durability "async" or "semi-sync"
   * @param controllerYaml more controller.yaml (e.g. a {@code failover:} section)
   * @param failsafePeers every agent takes failsafe promise requests ({@code peer:} in agent.yaml), so a
   *     primary keeps writing through a controller outage (docs/lease.md "Failsafe"); with proxies,
   *     each agent's peer address goes through a Toxiproxy link ({@link #peerLink})
   */
  public record Options(int databases, String durability, Duration leaseTtl, Duration cooldown, boolean proxies,
      String controllerYaml, boolean controllerSqlAccess, boolean failsafePeers, dev.deneb.sandbox.netns.NetworkLab controllerLab) {
    public static Options defaults() {
      return new Options(3, "async", Duration.ofSeconds(3), Duration.ofMillis(1), false, "", false, false, null);
    }

    public Options withFailsafePeers() {
      return new Options(databases, durability, leaseTtl, cooldown, proxies, controllerYaml, controllerSqlAccess, true, controllerLab);
    }

    /** The controllers get the agents' database account ({@code databases:}), to fence a degraded primary themselves. */
    public Options withControllerSqlAccess() {
      return new Options(databases, durability, leaseTtl, cooldown, proxies, controllerYaml, true, failsafePeers, controllerLab);
    }

    public Options withProxies() {
      return new Options(databases, durability, leaseTtl, cooldown, true, controllerYaml, controllerSqlAccess, failsafePeers,
          controllerLab);
    }

    public Options withDurability(String d) {
      return new Options(databases, d, leaseTtl, cooldown, proxies, controllerYaml, controllerSqlAccess, failsafePeers, controllerLab);
    }

    public Options withCooldown(Duration c) {
      return new Options(databases, durability, leaseTtl, c, proxies, controllerYaml, controllerSqlAccess, failsafePeers, controllerLab);
    }

    public Options withControllerYaml(String yaml) {
      return new Options(databases, durability, leaseTtl, cooldown, proxies, controllerYaml + yaml, controllerSqlAccess,
          failsafePeers, controllerLab);
    }

    /**
     * Each controller member runs in its own network namespace of {@code lab} (at least 3), so links
     * between members can be cut for real ({@link ControllerGroupOptions#inNamespacesOf}); agents,
     * databases and the test stay in the host namespace and reach the members through the lab's
     * bridge. The caller creates the lab and closes it after this environment. Not with
     * {@link #withControllerSqlAccess()}: the databases listen on 127.0.0.1, out of the members' reach.
     */
    public Options withControllersIn(dev.deneb.sandbox.netns.NetworkLab lab) {
      if (controllerSqlAccess) throw new IllegalArgumentException("controllers in namespaces cannot reach the databases on 127.0.0.1");
      return new Options(databases, durability, leaseTtl, cooldown, proxies, controllerYaml, controllerSqlAccess, failsafePeers, lab);
    }
  }

  private final Path dir;
  private final Options options;
  private final ProcessSupervisor agentSupervisor = new ProcessSupervisor(Duration.ofSeconds(5));
  private ToxiproxySandbox toxiproxy;
  private DatabaseSandbox dbs;
  private ControllerGroupSandbox group;
  private ControllerApi api;
  private final Map<String, AgentProcess> agents = new LinkedHashMap<>();
  /** node → controller id → the link that agent uses to reach that member. */
  private final Map<String, Map<String, ToxiproxySandbox.Link>> agentLinks = new LinkedHashMap<>();
  /** node → the link replicas use to reach that node. */
  private final Map<String, ToxiproxySandbox.Link> replicationLinks = new LinkedHashMap<>();
  /** Where the other agents reach each agent's peer server (failsafe), when proxied. */
  private final Map<String, ToxiproxySandbox.Link> peerLinks = new LinkedHashMap<>();

  private HaEnvironment(Path dir, Options options) {
    this.dir = dir;
    this.options = options;
  }

  public static HaEnvironment start(Path dir, Options options) throws Exception {
    HaEnvironment env = new HaEnvironment(dir.toAbsolutePath(), options);
    try {
      env.startAll();
    } catch (Exception | Error e) {
      env.close();
      throw e;
    }
    return env;
  }

  private void startAll() throws Exception {
    Files.createDirectories(dir);
    DatabaseSandboxOptions dbOptions = DatabaseSandboxOptions.defaults();
    if (options.proxies()) {
      toxiproxy = ToxiproxySandbox.start(dir.resolve("toxiproxy"));
      // Each database gets one proxy that every replica uses to reach it: cutting it cuts exactly
      // "the replicas from that node".
      dbOptions = dbOptions.withReplicationRoute((replica, source) ->
          replicationLinks.computeIfAbsent(source.id(), id -> toxiproxy.proxy("repl-" + id, source.hostPort())).socketAddress());
    }
    dbs = DatabaseSandbox.start(options.databases(), dir.resolve("db"), dbOptions);
    String controllerYaml = options.controllerYaml();
    if (options.controllerSqlAccess()) {
      Path password = dir.resolve("controller-db.password");
      Files.writeString(password, dbs.admin().password());
      controllerYaml += "databases:\n  user: '" + dbs.admin().user() + "'\n  passwordFile: '" + password + "'\n";
    }
    ControllerGroupOptions groupOptions = ControllerGroupOptions.defaults()
        .withElectionTimeout(Duration.ofMillis(500), Duration.ofMillis(1000)).withExtraYaml(controllerYaml).withDns();
    if (options.controllerLab() != null) groupOptions = groupOptions.inNamespacesOf(options.controllerLab());
    group = ControllerGroupSandbox.start(3, dir.resolve("controllers"), groupOptions);
    group.awaitLeader();
    api = new ControllerApi(group.endpoints(), Duration.ofSeconds(10));
    createCluster();
    try (Connection c = dbs.endpoint(1, dbs.root()).open(); Statement s = c.createStatement()) {
      s.execute(Writer.CREATE_TABLE);
      // The agent must make db1 writable, not the sandbox.
      dbs.dialect().setReadOnlyLevel(c, ReadOnlyLevel.READ_ONLY);
    }
    for (DatabaseNode node : dbs.nodes()) startAgent(node.id());
  }

  private void createCluster() throws IOException {
    String body = "{\"name\":\"" + CLUSTER + "\",\"durability\":\"" + options.durability() + "\",\"leaseTtlMs\":"
        + options.leaseTtl().toMillis() + ",\"cooldownMs\":" + options.cooldown().toMillis() + "}";
    expect(api.post("/v1/clusters", body), 201, "create cluster");
    for (DatabaseNode n : dbs.nodes()) register(n);
    expect(api.post("/v1/clusters/" + CLUSTER + "/bootstrap", "{\"primary\":\"db1\"}"), 200, "bootstrap");
  }

  private void register(DatabaseNode n) throws IOException {
    String replication = options.proxies()
        ? ",\"replicationAddress\":\"" + replicationLinks.computeIfAbsent(n.id(),
            id -> toxiproxy.proxy("repl-" + id, n.hostPort())).listenAddress() + "\"" : "";
    expect(api.post("/v1/clusters/" + CLUSTER + "/nodes", "{\"node\":\"" + n.id() + "\",\"host\":\"" + n.host()
        + "\",\"port\":" + n.port() + replication + "}"), 201, "register " + n.id());
  }

  /**
   * The operator's repair of a quarantined (or otherwise broken) replica, DESIGN §3.6: stop its
   * agent, remove it from the cluster, rebuild its database as a copy of {@code source} (normally the
   * primary; {@link DatabaseSandbox#reclone}), register it again and start its agent. Registered
   * anew in a running cluster, the node is checked against the primary's current position before it
   * may replicate or be promoted.
   *
   * @return how long the rebuild took
   */
  public Duration repairNode(String node, String source, Duration timeout) throws IOException {
    long began = System.nanoTime();
    AgentProcess agent = agents.get(node);
    if (agent != null && agent.isRunning()) agent.stop();
    ControllerApi.Response removed = api.delete("/v1/clusters/" + CLUSTER + "/nodes/" + node);
    if (removed.status() != 200 && !removed.body().path("code").asText("").equals("UNKNOWN_NODE")) {
      throw new IllegalStateException("remove " + node + ": HTTP " + removed.status() + " " + removed.body());
    }
    dbs.reclone(dbs.node(node), dbs.node(source), timeout);
    register(dbs.node(node));
    startAgent(node);
    return Duration.ofNanos(System.nanoTime() - began);
  }

  /**
   * ControllerApi retries a request on the next member when one times out, so a command may have
   * been committed by the first attempt: the "already done" answer of a fresh environment is success.
   */
  private static void expect(ControllerApi.Response r, int status, String what) {
    String code = r.body().path("code").asText("");
    boolean alreadyDone = r.status() == 409 && (code.equals("CLUSTER_EXISTS") || code.equals("ALREADY_BOOTSTRAPPED"));
    if (r.status() != status && !alreadyDone) throw new IllegalStateException(what + ": HTTP " + r.status() + " " + r.body());
  }

  /** Starts (or starts again) the agent of {@code node}, with its replication account and the server's pid file. */
  public AgentProcess startAgent(String node) throws IOException {
    AgentProcess existing = agents.get(node);
    if (existing != null) {
      existing.start();
      return existing;
    }
    List<String> controllers = new ArrayList<>();
    for (String id : group.memberIds()) {
      String direct = group.member(id).agentAddress();
      if (options.proxies()) {
        ToxiproxySandbox.Link link = toxiproxy.proxy("agent-" + node + "-" + id, direct);
        agentLinks.computeIfAbsent(node, k -> new LinkedHashMap<>()).put(id, link);
        controllers.add(link.listenAddress());
      } else {
        controllers.add(direct);
      }
    }
    Path agentDir = dir.resolve("agent-" + node);
    Files.createDirectories(agentDir);
    Path replPassword = agentDir.resolve("repl.password");
    Files.writeString(replPassword, dbs.replication().password());
    String yaml = "replication:\n  user: '" + dbs.replication().user() + "'\n  passwordFile: '" + replPassword + "'\n";
    if (options.failsafePeers()) {
      String listen = ControllerMember.HOST + ":" + Ports.freePort();
      String advertise = listen;
      if (options.proxies()) {
        ToxiproxySandbox.Link link = toxiproxy.proxy("peer-" + node, listen);
        peerLinks.put(node, link);
        advertise = link.listenAddress();
      }
      yaml += "peer:\n  listen: '" + listen + "'\n  advertise: '" + advertise + "'\n";
    }
    DatabaseNode db = dbs.node(node);
    AgentProcess agent = AgentProcess.start(agentSupervisor, agentDir, CLUSTER, node, controllers,
        dbs.endpoint(db, dbs.admin()), db.pidFile(), yaml);
    agents.put(node, agent);
    return agent;
  }

  /** A {@link Writer} target: the primary the API names now, through the application account. */
  public Optional<Writer.Target> primaryTarget() {
    return api.primary(CLUSTER).map(p -> new Writer.Target(p.node(), p.epoch(),
        dbs.endpoint(dbs.node(p.node()), dbs.app()).withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(2))));
  }

  /** The application's direct connection to one node (bypassing discovery), for split-brain checks. */
  public DatabaseEndpoint appEndpoint(String node) {
    return dbs.endpoint(dbs.node(node), dbs.app()).withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(2));
  }

  public DatabaseEndpoint rootEndpoint(String node) {
    return dbs.endpoint(dbs.node(node), dbs.root());
  }

  public ControllerApi api() {
    return api;
  }

  public ControllerGroupSandbox controllers() {
    return group;
  }

  public DatabaseSandbox databases() {
    return dbs;
  }

  public DatabaseNode db(String node) {
    return dbs.node(node);
  }

  public AgentProcess agent(String node) {
    return agents.get(node);
  }

  /** The link agent {@code node} uses to reach controller {@code memberId}; only with proxies. */
  public ToxiproxySandbox.Link agentLink(String node, String memberId) {
    return agentLinks.get(node).get(memberId);
  }

  /** The link the other agents use to ask {@code node}'s agent for failsafe promises; only with proxies and peers. */
  public ToxiproxySandbox.Link peerLink(String node) {
    return peerLinks.get(node);
  }

  /** The link every replica uses to reach {@code node}; only with proxies. */
  public ToxiproxySandbox.Link replicationLink(String node) {
    return replicationLinks.get(node);
  }

  /** Every member's built-in DNS address, as host:port. */
  public List<String> dnsServers() {
    return group.memberIds().stream().map(id -> group.member(id).host() + ":" + group.member(id).dnsPort()).toList();
  }

  /**
   * Every process of this environment running now, by role ({@code controller c1}, {@code mysqld db1},
   * {@code agent db1}, {@code toxiproxy-server}) → PID, so a caller can show or check what it started.
   */
  public Map<String, Long> processes() {
    Map<String, Long> out = new LinkedHashMap<>();
    if (group != null) {
      for (String id : group.memberIds()) if (group.isRunning(id)) out.put("controller " + id, group.pid(id));
    }
    if (dbs != null) {
      for (DatabaseNode n : dbs.nodes()) if (n.isRunning()) out.put("mysqld " + n.id(), n.pid());
    }
    agents.forEach((node, agent) -> {
      if (agent.isRunning()) out.put("agent " + node, agent.pid());
    });
    if (toxiproxy != null) out.put("toxiproxy-server", toxiproxy.pid());
    return out;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    agentSupervisor.close();
    if (group != null) group.close();
    if (dbs != null) dbs.close();
    if (toxiproxy != null) toxiproxy.close();
  }
}
