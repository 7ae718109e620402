package dev.deneb.controller.dns;

import dev.deneb.protocol.config.HostPort;
import dev.deneb.protocol.config.YamlObject;
import java.time.Duration;
import java.util.Set;
import org.xbill.DNS.Name;

/**
 * The built-in DNS server's configuration, the {@code dns} section of controller.yaml:
 * <pre>
 * dns:
 *   listen: "127.0.0.1:8053"   # UDP and TCP
 *   zone: "deneb.local"        # each cluster is served as &lt;cluster&gt;.&lt;zone&gt;
 *   ttl: "1s"                  # TTL of every record and the SOA minimum (negative caching)
 * </pre>
 *
 * @param zone absolute (ends with a dot)
 * @param ttlSeconds whole seconds, 0-3600
 */
public record DnsSettings(HostPort listen, Name zone, long ttlSeconds) {

  /** The fields of the {@code dns} section, for {@code YamlObject.object("dns", FIELDS)}. */
  public static final Set<String> FIELDS = Set.of("listen", "zone", "ttl");

  static final long MAX_TTL_SECONDS = 3600;

  public DnsSettings {
    if (!zone.isAbsolute()) throw new IllegalArgumentException("zone " + zone + " must be absolute");
    if (ttlSeconds < 0 || ttlSeconds > MAX_TTL_SECONDS) {
      throw new IllegalArgumentException("ttl " + ttlSeconds + "s is not between 0s and " + MAX_TTL_SECONDS + "s");
    }
  }

  /** Reads a {@code dns} section; every problem is a {@link YamlObject.FieldError} naming its field. */
  public static DnsSettings parse(YamlObject o) {
    HostPort listen = o.parsed("listen", "127.0.0.1:8053", HostPort::parse);
    Name zone = o.parsed("zone", "deneb.local.", DnsNames::zone);
    Duration ttl = o.duration("ttl", "1s");
    if (ttl.toMillis() % 1000 != 0) {
      throw new YamlObject.FieldError(o.where("ttl"), "must be whole seconds (DNS TTLs are), got " + ttl.toMillis() + "ms");
    }
    if (ttl.toSeconds() > MAX_TTL_SECONDS) {
      throw new YamlObject.FieldError(o.where("ttl"), "must be at most 1h: clients would keep a deposed primary that long");
    }
    return new DnsSettings(listen, zone, ttl.toSeconds());
  }
}
