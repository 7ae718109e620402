/**
 * The fencing ladder (DESIGN §3.2 step 4, issue 3): the SQL fence (read-only, kill client
 * sessions), then SIGKILL of the server process when the agent knows its pid file, then the
 * STONITH hook — each rung verified, timed and logged with its reason, the next one tried only
 * when the one before could not be confirmed.
 */
package dev.deneb.agent.fence;
