package dev.deneb.sandbox.netns;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Finds a binary: the environment variable if set (it must then be right), else PATH, /usr/sbin, /sbin. */
final class BinaryLocator {
  private BinaryLocator() {}

  record Found(Path path, Optional<String> problem) {}

  static Found find(Map<String, String> env, String variable, String program, String installHint) {
    String named = env.get(variable);
    if (named != null && !named.isBlank()) {
      Path binary = Path.of(named).toAbsolutePath().normalize();
      // A wrong explicit setting is an error, not a reason to fall back silently to another binary.
      return isExecutableFile(binary) ? new Found(binary, Optional.empty())
          : new Found(null, Optional.of(variable + "=" + named + " is not an executable file; " + installHint + " or unset it"));
    }
    List<String> dirs = new ArrayList<>(List.of(env.getOrDefault("PATH", "").split(File.pathSeparator)));
    // Root's tools live in sbin, which a non-login PATH (surefire, IDEs) often lacks.
    dirs.add("/usr/sbin");
    dirs.add("/sbin");
    for (String dir : dirs) {
      if (dir.isEmpty()) continue;
      Path candidate = Path.of(dir).resolve(program).toAbsolutePath().normalize();
      if (isExecutableFile(candidate)) return new Found(candidate, Optional.empty());
    }
    return new Found(null,
        Optional.of("no " + program + " found (looked at " + variable + ", PATH, /usr/sbin, /sbin); " + installHint));
  }

  private static boolean isExecutableFile(Path p) {
    return Files.isRegularFile(p) && Files.isExecutable(p);
  }
}
