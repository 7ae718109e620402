package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@link ToxiproxySandbox} finds {@code toxiproxy-server}, and what it says when there is none. */
class ToxiproxyServerLocationTest {

  @TempDir Path dir;

  @Test
  void theBinaryComesFromTheEnvironmentThenPathThenTheRepositorysDenebBin() throws IOException {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Files.createDirectories(repo.resolve(".ci"));
    Files.writeString(repo.resolve(".ci/run"), "#!/bin/sh\n");
    Path module = Files.createDirectories(repo.resolve("sandbox"));
    Path local = executable(repo.resolve(".deneb/bin/toxiproxy-server"));
    Path onPath = executable(dir.resolve("path-bin/toxiproxy-server"));
    Path named = executable(dir.resolve("named/my-toxiproxy"));
    String path = dir.resolve("empty-bin") + ":" + onPath.getParent();

    assertThat(ToxiproxySandbox.locateServer(Map.of(ToxiproxySandbox.SERVER_ENV, named.toString(), "PATH", path), module))
        .isEqualTo(named);
    assertThat(ToxiproxySandbox.locateServer(Map.of("PATH", path), module)).isEqualTo(onPath);
    assertThat(ToxiproxySandbox.locateServer(Map.of("PATH", "/nonexistent"), module)).isEqualTo(local);
  }

  @Test
  void withoutABinaryItFailsSayingHowToGetOne() throws IOException {
    Path nowhere = Files.createDirectories(dir.resolve("not-a-repo"));

    assertThatThrownBy(() -> ToxiproxySandbox.locateServer(Map.of("PATH", nowhere.toString()), nowhere))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no toxiproxy-server found")
        .hasMessageContaining("./scripts/test")
        .hasMessageContaining("go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0");
    assertThatThrownBy(() -> ToxiproxySandbox.locateServer(
        Map.of(ToxiproxySandbox.SERVER_ENV, nowhere.resolve("missing").toString()), nowhere))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(ToxiproxySandbox.SERVER_ENV + "=")
        .hasMessageContaining("not an executable file")
        .hasMessageContaining("./scripts/test");
  }

  private static Path executable(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
