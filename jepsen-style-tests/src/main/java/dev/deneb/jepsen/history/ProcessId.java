package dev.deneb.jepsen.history;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/**
 * Who performed an operation. As in Jepsen, a client process is a number and the nemesis is the
 * keyword {@code nemesis}; in JSON the number is written as a number and the nemesis as the string
 * {@code "nemesis"}. A client process whose operation ended {@code info} is retired (it may still be
 * running the operation), so its worker continues under a new number.
 */
@JsonSerialize(using = ProcessId.Writer.class)
@JsonDeserialize(using = ProcessId.Reader.class)
public sealed interface ProcessId permits ProcessId.Client, ProcessId.Nemesis {

  /** The nemesis process. */
  Nemesis NEMESIS = new Nemesis();

  /** A client process. */
  static Client client(int number) {
    return new Client(number);
  }

  /** A numbered client process ({@code number >= 0}). */
  record Client(int number) implements ProcessId {
    public Client {
      if (number < 0) throw new IllegalArgumentException("a client process number is >= 0, got " + number);
    }

    @Override
    public String toString() {
      return Integer.toString(number);
    }
  }

  /** The fault injector; there is one. */
  record Nemesis() implements ProcessId {
    @Override
    public String toString() {
      return "nemesis";
    }
  }

  /** Writes a client as a JSON number and the nemesis as {@code "nemesis"}. */
  final class Writer extends StdSerializer<ProcessId> {
    Writer() {
      super(ProcessId.class);
    }

    @Override
    public void serialize(ProcessId value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      if (value instanceof Client c) {
        gen.writeNumber(c.number());
      } else {
        gen.writeString("nemesis");
      }
    }
  }

  /** Reads a JSON number as a client and {@code "nemesis"} (or {@code ":nemesis"}) as the nemesis. */
  final class Reader extends StdDeserializer<ProcessId> {
    Reader() {
      super(ProcessId.class);
    }

    @Override
    public ProcessId deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) return client(p.getIntValue());
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        String text = p.getText();
        if (text.equals("nemesis") || text.equals(":nemesis")) return NEMESIS;
        try {
          return client(Integer.parseInt(text));
        } catch (NumberFormatException e) {
          // fall through to the error naming the value
        }
      }
      return (ProcessId) ctx.handleUnexpectedToken(ProcessId.class, p.currentToken(), p,
          "process must be a client number or \"nemesis\", got %s", p.getText());
    }
  }
}
