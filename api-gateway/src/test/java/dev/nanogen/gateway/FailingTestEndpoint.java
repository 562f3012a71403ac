package dev.nanogen.gateway;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Test-only: an endpoint with a bug, to prove that a bug answers 500 INTERNAL_ERROR and no
 * internals.
 */
@io.swagger.v3.oas.annotations.Hidden
@RestController
class FailingTestEndpoint {
  @GetMapping("/api/test/bug")
  String bug() {
    throw new IllegalStateException("secret internal detail: table users column x");
  }
}
