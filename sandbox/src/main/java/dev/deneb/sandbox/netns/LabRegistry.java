package dev.deneb.sandbox.netns;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The labs of this JVM: which lab ids are taken (so names never clash within the JVM, and
 * {@link NetworkLab#sweepStale()} can tell our own leftovers from our live labs), and which labs are
 * open, for the shutdown hook that closes whatever a test forgot — the last resort short of SIGKILL,
 * after which only {@code sweepStale()} helps.
 */
final class LabRegistry {
  private static final Set<Integer> allocated = new LinkedHashSet<>();
  private static final Set<NetworkLab> open = new LinkedHashSet<>();
  private static boolean hookInstalled;

  private LabRegistry() {}

  /** The smallest free lab id; ids come back with {@link #release}. */
  static synchronized int allocate() {
    for (int id = 0; id <= LabNames.MAX_LAB; id++) {
      if (allocated.add(id)) return id;
    }
    throw new IllegalStateException("all " + (LabNames.MAX_LAB + 1) + " lab ids of this JVM are in use: close labs you no longer need");
  }

  static synchronized boolean isAllocated(int id) {
    return allocated.contains(id);
  }

  static synchronized void opened(NetworkLab lab) {
    if (!hookInstalled) {
      Runtime.getRuntime().addShutdownHook(new Thread(LabRegistry::closeAll, "deneb-netns-cleanup"));
      hookInstalled = true;
    }
    open.add(lab);
  }

  /** Forgets a closed lab and frees its id. */
  static synchronized void closed(NetworkLab lab, int id) {
    open.remove(lab);
    allocated.remove(id);
  }

  static synchronized void release(int id) {
    allocated.remove(id);
  }

  private static void closeAll() {
    List<NetworkLab> labs;
    synchronized (LabRegistry.class) {
      labs = new ArrayList<>(open);
    }
    for (NetworkLab lab : labs) {
      try {
        lab.close();
      } catch (RuntimeException e) {
        // Nobody is left to throw to: say what remains so that a person (or sweepStale) can remove it.
        System.err.println("deneb-netns: could not remove lab " + lab.prefix() + " at shutdown: " + e.getMessage());
      }
    }
  }
}
