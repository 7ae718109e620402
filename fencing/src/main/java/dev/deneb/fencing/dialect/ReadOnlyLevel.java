package dev.deneb.fencing.dialect;

/** How much a server refuses writes, weakest first. */
public enum ReadOnlyLevel {
  /** Anyone with the table privileges may write. */
  WRITABLE,
  /**
   * {@code read_only=ON}: client writes are refused, but replication threads and privileged
   * accounts still write (MariaDB: {@code READ_ONLY ADMIN}, included in {@code ALL PRIVILEGES};
   * MySQL: {@code CONNECTION_ADMIN} or {@code SUPER}). On MariaDB this is the strongest level.
   */
  READ_ONLY,
  /** MySQL only, {@code super_read_only=ON}: only replication threads write. */
  SUPER_READ_ONLY;

  /** True when this level refuses at least what {@code other} refuses. */
  public boolean atLeast(ReadOnlyLevel other) {
    return compareTo(other) >= 0;
  }
}
