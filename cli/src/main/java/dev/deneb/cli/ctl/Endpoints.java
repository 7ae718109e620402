package dev.deneb.cli.ctl;

import dev.deneb.cli.CliException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Where {@code deneb ctl} looks for the controller group: {@code --endpoints}, else $DENEB_ENDPOINTS, else local defaults. */
public final class Endpoints {

  public static final String ENV = "DENEB_ENDPOINTS";
  public static final String DEFAULT = "http://127.0.0.1:8861,http://127.0.0.1:8862,http://127.0.0.1:8863";

  private Endpoints() {}

  /** The option's endpoints if given, else the environment's, else {@link #DEFAULT}. */
  static List<URI> resolve(List<URI> option, Map<String, String> env) {
    if (option != null && !option.isEmpty()) {
      return option;
    }
    String fromEnv = env.get(ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      try {
        return parseList(fromEnv);
      } catch (IllegalArgumentException e) {
        throw new CliException(ENV + ": " + e.getMessage());
      }
    }
    return parseList(DEFAULT);
  }

  static List<URI> parseList(String text) {
    List<URI> endpoints = new ArrayList<>();
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        endpoints.add(parse(part));
      }
    }
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' names no endpoint");
    }
    return endpoints;
  }

  /** {@code http://host:port}, or {@code host:port} meaning http. */
  static URI parse(String text) {
    String s = text.strip();
    String withScheme = s.contains("://") ? s : "http://" + s;
    URI uri;
    try {
      uri = new URI(withScheme);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not an endpoint such as http://127.0.0.1:8861");
    }
    boolean pathless = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/");
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
        || uri.getPort() < 0 || !pathless || uri.getRawQuery() != null) {
      throw new IllegalArgumentException("'" + text + "' is not an endpoint such as http://127.0.0.1:8861");
    }
    return URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
  }

  /** For {@code --endpoints a,b}: picocli splits on commas, this checks each part (usage error, exit 2). */
  public static final class Converter implements ITypeConverter<URI> {
    @Override
    public URI convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
