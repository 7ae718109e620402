package dev.deneb.controller.lease;

/**
 * One member's knowledge of one lease (docs/lease.md), as of the moment it answered.
 *
 * @param closed this member has applied a state in which it will never grant this lease again
 *     (a workflow replacing the node, or a later epoch); it stays closed
 * @param granted this member granted the lease at least once since it started
 * @param silenceMillis since this member last granted the lease, on its own clock — or since it
 *     started, or since it applied the epoch, whichever is later: an upper bound on how long ago it
 *     last granted (a restarted member has forgotten its grants, so its start counts as one)
 */
public record LeaseView(boolean closed, boolean granted, long silenceMillis) {}
