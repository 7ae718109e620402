package dev.deneb.sandbox;

import java.nio.file.Path;

/** A process started by a {@link ProcessSupervisor}: act on it through the supervisor by {@link #pid}. */
public record SupervisedProcess(String name, long pid, Path log) {

  @Override
  public String toString() {
    return name + " (pid " + pid + ")";
  }
}
