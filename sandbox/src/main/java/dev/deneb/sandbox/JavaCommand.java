package dev.deneb.sandbox;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Command lines for {@code deneb} subcommands run as separate JVMs ({@code deneb controller ...}),
 * on the classpath of the current JVM so tests run the code they were compiled with.
 */
public final class JavaCommand {

  public static final String DENEB_MAIN = "dev.deneb.cli.Deneb";

  /**
   * Small heaps: a 5-member group plus the test JVM must fit on a 2-CPU, few-GB machine. Netty's
   * direct buffers are capped separately because they do not count against -Xmx.
   */
  public static final List<String> DEFAULT_JVM_ARGS = List.of("-Xmx256m", "-XX:MaxDirectMemorySize=128m");

  private JavaCommand() {}

  /** {@code java <default jvm args> <extra> -cp <classpath> dev.deneb.cli.Deneb <args>}. */
  public static List<String> deneb(List<String> extraJvmArgs, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary(System.getProperties()).toString());
    command.addAll(DEFAULT_JVM_ARGS);
    command.addAll(extraJvmArgs);
    command.add("-cp");
    command.add(absolute(classpath(System.getProperties())));
    command.add(DENEB_MAIN);
    command.addAll(args);
    return command;
  }

  public static List<String> deneb(List<String> args) {
    return deneb(List.of(), args);
  }

  /**
   * {@code deneb.classpath} if set (explicit choice), else {@code surefire.test.class.path} (under
   * Surefire, {@code java.class.path} is only its manifest-only booter jar), else {@code java.class.path}.
   */
  static String classpath(Properties properties) {
    for (String key : List.of("deneb.classpath", "surefire.test.class.path", "java.class.path")) {
      String value = properties.getProperty(key);
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    throw new IllegalStateException("no classpath to start deneb with: set -Ddeneb.classpath");
  }

  /**
   * Relative entries made absolute: children run in their own working directories (a member's
   * directory), where {@code cli/target/lib/*} would name nothing.
   */
  static String absolute(String classpath) {
    List<String> entries = new ArrayList<>();
    for (String entry : classpath.split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        entries.add(Path.of(entry).toAbsolutePath().toString());
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /** The java of the running JVM, so children use the same version. */
  static Path javaBinary(Properties properties) {
    return Path.of(properties.getProperty("java.home"), "bin", "java");
  }
}
