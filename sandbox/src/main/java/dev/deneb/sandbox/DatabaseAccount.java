package dev.deneb.sandbox;

import java.util.Objects;

/**
 * A database account of a {@link DatabaseSandbox}: user name and password (host part {@code '%'},
 * except {@code root}, which logs in from 127.0.0.1 without a password).
 *
 * @param user account name
 * @param password its password, possibly empty; never printed by {@link #toString()}
 */
public record DatabaseAccount(String user, String password) {

  public DatabaseAccount {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    if (user.isBlank()) {
      throw new IllegalArgumentException("account name is blank");
    }
  }

  @Override
  public String toString() {
    return "DatabaseAccount[" + user + ", password=***]";
  }
}
