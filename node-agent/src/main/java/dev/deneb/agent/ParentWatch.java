package dev.deneb.agent;

/**
 * Test harnesses and the demo set DENEB_PARENT_PID: when that process dies, the agent exits too, so
 * no orphaned agent outlives the run that started it.
 */
final class ParentWatch {
  private ParentWatch() {}

  static void exitWithParent() {
    String parent = System.getenv("DENEB_PARENT_PID");
    if (parent == null || parent.isBlank()) return;
    try {
      ProcessHandle.of(Long.parseLong(parent.trim())).ifPresentOrElse(
          h -> h.onExit().thenRun(() -> System.exit(0)),
          () -> System.exit(0));
    } catch (NumberFormatException e) {
      System.err.println("deneb agent: ignoring DENEB_PARENT_PID='" + parent + "': not a process id");
    }
  }
}
