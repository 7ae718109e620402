package dev.deneb.sandbox.netns;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of one lab's namespaces and links: {@code dn<pid>-<lab><role><index>}, e.g.
 * {@code dn48213-00br} (bridge), {@code dn48213-00v1} (host end of namespace 1's veth),
 * {@code dn48213-00n1} (namespace 1).
 *
 * <p>The PID keeps concurrent JVMs apart and lets {@link NetworkLab#sweepStale()} tell a dead owner's
 * leftovers from a live lab; the lab id (two base-36 digits, fixed width so that one lab's prefix is
 * never the prefix of another's) keeps labs of one JVM apart. Linux caps interface names at 15 bytes
 * (IFNAMSIZ 16 with the NUL): with a 7-digit PID (pid_max is at most 4194304) and index 99 the longest
 * name is exactly 15.
 */
record LabNames(long pid, int lab) {
  static final String PREFIX = "dn";
  static final int MAX_LAB = 36 * 36 - 1;
  static final int MAX_NAMESPACES = 100;
  static final int MAX_INTERFACE_NAME = 15;

  private static final Pattern OWNED = Pattern.compile("dn(\\d{1,7})-([0-9a-z]{2})(?:br|[vn]\\d{1,2})");

  /** Whose an object is, parsed from its name. */
  record Owner(long pid, int lab) {}

  LabNames {
    if (lab < 0 || lab > MAX_LAB) throw new IllegalArgumentException("lab id " + lab + " outside 0.." + MAX_LAB);
    if (pid <= 0 || pid > 9_999_999) {
      throw new IllegalArgumentException("PID " + pid + " has more than 7 digits: interface names would exceed 15 bytes");
    }
  }

  /** What every name of this lab starts with. */
  String prefix() {
    String id = Integer.toString(lab, 36);
    return PREFIX + pid + "-" + (id.length() == 1 ? "0" + id : id);
  }

  String bridge() {
    return prefix() + "br";
  }

  String hostVeth(int i) {
    return prefix() + "v" + checkIndex(i);
  }

  String namespace(int i) {
    return prefix() + "n" + checkIndex(i);
  }

  boolean owns(String name) {
    return parse(name).filter(o -> o.pid() == pid && o.lab() == lab).isPresent();
  }

  /** The owner of a name made by some lab (of any JVM), or empty for anything else. */
  static Optional<Owner> parse(String name) {
    Matcher m = OWNED.matcher(name);
    if (!m.matches()) return Optional.empty();
    return Optional.of(new Owner(Long.parseLong(m.group(1)), Integer.parseInt(m.group(2), 36)));
  }

  private static int checkIndex(int i) {
    if (i < 0 || i >= MAX_NAMESPACES) {
      throw new IllegalArgumentException("namespace index " + i + " outside 0.." + (MAX_NAMESPACES - 1));
    }
    return i;
  }
}
