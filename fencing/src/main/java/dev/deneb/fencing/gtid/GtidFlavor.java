package dev.deneb.fencing.gtid;

/** The two GTID notations Deneb understands; each server speaks exactly one. */
public enum GtidFlavor {
  /** MySQL 5.6+ sets of {@code uuid[:tag]:intervals}; 8.4 adds the optional tags. */
  MYSQL,
  /** MariaDB 10.0+ positions of {@code domain-server-seq}, one per replication domain. */
  MARIADB
}
