/**
 * The node agent: health probes, the primary's lease keeper on the monotonic clock, and the directive
 * executor (DESIGN §3.2, §4). Filled by the agent and fencing issue.
 */
package dev.deneb.agent;
