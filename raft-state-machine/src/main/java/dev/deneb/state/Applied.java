package dev.deneb.state;

import dev.deneb.protocol.CommandResult;

/** What applying one command produced: the next state and the answer for whoever proposed it. */
public record Applied(DenebState state, CommandResult result) {

  static Applied unchanged(DenebState state, CommandResult result) {
    return new Applied(state, result);
  }
}
