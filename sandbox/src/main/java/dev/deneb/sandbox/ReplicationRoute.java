package dev.deneb.sandbox;

import java.net.InetSocketAddress;

/**
 * The address a replica's receiver (IO thread) connects to in order to reach its source. The default
 * is the source itself; a test can return a proxy's address instead (a {@code ToxiproxySandbox}
 * link whose upstream is {@link DatabaseNode#hostPort() source.hostPort()}) to cut, slow or
 * black-hole that one replication link.
 */
@FunctionalInterface
public interface ReplicationRoute {

  /** Replicas connect straight to the source's port. */
  ReplicationRoute DIRECT = (replica, source) -> source.address();

  /**
   * Called each time {@code replica} is pointed at {@code source} (at start, and by
   * {@link DatabaseSandbox#replicate}).
   */
  InetSocketAddress sourceAddress(DatabaseNode replica, DatabaseNode source);
}
