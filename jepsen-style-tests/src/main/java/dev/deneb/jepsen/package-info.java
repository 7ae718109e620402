/**
 * The Jepsen-style suite: nemeses, workloads, histories, the S1-S5 checkers and reports, on the
 * sandbox's real processes (DESIGN §2, §6). Filled by the partition-suite issue.
 */
package dev.deneb.jepsen;
