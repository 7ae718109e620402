/**
 * Failsafe under a controller quorum loss (DESIGN §3.9 rule 4, docs/lease.md "Failsafe"): a primary
 * whose lease cannot be renewed because no majority of members answers may keep its database
 * writable while every other node of its confirmed membership promises, agent to agent, not to
 * become writable above its epoch before a deadline. Pure: every input carries {@code now} on the
 * caller's monotonic clock; no I/O, no clock reads.
 *
 * <p>Not wired into the agent yet: the agent-to-agent link, the relay and the controllers' release
 * rule are the next steps of the failsafe issue.
 */
package dev.deneb.agent.failsafe;
