package dev.deneb.sandbox;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the sandbox finds a program it does not build (named, haproxy, toxiproxy-server): the path an
 * environment variable names, else the first on {@code PATH}, else the given fallbacks. Every failure
 * names what was looked at and how to install the program.
 */
final class ExternalBinary {
  private ExternalBinary() {}

  /**
   * @param workDir relative entries (of the variable or PATH) are resolved against it
   * @param fallbacks tried in order after PATH (may hold nulls: skipped)
   * @param installHint e.g. "install BIND with `apt-get install bind9`"
   */
  static Path locate(Map<String, String> env, String variable, String program, Path workDir, List<Path> fallbacks,
      String installHint) {
    String named = env.get(variable);
    if (named != null && !named.isBlank()) {
      Path binary = workDir.resolve(named).toAbsolutePath().normalize();
      if (!isExecutableFile(binary)) {
        throw new IllegalStateException(variable + "=" + named + " is not an executable file; " + installHint);
      }
      return binary;
    }
    for (String entry : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        Path candidate = workDir.resolve(entry).resolve(program).toAbsolutePath().normalize();
        if (isExecutableFile(candidate)) return candidate;
      }
    }
    List<String> looked = new ArrayList<>(List.of(variable + " (not set)", "PATH"));
    for (Path fallback : fallbacks) {
      if (fallback == null) continue;
      if (isExecutableFile(fallback)) return fallback;
      looked.add(fallback.toString());
    }
    throw new IllegalStateException("no " + program + " found (looked at " + String.join(", ", looked) + "); " + installHint);
  }

  static boolean isExecutableFile(Path p) {
    return Files.isRegularFile(p) && Files.isExecutable(p);
  }
}
