package dev.deneb.fencing.gtid;

/**
 * One MariaDB GTID {@code domain-server-seq}: the replication domain (32-bit), the server id of
 * the server that committed it (32-bit) and the sequence number, which grows by one per
 * transaction within a domain (64-bit, kept as a non-negative {@code long}).
 */
public record MariaDbGtid(long domain, long serverId, long seq) {

  private static final long MAX_UINT32 = 0xFFFF_FFFFL;

  public MariaDbGtid {
    if (domain < 0 || domain > MAX_UINT32) {
      throw new IllegalArgumentException("MariaDB GTID domain must be 0.." + MAX_UINT32 + ", got " + domain);
    }
    if (serverId < 0 || serverId > MAX_UINT32) {
      throw new IllegalArgumentException("MariaDB GTID server id must be 0.." + MAX_UINT32 + ", got " + serverId);
    }
    if (seq < 0) {
      throw new IllegalArgumentException("MariaDB GTID sequence number must be >= 0, got " + seq);
    }
  }

  /**
   * Parses {@code domain-server-seq}.
   *
   * @throws IllegalArgumentException naming the token when it is not three dash-separated numbers
   */
  public static MariaDbGtid parse(String token) {
    String[] parts = token.split("-", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          "bad MariaDB GTID '" + token + "': expected domain-server-seq, e.g. 0-1-100");
    }
    try {
      return new MariaDbGtid(
          parseUnsigned(parts[0]), parseUnsigned(parts[1]), parseUnsigned(parts[2]));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad MariaDB GTID '" + token + "': " + e.getMessage(), e);
    }
  }

  private static long parseUnsigned(String digits) {
    if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("'" + digits + "' is not an unsigned number");
    }
    return Long.parseLong(digits);
  }

  @Override
  public String toString() {
    return domain + "-" + serverId + "-" + seq;
  }
}
