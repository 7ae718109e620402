package dev.deneb.sandbox.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NetworkLab} with real processes: a {@link NetPeer} JVM in each namespace, and the test JVM
 * itself in the host namespace. Negative probes need no waiting (rules are in place when cut() returns,
 * and a probe fails after its 300 ms timeout); positive ones are awaited, since the first packets to a
 * fresh address wait for ARP.
 *
 * <p>Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN), {@code ip} and {@code nft}: where those are
 * missing every test FAILS with the reason; {@code DENEB_NETNS=off} skips them instead (see
 * {@link NetnsTestSupport}).
 */
class NetworkLabTest {
  private static final int PORT = NetPeer.PORT;
  private static final Duration HEAL = Duration.ofSeconds(10);

  @TempDir static Path peerDir;
  private static NetnsAvailability.Available tools;
  private static Path classes;

  private final List<Process> started = new ArrayList<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private NetworkLab lab;

  /** Per test, not per class: a class-level skip is invisible in surefire's report, a per-test one shows its reason. */
  @BeforeEach
  void requireNamespacesAndCompileThePeer() throws IOException {
    tools = NetnsTestSupport.requireNetns();
    if (classes == null) classes = NetPeer.compile(peerDir);
  }

  @AfterEach
  void stopEverything() throws Exception {
    try {
      // Processes first, by PID: a process left in a namespace would keep it alive after close().
      for (Process process : started) NetPeer.stop(process);
      for (AutoCloseable c : toClose) c.close();
    } finally {
      if (lab != null) lab.close();
    }
  }

  @Test
  void theHostAndEveryNamespaceReachEachOther() throws IOException {
    lab = NetworkLab.create(3, tools);
    List<NetPeer> peers = peers(3);
    int hostPort = hostEchoServer();

    long pid = ProcessHandle.current().pid();
    assertThat(lab.prefix()).startsWith("dn" + pid + "-");
    assertThat(lab.namespaces()).extracting(Namespace::name).allSatisfy(n -> assertThat(n).startsWith(lab.prefix()));
    assertThat(host().links()).filteredOn(n -> n.startsWith(lab.prefix())).as("bridge and 3 veths")
        .hasSize(4).allSatisfy(n -> assertThat(n.length()).isLessThanOrEqualTo(15));
    // wrap() hands back the command itself, so a process in a namespace is stopped by its own PID.
    assertThat(runner().run(List.of(tools.ip().toString(), "netns", "pids", lab.ns(1).name())).lines())
        .contains(Long.toString(peers.get(1).pid()));

    for (Namespace ns : lab.namespaces()) {
      await().atMost(HEAL).until(() -> hostReaches(ns.address()));
      assertThat(peers.get(ns.index()).tcp(lab.hostAddress(), hostPort)).as("namespace %d to host", ns.index()).isEqualTo("ok");
    }
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        if (i != j) assertThat(peers.get(i).tcp(lab.ns(j).address(), PORT)).as("%d to %d", i, j).isEqualTo("ok");
      }
    }
  }

  /**
   * cut(0, 1) drops 0's packets to 1. For TCP that fails new connections both ways (1's SYN reaches 0,
   * whose SYN-ACK is dropped), so the one-way nature is asserted with UDP: 0 still hears from 1, 1
   * never hears from 0. Every other path, the host's included, is untouched.
   */
  @Test
  void cutDropsOneDirectionAndNothingElse() throws IOException {
    lab = NetworkLab.create(3, tools);
    List<NetPeer> peers = peers(3);
    String a0 = lab.ns(0).address(), a1 = lab.ns(1).address(), a2 = lab.ns(2).address();
    await().atMost(HEAL).until(() -> peers.get(0).tcp(a1, PORT).equals("ok"));

    lab.cut(0, 1);

    assertThat(lab.faults()).containsExactly(new Fault.Cut(0, 1));
    assertThat(peers.get(0).tcp(a1, PORT)).as("0 to 1: SYN dropped").startsWith("fail");
    assertThat(peers.get(1).tcp(a0, PORT)).as("1 to 0: SYN-ACK dropped").startsWith("fail");
    assertThat(peers.get(0).tcp(a2, PORT)).as("0 to 2").isEqualTo("ok");
    assertThat(peers.get(2).tcp(a0, PORT)).as("2 to 0").isEqualTo("ok");
    assertThat(peers.get(1).tcp(a2, PORT)).as("1 to 2").isEqualTo("ok");
    assertThat(peers.get(2).tcp(a1, PORT)).as("2 to 1").isEqualTo("ok");
    assertThat(hostReaches(a0)).as("host to 0").isTrue();
    assertThat(hostReaches(a1)).as("host to 1").isTrue();

    // Datagrams show the direction: 0's never arrives at 1, 1's arrives at 0. 2's datagram, sent
    // after 0's over the same bridge, marks when 0's would have arrived.
    // A drop in the sender's own output chain is reported to a UDP sender (EPERM), unlike a real network's loss.
    assertThat(peers.get(0).udp(a1, PORT, "from0")).contains("Operation not permitted");
    peers.get(2).udp(a1, PORT, "from2");
    peers.get(1).udp(a0, PORT, "from1");
    await().atMost(HEAL).until(() -> peers.get(1).inbox().contains("from2"));
    assertThat(peers.get(1).inbox()).containsExactly("from2");
    await().atMost(HEAL).until(() -> peers.get(0).inbox().contains("from1"));

    lab.heal();

    assertThat(lab.faults()).isEmpty();
    await().atMost(HEAL).until(() -> peers.get(0).tcp(a1, PORT).equals("ok"));
    assertThat(peers.get(1).tcp(a0, PORT)).isEqualTo("ok");
  }

  @Test
  void aCutStallsAConnectionAlreadyEstablished() throws IOException {
    lab = NetworkLab.create(2, tools);
    List<NetPeer> peers = peers(2);
    await().atMost(HEAL).until(() -> peers.get(1).open(lab.ns(0).address(), PORT).equals("ok"));
    assertThat(peers.get(1).send()).isEqualTo("ok");

    // Only 0's replies are dropped, and that is enough to stall 1's connection to 0.
    lab.cut(0, 1);

    assertThat(peers.get(1).send()).contains("SocketTimeoutException");
  }

  @Test
  void isolateFromPeersKeepsTheHostAndPartitionSplitsTheRest() throws IOException {
    lab = NetworkLab.create(3, tools);
    List<NetPeer> peers = peers(3);
    int hostPort = hostEchoServer();
    String a0 = lab.ns(0).address(), a1 = lab.ns(1).address(), a2 = lab.ns(2).address();
    await().atMost(HEAL).until(() -> peers.get(0).tcp(a1, PORT).equals("ok"));

    lab.isolateFromPeers(0);

    assertThat(lab.faults())
        .containsExactlyInAnyOrder(new Fault.Cut(0, 1), new Fault.Cut(1, 0), new Fault.Cut(0, 2), new Fault.Cut(2, 0));
    assertThat(hostReaches(a0)).as("host to the isolated leader").isTrue();
    assertThat(peers.get(0).tcp(lab.hostAddress(), hostPort)).as("isolated leader to host").isEqualTo("ok");
    assertThat(peers.get(0).tcp(a1, PORT)).as("0 to 1").startsWith("fail");
    assertThat(peers.get(2).tcp(a0, PORT)).as("2 to 0").startsWith("fail");
    assertThat(peers.get(1).tcp(a2, PORT)).as("1 to 2, the majority").isEqualTo("ok");

    lab.heal();
    await().atMost(HEAL).until(() -> peers.get(0).tcp(a1, PORT).equals("ok"));

    // {0, 1} against {2}: inside each side and with the host everything flows.
    lab.partition(List.of(0, 1));

    assertThat(lab.faults()).hasSize(4);
    assertThat(peers.get(0).tcp(a1, PORT)).as("0 to 1, same side").isEqualTo("ok");
    assertThat(peers.get(0).tcp(a2, PORT)).as("0 to 2").startsWith("fail");
    assertThat(peers.get(2).tcp(a1, PORT)).as("2 to 1").startsWith("fail");
    assertThat(hostReaches(a2)).as("host to the minority").isTrue();
  }

  @Test
  void isolateCutsTheHostTooAndStallsItsConnection() throws IOException {
    lab = NetworkLab.create(3, tools);
    List<NetPeer> peers = peers(3);
    String a0 = lab.ns(0).address();
    await().atMost(HEAL).until(() -> hostReaches(a0));
    Socket established = new Socket();
    toClose.add(established);
    established.connect(new InetSocketAddress(a0, PORT), NetPeer.PROBE_MILLIS);
    established.setSoTimeout(NetPeer.PROBE_MILLIS);
    BufferedReader replies = new BufferedReader(new InputStreamReader(established.getInputStream(), StandardCharsets.UTF_8));
    assertThat(roundTrip(established, replies)).isTrue();

    lab.isolate(0);

    assertThatThrownBy(() -> roundTrip(established, replies)).isInstanceOf(SocketTimeoutException.class);
    assertThat(hostReaches(a0)).as("host to 0").isFalse();
    assertThat(peers.get(1).tcp(a0, PORT)).as("1 to 0").startsWith("fail");
    assertThat(peers.get(0).tcp(lab.ns(2).address(), PORT)).as("0 to 2").startsWith("fail");
    assertThat(peers.get(1).tcp(lab.ns(2).address(), PORT)).as("1 to 2").isEqualTo("ok");

    lab.heal();
    await().atMost(HEAL).until(() -> hostReaches(a0));
  }

  @Test
  void closeRemovesEverythingTwiceAndAfterOutsideDamage() {
    lab = NetworkLab.create(2, tools);
    String prefix = lab.prefix();
    assertThat(host().namespaces()).filteredOn(n -> n.startsWith(prefix)).hasSize(2);
    // Someone else already deleted the bridge (or create() died half-way): close() still cleans up the rest.
    runner().run(List.of(tools.ip().toString(), "link", "del", prefix + "br"));

    lab.close();
    lab.close();

    assertThat(host().namespaces()).noneMatch(n -> n.startsWith(prefix));
    assertThat(host().links()).noneMatch(n -> n.startsWith(prefix));
    assertThatThrownBy(() -> lab.cut(0, 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void aFailedCreateLeavesNothingBehind() {
    String ours = "dn" + ProcessHandle.current().pid() + "-";
    NetnsAvailability.Available brokenNft = new NetnsAvailability.Available(tools.ip(), Path.of("/bin/false"));

    assertThatThrownBy(() -> NetworkLab.create(2, brokenNft)).isInstanceOf(NetnsCommandException.class)
        .hasMessageContaining("netns exec").hasMessageContaining("/bin/false -f -").hasMessageContaining("exit code 1");

    assertThat(host().namespaces()).noneMatch(n -> n.startsWith(ours));
    assertThat(host().links()).noneMatch(n -> n.startsWith(ours));
  }

  @Test
  void sweepStaleRemovesWhatDeadProcessesLeftAndNothingLive() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String stale = "dn" + gone.pid() + "-00";
    lab = NetworkLab.create(1, tools);
    try {
      runner().run(List.of(tools.ip().toString(), "netns", "add", stale + "n0"));
      runner().run(List.of(tools.ip().toString(), "link", "add", stale + "br", "type", "bridge"));

      assertThat(NetworkLab.sweepStale(tools)).contains(stale + "n0", stale + "br").noneMatch(n -> n.startsWith(lab.prefix()));

      assertThat(Stream.concat(host().namespaces().stream(), host().links().stream())).noneMatch(n -> n.startsWith(stale))
          .anyMatch(n -> n.equals(lab.ns(0).name()));
    } finally {
      // Whatever the assertions said, nothing of the fake dead owner stays.
      host().deleteMatching(n -> n.startsWith(stale));
    }
  }

  @Test
  void createRemovesLeftoversOfAnEarlierProcessWithOurPid() {
    // In a container the JVM gets the same small PID every run; a run killed with SIGKILL left these.
    // No lab is open between tests, so the next one gets lab id 0.
    String leftover = new LabNames(ProcessHandle.current().pid(), 0).prefix();
    runner().run(List.of(tools.ip().toString(), "netns", "add", leftover + "n0"));
    runner().run(List.of(tools.ip().toString(), "link", "add", leftover + "br", "type", "bridge"));

    lab = NetworkLab.create(1, tools);

    assertThat(lab.prefix()).isEqualTo(leftover);
    assertThat(host().links()).contains(leftover + "br", leftover + "v0");
  }

  @Test
  void theShutdownHookAndSweepStaleCleanUpAfterDeadJvms() throws Exception {
    Process terminated = leaker();
    Process killed = leaker();
    String terminatedPrefix = firstLine(terminated);
    String killedPrefix = firstLine(killed);
    try {
      assertThat(host().namespaces()).anyMatch(n -> n.startsWith(terminatedPrefix)).anyMatch(n -> n.startsWith(killedPrefix));

      terminated.destroy();  // SIGTERM: the JVM runs its shutdown hooks
      killed.destroyForcibly();  // SIGKILL: it runs nothing
      assertThat(terminated.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(killed.waitFor(20, TimeUnit.SECONDS)).isTrue();

      assertThat(host().namespaces()).noneMatch(n -> n.startsWith(terminatedPrefix)).anyMatch(n -> n.startsWith(killedPrefix));
      assertThat(host().links()).noneMatch(n -> n.startsWith(terminatedPrefix));

      assertThat(NetworkLab.sweepStale(tools)).contains(killedPrefix + "br", killedPrefix + "n0", killedPrefix + "n1");

      assertThat(host().namespaces()).noneMatch(n -> n.startsWith(killedPrefix));
      assertThat(host().links()).noneMatch(n -> n.startsWith(killedPrefix));
    } finally {
      host().deleteMatching(n -> n.startsWith(terminatedPrefix) || n.startsWith(killedPrefix));
    }
  }

  /** A JVM running {@link LabLeaker} with a lab of two namespaces; stopped in stopEverything() whatever happens. */
  private Process leaker() throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classpath, LabLeaker.class.getName(), "2")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    started.add(process);
    return process;
  }

  private static String firstLine(Process process) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    }, runnable -> new Thread(runnable, "leaker-reader").start()).get(30, TimeUnit.SECONDS);
    assertThat(line).as("prefix printed by LabLeaker " + process.pid()).isNotNull().startsWith("dn" + process.pid() + "-");
    return line;
  }

  private List<NetPeer> peers(int count) throws IOException {
    List<NetPeer> peers = new ArrayList<>();
    for (int i = 0; i < count; i++) peers.add(NetPeer.launch(lab, i, classes, started));
    peers.forEach(NetPeer::awaitReady);
    return peers;
  }

  /** An echo server of the test JVM on the bridge address, as an agent of the host namespace would listen; returns its port. */
  private int hostEchoServer() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(lab.hostAddress()));
    toClose.add(server);
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
          String line = in.readLine();
          if (line != null) s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // Closed by the test's cleanup, or a probe that gave up: serve the next one.
        }
      }
    }, "host-echo");
    acceptor.setDaemon(true);
    acceptor.start();
    return server.getLocalPort();
  }

  /** A new connection from the host namespace, with an echo round trip. */
  private static boolean hostReaches(String address) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, PORT), NetPeer.PROBE_MILLIS);
      s.setSoTimeout(NetPeer.PROBE_MILLIS);
      return roundTrip(s, new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean roundTrip(Socket s, BufferedReader in) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write("ping\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
    return "ping".equals(in.readLine());
  }

  private static CommandRunner runner() {
    return new CommandRunner();
  }

  private static HostObjects host() {
    return new HostObjects(runner(), tools.ip());
  }
}
