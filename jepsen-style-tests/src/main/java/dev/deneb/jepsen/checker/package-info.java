/**
 * One {@link dev.deneb.jepsen.checker.Checker} per property of DESIGN §2 (plus phantom rows,
 * convergence and availability figures), each pure over a history and its observations;
 * {@link dev.deneb.jepsen.checker.Checkers#all} runs them together.
 */
package dev.deneb.jepsen.checker;
