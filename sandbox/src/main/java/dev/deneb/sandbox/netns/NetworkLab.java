package dev.deneb.sandbox.netns;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Network namespaces joined by a bridge, so that tests can cut real links between processes: each
 * controller member runs in its own namespace ({@link #wrap}), and {@link #cut}, {@link #isolate} and
 * {@link #partition} drop its packets with nftables, inside the namespaces, until {@link #heal}.
 *
 * <pre>
 *   host namespace: bridge dn&lt;pid&gt;-&lt;lab&gt;br, 10.x.y.1/24
 *        |                 |                 |
 *   veth ...v0        veth ...v1        veth ...v2         (host ends, ports of the bridge)
 *        |                 |                 |
 *   eth0 10.x.y.2     eth0 10.x.y.3     eth0 10.x.y.4      (in namespaces ...n0, ...n1, ...n2)
 * </pre>
 *
 * <p>Processes of the host namespace (agents, databases, the test itself) reach namespace i at
 * {@link Namespace#address()} through the bridge; processes in a namespace reach the host at
 * {@link #hostAddress()}, so what they must reach has to listen there (or on 0.0.0.0), not on
 * 127.0.0.1, which inside a namespace is the namespace's own loopback. There is no default route in a
 * namespace: nothing beyond the lab's subnet is reachable from inside.
 *
 * <p>Every fault is a set of nftables {@code drop} rules in table {@code inet deneb} of the namespaces
 * concerned, never in the host namespace, so a fault cannot touch traffic outside the lab. Dropping
 * (not rejecting) also stalls connections already established, as a real partition does.
 *
 * <p>Bridged traffic between namespaces also passes the host's own netfilter FORWARD hook when
 * {@code br_netfilter} is loaded with {@code net.bridge.bridge-nf-call-iptables=1} (as on hosts with
 * Docker): a host firewall whose FORWARD policy is DROP then silently cuts namespace-to-namespace
 * traffic while host-to-namespace traffic still works. The lab does not touch host settings.
 *
 * <p>Cleanup: {@link #close()} deletes the lab's links and namespaces by name, from what exists, so it
 * also cleans up after a failed {@link #create}; it kills no process (stop yours first: a process left
 * inside keeps its namespace alive, but without a link). A shutdown hook closes labs left open, and
 * {@link #sweepStale()} removes what SIGKILLed JVMs left. All methods are thread-safe.
 */
public final class NetworkLab implements AutoCloseable {

  /** The nftables table each namespace gets; heal flushes it. */
  static final String TABLE = "inet deneb";
  /** The namespace end of each veth; names are per namespace, so every namespace can use the same. */
  static final String LINK = "eth0";

  /** Output and input chains, accepting by default: faults add drop rules to them. */
  private static final String TABLE_SCRIPT = """
      table inet deneb {
        chain output { type filter hook output priority 0; policy accept; }
        chain input { type filter hook input priority 0; policy accept; }
      }
      """;

  /** Choosing a subnet and addressing the bridge is one step per JVM: another lab sees it as routed after. */
  private static final Object SUBNET_LOCK = new Object();

  private final NetnsAvailability.Available tools;
  private final CommandRunner runner;
  private final HostObjects host;
  private final LabNames names;
  private final Subnet subnet;
  private final List<Namespace> namespaces;
  private final Set<Fault> faults = new LinkedHashSet<>();
  private boolean closing;
  private boolean closed;

  private NetworkLab(NetnsAvailability.Available tools, CommandRunner runner, LabNames names, Subnet subnet, int size) {
    this.tools = tools;
    this.runner = runner;
    this.host = new HostObjects(runner, tools.ip());
    this.names = names;
    this.subnet = subnet;
    List<Namespace> list = new ArrayList<>();
    for (int i = 0; i < size; i++) list.add(new Namespace(i, names.namespace(i), subnet.address(i + 2)));
    this.namespaces = List.copyOf(list);
  }

  /**
   * Creates {@code size} namespaces on a fresh bridge, with the binaries {@link NetnsAvailability#check()} finds.
   *
   * @throws IllegalStateException when namespaces cannot be used here, with the reason
   * @throws NetnsCommandException when a command fails (everything made so far is removed first)
   */
  public static NetworkLab create(int size) {
    return create(size, NetnsAvailability.check().require());
  }

  /** Like {@link #create(int)}, with the binaries given (e.g. from a {@link NetnsAvailability} checked once). */
  public static NetworkLab create(int size, NetnsAvailability.Available tools) {
    if (size < 1 || size > LabNames.MAX_NAMESPACES) {
      throw new IllegalArgumentException("a lab has 1.." + LabNames.MAX_NAMESPACES + " namespaces, not " + size);
    }
    CommandRunner runner = new CommandRunner();
    HostObjects host = new HostObjects(runner, tools.ip());
    long pid = ProcessHandle.current().pid();
    int id = LabRegistry.allocate();
    NetworkLab lab = null;
    try {
      LabNames names = new LabNames(pid, id);
      synchronized (SUBNET_LOCK) {
        // Objects under our own prefix can only come from an earlier process that had our PID (in a
        // container the JVM often gets the same small PID every run): "File exists" would follow.
        host.deleteMatching(names::owns);
        Subnet subnet = Subnet.choose(pid, id, host.routes()).orElseThrow(() -> new IllegalStateException(
            "no free 10.64-191.x.0/24 subnet for a network lab: the host routes cover every candidate"
                + " (see `ip route show table all`)"));
        lab = new NetworkLab(tools, runner, names, subnet, size);
        LabRegistry.opened(lab);
        lab.createBridge();
      }
      lab.createNamespaces();
      return lab;
    } catch (RuntimeException e) {
      if (lab == null) {
        LabRegistry.release(id);
      } else {
        try {
          lab.close();
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  private void createBridge() {
    String bridge = names.bridge();
    runner.run(List.of(ip(), "-batch", "-"), "link add " + bridge + " type bridge\n"
        + "addr add " + subnet.cidr(1) + " dev " + bridge + "\n"
        + "link set " + bridge + " up\n");
  }

  private void createNamespaces() {
    StringBuilder hostSide = new StringBuilder();
    for (Namespace ns : namespaces) {
      String veth = names.hostVeth(ns.index());
      // The peer is created directly inside the namespace, so no half-made veth is ever left in the host.
      hostSide.append("netns add ").append(ns.name()).append('\n')
          .append("link add ").append(veth).append(" type veth peer name ").append(LINK)
          .append(" netns ").append(ns.name()).append('\n')
          .append("link set ").append(veth).append(" master ").append(names.bridge()).append(" up\n");
    }
    runner.run(List.of(ip(), "-batch", "-"), hostSide.toString());
    for (Namespace ns : namespaces) {
      runner.run(List.of(ip(), "-n", ns.name(), "-batch", "-"), "addr add " + subnet.cidr(ns.index() + 2) + " dev " + LINK + "\n"
          + "link set " + LINK + " up\n"
          // Loopback is down in a new namespace: a process there could not even talk to itself.
          + "link set lo up\n");
      // Made now, not at the first fault: a namespace where nftables does not work fails create(), not a test half-way.
      nft(ns.index(), TABLE_SCRIPT);
    }
  }

  public int size() {
    return namespaces.size();
  }

  public Namespace ns(int i) {
    checkIndex(i);
    return namespaces.get(i);
  }

  public List<Namespace> namespaces() {
    return namespaces;
  }

  /** The address of the bridge in the host namespace: how processes in the namespaces reach the host. */
  public String hostAddress() {
    return subnet.address(1);
  }

  /** The lab's subnet, e.g. "10.97.14.0/24". */
  public String subnet() {
    return subnet.network();
  }

  /** What the names of all this lab's namespaces and links start with, e.g. "dn48213-00". */
  public String prefix() {
    return names.prefix();
  }

  /**
   * {@code command} prefixed with {@code ip netns exec <name>}, for a {@link ProcessBuilder}. {@code ip}
   * enters the namespace and then execs the command, so the started {@link Process} (and its PID) is
   * the command itself.
   */
  public List<String> wrap(int i, List<String> command) {
    List<String> wrapped = new ArrayList<>(List.of(ip(), "netns", "exec", ns(i).name()));
    wrapped.addAll(command);
    return List.copyOf(wrapped);
  }

  /** Drops packets from namespace {@code from} to namespace {@code to}: see {@link Fault.Cut} for what TCP makes of it. */
  public void cut(int from, int to) {
    apply(List.of(cutFault(from, to)));
  }

  /** Drops packets between {@code a} and {@code b}, both ways. */
  public void cutBoth(int a, int b) {
    apply(List.of(cutFault(a, b), cutFault(b, a)));
  }

  /** Cuts namespace {@code i} from every other namespace and from the host: see {@link Fault.Isolation}. */
  public void isolate(int i) {
    checkIndex(i);
    apply(List.of(new Fault.Isolation(i)));
  }

  /**
   * Cuts namespace {@code i} from every other namespace, both ways, while the host still reaches it:
   * a leader cut off from its followers that agents in the host namespace can still talk to.
   */
  public void isolateFromPeers(int i) {
    checkIndex(i);
    List<Fault> cuts = new ArrayList<>();
    for (int j = 0; j < size(); j++) {
      if (j != i) {
        cuts.add(cutFault(i, j));
        cuts.add(cutFault(j, i));
      }
    }
    apply(cuts);
  }

  /**
   * Splits the namespaces into {@code side} and the rest, cut from each other both ways; within each
   * side, and with the host, everything still flows. E.g. {@code partition(Set.of(0, 1))} of five
   * members takes the majority away from members 0 and 1.
   */
  public void partition(Collection<Integer> side) {
    Set<Integer> one = new TreeSet<>(side);
    one.forEach(this::checkIndex);
    if (one.isEmpty() || one.size() == size()) {
      throw new IllegalArgumentException("a partition needs members on both sides, not " + one + " of " + size());
    }
    List<Fault> cuts = new ArrayList<>();
    for (int a : one) {
      for (int b = 0; b < size(); b++) {
        if (!one.contains(b)) {
          cuts.add(cutFault(a, b));
          cuts.add(cutFault(b, a));
        }
      }
    }
    apply(cuts);
  }

  /** Removes every fault: flushes table {@value #TABLE} in every namespace. */
  public synchronized void heal() {
    checkOpen();
    for (Namespace ns : namespaces) nft(ns.index(), "flush table " + TABLE + "\n");
    faults.clear();
  }

  /** The faults in place, in the order they were made. */
  public synchronized Set<Fault> faults() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(faults));
  }

  /**
   * Deletes the lab's veths, namespaces and bridge: whatever exists under {@link #prefix()}. Calling it
   * again does nothing once it succeeded; after a failure the next call (or the shutdown hook) tries
   * again. Processes still in a namespace are not killed.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closing = true;
      host.deleteMatching(names::owns);
      closed = true;
      faults.clear();
    }
    LabRegistry.closed(this, names.lab());
  }

  /**
   * Removes the namespaces and links that labs of dead processes left behind (a SIGKILLed JVM runs no
   * shutdown hook), and this JVM's own leftovers under ids no open lab uses. Objects of live processes
   * are left alone. Returns the names removed.
   *
   * <p>Liveness is judged by PID in this PID namespace: a JVM in another PID namespace that shares
   * this network namespace would look dead. Call it where that cannot happen (a CI job, a test setup).
   */
  public static List<String> sweepStale() {
    return sweepStale(NetnsAvailability.check().require());
  }

  /** Like {@link #sweepStale()}, with the binaries given. */
  public static List<String> sweepStale(NetnsAvailability.Available tools) {
    long self = ProcessHandle.current().pid();
    return new HostObjects(new CommandRunner(), tools.ip()).deleteMatching(name -> LabNames.parse(name)
        .filter(owner -> owner.pid() == self
            ? !LabRegistry.isAllocated(owner.lab())
            : ProcessHandle.of(owner.pid()).map(p -> !p.isAlive()).orElse(true))
        .isPresent());
  }

  private Fault.Cut cutFault(int from, int to) {
    checkIndex(from);
    checkIndex(to);
    if (from == to) throw new IllegalArgumentException("cannot cut namespace " + from + " from itself");
    return new Fault.Cut(from, to);
  }

  /** Adds the rules of the faults not yet in place, one nft transaction per namespace. */
  private synchronized void apply(List<Fault> wanted) {
    checkOpen();
    Map<Integer, StringBuilder> scripts = new LinkedHashMap<>();
    List<Fault> added = new ArrayList<>();
    for (Fault fault : wanted) {
      if (faults.contains(fault) || added.contains(fault)) continue;
      added.add(fault);
      if (fault instanceof Fault.Cut cut) {
        script(scripts, cut.from()).append("add rule ").append(TABLE).append(" output ip daddr ")
            .append(ns(cut.to()).address()).append(" drop\n");
      } else if (fault instanceof Fault.Isolation isolation) {
        // By interface, not by address: this also covers the host and any address someone adds later.
        script(scripts, isolation.namespace())
            .append("add rule ").append(TABLE).append(" output oifname \"").append(LINK).append("\" drop\n")
            .append("add rule ").append(TABLE).append(" input iifname \"").append(LINK).append("\" drop\n");
      } else {
        throw new IllegalStateException("unknown fault " + fault);
      }
    }
    // Record each namespace's faults only once its rules are in, so faults() never claims more than holds.
    for (Map.Entry<Integer, StringBuilder> entry : scripts.entrySet()) {
      nft(entry.getKey(), entry.getValue().toString());
      for (Fault fault : added) {
        if (owner(fault) == entry.getKey()) faults.add(fault);
      }
    }
  }

  private static StringBuilder script(Map<Integer, StringBuilder> scripts, int ns) {
    return scripts.computeIfAbsent(ns, k -> new StringBuilder());
  }

  /** The namespace whose rules implement {@code fault}. */
  private static int owner(Fault fault) {
    if (fault instanceof Fault.Cut cut) return cut.from();
    return ((Fault.Isolation) fault).namespace();
  }

  /** Runs an nft script (one atomic transaction) inside namespace {@code i}. */
  private void nft(int i, String script) {
    runner.run(List.of(ip(), "netns", "exec", ns(i).name(), tools.nft().toString(), "-f", "-"), script);
  }

  private String ip() {
    return tools.ip().toString();
  }

  private void checkIndex(int i) {
    if (i < 0 || i >= namespaces.size()) {
      throw new IndexOutOfBoundsException("namespace " + i + " of a lab of " + namespaces.size());
    }
  }

  private void checkOpen() {
    if (closing) throw new IllegalStateException("network lab " + names.prefix() + " is closed");
  }

  @Override
  public String toString() {
    return "NetworkLab[" + names.prefix() + ", " + subnet.network() + ", " + namespaces.size() + " namespaces]";
  }
}
