package dev.deneb.controller;

import dev.deneb.protocol.config.ConfigException;
import dev.deneb.controller.config.ConfigLoader;
import dev.deneb.controller.config.ControllerConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code deneb controller --config controller.yaml}: runs one member of the controller group until stopped. */
@Command(name = "controller", mixinStandardHelpOptions = true,
    description = "Run one member of the Deneb controller group (Raft + HTTP API).")
public final class ControllerCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerCommand.class);

  /** Exit code for an invalid configuration, like a usage error. */
  public static final int EXIT_CONFIG = 2;

  @Option(names = "--config", required = true, description = "Path to controller.yaml (see docs/controller-config.md).")
  Path config;

  @Override
  public Integer call() throws Exception {
    ControllerConfig cfg;
    try {
      cfg = ConfigLoader.load(config);
    } catch (ConfigException e) {
      System.err.println("deneb controller: " + e.getMessage());
      return EXIT_CONFIG;
    }
    ControllerNode node = ControllerNode.start(cfg);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception e) {
        LOG.warn("error while stopping controller {}: {}", cfg.id(), e.toString());
      } finally {
        stopped.countDown();
      }
    }, "deneb-controller-shutdown"));
    exitWithParent();
    stopped.await();
    return 0;
  }

  /**
   * Test harnesses and the demo set DENEB_PARENT_PID: when that process dies (even by SIGKILL) this
   * member exits too, so no orphaned controller outlives the run that started it.
   */
  private static void exitWithParent() {
    String parent = System.getenv("DENEB_PARENT_PID");
    if (parent == null || parent.isBlank()) return;
    try {
      ProcessHandle.of(Long.parseLong(parent.trim())).ifPresentOrElse(
          h -> h.onExit().thenRun(() -> {
            LOG.warn("parent process {} exited; stopping", parent);
            System.exit(0);
          }),
          () -> {
            LOG.warn("parent process {} is already gone; stopping", parent);
            System.exit(0);
          });
    } catch (NumberFormatException e) {
      LOG.warn("ignoring DENEB_PARENT_PID='{}': not a process id", parent);
    }
  }
}
