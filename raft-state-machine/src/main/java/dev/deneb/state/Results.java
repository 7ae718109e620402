package dev.deneb.state;

import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.Refusal;

/** Builders for command results, so every refusal carries an enum reason and a sentence. */
final class Results {
  private Results() {}

  static CommandResult accepted(long epoch, String message) {
    return CommandResult.newBuilder().setAccepted(true).setEpoch(epoch).setMessage(message).build();
  }

  static CommandResult refused(Refusal refusal, String message) {
    return CommandResult.newBuilder().setAccepted(false).setRefusal(refusal).setMessage(message).build();
  }

  static CommandResult refused(Refusal refusal, long epoch, String message) {
    return refused(refusal, message).toBuilder().setEpoch(epoch).build();
  }
}
