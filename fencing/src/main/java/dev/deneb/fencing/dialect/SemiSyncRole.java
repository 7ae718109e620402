package dev.deneb.fencing.dialect;

/** Which side of semi-synchronous replication a server plays ({@link SqlDialect#configureSemiSync}). */
public enum SemiSyncRole {
  /** Commits wait (at AFTER_SYNC) for one replica's acknowledgement, up to the timeout. */
  PRIMARY,
  /** The replication receiver acknowledges what it has written to the relay log. */
  REPLICA,
  /** Neither: plain asynchronous replication. */
  OFF
}
