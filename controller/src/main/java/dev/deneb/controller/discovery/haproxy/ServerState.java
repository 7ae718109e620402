package dev.deneb.controller.discovery.haproxy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One row of {@code show servers state <backend>} (format version 1): a server's operational state
 * (what health checks say) and its administrative state (what the runtime API or the config set).
 *
 * @param opState {@code srv_op_state}: 0 stopped, 1 starting, 2 running, 3 stopping
 * @param adminState {@code srv_admin_state}, a bit field (HAProxy's {@code SRV_ADMF_*})
 */
record ServerState(String name, int opState, int adminState) {
  /** Forced maintenance: what {@code set server ... state maint} sets. */
  static final int FORCED_MAINT = 0x01;
  /**
   * Every "in maintenance" bit: forced, inherited from a tracked server, DNS resolution, health
   * check. Not 0x04 ({@code disabled} in the config): that bit stays after {@code state ready} while
   * the server takes traffic, as HAProxy 2.6 shows.
   */
  static final int ANY_MAINT = 0x01 | 0x02 | 0x20 | 0x40;
  /** Drain, forced or inherited: the server gets no new connections. */
  static final int ANY_DRAIN = 0x08 | 0x10;
  static final int OP_STOPPED = 0;
  static final int OP_STARTING = 1;
  static final int OP_RUNNING = 2;

  /** Takes new connections: no maintenance or drain, and its checks (if any) say it is up. */
  boolean ready() {
    return (adminState & (ANY_MAINT | ANY_DRAIN)) == 0 && (opState == OP_RUNNING || opState == OP_STARTING);
  }

  /** Put in maintenance through the runtime API: HAProxy sends it nothing new. */
  boolean forcedMaintenance() {
    return (adminState & FORCED_MAINT) != 0;
  }

  String describe() {
    return name + " (op state " + opState + ", admin state 0x" + Integer.toHexString(adminState) + ")";
  }

  /**
   * Parses a whole reply.
   *
   * @throws IllegalArgumentException when the reply is not a version-1 server state dump (HAProxy's
   *     error text, e.g. "Can't find backend.", is in the message)
   */
  static List<ServerState> parse(String reply) {
    List<String> lines = reply.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    if (lines.size() < 2 || !lines.get(0).equals("1") || !lines.get(1).startsWith("#")) {
      throw new IllegalArgumentException("not a version 1 server state dump: " + abbreviate(reply));
    }
    List<String> header = Arrays.asList(lines.get(1).substring(1).strip().split("\\s+"));
    int name = column(header, "srv_name");
    int op = column(header, "srv_op_state");
    int admin = column(header, "srv_admin_state");
    List<ServerState> out = new ArrayList<>();
    for (String line : lines.subList(2, lines.size())) {
      String[] f = line.split("\\s+");
      if (f.length != header.size()) {
        throw new IllegalArgumentException("a server state row has " + f.length + " fields, the header " + header.size() + ": " + line);
      }
      try {
        out.add(new ServerState(f[name], Integer.parseInt(f[op]), Integer.parseInt(f[admin])));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("a server state row has a non-numeric state: " + line);
      }
    }
    return out;
  }

  private static int column(List<String> header, String name) {
    int i = header.indexOf(name);
    if (i < 0) throw new IllegalArgumentException("the server state header has no " + name + " column: " + header);
    return i;
  }

  static String abbreviate(String reply) {
    String s = reply.strip().replaceAll("\\s*\\n\\s*", " / ");
    if (s.isEmpty()) return "(empty reply)";
    return s.length() <= 300 ? "'" + s + "'" : "'" + s.substring(0, 300) + "...'";
  }
}
