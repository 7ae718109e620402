package dev.deneb.controller.dns;

import dev.deneb.protocol.config.HostPort;
import dev.deneb.protocol.config.YamlObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.Name;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TextParseException;

/**
 * Where and how {@link Rfc2136Backend} sends its updates:
 * <pre>
 * rfc2136:
 *   server: "10.0.0.53:53"           # the zone's primary server, reached over TCP
 *   zone: "db.example."              # records go to &lt;cluster&gt;.&lt;zone&gt; and _epoch.&lt;cluster&gt;.&lt;zone&gt;
 *   tsigKeyName: "deneb-update"
 *   tsigAlgorithm: "hmac-sha256"     # default; also hmac-sha1/-sha224/-sha384/-sha512
 *   tsigSecretFile: "/etc/deneb/tsig.secret"   # the base64 secret, as in named.conf
 *   timeout: "2s"                    # per request; publish() is bounded by a few of these
 *   ttl: "1s"                        # TTL of the records written
 * </pre>
 */
public record Rfc2136Settings(HostPort server, Name zone, Name tsigKeyName, Name tsigAlgorithm, Path tsigSecretFile,
    Duration timeout, long ttlSeconds) {

  /** The fields of the section, for {@code YamlObject.object(..., FIELDS)} or {@code requiredList}. */
  public static final Set<String> FIELDS = Set.of("server", "zone", "tsigKeyName", "tsigAlgorithm", "tsigSecretFile",
      "timeout", "ttl");

  private static final Map<String, Name> ALGORITHMS = Map.of(
      "hmac-sha1", TSIG.HMAC_SHA1, "hmac-sha224", TSIG.HMAC_SHA224, "hmac-sha256", TSIG.HMAC_SHA256,
      "hmac-sha384", TSIG.HMAC_SHA384, "hmac-sha512", TSIG.HMAC_SHA512);

  /** Reads the section; every problem is a {@link YamlObject.FieldError} naming its field. The secret file is read by the backend. */
  public static Rfc2136Settings parse(YamlObject o) {
    HostPort server = o.parsed("server", null, HostPort::parse);
    if (server == null) throw new YamlObject.FieldError(o.where("server"), "is required (host:port of the zone's primary DNS server)");
    Name zone = o.parsed("zone", null, DnsNames::zone);
    if (zone == null) throw new YamlObject.FieldError(o.where("zone"), "is required (the zone that holds the cluster names)");
    Name keyName = o.parsed("tsigKeyName", null, Rfc2136Settings::keyName);
    if (keyName == null) throw new YamlObject.FieldError(o.where("tsigKeyName"), "is required (the key name of allow-update/update-policy)");
    Name algorithm = o.parsed("tsigAlgorithm", "hmac-sha256", Rfc2136Settings::algorithm);
    String secretFile = o.requiredString("tsigSecretFile");
    Duration timeout = o.duration("timeout", "2s");
    if (timeout.toMillis() < 100 || timeout.toSeconds() > 60) {
      throw new YamlObject.FieldError(o.where("timeout"), "must be between 100ms and 60s");
    }
    Duration ttl = o.duration("ttl", "1s");
    if (ttl.toMillis() % 1000 != 0 || ttl.toSeconds() > DnsSettings.MAX_TTL_SECONDS) {
      throw new YamlObject.FieldError(o.where("ttl"), "must be whole seconds, at most 1h (clients keep a deposed primary that long)");
    }
    return new Rfc2136Settings(server, zone, keyName, algorithm, Path.of(secretFile), timeout, ttl.toSeconds());
  }

  static Name algorithm(String text) {
    Name n = ALGORITHMS.get(text.toLowerCase(java.util.Locale.ROOT));
    if (n == null) {
      throw new IllegalArgumentException("'" + text + "' is not a TSIG algorithm Deneb supports (use one of "
          + String.join(", ", new java.util.TreeSet<>(ALGORITHMS.keySet())) + ")");
    }
    return n;
  }

  static Name keyName(String text) {
    try {
      return Name.fromString(text, Name.root);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("'" + text + "' is not a TSIG key name: " + e.getMessage());
    }
  }

  /** "rfc2136:host:port/zone", for logs and metrics labels. */
  public String label() {
    return "rfc2136:" + server + "/" + zone;
  }
}
