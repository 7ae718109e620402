package dev.deneb.fencing.gtid;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A MySQL transaction source identifier: the source's UUID plus the optional tag of MySQL 8.3+
 * ({@code uuid:tag:N}). Untagged GTIDs have the empty tag. Both parts are kept in lower case because
 * MySQL compares UUIDs and tags case-insensitively.
 */
public record Tsid(String uuid, String tag) implements Comparable<Tsid> {

  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern TAG = Pattern.compile("[a-z_][a-z0-9_]{0,31}");

  public Tsid {
    uuid = uuid.toLowerCase(Locale.ROOT);
    tag = tag.toLowerCase(Locale.ROOT);
    if (!isUuid(uuid)) {
      throw new IllegalArgumentException("'" + uuid + "' is not a server UUID (8-4-4-4-12 hex digits)");
    }
    if (!tag.isEmpty() && !isTag(tag)) {
      throw new IllegalArgumentException(
          "'" + tag + "' is not a GTID tag (a letter or _, then up to 31 letters, digits or _)");
    }
  }

  /** An untagged source. */
  public static Tsid of(String uuid) {
    return new Tsid(uuid, "");
  }

  static boolean isUuid(String token) {
    return UUID.matcher(token.toLowerCase(Locale.ROOT)).matches();
  }

  static boolean isTag(String token) {
    return TAG.matcher(token.toLowerCase(Locale.ROOT)).matches();
  }

  @Override
  public int compareTo(Tsid o) {
    int c = uuid.compareTo(o.uuid);
    return c != 0 ? c : tag.compareTo(o.tag);
  }

  @Override
  public String toString() {
    return tag.isEmpty() ? uuid : uuid + ":" + tag;
  }
}
