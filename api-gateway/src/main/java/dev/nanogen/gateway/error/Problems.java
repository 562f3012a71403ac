package dev.nanogen.gateway.error;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The contract's error codes an endpoint answers beyond those every call of its kind may get
 * (authentication, the request budget, an internal error): listed as problem+json responses in the
 * OpenAPI document, so a client generator knows them.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Problems {
  ErrorCode[] value();
}
