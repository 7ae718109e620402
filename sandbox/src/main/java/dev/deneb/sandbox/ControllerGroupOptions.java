package dev.deneb.sandbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How a {@link ControllerGroupSandbox} configures and runs its members. A {@code null} Raft setting
 * is left out of the YAML, so the controller's documented default applies (docs/controller-config.md).
 *
 * @param electionTimeoutMin  {@code raft.electionTimeoutMin}, or null
 * @param electionTimeoutMax  {@code raft.electionTimeoutMax}, or null
 * @param requestTimeout      {@code raft.requestTimeout}, or null
 * @param snapshotThreshold   {@code raft.snapshotThreshold} (log entries), or null
 * @param segmentSize         {@code raft.segmentSize} such as {@code 64KB} or {@code 4MB}, or null
 * @param leaderTimeout       how long {@link ControllerGroupSandbox#awaitLeader()} waits
 * @param stopGrace           SIGTERM to SIGKILL delay when stopping a member
 * @param extraJvmArgs        added after {@link JavaCommand#DEFAULT_JVM_ARGS}
 * @param lab                 when not null, member {@code i} runs in namespace {@code i-1} of this lab at
 *                            its address, so tests cut links between members with nftables; the caller
 *                            owns the lab (creates it with at least as many namespaces, closes it after the group)
 */
public record ControllerGroupOptions(
    Duration electionTimeoutMin,
    Duration electionTimeoutMax,
    Duration requestTimeout,
    Long snapshotThreshold,
    String segmentSize,
    Duration leaderTimeout,
    Duration stopGrace,
    List<String> extraJvmArgs,
    String extraYaml,
    boolean dns,
    dev.deneb.sandbox.netns.NetworkLab lab) {

  private static final Pattern SIZE = Pattern.compile("[1-9][0-9]*(KB|MB)");

  public ControllerGroupOptions {
    if (segmentSize != null && !SIZE.matcher(segmentSize).matches()) {
      throw new IllegalArgumentException("segmentSize: '" + segmentSize + "' is not a size such as 64KB or 4MB");
    }
    if (snapshotThreshold != null && snapshotThreshold <= 0) {
      throw new IllegalArgumentException("snapshotThreshold: " + snapshotThreshold + " is not a positive number of entries");
    }
    if (leaderTimeout == null || leaderTimeout.isNegative() || leaderTimeout.isZero()) {
      throw new IllegalArgumentException("leaderTimeout: must be a positive duration, got " + leaderTimeout);
    }
    if (stopGrace == null || stopGrace.isNegative()) {
      throw new IllegalArgumentException("stopGrace: must be zero or positive, got " + stopGrace);
    }
    extraJvmArgs = List.copyOf(extraJvmArgs == null ? List.of() : extraJvmArgs);
    extraYaml = extraYaml == null ? "" : extraYaml;
  }

  /** Controller defaults for Raft; a minute to elect a leader (JVM start-up on a loaded 2-CPU host). */
  public static ControllerGroupOptions defaults() {
    return new ControllerGroupOptions(null, null, null, null, null,
        Duration.ofSeconds(60), ProcessSupervisor.DEFAULT_STOP_GRACE, List.of(), "", false, null);
  }

  public ControllerGroupOptions withElectionTimeout(Duration min, Duration max) {
    return new ControllerGroupOptions(min, max, requestTimeout, snapshotThreshold, segmentSize, leaderTimeout, stopGrace, extraJvmArgs, extraYaml, dns, lab);
  }

  public ControllerGroupOptions withRequestTimeout(Duration timeout) {
    return new ControllerGroupOptions(electionTimeoutMin, electionTimeoutMax, timeout, snapshotThreshold, segmentSize, leaderTimeout, stopGrace, extraJvmArgs, extraYaml, dns, lab);
  }

  public ControllerGroupOptions withSnapshotThreshold(long entries) {
    return new ControllerGroupOptions(electionTimeoutMin, electionTimeoutMax, requestTimeout, entries, segmentSize, leaderTimeout, stopGrace, extraJvmArgs, extraYaml, dns, lab);
  }

  public ControllerGroupOptions withSegmentSize(String size) {
    return new ControllerGroupOptions(electionTimeoutMin, electionTimeoutMax, requestTimeout, snapshotThreshold, size, leaderTimeout, stopGrace, extraJvmArgs, extraYaml, dns, lab);
  }

  public ControllerGroupOptions withLeaderTimeout(Duration timeout) {
    return new ControllerGroupOptions(electionTimeoutMin, electionTimeoutMax, requestTimeout, snapshotThreshold, segmentSize, timeout, stopGrace, extraJvmArgs, extraYaml, dns, lab);
  }

  public ControllerGroupOptions withStopGrace(Duration grace) {
    return new ControllerGroupOptions(electionTimeoutMin, electionTimeoutMax, requestTimeout, snapshotThreshold, segmentSize, leaderTimeout, grace, extraJvmArgs, extraYaml, dns, lab);
  }

  public ControllerGroupOptions withJvmArg(String arg) {
    List<String> more = new ArrayList<>(extraJvmArgs);
    more.add(arg);
    return new ControllerGroupOptions(electionTimeoutMin, electionTimeoutMax, requestTimeout, snapshotThreshold, segmentSize, leaderTimeout, stopGrace, more, extraYaml, dns, lab);
  }

  /** Top-level YAML appended to every member's controller.yaml (e.g. a {@code failover:} or {@code rfc2136:} section). */
  public ControllerGroupOptions withExtraYaml(String yaml) {
    return new ControllerGroupOptions(electionTimeoutMin, electionTimeoutMax, requestTimeout, snapshotThreshold, segmentSize,
        leaderTimeout, stopGrace, extraJvmArgs, extraYaml + yaml, dns, lab);
  }

  /** Each member runs the built-in DNS server on a port of its own ({@link ControllerMember#dnsPort()}). */
  public ControllerGroupOptions withDns() {
    return new ControllerGroupOptions(electionTimeoutMin, electionTimeoutMax, requestTimeout, snapshotThreshold, segmentSize,
        leaderTimeout, stopGrace, extraJvmArgs, extraYaml, true, lab);
  }

  /**
   * Each member in its own network namespace of {@code lab} (DESIGN §6: real controller partitions).
   * What members reach in the host namespace must listen on {@link dev.deneb.sandbox.netns.NetworkLab#hostAddress()}
   * or 0.0.0.0: a database or named on 127.0.0.1 is out of their reach (no SQL fence, no RFC 2136).
   */
  public ControllerGroupOptions inNamespacesOf(dev.deneb.sandbox.netns.NetworkLab lab) {
    return new ControllerGroupOptions(electionTimeoutMin, electionTimeoutMax, requestTimeout, snapshotThreshold, segmentSize,
        leaderTimeout, stopGrace, extraJvmArgs, extraYaml, dns, lab);
  }
}
