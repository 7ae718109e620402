package dev.deneb.controller.discovery.haproxy;

import dev.deneb.controller.discovery.DiscoveryBackend;
import dev.deneb.controller.discovery.DiscoveryException;
import dev.deneb.controller.discovery.Publication;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Points one HAProxy backend at a cluster's new primary through the runtime API (DESIGN §3.7).
 *
 * <p>For a publication of the configured cluster (others are ignored): {@code set server
 * <backend>/<new> state ready}, then for every other server of the backend — those HAProxy lists,
 * not only the configured ones — {@code set server ... state maint} and {@code shutdown sessions
 * server ...}, so clients still connected to the old primary are cut and reconnect to the new one.
 * Ready comes first so there is no moment without any server; the old primary is already fenced
 * when this step runs (the epoch, not the proxy, keeps writes safe). Finally {@code show servers
 * state} must show the new server ready (up for its health checks, if it has any) and every other in
 * forced maintenance; that check is repeated until the timeout, since a health check may need a
 * moment to see the server up.
 *
 * <p>Idempotent: every command leaves the same state when repeated, and the new primary's sessions
 * are never shut down. Bounded in time: every command and the verification share one deadline,
 * {@link HaproxySettings#timeout()}. Any reply that is not the expected one (HAProxy answers "No
 * such server.", "Unknown command", "Permission denied" as text) is a {@link DiscoveryException}
 * naming the command and the reply; none is a refusal, so the orchestrator retries.
 */
public final class HaproxyBackend implements DiscoveryBackend {
  private static final Logger log = LoggerFactory.getLogger(HaproxyBackend.class);
  private static final long VERIFY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final HaproxySettings settings;
  private final RuntimeApiClient client;

  public HaproxyBackend(HaproxySettings settings) {
    this.settings = settings;
    this.client = new RuntimeApiClient(settings.runtimeApi());
  }

  @Override
  public String name() {
    return "haproxy:" + settings.runtimeApi() + "/" + settings.backend();
  }

  @Override
  public void publish(Publication p) throws DiscoveryException {
    if (!p.cluster().equals(settings.cluster())) {
      return;
    }
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    String backend = settings.backend();
    String primary = settings.serverOf(p.primary().node());
    List<ServerState> servers = showState(deadline);
    if (servers.stream().noneMatch(s -> s.name().equals(primary))) {
      throw new DiscoveryException(name() + ": backend " + backend + " has no server '" + primary + "' for node "
          + p.primary().node() + " (its servers: " + names(servers) + "); name it under servers: { "
          + p.primary().node() + ": <server> } in the haproxy settings of cluster " + p.cluster(), false);
    }
    expectEmpty("set server " + backend + "/" + primary + " state ready", deadline);
    for (ServerState s : servers) {
      if (!s.name().equals(primary)) {
        expectEmpty("set server " + backend + "/" + s.name() + " state maint", deadline);
        expectEmpty("shutdown sessions server " + backend + "/" + s.name(), deadline);
      }
    }
    verify(primary, deadline);
    log.info("{}: cluster {} epoch {} routed to server {} (node {}); other servers in maintenance",
        name(), p.cluster(), p.epoch(), primary, p.primary().node());
  }

  /**
   * Polls the state until it is the wanted one or the deadline passes.
   *
   * <p>Once one poll has shown what is wrong, a later poll that runs out of time (the deadline
   * passing while it connects, on a loaded host) does not replace that diagnosis with "timed out":
   * the operator needs to read "its health check says it is down", not a symptom of the timeout.
   */
  private void verify(String primary, long deadline) throws DiscoveryException {
    String problem = null;
    while (true) {
      List<ServerState> servers;
      try {
        servers = showState(deadline);
      } catch (DiscoveryException e) {
        if (problem == null || System.nanoTime() - deadline < 0) {
          throw e;
        }
        throw notConverged(problem, e);
      }
      problem = problem(servers, primary);
      if (problem == null) {
        return;
      }
      if (System.nanoTime() + VERIFY_POLL_NANOS - deadline > 0) {
        throw notConverged(problem, null);
      }
      LockSupport.parkNanos(VERIFY_POLL_NANOS);
    }
  }

  private DiscoveryException notConverged(String problem, DiscoveryException lastPoll) {
    return new DiscoveryException(name() + ": after the commands, " + problem + " (within "
        + settings.timeout().toMillis() + " ms)", false, lastPoll);
  }

  /** Null when {@code primary} is ready and every other server in forced maintenance; else what is not. */
  static String problem(List<ServerState> servers, String primary) {
    for (ServerState s : servers) {
      if (s.name().equals(primary) && !s.ready()) {
        boolean adminReady = (s.adminState() & (ServerState.ANY_MAINT | ServerState.ANY_DRAIN)) == 0;
        return "server " + s.describe() + " is not ready"
            + (adminReady ? ": its health check says it is down; can HAProxy reach the database?" : "");
      }
      if (!s.name().equals(primary) && !s.forcedMaintenance()) {
        return "server " + s.describe() + " is not in maintenance";
      }
    }
    return null;
  }

  private List<ServerState> showState(long deadline) throws DiscoveryException {
    String command = "show servers state " + settings.backend();
    String reply = execute(command, deadline);
    try {
      return ServerState.parse(reply);
    } catch (IllegalArgumentException e) {
      throw new DiscoveryException(name() + ": '" + command + "' failed: HAProxy replied "
          + ServerState.abbreviate(reply) + hint(reply), false);
    }
  }

  /** Runs a command whose success is an empty reply; any text back is HAProxy's error message. */
  private void expectEmpty(String command, long deadline) throws DiscoveryException {
    String reply = execute(command, deadline);
    if (!reply.isBlank()) {
      throw new DiscoveryException(name() + ": '" + command + "' failed: HAProxy replied "
          + ServerState.abbreviate(reply) + hint(reply), false);
    }
  }

  private String execute(String command, long deadline) throws DiscoveryException {
    try {
      return client.execute(command, deadline);
    } catch (IOException e) {
      throw new DiscoveryException(name() + ": cannot run '" + command + "' on HAProxy's runtime API at "
          + settings.runtimeApi() + ": " + e.getMessage() + " (is HAProxy running with 'stats socket "
          + settings.runtimeApi() + " level admin' in its global section?)", false, e);
    }
  }

  private String hint(String reply) {
    if (reply.contains("Permission denied")) {
      return "; the stats socket needs 'level admin'";
    }
    if (reply.contains("backend")) {
      return "; check the backend name '" + settings.backend() + "' against haproxy.cfg";
    }
    if (reply.contains("No such server")) {
      return "; check the servers mapping against haproxy.cfg";
    }
    return "";
  }

  private static String names(List<ServerState> servers) {
    return servers.isEmpty() ? "none" : String.join(", ", servers.stream().map(ServerState::name).toList());
  }
}
