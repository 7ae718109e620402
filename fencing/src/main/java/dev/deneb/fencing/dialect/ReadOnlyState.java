package dev.deneb.fencing.dialect;

/**
 * The server's global read-only switches as read back from the server.
 *
 * @param readOnly {@code @@GLOBAL.read_only}
 * @param superReadOnly {@code @@GLOBAL.super_read_only}; always false on MariaDB, which has none
 */
public record ReadOnlyState(boolean readOnly, boolean superReadOnly) {

  /** The level these switches amount to. */
  public ReadOnlyLevel level() {
    if (superReadOnly) {
      return ReadOnlyLevel.SUPER_READ_ONLY;
    }
    return readOnly ? ReadOnlyLevel.READ_ONLY : ReadOnlyLevel.WRITABLE;
  }
}
