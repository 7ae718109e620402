package dev.deneb.sandbox.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether this process can build a {@link NetworkLab}: Linux, the privileges to create network
 * namespaces, and the {@code ip} and {@code nft} binaries. Either {@link Available} with the two
 * binaries, or {@link Unavailable} with every reason found, phrased so that a person can act on it.
 *
 * <p>The check is static (no namespace is created): it reads {@code /proc/self/status} and looks for
 * files. A container that grants the capabilities but forbids the calls (seccomp) passes here and
 * fails in {@link NetworkLab#create}, with the failing command in the message.
 */
public sealed interface NetnsAvailability permits NetnsAvailability.Available, NetnsAvailability.Unavailable {

  /** Environment variable naming the {@code ip} binary (iproute2); else PATH, /usr/sbin, /sbin. */
  String IP_ENV = "DENEB_IP";
  /** Environment variable naming the {@code nft} binary (nftables); else PATH, /usr/sbin, /sbin. */
  String NFT_ENV = "DENEB_NFT";

  /** Namespaces can be used, with these binaries. */
  record Available(Path ip, Path nft) implements NetnsAvailability {}

  /** Namespaces cannot be used here, and why. */
  record Unavailable(String reason) implements NetnsAvailability {}

  /** CAP_NET_ADMIN (12) configures links, addresses and nftables in a namespace. */
  int CAP_NET_ADMIN = 12;
  /** CAP_SYS_ADMIN (21): {@code ip netns add} bind-mounts the namespace under /run/netns and calls unshare. */
  int CAP_SYS_ADMIN = 21;

  /** Checks this process: its environment and {@code /proc/self/status}. */
  static NetnsAvailability check() {
    String status;
    try {
      status = Files.readString(Path.of("/proc/self/status"));
    } catch (IOException e) {
      status = null;
    }
    return check(System.getenv(), status);
  }

  /**
   * @param env where {@value #IP_ENV}, {@value #NFT_ENV} and PATH are read
   * @param procStatus the text of {@code /proc/self/status}, or null when there is none (not Linux)
   */
  static NetnsAvailability check(Map<String, String> env, String procStatus) {
    List<String> reasons = new ArrayList<>();
    privilegeProblem(procStatus).ifPresent(reasons::add);
    BinaryLocator.Found ip = BinaryLocator.find(env, IP_ENV, "ip", "install iproute2 (apt-get install iproute2)");
    BinaryLocator.Found nft = BinaryLocator.find(env, NFT_ENV, "nft", "install nftables (apt-get install nftables)");
    ip.problem().ifPresent(reasons::add);
    nft.problem().ifPresent(reasons::add);
    if (!reasons.isEmpty()) return new Unavailable(String.join("; ", reasons));
    return new Available(ip.path(), nft.path());
  }

  default boolean isAvailable() {
    return this instanceof Available;
  }

  /** The binaries, or an {@link IllegalStateException} carrying the reason. */
  default Available require() {
    if (this instanceof Available available) return available;
    throw new IllegalStateException("network namespaces cannot be used here: " + ((Unavailable) this).reason());
  }

  private static Optional<String> privilegeProblem(String procStatus) {
    if (procStatus == null) {
      return Optional.of("no /proc/self/status: network namespaces need Linux");
    }
    long uid = -1;
    long capEff = 0;
    for (String line : procStatus.split("\n")) {
      String[] fields = line.trim().split("\\s+");
      // "Uid:  real  effective  saved  fs": the effective uid is what the kernel checks.
      if (fields[0].equals("Uid:") && fields.length > 2) uid = Long.parseLong(fields[2]);
      if (fields[0].equals("CapEff:") && fields.length > 1) capEff = Long.parseUnsignedLong(fields[1], 16);
    }
    boolean netAdmin = (capEff & (1L << CAP_NET_ADMIN)) != 0;
    boolean sysAdmin = (capEff & (1L << CAP_SYS_ADMIN)) != 0;
    if (netAdmin && sysAdmin) return Optional.empty();
    String missing = !netAdmin && !sysAdmin ? "CAP_NET_ADMIN and CAP_SYS_ADMIN" : netAdmin ? "CAP_SYS_ADMIN" : "CAP_NET_ADMIN";
    if (uid != 0) {
      return Optional.of("not root (uid " + uid + "): network namespaces need CAP_NET_ADMIN (and CAP_SYS_ADMIN for"
          + " `ip netns add`); run as root, or set DENEB_NETNS=off to skip the namespace tests");
    }
    return Optional.of("root but without " + missing + " (a container without --cap-add NET_ADMIN/SYS_ADMIN?):"
        + " network namespaces need both; set DENEB_NETNS=off to skip the namespace tests");
  }
}
