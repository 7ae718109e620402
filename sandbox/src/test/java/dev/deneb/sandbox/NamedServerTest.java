package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NamedServerTest {

  @Test
  void startsAnswersAndStopsByPid(@TempDir Path dir) throws Exception {
    long pid;
    try (NamedServer named = NamedServer.start(dir.resolve("n"), "db.example")) {
      pid = named.pid();
      assertThat(named.zone()).isEqualTo("db.example.");
      assertThat(named.port()).isPositive();
      assertThat(Base64.getDecoder().decode(Files.readString(named.secretFile()).strip())).hasSize(32);
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void aMissingBinaryNamesTheInstall() {
    assertThatThrownBy(() -> NamedServer.locate(Map.of(NamedServer.NAMED_ENV, "/nonexistent/named")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("apt-get install bind9");
  }
}
