package dev.deneb.controller.lease;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.deneb.protocol.Command;
import java.util.Optional;

/** Which cluster an applied command is about: every command kind but the legacy renewal batch names one. */
public final class AppliedCommands {
  private AppliedCommands() {}

  public static Optional<String> cluster(Command command) {
    if (command.getKindCase() == Command.KindCase.KIND_NOT_SET) return Optional.empty();
    FieldDescriptor kind = command.getDescriptorForType().findFieldByNumber(command.getKindCase().getNumber());
    Message inner = (Message) command.getField(kind);
    FieldDescriptor cluster = inner.getDescriptorForType().findFieldByName("cluster");
    if (cluster == null || cluster.getType() != FieldDescriptor.Type.STRING) return Optional.empty();
    String name = (String) inner.getField(cluster);
    return name.isEmpty() ? Optional.empty() : Optional.of(name);
  }
}
