package dev.deneb.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A controller group of 1, 3 or 5 members, each a real {@code deneb controller} JVM on loopback
 * ports, for tests and the demo.
 *
 * <p>Each member lives in {@code <baseDir>/<id>/} (config, data, log). A killed or stopped member
 * can be restarted with the same config and data directory, as an operator would after a crash.
 * {@link #close()} stops every member; so does a JVM shutdown hook if the caller never gets there.
 */
public final class ControllerGroupSandbox implements AutoCloseable {

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, ControllerMember> members = new LinkedHashMap<>();
  private final Map<String, SupervisedProcess> processes = new HashMap<>();
  private final ControllerGroupOptions options;
  private final ProcessSupervisor supervisor;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(PROBE_TIMEOUT)
      .build();

  private ControllerGroupSandbox(List<ControllerMember> members, ControllerGroupOptions options) {
    members.forEach(m -> this.members.put(m.id(), m));
    this.options = options;
    this.supervisor = new ProcessSupervisor(options.stopGrace());
  }

  /** Writes the configs of {@code n} members (ids c1..cn) and starts them all. */
  public static ControllerGroupSandbox start(int n, Path baseDir, ControllerGroupOptions options) throws IOException {
    ControllerGroupSandbox group = create(n, baseDir, options);
    try {
      group.startAll();
    } catch (IOException | RuntimeException e) {
      group.close();
      throw e;
    }
    return group;
  }

  /** Picks ports and writes the configs of {@code n} members (ids c1..cn) without starting any. */
  public static ControllerGroupSandbox create(int n, Path baseDir, ControllerGroupOptions options) throws IOException {
    if (n != 1 && n != 3 && n != 5) {
      throw new IllegalArgumentException("a controller group has 1, 3 or 5 members, not " + n);
    }
    if (options.lab() != null && options.lab().size() < n) {
      throw new IllegalArgumentException("a group of " + n + " members needs a network lab of at least " + n
          + " namespaces, not " + options.lab().size());
    }
    List<ControllerMember> members = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      String id = "c" + i;
      // In a namespace every port is free; the host's free ports are as good a pick as any.
      String host = options.lab() == null ? ControllerMember.HOST : options.lab().ns(i - 1).address();
      members.add(new ControllerMember(id, host, Ports.freePort(), Ports.freePort(), Ports.freePort(),
          options.dns() ? Ports.freeTcpAndUdpPort() : 0, baseDir.toAbsolutePath().resolve(id)));
    }
    for (ControllerMember member : members) {
      Files.createDirectories(member.dataDir());
      Files.writeString(member.config(), ControllerConfigYaml.render(member, members, options), StandardCharsets.UTF_8);
    }
    return new ControllerGroupSandbox(members, options);
  }

  public void startAll() throws IOException {
    for (String id : members.keySet()) {
      start(id);
    }
  }

  /** Starts member {@code id} as {@code deneb controller --config <its config>}. */
  public synchronized SupervisedProcess start(String id) throws IOException {
    ControllerMember member = member(id);
    SupervisedProcess current = processes.get(id);
    if (current != null && supervisor.isAlive(current.pid())) {
      throw new IllegalStateException("controller " + id + " is already running as pid " + current.pid());
    }
    List<String> command = JavaCommand.deneb(options.extraJvmArgs(),
        List.of("controller", "--config", member.config().toString()));
    // `ip netns exec` enters the namespace and execs the JVM: the supervised PID is the member's own.
    if (options.lab() != null) command = options.lab().wrap(index(id), command);
    SupervisedProcess process = supervisor.start(
        ProcessSpec.of(id, command, member.log()).withWorkDir(member.dir()));
    processes.put(id, process);
    return process;
  }

  /** Member {@code id}'s position, 0 for c1: its namespace in {@link ControllerGroupOptions#lab()}. */
  public int index(String id) {
    member(id);
    return new ArrayList<>(members.keySet()).indexOf(id);
  }

  /** The network lab the members run in, or null when they run on loopback. */
  public dev.deneb.sandbox.netns.NetworkLab lab() {
    return options.lab();
  }

  public List<String> memberIds() {
    return List.copyOf(members.keySet());
  }

  public ControllerMember member(String id) {
    ControllerMember member = members.get(id);
    if (member == null) {
      throw new IllegalArgumentException("no controller member '" + id + "'; members are " + members.keySet());
    }
    return member;
  }

  /** {@code http://127.0.0.1:<port>} of every member, in id order. */
  public List<URI> endpoints() {
    return members.values().stream().map(ControllerMember::endpoint).toList();
  }

  public URI endpoint(String id) {
    return member(id).endpoint();
  }

  public Path logOf(String id) {
    return member(id).log();
  }

  /** The PID of member {@code id}'s current process; fails if it was never started. */
  public synchronized long pid(String id) {
    return process(id).pid();
  }

  public synchronized boolean isRunning(String id) {
    SupervisedProcess process = processes.get(id);
    return process != null && supervisor.isAlive(process.pid());
  }

  /** SIGKILL, like a crash or {@code kill -9}: no clean Raft shutdown, no final snapshot. */
  public void kill(String id) {
    supervisor.kill(process(id).pid());
  }

  /** SIGTERM, then SIGKILL after the grace period: a clean shutdown. */
  public void stop(String id) {
    supervisor.stop(process(id).pid());
  }

  /** Stops the member if it runs, then starts it again with the same config and data directory. */
  public SupervisedProcess restart(String id) throws IOException {
    if (isRunning(id)) {
      stop(id);
    }
    return start(id);
  }

  /** SIGSTOP: the member freezes with its sockets open, like a long GC pause or a stalled VM. */
  public void pause(String id) {
    supervisor.pause(process(id).pid());
  }

  public void resume(String id) {
    supervisor.resume(process(id).pid());
  }

  /**
   * Waits until a leader is agreed by a majority of the group and says so itself; returns its id.
   * Fails at once, naming the dead members and the last line of their logs, if too few members run
   * for a majority, and after {@code options.leaderTimeout()} otherwise.
   */
  public String awaitLeader() {
    return awaitLeader(options.leaderTimeout());
  }

  public String awaitLeader(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> lastSeen = new LinkedHashMap<>();
    while (true) {
      List<ControllerView> views = new ArrayList<>();
      lastSeen.clear();
      int alive = 0;
      for (ControllerMember member : members.values()) {
        String exited = exitedReason(member.id());
        if (exited != null) {
          lastSeen.put(member.id(), exited);
          continue;
        }
        alive++;
        try {
          ControllerView view = probe(member);
          views.add(view);
          lastSeen.put(member.id(), view.role() + ", term " + view.term() + ", leader " + view.leader());
        } catch (IOException e) {
          lastSeen.put(member.id(), "no answer (" + e.getClass().getSimpleName() + ")");
        }
      }
      Optional<String> leader = agreedLeader(members.size(), views);
      if (leader.isPresent()) {
        return leader.get();
      }
      if (alive < majority(members.size())) {
        throw new IllegalStateException("no leader possible: only " + alive + " of " + members.size()
            + " controllers run, a majority is " + majority(members.size()) + "; " + describe(lastSeen));
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("no controller leader within " + timeout.toSeconds() + "s; " + describe(lastSeen));
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /** The leader agreed by a majority right now, asking every running member once. */
  public Optional<String> leaderId() {
    List<ControllerView> views = new ArrayList<>();
    for (ControllerMember member : members.values()) {
      if (isRunning(member.id())) {
        try {
          views.add(probe(member));
        } catch (IOException e) {
          // Unreachable or frozen: it simply does not vote.
        }
      }
    }
    return agreedLeader(members.size(), views);
  }

  /** {@code GET /v1/controller} on one member, with a short timeout. */
  public ControllerView probe(String id) throws IOException {
    return probe(member(id));
  }

  /**
   * A leader named by a majority of the whole group (not of those that answered: two members of
   * five agreeing prove nothing) that also answered and called itself LEADER.
   */
  static Optional<String> agreedLeader(int groupSize, Collection<ControllerView> views) {
    Map<String, Integer> votes = new HashMap<>();
    for (ControllerView view : views) {
      if (view.leader() != null) {
        votes.merge(view.leader(), 1, Integer::sum);
      }
    }
    return votes.entrySet().stream()
        .filter(vote -> vote.getValue() >= majority(groupSize))
        .map(Map.Entry::getKey)
        .filter(leader -> views.stream().anyMatch(v -> v.id().equals(leader) && v.isLeader()))
        .findFirst();
  }

  private static int majority(int groupSize) {
    return groupSize / 2 + 1;
  }

  @Override
  public void close() {
    supervisor.close();
  }

  private ControllerView probe(ControllerMember member) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(member.endpoint().resolve("/v1/controller"))
        .timeout(PROBE_TIMEOUT)
        .GET()
        .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + member.id(), e);
    }
    if (response.statusCode() != 200) {
      throw new IOException(member.id() + " answered HTTP " + response.statusCode() + " to GET /v1/controller");
    }
    return ControllerView.fromJson(JSON.readTree(response.body()));
  }

  private synchronized SupervisedProcess process(String id) {
    member(id);
    SupervisedProcess process = processes.get(id);
    if (process == null) {
      throw new IllegalStateException("controller " + id + " was never started");
    }
    return process;
  }

  /** Why member {@code id} does not run (never started, or exited with its code and last log line), or null. */
  private synchronized String exitedReason(String id) {
    SupervisedProcess process = processes.get(id);
    if (process == null) {
      return "not started";
    }
    OptionalInt exit = supervisor.exitCode(process.pid());
    if (exit.isEmpty()) {
      return null;
    }
    return "exited with code " + exit.getAsInt() + ", last log line '" + lastLine(process.log()) + "' (log " + process.log() + ")";
  }

  private static String describe(Map<String, String> lastSeen) {
    StringBuilder text = new StringBuilder();
    lastSeen.forEach((id, seen) -> text.append(text.isEmpty() ? "" : "; ").append(id).append(": ").append(seen));
    return text.toString();
  }

  /** The last non-empty line of a log, read from its tail only (logs can be large). */
  static String lastLine(Path log) {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long length = file.length();
      int tail = (int) Math.min(length, 4096);
      byte[] bytes = new byte[tail];
      file.seek(length - tail);
      file.readFully(bytes);
      String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
      for (int i = lines.length - 1; i >= 0; i--) {
        if (!lines[i].isBlank()) {
          return lines[i].strip();
        }
      }
      return "";
    } catch (IOException e) {
      return "(cannot read: " + e.getMessage() + ")";
    }
  }
}
