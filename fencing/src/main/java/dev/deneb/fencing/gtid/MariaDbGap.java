package dev.deneb.fencing.gtid;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What one MariaDB position has that another lacks, domain by domain. MariaDB positions are
 * high-water marks, so a gap is "this side is at {@code ahead}, the other at {@code behind}", not a
 * list of transactions (see {@link MariaDbGtidPosition}).
 */
public record MariaDbGap(List<DomainGap> domains) implements GtidGap {

  public MariaDbGap {
    domains = List.copyOf(domains);
  }

  /**
   * One domain in which the other side has not reached {@code ahead}.
   *
   * @param ahead the GTID this side has in the domain
   * @param behind the other side's GTID in the domain, or {@code null} when it has none
   */
  public record DomainGap(MariaDbGtid ahead, MariaDbGtid behind) {

    public DomainGap {
      if (behind != null && behind.domain() != ahead.domain()) {
        throw new IllegalArgumentException("a domain gap compares one domain, got " + ahead + " and " + behind);
      }
    }

    public long domain() {
      return ahead.domain();
    }

    /**
     * Seq numbers by which this side is ahead: {@code ahead.seq - behind.seq}, or
     * {@code ahead.seq} when the other side has nothing in the domain; 0 when both are at the same
     * seq from different servers (see {@link #diverged()}).
     */
    public long seqAhead() {
      return behind == null ? ahead.seq() : Math.max(0, ahead.seq() - behind.seq());
    }

    /** Both sides committed their own transaction with the same seq: the histories forked. */
    public boolean diverged() {
      return behind != null && behind.seq() == ahead.seq() && behind.serverId() != ahead.serverId();
    }

    String describe() {
      if (behind == null) {
        return "domain " + domain() + ": at " + ahead + ", other side has nothing in this domain ("
            + seqAhead() + " seq ahead)";
      }
      if (diverged()) {
        return "domain " + domain() + ": at " + ahead + ", other side at " + behind
            + " (same seq from another server: diverged)";
      }
      return "domain " + domain() + ": at " + ahead + ", other side at " + behind + " ("
          + seqAhead() + " seq ahead)";
    }
  }

  @Override
  public boolean isEmpty() {
    return domains.isEmpty();
  }

  @Override
  public String describe() {
    return isEmpty()
        ? "nothing"
        : domains.stream().map(DomainGap::describe).collect(Collectors.joining("; "));
  }
}
