package dev.deneb.sandbox;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A real BIND {@code named} on 127.0.0.1 and a free port (UDP and TCP), authoritative for one
 * primary zone that accepts RFC 2136 updates signed with a fresh TSIG key (hmac-sha256) — the
 * external DNS server of DESIGN §3.7, for tests of the RFC 2136 backend.
 *
 * <p>Everything lives in the directory given: named.conf, the zone file and its journal, the pid
 * file, the key's base64 secret in {@code tsig.secret}, and {@code named.log}. No recursion, no IPv6,
 * no control channel (rndc). The binary is {@value #NAMED_ENV} if set, else {@code named} on PATH,
 * else {@code /usr/sbin/named}. It runs in the foreground ({@code -g}) as the current user (as root
 * it stays root: {@code -u} is not needed when it never switches), started and stopped by PID
 * through a {@link ProcessSupervisor}.
 */
public final class NamedServer implements AutoCloseable {

  /** Environment variable naming the {@code named} binary. */
  public static final String NAMED_ENV = "DENEB_NAMED";
  public static final String KEY_NAME = "deneb-update.";

  private static final String HOST = "127.0.0.1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final int BIND_ATTEMPTS = 3;

  private final ProcessSupervisor supervisor;
  private final boolean ownsSupervisor;
  private final SupervisedProcess process;
  private final Path dir;
  private final int port;
  private final Name zone;

  private NamedServer(ProcessSupervisor supervisor, boolean owns, SupervisedProcess process, Path dir, int port, Name zone) {
    this.supervisor = supervisor;
    this.ownsSupervisor = owns;
    this.process = process;
    this.dir = dir;
    this.port = port;
    this.zone = zone;
  }

  /** Starts named for {@code zone} (e.g. "db.example.") in the fresh directory {@code dir}, with its own supervisor. */
  public static NamedServer start(Path dir, String zone) throws IOException {
    ProcessSupervisor supervisor = new ProcessSupervisor(STOP_GRACE);
    try {
      return start(dir, zone, supervisor, true);
    } catch (IOException | RuntimeException e) {
      supervisor.close();
      throw e;
    }
  }

  /** Starts named through a supervisor shared with other sandbox processes; {@link #close()} stops only named. */
  public static NamedServer start(Path dir, String zone, ProcessSupervisor supervisor) throws IOException {
    return start(dir, zone, supervisor, false);
  }

  private static NamedServer start(Path dir, String zoneText, ProcessSupervisor supervisor, boolean owns) throws IOException {
    Path binary = locate(System.getenv());
    Name zone = absolute(zoneText);
    Path home = dir.toAbsolutePath();
    Files.createDirectories(home);
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    String secretBase64 = Base64.getEncoder().encodeToString(secret);
    Files.writeString(home.resolve("tsig.secret"), secretBase64 + "\n", StandardCharsets.US_ASCII);
    Files.writeString(home.resolve("zone.db"), zoneFile(zone), StandardCharsets.US_ASCII);
    Path log = home.resolve("named.log");
    String failure = null;
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int port = Ports.freePort();
      Files.writeString(home.resolve("named.conf"), config(home, zone, port, secretBase64), StandardCharsets.US_ASCII);
      SupervisedProcess process = supervisor.start(ProcessSpec.of("named",
          List.of(binary.toString(), "-g", "-c", home.resolve("named.conf").toString()), log).withWorkDir(home));
      try {
        failure = awaitSoa(supervisor, process, port, zone);
      } catch (RuntimeException e) {
        supervisor.kill(process.pid());
        throw e;
      }
      if (failure == null) return new NamedServer(supervisor, owns, process, home, port, zone);
      if (supervisor.isAlive(process.pid())) {
        supervisor.stop(process.pid());
        break; // running but not answering: another port will not help
      }
    }
    throw new IllegalStateException("named (" + binary + ") did not start: " + failure + "; see " + log);
  }

  private static String config(Path home, Name zone, int port, String secret) {
    return """
        options {
          directory "%1$s";
          pid-file "%1$s/named.pid";
          session-keyfile "%1$s/session.key";
          managed-keys-directory "%1$s";
          listen-on port %2$d { 127.0.0.1; };
          listen-on-v6 { none; };
          recursion no;
          dnssec-validation no;
          notify no;
        };
        // No control channel: tests stop named by PID, and rndc's default port would collide between instances.
        controls { };
        key "%3$s" { algorithm hmac-sha256; secret "%4$s"; };
        zone "%5$s" {
          type primary;
          file "%1$s/zone.db";
          journal "%1$s/zone.db.jnl";
          allow-update { key "%3$s"; };
        };
        """.formatted(home, port, KEY_NAME, secret, zone);
  }

  private static String zoneFile(Name zone) {
    return """
        $TTL 1
        @ IN SOA ns.%1$s hostmaster.%1$s 1 3600 600 86400 1
        @ IN NS ns.%1$s
        ns IN A 127.0.0.1
        """.formatted(zone);
  }

  /** Null once named answers the zone's SOA over UDP; otherwise why not. */
  private static String awaitSoa(ProcessSupervisor supervisor, SupervisedProcess process, int port, Name zone) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer yet";
    while (true) {
      if (!supervisor.isAlive(process.pid())) {
        return "it exited with code " + supervisor.exitCode(process.pid()).orElse(-1) + " (" + lastLines(process.log()) + ")";
      }
      try {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(HOST, port));
        resolver.setTimeout(Duration.ofMillis(500));
        Message answer = resolver.send(Message.newQuery(Record.newRecord(zone, Type.SOA, DClass.IN)));
        if (answer.getRcode() == Rcode.NOERROR && answer.getSection(org.xbill.DNS.Section.ANSWER).size() == 1) return null;
        last = "SOA query answered " + Rcode.string(answer.getRcode());
      } catch (IOException e) {
        last = "SOA query: " + e.getClass().getSimpleName();
      }
      if (System.nanoTime() - deadline > 0) {
        return "it did not answer the SOA of " + zone + " on " + HOST + ":" + port + " within "
            + START_TIMEOUT.toSeconds() + "s (" + last + ")";
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  static Path locate(Map<String, String> env) {
    return ExternalBinary.locate(env, NAMED_ENV, "named", Path.of(""), List.of(Path.of("/usr/sbin/named")),
        "install BIND with `apt-get install bind9` (./scripts/test does) or point " + NAMED_ENV + " at named");
  }

  private static Name absolute(String zone) {
    try {
      return Name.fromString(zone.endsWith(".") ? zone : zone + ".");
    } catch (TextParseException e) {
      throw new IllegalArgumentException("'" + zone + "' is not a DNS zone name: " + e.getMessage(), e);
    }
  }

  private static String lastLines(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "last log lines: " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException e) {
      return "log unreadable: " + e.getMessage();
    }
  }

  /** The UDP and TCP port named listens on, on 127.0.0.1. */
  public int port() {
    return port;
  }

  public String host() {
    return HOST;
  }

  /** The zone, absolute ("db.example."). */
  public String zone() {
    return zone.toString();
  }

  /** The TSIG key name that {@code allow-update} names. */
  public String keyName() {
    return KEY_NAME;
  }

  /** The file holding the key's base64 secret (hmac-sha256). */
  public Path secretFile() {
    return dir.resolve("tsig.secret");
  }

  public Path dir() {
    return dir;
  }

  public long pid() {
    return process.pid();
  }

  /** Stops named by PID (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  @Override
  public void close() {
    if (ownsSupervisor) {
      supervisor.close();
    } else {
      supervisor.stop(process.pid());
    }
  }
}
