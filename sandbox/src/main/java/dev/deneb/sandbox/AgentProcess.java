package dev.deneb.sandbox;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One {@code deneb agent} process beside a sandbox database node: writes its agent.yaml (format of
 * docs/agent-config.md; the password goes to a file beside it, never into the YAML) and runs it
 * under a {@link ProcessSupervisor}.
 */
public final class AgentProcess {
  private final ProcessSupervisor supervisor;
  private final String node;
  private final Path dir;
  private SupervisedProcess process;

  private AgentProcess(ProcessSupervisor supervisor, String node, Path dir) {
    this.supervisor = supervisor;
    this.node = node;
    this.dir = dir;
  }

  /**
   * @param controllers the agent addresses to connect to (host:port), e.g. Toxiproxy links in front
   *     of each controller member's agent port
   * @param extraYaml more top-level YAML (e.g. a {@code lease:} section), or empty
   */
  public static AgentProcess start(ProcessSupervisor supervisor, Path dir, String cluster, String node,
      List<String> controllers, DatabaseEndpoint database, String extraYaml) throws IOException {
    return start(supervisor, dir, cluster, node, controllers, database, null, extraYaml);
  }

  /**
   * As {@link #start(ProcessSupervisor, Path, String, String, List, DatabaseEndpoint, String)}, and
   * gives the agent the server's pid file ({@code database.pidFile}), which arms the SIGKILL rung of
   * its fencing ladder.
   *
   * @param pidFile the server's pid file (e.g. {@link DatabaseNode#pidFile()}), or null for none
   */
  public static AgentProcess start(ProcessSupervisor supervisor, Path dir, String cluster, String node,
      List<String> controllers, DatabaseEndpoint database, Path pidFile, String extraYaml) throws IOException {
    Files.createDirectories(dir);
    Path password = dir.resolve("db.password");
    Files.writeString(password, database.password());
    StringBuilder yaml = new StringBuilder()
        .append("# Written by the Deneb sandbox (AgentProcess); see docs/agent-config.md.\n")
        .append("cluster: '").append(cluster).append("'\n")
        .append("node: '").append(node).append("'\n")
        .append("controllers:\n");
    for (String c : controllers) yaml.append("  - '").append(c).append("'\n");
    yaml.append("database:\n")
        .append("  address: '").append(database.host()).append(':').append(database.port()).append("'\n")
        .append("  user: '").append(database.user()).append("'\n")
        .append("  passwordFile: '").append(password.toAbsolutePath()).append("'\n")
        .append("  connectTimeout: ").append(database.connectTimeout().toMillis()).append("ms\n")
        .append("  socketTimeout: ").append(database.socketTimeout().toMillis()).append("ms\n");
    if (pidFile != null) yaml.append("  pidFile: '").append(pidFile.toAbsolutePath()).append("'\n");
    yaml.append("stateDir: '").append(dir.resolve("state").toAbsolutePath()).append("'\n")
        .append(extraYaml);
    Files.writeString(dir.resolve("agent.yaml"), yaml);
    AgentProcess agent = new AgentProcess(supervisor, node, dir);
    agent.start();
    return agent;
  }

  /**
   * The agent's JVM: C1 only and the serial collector. A restart within the TTL is invisible only if
   * the agent is back renewing before its lease row runs out, and on a loaded 2-core machine the
   * cold start is CPU-bound (class loading, then C2 compiling start-up code it never runs again):
   * these cut the start's CPU time by about 40% (measured: 3.6 → 2.0 CPU-s to the first database
   * connection). The agent does little steady-state work, so C2's peak speed buys it nothing.
   * docs/agent-config.md recommends the same through DENEB_JAVA_OPTS.
   */
  public static final List<String> AGENT_JVM_ARGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  public synchronized SupervisedProcess start() throws IOException {
    process = supervisor.start(ProcessSpec.of("agent-" + node,
        JavaCommand.deneb(AGENT_JVM_ARGS, List.of("agent", "--config", dir.resolve("agent.yaml").toString())), log()));
    return process;
  }

  public Path log() {
    return dir.resolve("agent.log");
  }

  public Path config() {
    return dir.resolve("agent.yaml");
  }

  public synchronized long pid() {
    return process.pid();
  }

  public synchronized boolean isRunning() {
    return supervisor.isAlive(process.pid());
  }

  public void kill() {
    supervisor.kill(pid());
  }

  public void stop() {
    supervisor.stop(pid());
  }

  /**
   * SIGSTOP: the agent freezes with its streams open, as on a stalled host: it neither reports,
   * renews its lease, nor acknowledges directives until {@link #resume()}.
   */
  public void pause() {
    supervisor.pause(pid());
  }

  /** SIGCONT: undoes {@link #pause()}. */
  public void resume() {
    supervisor.resume(pid());
  }
}
