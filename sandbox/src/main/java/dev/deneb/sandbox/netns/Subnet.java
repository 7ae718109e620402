package dev.deneb.sandbox.netns;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A lab's private IPv4 /24, {@code 10.x.y.0/24} with x in 64..191: the host end of the bridge is
 * {@code .1}, namespace i is {@code .(i + 2)}.
 *
 * <p>Candidates are derived from the PID and the lab id, so that two JVMs (or two labs of one JVM)
 * start from different subnets; each candidate is then checked against every route of the host (all
 * tables), which also covers the bridges of labs already running. 10.0–10.63 and 10.192–10.255 are
 * left alone because that is where LANs, VPNs and container networks usually sit (the route check
 * would catch them, but a subnet that collides with a route added later would break that network).
 */
record Subnet(int x, int y) {
  private static final int X_BASE = 64;
  private static final int SLOTS = 128 * 256;
  private static final int ATTEMPTS = 64;
  /** `ip route` type keywords that may come before the prefix. */
  private static final Set<String> ROUTE_TYPES = Set.of("unicast", "local", "broadcast", "multicast", "anycast",
      "unreachable", "blackhole", "prohibit", "throw", "nat");

  Subnet {
    if (x < 0 || x > 255 || y < 0 || y > 255) throw new IllegalArgumentException("10." + x + "." + y + ".0/24 is not an IPv4 subnet");
  }

  String network() {
    return "10." + x + "." + y + ".0/24";
  }

  String address(int host) {
    if (host < 1 || host > 254) throw new IllegalArgumentException("host " + host + " outside 1..254");
    return "10." + x + "." + y + "." + host;
  }

  /** {@code address/24}, for {@code ip addr add}. */
  String cidr(int host) {
    return address(host) + "/24";
  }

  static Subnet candidate(long pid, int lab, int attempt) {
    // Spread neighbouring PIDs and lab ids over the space; 4099 is prime, so the attempts of one lab
    // walk through slots that differ from the first candidates of its neighbours.
    long slot = Math.floorMod(pid * 31 + lab * 257L + attempt * 4099L, (long) SLOTS);
    return new Subnet(X_BASE + (int) (slot / 256), (int) (slot % 256));
  }

  /** The first candidate that overlaps none of {@code routes} (the output of {@code ip -4 -o route show table all}). */
  static Optional<Subnet> choose(long pid, int lab, String routes) {
    List<int[]> prefixes = routes.lines().map(Subnet::routePrefix).flatMap(Optional::stream).toList();
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Subnet candidate = candidate(pid, lab, attempt);
      if (prefixes.stream().noneMatch(candidate::overlaps)) return Optional.of(candidate);
    }
    return Optional.empty();
  }

  /** Whether this /24 and {@code prefix} ({address, length}) share an address. */
  boolean overlaps(int[] prefix) {
    int common = Math.min(24, prefix[1]);
    int mask = common == 0 ? 0 : -1 << (32 - common);
    int ours = (10 << 24) | (x << 16) | (y << 8);
    return (ours & mask) == (prefix[0] & mask);
  }

  /**
   * {address, length} of a route line such as "10.0.0.0/8 dev eth0 ..." or "local 10.1.2.3 dev lo ...";
   * empty for the default route and anything that is not IPv4.
   */
  static Optional<int[]> routePrefix(String line) {
    String[] tokens = line.trim().split("\\s+");
    int i = 0;
    if (i < tokens.length && ROUTE_TYPES.contains(tokens[i])) i++;
    if (i >= tokens.length || tokens[i].equals("default")) return Optional.empty();
    String[] parts = tokens[i].split("/");
    String[] octets = parts[0].split("\\.");
    if (octets.length != 4) return Optional.empty();
    try {
      int address = 0;
      for (String octet : octets) address = (address << 8) | Integer.parseInt(octet);
      int length = parts.length > 1 ? Integer.parseInt(parts[1]) : 32;
      return Optional.of(new int[] {address, length});
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
