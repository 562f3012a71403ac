package dev.nanogen.gateway;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Test-only: an endpoint with a bug, to prove that a bug answers 500 INTERNAL_ERROR and no
 * internals; and one whose asynchronous answer times out, to prove that a time-out answers 503.
 */
@io.swagger.v3.oas.annotations.Hidden
@RestController
class FailingTestEndpoint {
  @GetMapping("/api/test/bug")
  String bug() {
    throw new IllegalStateException("secret internal detail: table users column x");
  }

  @GetMapping("/api/test/slow")
  org.springframework.web.context.request.async.DeferredResult<String> slow() {
    return new org.springframework.web.context.request.async.DeferredResult<>(100L);
  }
}
