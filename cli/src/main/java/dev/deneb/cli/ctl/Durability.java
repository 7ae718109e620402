package dev.deneb.cli.ctl;

import java.util.Arrays;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A cluster's durability, spelled as the API spells it. */
enum Durability {
  ASYNC("async"),
  SEMI_SYNC("semi-sync");

  final String wire;

  Durability(String wire) {
    this.wire = wire;
  }

  static final class Converter implements ITypeConverter<Durability> {
    @Override
    public Durability convert(String value) {
      return Arrays.stream(values())
          .filter(d -> d.wire.equalsIgnoreCase(value.strip()))
          .findFirst()
          .orElseThrow(() -> new TypeConversionException("'" + value + "' is not a durability: use "
              + Arrays.stream(values()).map(d -> d.wire).collect(Collectors.joining(" or "))));
    }
  }
}
