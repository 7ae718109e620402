package dev.deneb.controller;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code deneb controller --config controller.yaml}: runs one member of the controller group. */
@Command(name = "controller", mixinStandardHelpOptions = true,
    description = "Run one member of the Deneb controller group (Raft + HTTP API).")
public final class ControllerCommand implements Callable<Integer> {

  @Option(names = "--config", required = true, description = "Path to controller.yaml (see docs/controller-config.md).")
  Path config;

  @Override
  public Integer call() throws Exception {
    throw new UnsupportedOperationException("being written");
  }
}
