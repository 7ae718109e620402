package dev.deneb.controller.dns;

import dev.deneb.controller.discovery.DiscoveryBackend;
import dev.deneb.controller.discovery.DiscoveryException;
import dev.deneb.controller.discovery.Publication;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TSIGRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * Publishes a cluster's primary to an external DNS server with RFC 2136 dynamic updates signed with
 * TSIG (RFC 8945), sent over TCP (DESIGN §3.7).
 *
 * <p>Each publication is one atomic UPDATE: the prerequisite that the TXT at
 * {@code _epoch.<cluster>.<zone>} is exactly {@code "epoch=<previousEpoch>"} (or, for previous epoch
 * 0, that the name has no TXT), then the A/AAAA/CNAME at {@code <cluster>.<zone>} (and the cluster's
 * other names from {@link Publication#dnsNames()}) replaced by the new primary, and the TXT replaced by
 * {@code "epoch=<epoch>"}. So a deposed leader's late update fails its prerequisite on the server
 * itself, whatever our own state says. When the zone holds an older epoch than the previous one (an
 * epoch that was committed but never published), the update is retried against what the zone holds:
 * a compare-and-set that only ever moves the zone's epoch forward.
 *
 * <p>Idempotent: when the prerequisite fails, the backend reads the {@code _epoch} TXT. If it already
 * holds this publication's epoch and the names already give its primary, the publication is done;
 * if it holds this epoch but a name differs (edited by hand), the records are rewritten under the
 * prerequisite "still this epoch". Any other epoch is a refusal ({@link DiscoveryException#refused()}),
 * final. Bounded in time: at most four requests, each given what remains of four times the timeout.
 */
public final class Rfc2136Backend implements DiscoveryBackend {
  private static final int MAX_REQUESTS = 4;

  private final Rfc2136Settings settings;
  private final TSIG key;

  /**
   * Reads the TSIG secret from {@code settings.tsigSecretFile()} now, so a wrong path fails at startup.
   *
   * @throws IllegalArgumentException naming the file when it cannot be read or is not base64
   */
  public Rfc2136Backend(Rfc2136Settings settings) {
    this.settings = settings;
    String secret;
    try {
      secret = Files.readString(settings.tsigSecretFile(), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("tsigSecretFile " + settings.tsigSecretFile() + ": cannot be read: " + e, e);
    }
    try {
      if (Base64.getDecoder().decode(secret).length == 0) throw new IllegalArgumentException("it is empty");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tsigSecretFile " + settings.tsigSecretFile()
          + ": must hold the key's base64 secret (the secret \"...\" of named.conf): " + e.getMessage(), e);
    }
    this.key = new TSIG(settings.tsigAlgorithm(), settings.tsigKeyName(), secret);
  }

  @Override
  public String name() {
    return settings.label();
  }

  @Override
  public void publish(Publication p) throws DiscoveryException {
    Deadline deadline = new Deadline(settings.timeout().multipliedBy(MAX_REQUESTS));
    Name epochName = name("_epoch." + p.cluster());
    List<Record> addresses = addresses(p);
    long expected = p.previousEpoch();
    Optional<Long> current;
    while (true) {
      Message response = send(update(expected, epochName, addresses, p.epoch()), deadline, "update");
      int rcode = response.getRcode();
      if (rcode == Rcode.NOERROR) return;
      if (rcode != Rcode.NXRRSET && rcode != Rcode.YXRRSET) throw failure(response, "update for epoch " + p.epoch());
      current = zoneEpoch(epochName, deadline);
      long zone = current.orElse(0L);
      // The zone is behind this epoch but not at the previous one (an epoch that was never published,
      // e.g. a workflow aborted after CANDIDATE_CHOSEN): compare-and-set from what it holds. Still
      // monotonic: a deposed leader's older epoch is refused by the same check below.
      if (zone < p.epoch() && zone != expected && (current.isPresent() || expected != 0)) {
        expected = zone;
        continue;
      }
      break;
    }
    if (current.isEmpty() || current.get() != p.epoch()) {
      throw new DiscoveryException(name() + ": refused to publish epoch " + p.epoch() + " of cluster '" + p.cluster()
          + "' (expected the zone at epoch " + expected + "): " + epochName + " holds "
          + current.map(e -> "epoch " + e).orElse("no single epoch=<n> TXT")
          + (current.isPresent() && current.get() > p.epoch() ? "; a newer epoch is published, this one is stale" : ""), true);
    }
    if (holds(addresses, deadline)) return;
    // Same epoch, other data (a hand edit or a half-visible earlier attempt): rewrite under "still this epoch".
    Message repair = send(update(p.epoch(), epochName, addresses, p.epoch()), deadline, "repair");
    if (repair.getRcode() != Rcode.NOERROR) throw failure(repair, "rewrite of epoch " + p.epoch());
  }

  private Update update(long expectedEpoch, Name epochName, List<Record> addresses, long epoch) throws DiscoveryException {
    Update u = new Update(settings.zone());
    if (expectedEpoch == 0) {
      u.absent(epochName, Type.TXT);
    } else {
      u.present(txt(epochName, 0, expectedEpoch));
    }
    for (Record r : addresses) {
      u.delete(r.getName(), Type.A);
      u.delete(r.getName(), Type.AAAA);
      u.delete(r.getName(), Type.CNAME);
      u.add(r);
    }
    u.delete(epochName, Type.TXT);
    u.add(txt(epochName, settings.ttlSeconds(), epoch));
    return u;
  }

  private static TXTRecord txt(Name owner, long ttl, long epoch) {
    return new TXTRecord(owner, DClass.IN, ttl, "epoch=" + epoch);
  }

  /** The epoch the zone's {@code _epoch} TXT names, or empty when it holds none or several. */
  private Optional<Long> zoneEpoch(Name epochName, Deadline deadline) throws DiscoveryException {
    List<Record> txt = lookup(epochName, Type.TXT, deadline);
    if (txt.size() != 1) return Optional.empty();
    List<String> strings = ((TXTRecord) txt.get(0)).getStrings();
    if (strings.size() != 1 || !strings.get(0).startsWith("epoch=")) return Optional.empty();
    try {
      return Optional.of(Long.parseLong(strings.get(0).substring("epoch=".length())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether each owner already holds exactly the wanted record and no other address record. */
  private boolean holds(List<Record> wanted, Deadline deadline) throws DiscoveryException {
    for (Record r : wanted) {
      for (int type : new int[] {Type.A, Type.AAAA, Type.CNAME}) {
        List<Record> found = lookup(r.getName(), type, deadline);
        boolean expected = type == r.getType();
        if (expected ? !(found.size() == 1 && found.get(0).rdataToString().equals(r.rdataToString())) : !found.isEmpty()) {
          return false;
        }
      }
    }
    return true;
  }

  private List<Record> lookup(Name owner, int type, Deadline deadline) throws DiscoveryException {
    Message query = Message.newQuery(Record.newRecord(owner, type, DClass.IN));
    Message response = send(query, deadline, "query " + owner + " " + Type.string(type));
    int rcode = response.getRcode();
    if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) throw failure(response, "query of " + owner);
    return response.getSection(Section.ANSWER).stream().filter(r -> r.getType() == type).toList();
  }

  private Message send(Message m, Deadline deadline, String what) throws DiscoveryException {
    Duration left = deadline.left(settings.timeout());
    if (left.isZero()) {
      throw new DiscoveryException(name() + ": gave up before the " + what + ": " + deadline.total.toMillis()
          + "ms budget spent", false);
    }
    Message response;
    try {
      SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(settings.server().host(), settings.server().port()));
      resolver.setTCP(true);
      resolver.setTSIGKey(key);
      resolver.setTimeout(left);
      response = resolver.send(m);
    } catch (IOException e) {
      throw new DiscoveryException(name() + ": no answer to the " + what + " from " + settings.server() + " within "
          + left.toMillis() + "ms: " + e + "; check that the server runs and the address is right", false, e);
    }
    TSIGRecord tsig = response.getTSIG();
    if (tsig != null && tsig.getError() != Rcode.NOERROR) {
      throw failure(response, what);
    }
    if (!response.isVerified()) {
      throw new DiscoveryException(name() + ": the answer to the " + what + " from " + settings.server()
          + " is not signed with TSIG key " + settings.tsigKeyName() + " (rcode " + Rcode.string(response.getRcode())
          + "); check the key name, algorithm and secret on both sides", false);
    }
    return response;
  }

  private DiscoveryException failure(Message response, String what) {
    TSIGRecord tsig = response.getTSIG();
    String tsigError = tsig != null && tsig.getError() != Rcode.NOERROR ? ", TSIG " + Rcode.TSIGstring(tsig.getError()) : "";
    String hint = switch (response.getRcode()) {
      case Rcode.NOTAUTH -> tsigError.isEmpty()
          ? "the server is not authoritative for " + settings.zone() + " or does not accept key " + settings.tsigKeyName()
          : "key " + settings.tsigKeyName() + " (" + settings.tsigAlgorithm() + ") does not match the server's: check the secret in "
              + settings.tsigSecretFile() + " and the clocks";
      case Rcode.REFUSED -> "the server does not allow updates with key " + settings.tsigKeyName() + " (allow-update / update-policy)";
      case Rcode.NOTZONE -> "a name is not inside zone " + settings.zone();
      case Rcode.SERVFAIL -> "the server failed; see its log";
      default -> "see the server's log";
    };
    return new DiscoveryException(name() + ": the " + what + " was answered " + Rcode.string(response.getRcode())
        + tsigError + " by " + settings.server() + ": " + hint, false);
  }

  /** The address records of {@code p.primary()} at each of the cluster's names. */
  private List<Record> addresses(Publication p) throws DiscoveryException {
    List<Name> owners = new ArrayList<>();
    if (p.dnsNames().isEmpty()) {
      owners.add(name(p.cluster()));
    } else {
      for (String n : p.dnsNames()) owners.add(name(n));
    }
    List<Record> records = new ArrayList<>();
    for (Name owner : owners) records.add(address(owner, p.primary().host()));
    return records;
  }

  private Record address(Name owner, String host) throws DiscoveryException {
    long ttl = settings.ttlSeconds();
    byte[] v4 = Address.toByteArray(host, Address.IPv4);
    byte[] v6 = v4 == null ? Address.toByteArray(host, Address.IPv6) : null;
    try {
      if (v4 != null) return new ARecord(owner, DClass.IN, ttl, InetAddress.getByAddress(v4));
      if (v6 != null) return new AAAARecord(owner, DClass.IN, ttl, InetAddress.getByAddress(v6));
      return new CNAMERecord(owner, DClass.IN, ttl, Name.fromString(host, Name.root));
    } catch (UnknownHostException | TextParseException e) {
      throw new DiscoveryException(name() + ": the primary's host '" + host + "' is neither an IP address nor a DNS name; fix the node's host", false, e);
    }
  }

  /** A name relative to the zone ("shop" → shop.db.example.), or absolute if it ends with a dot; must be inside the zone. */
  private Name name(String text) throws DiscoveryException {
    try {
      Name n = Name.fromString(text, settings.zone());
      if (!n.subdomain(settings.zone())) {
        throw new DiscoveryException(name() + ": DNS name " + n + " is not inside zone " + settings.zone()
            + "; list names inside it in the cluster's dnsNames, or configure that zone", false);
      }
      return n;
    } catch (TextParseException e) {
      throw new DiscoveryException(name() + ": '" + text + "' is not a DNS name: " + e.getMessage(), false, e);
    }
  }

  /** What is left of a total time budget; each request gets at most one timeout of it. */
  private static final class Deadline {
    final Duration total;
    final long end;

    Deadline(Duration total) {
      this.total = total;
      this.end = System.nanoTime() + total.toNanos();
    }

    Duration left(Duration cap) {
      long left = end - System.nanoTime();
      return left <= 0 ? Duration.ZERO : Duration.ofNanos(Math.min(left, cap.toNanos()));
    }
  }
}
