package dev.deneb.controller.api;

import java.nio.charset.StandardCharsets;

/** A finished answer: status, content type and body. Built by the router, written by Netty. */
public record ApiResponse(int status, String contentType, byte[] body) {

  static ApiResponse json(int status, byte[] body) {
    return new ApiResponse(status, "application/json", body);
  }

  static ApiResponse text(int status, String contentType, String body) {
    return new ApiResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }
}
