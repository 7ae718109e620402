package dev.deneb.agent.report;

/**
 * Where the agent's health reports go: to the controller group's leader alone, because only the
 * leader's orchestrator reads them; to every member while no leader is known (an election) or its
 * link is down. At 10,000 clusters, reporting to all three members was 45,000 messages a second
 * that two members only stored.
 *
 * <p>Members name the leader they know with its Raft term ({@code Welcome}, {@code LeaderNotice});
 * the highest term wins, so a deposed leader still believing in itself never takes reports from the
 * real one. Thread-safe: notices arrive on every link's thread.
 */
public final class ReportRoute {
  private String leader = "";
  private long term = -1;

  /**
   * A member says {@code leader} leads in {@code term} (empty: it knows no leader in that term).
   *
   * @return whether the report target changed: the new target has none of this agent's reports yet,
   *     so the next probe is reported at once
   */
  public synchronized boolean onLeader(String leader, long term) {
    if (term < this.term) return false;
    // In one term there is at most one leader; "none" from a member that has not heard of it yet is no news.
    if (term == this.term && (leader.isEmpty() || leader.equals(this.leader))) return false;
    String before = this.leader;
    this.leader = leader;
    this.term = term;
    return !before.equals(leader);
  }

  /** The member reports go to, or empty: report to every member. */
  public synchronized String leader() {
    return leader;
  }
}
