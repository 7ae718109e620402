package dev.deneb.agent;

import dev.deneb.agent.config.AgentConfig;
import dev.deneb.agent.config.AgentConfigLoader;
import dev.deneb.protocol.config.ConfigException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code deneb agent --config agent.yaml}: runs the agent beside one database node until stopped. */
@Command(name = "agent", mixinStandardHelpOptions = true,
    description = "Run the Deneb agent beside one database node: health reports, the primary's lease, fencing.")
public final class AgentCommand implements Callable<Integer> {
  public static final int EXIT_CONFIG = 2;
  public static final int EXIT_DATABASE = 3;

  @Option(names = "--config", required = true, description = "Path to agent.yaml (see docs/agent-config.md).")
  Path config;

  @Override
  public Integer call() throws Exception {
    AgentConfig cfg;
    try {
      cfg = AgentConfigLoader.load(config, System.getenv());
    } catch (ConfigException e) {
      System.err.println("deneb agent: " + e.getMessage());
      return EXIT_CONFIG;
    }
    Agent agent = new Agent(cfg);
    try {
      agent.start();
    } catch (SQLException e) {
      agent.close();
      System.err.println("deneb agent: cannot use database " + cfg.database() + ": " + e.getMessage()
          + " (SQLState " + e.getSQLState() + ")");
      return EXIT_DATABASE;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      stopped.countDown();
    }, "deneb-agent-shutdown"));
    ParentWatch.exitWithParent();
    stopped.await();
    return 0;
  }
}
