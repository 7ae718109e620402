package dev.deneb.sandbox;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ProcessSupervisor#start} runs: a command, extra environment, a working directory
 * ({@code null} = this JVM's) and the file that receives stdout and stderr (appended to, so a
 * restarted process keeps its earlier output in the same file).
 */
public record ProcessSpec(String name, List<String> command, Map<String, String> env, Path workDir, Path log) {

  public ProcessSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(log, "log");
    if (command == null || command.isEmpty()) {
      throw new IllegalArgumentException("process " + name + ": the command is empty");
    }
    command = List.copyOf(command);
    env = Map.copyOf(env == null ? Map.of() : env);
  }

  public static ProcessSpec of(String name, List<String> command, Path log) {
    return new ProcessSpec(name, command, Map.of(), null, log);
  }

  public ProcessSpec withEnv(String key, String value) {
    Map<String, String> more = new LinkedHashMap<>(env);
    more.put(key, value);
    return new ProcessSpec(name, command, more, workDir, log);
  }

  public ProcessSpec withWorkDir(Path dir) {
    return new ProcessSpec(name, command, env, dir, log);
  }
}
