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

class MariaDbBinaryTest {

  @TempDir Path dir;

  @Test
  void theArtifactsServerIsExtractedOnceIntoTheCacheWithItsTemplateDataDirectory() throws IOException {
    Path cache = MariaDbBinary.defaultCacheDir(System.getenv(), Path.of(""));
    MariaDbBinary binary = MariaDbBinary.fromArtifact(cache);
    assertThat(binary.version()).isEqualTo("11.4.5-MariaDB");
    assertThat(binary.mariadbd()).isExecutable();
    assertThat(binary.installDb()).isRegularFile();
    assertThat(binary.shareDir().resolve("english/errmsg.sys")).isRegularFile();
    assertThat(binary.baseDir()).isEqualTo(cache.toAbsolutePath().resolve("mariadb-11.4.5"));

    Path template = binary.dataDirTemplate();
    assertThat(template.resolve("mysql")).isDirectory();
    assertThat(template.resolve("ibdata1")).isRegularFile();
    assertThat(binary.dataDirTemplate()).isEqualTo(template);
    assertThat(MariaDbBinary.fromArtifact(binary.cacheDir())).isEqualTo(binary);
  }

  @Test
  void theEnvironmentNamesASystemServerAndTheCache() throws IOException {
    Path mariadbd = fakeInstallation(dir.resolve("usr"), "/usr/sbin/mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)");
    Map<String, String> env = Map.of(MariaDbBinary.MARIADBD_ENV, mariadbd.toString(), MariaDbBinary.CACHE_ENV, dir.resolve("cache").toString());

    MariaDbBinary binary = MariaDbBinary.locate(env, MariaDbBinary.defaultCacheDir(env, dir));

    assertThat(binary.mariadbd()).isEqualTo(mariadbd);
    assertThat(binary.version()).isEqualTo("10.11.19-MariaDB-0+deb12u1");
    assertThat(binary.baseDir()).isEqualTo(dir.resolve("usr"));
    assertThat(binary.installDb()).isEqualTo(dir.resolve("usr/bin/mariadb-install-db"));
    assertThat(binary.shareDir()).isEqualTo(dir.resolve("usr/share/mysql"));
    assertThat(binary.cacheDir()).isEqualTo(dir.resolve("cache"));
  }

  @Test
  void theCacheIsTheRepositorysDotDenebElseTheUsersCache() throws IOException {
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo.resolve(".ci"));
    Files.writeString(repo.resolve(".ci/run"), "");
    Files.createDirectories(repo.resolve("sandbox/target"));

    assertThat(MariaDbBinary.defaultCacheDir(Map.of(), repo.resolve("sandbox/target"))).isEqualTo(repo.resolve(".deneb"));
    assertThat(MariaDbBinary.defaultCacheDir(Map.of(), dir.resolve("elsewhere")))
        .isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "deneb"));
  }

  @Test
  void onlyMariaDb106OrLaterIsAccepted() {
    Path server = Path.of("/usr/sbin/mysqld");
    assertThat(MariaDbBinary.checkedVersion(server, "mariadbd  Ver 11.4.5-MariaDB for linux-systemd on x86_64 (MariaDB Server)"))
        .isEqualTo("11.4.5-MariaDB");
    assertThatThrownBy(() -> MariaDbBinary.checkedVersion(server, "/usr/sbin/mysqld  Ver 8.4.3 for Linux on x86_64 (MySQL Community Server - GPL)"))
        .hasMessageContaining("is not MariaDB").hasMessageContaining("MariaDB 10.6+ only");
    assertThatThrownBy(() -> MariaDbBinary.checkedVersion(server, "mysqld  Ver 10.5.27-MariaDB for Linux"))
        .hasMessageContaining("needs 10.6 or later");
    assertThatThrownBy(() -> MariaDbBinary.checkedVersion(server, "something else"))
        .hasMessageContaining("cannot read the version");
  }

  @Test
  void aSystemServerWithoutInstallScriptIsRefusedNamingWhereItLooked() throws IOException {
    Path mariadbd = fakeInstallation(dir.resolve("opt"), "mariadbd  Ver 10.11.19-MariaDB");
    Files.delete(dir.resolve("opt/bin/mariadb-install-db"));
    assertThatThrownBy(() -> MariaDbBinary.system(mariadbd, dir.resolve("cache")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no mariadb-install-db").hasMessageContaining(dir.resolve("opt/scripts").toString());
    assertThatThrownBy(() -> MariaDbBinary.system(dir.resolve("nope/mariadbd"), dir.resolve("cache")))
        .hasMessageContaining("is not an executable file");
  }

  /** A Debian-like tree: sbin/mariadbd (a script printing {@code versionLine}), bin/mariadb-install-db, share/mysql. */
  private static Path fakeInstallation(Path base, String versionLine) throws IOException {
    Path mariadbd = base.resolve("sbin/mariadbd");
    Files.createDirectories(mariadbd.getParent());
    Files.writeString(mariadbd, "#!/bin/sh\necho '" + versionLine + "'\n");
    Files.setPosixFilePermissions(mariadbd, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(base.resolve("bin"));
    Files.writeString(base.resolve("bin/mariadb-install-db"), "#!/bin/sh\n");
    Files.createDirectories(base.resolve("share/mysql/english"));
    Files.writeString(base.resolve("share/mysql/english/errmsg.sys"), "");
    return mariadbd;
  }
}
