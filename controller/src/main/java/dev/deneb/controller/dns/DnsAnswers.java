package dev.deneb.controller.dns;

import dev.deneb.controller.dns.DiscoveryView.Endpoint;
import dev.deneb.controller.dns.DiscoveryView.Entry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The built-in server's answers, a pure function of the query, the {@link DiscoveryView} and the
 * settings (no I/O, no clock), so every rule is a unit test.
 *
 * <p>The zone apex ({@code deneb.local.}) has only its SOA. Each cluster {@code <cluster>.<zone>} is
 * a zone apex of its own, whose SOA serial is the cluster's epoch: a resolver that caches negative
 * answers keeps them at most the SOA minimum, which is the TTL. At that name: A or AAAA of the
 * primary when its host is an IP literal, a CNAME to its host when it is a name, TXT
 * {@code "epoch=<n> node=<id>"} once the cluster has an epoch, SOA. When {@link DiscoveryView}
 * gives no answerable endpoint (epoch 0, or a workflow at CANDIDATE_CHOSEN) the address types are
 * NODATA. Names under the zone that are not a cluster are NXDOMAIN; names outside it REFUSED. Every
 * answer is authoritative (AA).
 *
 * <p>A CNAME beside SOA and TXT at one name is not allowed in a real zone (RFC 1034 §3.6.2); it is
 * given only to A, AAAA and CNAME queries, so that a host-name primary still resolves.
 */
public final class DnsAnswers {
  private DnsAnswers() {}

  private static final long SOA_REFRESH = 3600;
  private static final long SOA_RETRY = 600;
  private static final long SOA_EXPIRE = 86400;

  /** The response to {@code query}; never null, never throws for a parsed message. */
  public static Message answer(Message query, DiscoveryView view, DnsSettings settings) {
    Message response = new Message(query.getHeader().getID());
    response.getHeader().setFlag(Flags.QR);
    response.getHeader().setOpcode(query.getHeader().getOpcode());
    if (query.getHeader().getFlag(Flags.RD)) response.getHeader().setFlag(Flags.RD);
    if (query.getHeader().getOpcode() != Opcode.QUERY) {
      response.getHeader().setRcode(Rcode.NOTIMP);
      return response;
    }
    Record question = query.getQuestion();
    if (question == null || query.getHeader().getCount(Section.QUESTION) != 1) {
      response.getHeader().setRcode(Rcode.FORMERR);
      return response;
    }
    response.addRecord(question, Section.QUESTION);
    Name zone = settings.zone();
    Name qname = question.getName();
    if (question.getDClass() != DClass.IN || !qname.subdomain(zone)) {
      response.getHeader().setRcode(Rcode.REFUSED);
      return response;
    }
    response.getHeader().setFlag(Flags.AA);
    long ttl = settings.ttlSeconds();
    if (qname.equals(zone)) {
      SOARecord soa = soa(zone, view.zoneSerial(), ttl);
      return question.getType() == Type.SOA ? answered(response, soa) : nodata(response, soa);
    }
    Optional<Entry> cluster = clusterAt(qname, zone, view);
    if (cluster.isEmpty()) {
      // Below a cluster's apex nothing exists either; its own SOA is the closest enclosing one.
      Optional<Entry> enclosing = enclosingCluster(qname, zone, view);
      SOARecord soa = enclosing.map(e -> soa(apex(e, zone), e.epoch(), ttl)).orElse(soa(zone, view.zoneSerial(), ttl));
      response.getHeader().setRcode(Rcode.NXDOMAIN);
      response.addRecord(soa, Section.AUTHORITY);
      return response;
    }
    return clusterAnswer(response, qname, question.getType(), cluster.get(), zone, ttl);
  }

  private static Message clusterAnswer(Message response, Name qname, int type, Entry e, Name zone, long ttl) {
    SOARecord soa = soa(qname, e.epoch(), ttl);
    switch (type) {
      case Type.SOA:
        return answered(response, soa);
      case Type.TXT:
        if (e.epoch() == 0) return nodata(response, soa);
        return answered(response, new TXTRecord(qname, DClass.IN, ttl, "epoch=" + e.epoch() + " node=" + e.node()));
      case Type.A:
      case Type.AAAA:
      case Type.CNAME:
        Optional<Record> address = e.endpoint().flatMap(ep -> addressRecord(qname, type, ep, ttl));
        return address.map(r -> answered(response, r)).orElseGet(() -> nodata(response, soa));
      default:
        // ANY and every other type: nothing to add, and ANY is not worth amplification (RFC 8482 allows this).
        return nodata(response, soa);
    }
  }

  /** The record for {@code type} naming the endpoint: A for IPv4, AAAA for IPv6, CNAME for a host name. */
  private static Optional<Record> addressRecord(Name qname, int type, Endpoint ep, long ttl) {
    byte[] v4 = Address.toByteArray(ep.host(), Address.IPv4);
    byte[] v6 = v4 == null ? Address.toByteArray(ep.host(), Address.IPv6) : null;
    try {
      if (v4 != null) {
        return type == Type.A ? Optional.of(new ARecord(qname, DClass.IN, ttl, InetAddress.getByAddress(v4))) : Optional.empty();
      }
      if (v6 != null) {
        return type == Type.AAAA ? Optional.of(new AAAARecord(qname, DClass.IN, ttl, InetAddress.getByAddress(v6))) : Optional.empty();
      }
    } catch (UnknownHostException impossible) {
      // getByAddress fails only for a wrong length, and toByteArray returned a 4- or 16-byte array.
      throw new IllegalStateException(impossible);
    }
    try {
      Name target = Name.fromString(ep.host(), Name.root);
      return Optional.of(new CNAMERecord(qname, DClass.IN, ttl, target));
    } catch (TextParseException e) {
      return Optional.empty(); // a host DNS cannot carry: nothing to say rather than something wrong
    }
  }

  private static Optional<Entry> clusterAt(Name qname, Name zone, DiscoveryView view) {
    if (qname.labels() != zone.labels() + 1) return Optional.empty();
    return view.cluster(qname.getLabelString(0).toLowerCase(Locale.ROOT));
  }

  private static Optional<Entry> enclosingCluster(Name qname, Name zone, DiscoveryView view) {
    if (qname.labels() <= zone.labels() + 1) return Optional.empty();
    int clusterLabel = qname.labels() - zone.labels() - 1;
    return view.cluster(qname.getLabelString(clusterLabel).toLowerCase(Locale.ROOT));
  }

  private static Name apex(Entry e, Name zone) {
    return DnsNames.child(e.cluster(), zone).orElse(zone);
  }

  private static SOARecord soa(Name apex, long serial, long ttl) {
    Name host = under("ns", apex);
    Name admin = under("hostmaster", apex);
    // Serials are 32-bit sequence numbers (RFC 1982); wrapping is what they are made for.
    return new SOARecord(apex, DClass.IN, ttl, host, admin, serial & 0xFFFF_FFFFL, SOA_REFRESH, SOA_RETRY, SOA_EXPIRE, ttl);
  }

  /** {@code label.apex}, or the apex itself when that would exceed 255 bytes. */
  private static Name under(String label, Name apex) {
    try {
      return Name.concatenate(Name.fromConstantString(label), apex);
    } catch (org.xbill.DNS.NameTooLongException e) {
      return apex;
    }
  }

  private static Message answered(Message response, Record r) {
    response.addRecord(r, Section.ANSWER);
    return response;
  }

  private static Message nodata(Message response, SOARecord soa) {
    response.addRecord(soa, Section.AUTHORITY);
    return response;
  }
}
