package dev.deneb.controller.failover;

import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowStep;
import java.util.function.Supplier;

/**
 * One tick's verdict for one cluster (STYLE 8): an action, an enum reason (asserted on in tests,
 * counted in metrics) and a sentence with the evidence (logged and shown by {@code explain}).
 *
 * <p>The sentence is written only when someone reads it ({@link #detail()}): the leader decides for
 * every cluster ten times a second, and almost every verdict is "healthy", logged only when the
 * reason changes. Formatting each one was most of the leader's extra cost at thousands of clusters.
 * A supplier captures immutable values only (the committed record, the evidence), so a sentence
 * written later says what the decision saw.
 */
public record Decision(Action action, Reason reason, Supplier<String> why) {
  private static final Action NONE = new Action.None();

  public static Decision of(Action action, Reason reason, String detail) {
    return new Decision(action, reason, () -> detail);
  }

  public static Decision none(Reason reason, String detail) {
    return of(NONE, reason, detail);
  }

  /** A verdict whose sentence is written only if it is read. */
  public static Decision none(Reason reason, Supplier<String> detail) {
    return new Decision(NONE, reason, detail);
  }

  /** The sentence with the evidence. */
  public String detail() {
    return why.get();
  }

  /** What the orchestrator does about it; every action but {@link Publish} is one committed command. */
  public sealed interface Action {
    record None() implements Action {}

    record Begin(WorkflowKind kind, String target) implements Action {}

    record Advance(WorkflowStep step, String candidate, String lostGtids, String finalGtids) implements Action {}

    /** Publish the new primary to every discovery backend, then commit DISCOVERY_PUBLISHED. */
    record Publish() implements Action {}

    record Settle(String node, boolean quarantine, String extraGtids) implements Action {}

    record Complete() implements Action {}

    /** Fence the primary being replaced over SQL and read its final position (its agent did not confirm). */
    record FenceOverSql() implements Action {}

    record Abort() implements Action {}
  }

  public enum Reason {
    // steady state
    NOT_BOOTSTRAPPED,
    PRIMARY_HEALTHY,
    PAUSED,
    PRIMARY_DOWN_WITHIN_GRACE,
    PRIMARY_MYSQLD_DOWN,
    PRIMARY_REPORTED_DOWN_BUT_REPLICAS_STREAM,
    LEASE_LAPSED,
    PRIMARY_NEVER_LEASED,
    NO_CANDIDATE_AVAILABLE,
    LEASE_HELD_PRIMARY_UNREPORTED,
    REPLICAS_LOST_PRIMARY_LEASE_HELD,
    AUTO_FAILOVER_OFF,
    COOLDOWN,
    NODE_ADMITTED,
    NODE_QUARANTINED,
    // workflow steps
    AWAITING_FENCE,
    FENCE_CONFIRMED_BY_AGENT,
    FENCED_BY_LEASE_LAPSE,
    FENCED_OVER_SQL,
    FENCING_OVER_SQL,
    AWAITING_DETACH,
    /** Failsafe: the old primary may still hold by its replicas' promises; waiting for a witness's release. */
    AWAITING_FAILSAFE_RELEASE,
    AWAITING_CATCH_UP,
    CANDIDATE_SAFE,
    CANDIDATE_LOSSY,
    NO_CANDIDATE,
    SWITCHOVER_TARGET_NOT_CAUGHT_UP,
    AWAITING_PROMOTION,
    /** Failsafe: the candidate promised the old primary not to become writable for a while; it waits that out. */
    AWAITING_CANDIDATE_PROMISE,
    PROMOTION_CONFIRMED,
    PUBLISHING_DISCOVERY,
    AWAITING_REPOINT,
    REPOINTED,
    REPOINT_TIMED_OUT,
    WORKFLOW_DONE,
    WORKFLOW_PAUSED
  }
}
