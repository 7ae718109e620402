package dev.deneb.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.protocol.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent.yaml fields of the fencing ladder: {@code database.pidFile} and {@code fencing}. */
class AgentConfigLoaderTest {
  static final String BASE = """
      cluster: orders
      node: db1
      controllers: ['127.0.0.1:7861']
      stateDir: /var/lib/deneb/agent
      """;
  static final String DATABASE = """
      database:
        address: 127.0.0.1:3306
        user: deneb_agent
      """;

  static AgentConfig parse(String yaml) throws ConfigException {
    return AgentConfigLoader.parse(yaml, "agent.yaml", Map.of(), p -> "secret");
  }

  static String shell() {
    return Path.of("/bin/sh").toFile().canExecute() ? "/bin/sh" : "/usr/bin/sh";
  }

  @Test
  void withoutTheNewFieldsThereIsNoPidFileAndNoStonithHook() throws ConfigException {
    AgentConfig c = parse(BASE + DATABASE);
    assertThat(c.database().pidFile()).isEmpty();
    assertThat(c.fencing().stonithCommand()).isEmpty();
    assertThat(c.fencing().stonithTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.fencing().killTimeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void pidFileAndStonithAreRead() throws ConfigException {
    AgentConfig c = parse(BASE + DATABASE + "  pidFile: /run/mysqld/mysqld.pid\n" + """
        fencing:
          stonithCommand: [%s, -c, 'ipmitool chassis power off', stonith]
          stonithTimeout: 5s
          killTimeout: 500ms
        """.formatted(shell()));
    assertThat(c.database().pidFile()).contains(Path.of("/run/mysqld/mysqld.pid"));
    assertThat(c.fencing().stonithCommand()).containsExactly(shell(), "-c", "ipmitool chassis power off", "stonith");
    assertThat(c.fencing().stonithTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.fencing().killTimeout()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void aProgramNameWithoutASlashIsLeftToPath() throws ConfigException {
    assertThat(parse(BASE + DATABASE + "fencing:\n  stonithCommand: [deneb-stonith, --now]\n").fencing().stonithCommand())
        .containsExactly("deneb-stonith", "--now");
  }

  @Test
  void aRelativePidFileIsRefusedNamingTheField() {
    assertThatThrownBy(() -> parse(BASE + DATABASE + "  pidFile: mysqld.pid\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("database.pidFile: must be an absolute path");
  }

  @Test
  void anEmptyPidFileIsRefusedNamingTheField() {
    assertThatThrownBy(() -> parse(BASE + DATABASE + "  pidFile: ''\n"))
        .hasMessageContaining("database.pidFile: must not be empty");
  }

  @Test
  void stonithCommandMustBeANonEmptyListOfStrings() {
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing:\n  stonithCommand: /usr/local/bin/stonith\n"))
        .hasMessageContaining("fencing.stonithCommand: must be a list");
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing:\n  stonithCommand: []\n"))
        .hasMessageContaining("fencing.stonithCommand: must list the program and its arguments");
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing:\n  stonithCommand: [/bin/true, {a: 1}]\n"))
        .hasMessageContaining("fencing.stonithCommand[1]: must be a string");
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing:\n  stonithCommand: ['', x]\n"))
        .hasMessageContaining("fencing.stonithCommand[0]: must name the program to run");
  }

  @Test
  void aStonithProgramGivenAsAPathMustBeAnAbsoluteExecutable() {
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing:\n  stonithCommand: [./stonith.sh]\n"))
        .hasMessageContaining("fencing.stonithCommand[0]: must be an absolute path or a program name on PATH");
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing:\n  stonithCommand: [/nonexistent/stonith.sh]\n"))
        .hasMessageContaining("fencing.stonithCommand[0]: /nonexistent/stonith.sh is not an executable file");
  }

  @Test
  void timeoutsAreDurationsOfAtLeast100ms() {
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing:\n  stonithTimeout: soon\n"))
        .hasMessageContaining("fencing.stonithTimeout: 'soon' is not a duration");
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing:\n  stonithTimeout: 10ms\n"))
        .hasMessageContaining("fencing.stonithTimeout: must be at least 100ms");
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing:\n  killTimeout: 0s\n"))
        .hasMessageContaining("fencing.killTimeout: must be at least 100ms");
  }

  @Test
  void unknownFencingFieldsAreRefused() {
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing:\n  stonithComand: [/bin/true]\n"))
        .hasMessageContaining("fencing.stonithComand: is not a known field");
    assertThatThrownBy(() -> parse(BASE + DATABASE + "fencing: [/bin/true]\n"))
        .hasMessageContaining("fencing: must be a mapping of fields");
  }

  @Test
  void theRestOfTheFileStillParsesAsBefore() throws ConfigException {
    AgentConfig c = parse(BASE + DATABASE + "lease:\n  fenceLead: 300ms\n");
    assertThat(c.lease().fenceLead()).isEqualTo(Duration.ofMillis(300));
    assertThat(c.controllers()).hasSize(1);
    assertThat(c.database().user()).isEqualTo("deneb_agent");
    assertThat(List.of(c.database().connectTimeout(), c.database().socketTimeout()))
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }
}
