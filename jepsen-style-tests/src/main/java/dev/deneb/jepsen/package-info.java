/**
 * The Jepsen-style suite: nemeses, workloads, histories, the S1-S5 checkers and reports, on the
 * sandbox's real processes (DESIGN §2, §6). The pure parts are here: {@code history} (ops as JSON
 * lines, the controller's observations, the info rule), {@code checker} (one class per property)
 * and {@code report} (one self-contained HTML page). The harness, nemeses and client workers that
 * produce histories come with the partition-suite issue.
 */
package dev.deneb.jepsen;
